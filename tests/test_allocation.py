"""Allocation properties on the Kuopio instance: totals, quota, monotonicity, weightings."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from planner.allocation.staff import AllocationError, allocate
from planner.clients import municipality_counts

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance

EPS = 1e-9


def test_totals_add_up(kuopio: Instance) -> None:
    result = allocate(kuopio)
    areas = result.of_level("area")
    points = result.of_level("point")
    assert math.isclose(
        result.central_fte + sum(r.allocated_fte for r in areas),
        result.pool_fte - result.unallocated_fte,
    )
    for area in areas:
        mine = [p.allocated_fte for p in points if p.parent == area.id]
        assert math.isclose(sum(mine), area.allocated_fte)
    assert result.unallocated_fte < result.step_fte


@pytest.mark.parametrize("weighting", ["clients", "VOS1", "VOS2", "VOS3", "KOMBI4"])
def test_quota_rule_and_floors(kuopio: Instance, weighting: str) -> None:
    result = allocate(kuopio, weighting=weighting)
    step = result.step_fte
    for row in result.rows:
        if row.level == "central":
            continue
        assert abs(row.allocated_fte - row.quota_fte) < step - EPS, row
        assert row.allocated_fte >= row.floor_fte
        assert round(row.allocated_fte / step) * step == pytest.approx(row.allocated_fte)


def test_every_member_municipality_keeps_local_service(kuopio: Instance) -> None:
    result = allocate(kuopio, cut=40)
    served = {
        kuopio.point(r.id).municipality_id for r in result.of_level("point") if r.allocated_fte > 0
    }
    assert served == {m.municipality_id for m in kuopio.active_municipalities()}


def test_growing_the_pool_never_shrinks_any_share(kuopio: Instance) -> None:
    # Central duties round to a step, so they can never take more than the pool grew.
    previous: dict[tuple[str, str], float] = {}
    for pool in [100 + 0.5 * k for k in range(0, 121)]:
        shares = {(r.level, r.id): r.allocated_fte for r in allocate(kuopio, pool=pool).rows}
        assert all(shares[k] >= v for k, v in previous.items()), pool
        previous = shares


def test_growing_the_area_pool_never_shrinks_any_share(kuopio: Instance) -> None:
    # With central duties at zero every extra step goes to the areas.
    settings = kuopio.settings.model_copy(
        update={"cover": kuopio.settings.cover.model_copy(update={"central_share": 0.0})}
    )
    instance = kuopio.model_copy(update={"settings": settings})
    previous: dict[tuple[str, str], float] = {}
    for pool in [60 + 0.5 * k for k in range(0, 200, 7)]:
        shares = {(r.level, r.id): r.allocated_fte for r in allocate(instance, pool=pool).rows}
        assert all(shares[k] >= v for k, v in previous.items()), pool
        previous = shares


def _share(instance: Instance, weighting: str, area: str) -> float:
    result = allocate(instance, weighting=weighting)
    return result.row("area", area).allocated_fte / result.local_fte


def test_weightings_move_staff_the_expected_way(kuopio: Instance) -> None:
    counts = municipality_counts(kuopio)
    kuopio_area = [
        m.municipality_id for m in kuopio.active_municipalities() if m.area_id == "kuopio"
    ]

    def share(criterion: str) -> float:
        total = sum(c[criterion] for c in counts.values())
        return sum(counts[m][criterion] for m in kuopio_area) / total

    # Kuopio holds more of the foreign-language speakers than of the unemployed ...
    assert share("foreign_language") > share("broad_unemployment")
    # ... and less of the labour force.
    assert share("labour_force") < share("broad_unemployment")
    weightings = dict(kuopio.settings.weightings)
    weightings["foreign"] = {"foreign_language": 1.0}
    weightings["workforce"] = {"labour_force": 1.0}
    instance = kuopio.model_copy(
        update={"settings": kuopio.settings.model_copy(update={"weightings": weightings})}
    )
    base = _share(instance, "clients", "kuopio")
    assert _share(instance, "foreign", "kuopio") > base
    assert _share(instance, "workforce", "kuopio") < base
    assert _share(instance, "VOS2", "kuopio") < base  # half labour force


def test_cut_reduces_the_pool_and_no_share_grows(kuopio: Instance) -> None:
    base = allocate(kuopio)
    cut = allocate(kuopio, cut=10)
    assert cut.pool_fte - cut.cut_fte == base.pool_fte - 10
    for row in cut.rows:
        if row.level == "area":
            assert row.allocated_fte <= base.row("area", row.id).allocated_fte


def test_named_staff_match_the_area_allocation(kuopio: Instance) -> None:
    result = allocate(kuopio)
    regular = {s.staff_id for s in kuopio.regular_staff()}
    assert set(result.home_areas) == regular
    for row in result.rows:
        if row.level in ("area", "central"):
            assert row.named_staff_fte is not None
            assert abs(row.named_staff_fte - row.allocated_fte) <= result.step_fte + EPS, row


def test_impossible_cut_is_a_clear_error(kuopio: Instance) -> None:
    with pytest.raises(AllocationError, match=r"less than the .* FTE of floors"):
        allocate(kuopio, cut=140)
    with pytest.raises(AllocationError, match="unknown weighting 'nope'"):
        allocate(kuopio, weighting="nope")


def test_cli_allocate_writes_the_table(tmp_path: Path) -> None:
    out = tmp_path / "allocation.csv"
    staff_out = tmp_path / "homes.csv"
    result = CliRunner().invoke(
        main, ["allocate", "--weighting", "VOS3", "--out", str(out), "--staff-out", str(staff_out)]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    for column in ("level", "id", "weighted_need", "quota_fte", "allocated_fte"):
        assert column in table.columns
    assert set(table["level"]) == {"central", "area", "point"}
    assert "Weighting VOS3" in result.stdout
    homes = pd.read_csv(staff_out)
    assert len(homes) == 154


def test_cli_allocate_bad_cut_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "allocation.csv"
    result = CliRunner().invoke(main, ["allocate", "--cut", "200", "--out", str(out)])
    assert result.exit_code == 2
    assert "error: nothing left to allocate" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
