"""Scenario levers on the Kuopio instance: each made by its stated rule (no solving)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from models.instance import parse_weekdays
from planner.clients import municipality_counts
from planner.io import load_instance
from planner.scenarios.levers import LeverError, Levers, apply_levers, read_levers
from tests.conftest import KUOPIO

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance


@pytest.fixture(scope="module")
def kuopio() -> Instance:
    return load_instance(KUOPIO)


def _fte(instance: Instance) -> float:
    return sum(s.fte for s in instance.regular_staff())


def test_a_municipality_leaves_with_its_share(kuopio: Instance) -> None:
    applied = apply_levers(kuopio, Levers(leave=("rautavaara",)))
    after = applied.instance
    assert "rautavaara" not in {m.municipality_id for m in after.municipalities}
    assert "rautavaara" not in {p.point_id for p in after.service_points}
    assert all(s.home_point_id != "rautavaara" for s in after.staff)
    counts = municipality_counts(kuopio)
    share = counts["rautavaara"]["broad_unemployment"] / sum(
        c["broad_unemployment"] for c in counts.values()
    )
    gone = _fte(kuopio) - _fte(after)
    assert gone == pytest.approx(share * _fte(kuopio), abs=1.0)
    assert {kuopio.area_of_point(s.home_point_id) for s in applied.leavers} == {"siilinjarvi"}
    assert "Rautavaara eroaa" in applied.words[0]


def test_a_leaver_takes_its_clients_and_the_others_keep_theirs(kuopio: Instance) -> None:
    from planner.scenarios.whatif import cost_shares

    applied = apply_levers(kuopio, Levers(leave=("rautavaara",)))
    before, after = municipality_counts(kuopio), municipality_counts(applied.instance)
    assert set(after) == set(before) - {"rautavaara"}
    for m, counts in after.items():
        assert counts["broad_unemployment"] == before[m]["broad_unemployment"], m
        assert counts["foreign_language"] == before[m]["foreign_language"], m
    # The staff who go are its own production area's, those based at its points first.
    assert {kuopio.area_of_point(s.home_point_id) for s in applied.leavers} == {"siilinjarvi"}
    based = [s for s in kuopio.regular_staff() if s.home_point_id == "rautavaara"]
    assert {s.staff_id for s in based} <= {s.staff_id for s in applied.leavers}
    assert "muiden kuntien asiakasmäärät pysyvät ennallaan" in applied.words[0]
    # Cost shares are each model's over the remaining members: under 'population' (labour
    # force) a member pays its labour force's share of the smaller pool's cost.
    fte = _fte(applied.instance)
    shares = cost_shares(applied.instance, fte)
    monthly = fte * kuopio.settings.costs.fte_year_eur / 12
    force = {m.municipality_id: m.labour_force for m in applied.instance.active_municipalities()}
    for m, value in shares["cost_population"].items():
        assert value == pytest.approx(monthly * force[m] / sum(force.values()), abs=1)


def test_an_area_joins_with_staff_at_the_pool_ratio(kuopio: Instance) -> None:
    applied = apply_levers(kuopio, Levers(join=("varkaus_joroinen",)))
    after = applied.instance
    assert "varkaus_joroinen" in after.active_area_ids()
    counts = municipality_counts(after)
    clients = counts["varkaus"]["broad_unemployment"] + counts["joroinen"]["broad_unemployment"]
    before = municipality_counts(kuopio)
    ratio = sum(c["broad_unemployment"] for c in before.values()) / _fte(kuopio)
    assert len(applied.joiners) == round(clients / ratio)
    assert all(s.home_point_id == "varkaus" and "coach" in s.skills for s in applied.joiners)
    stated = apply_levers(kuopio, Levers(join=("varkaus_joroinen",), join_fte=3))
    assert len(stated.joiners) == 3
    with pytest.raises(LeverError, match="not an optional production area"):
        apply_levers(kuopio, Levers(join=("kuopio",)))


def test_rules_time_use_and_points(kuopio: Instance) -> None:
    applied = apply_levers(
        kuopio,
        Levers(
            rules="2025",
            face_to_face=0.7,
            meeting_share=0.4,
            registrations=0.2,
            close=("karttula",),
            room_days={"tervo": "Mon, Tue"},
        ),
    )
    s = applied.instance.settings
    assert s.demand.rule_set == "2025" and s.demand.face_to_face_share == 0.7
    assert s.workload.client_meeting_share == 0.4
    assert s.workload.registrations_per_client_month == 0.2
    points = {p.point_id: p for p in applied.instance.service_points}
    assert "karttula" not in points
    # Weekdays as the instance's reader makes them (text here once broke the month's plan).
    assert points["tervo"].weekdays == parse_weekdays("Mon Tue")
    assert all(p.home_point_id != "karttula" for p in applied.instance.staff)
    assert len(applied.words) == 6
    for bad, message in (
        (Levers(rules="1999"), "no rule set '1999'"),
        (Levers(close=("nowhere",)), "unknown service point"),
        (Levers(room_days={"tervo": "Someday"}), "not a list of weekdays"),
    ):
        with pytest.raises(LeverError, match=message):
            apply_levers(kuopio, bad)


def test_a_scenario_file_combines_levers(tmp_path: Path, kuopio: Instance) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(
        'cut = 5\nfrom_area = "sisa_savo"\nleave = ["rautavaara"]\nrules = "2025"\n',
        encoding="utf-8",
    )
    levers = read_levers(path)
    assert levers == Levers(cut=5, from_area="sisa_savo", leave=("rautavaara",), rules="2025")
    applied = apply_levers(kuopio, levers)
    assert _fte(kuopio) - _fte(applied.instance) >= 5
    for text, message in (
        ("cuts = 5\n", "unknown lever 'cuts'"),
        ('cut = "five"\n', "cut must be a number"),
        ("meeting_share = 1.5\n", "between 0 and 1"),
        ("cut = [\n", "not valid TOML"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(LeverError, match=message) as error:
            read_levers(path)
        assert str(path) in str(error.value)
    with pytest.raises(LeverError, match="not a numeric lever"):
        Levers().with_value("leave", 1)
