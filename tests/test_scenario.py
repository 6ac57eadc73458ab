"""Staffing-cut scenarios: KPIs from their definitions on the tiny instance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from planner.plan.model import SolverConfig
from planner.plan.workdays import working_days
from planner.scenarios.whatif import (
    ScenarioError,
    area_kpis,
    choose_leavers,
    comparison,
    cost_shares,
    named_cover_gaps,
    run_scenario,
)
from tests.tiny import tiny, write_tiny

if TYPE_CHECKING:
    from pathlib import Path

MONTH = "2026-03"
RUN = SolverConfig(time_limit=5.0, workers=2, seed=1)


def test_cut_of_zero_reproduces_the_baseline(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    base = run_scenario(instance, MONTH, [], RUN)
    same = run_scenario(instance, MONTH, choose_leavers(instance, 0), RUN)
    table = comparison(base, same)
    assert (table["change"] == 0).all()
    assert base.plan.visits == same.plan.visits
    assert base.plan.schedule == same.plan.schedule


def test_removing_the_only_skilled_person_uncovers_the_process(tmp_path: Path) -> None:
    staff = [
        ("p1", 1.0, "coach employer"),
        ("p2", 1.0, "coach employer"),
        ("p3", 1.0, "coach"),
        ("p4", 1.0, "coach"),
        ("p5", 1.0, "coach"),
        ("p6", 1.0, "coach"),
    ]
    instance = tiny(tmp_path / "i", staff=staff)
    base = run_scenario(instance, MONTH, [], RUN)
    assert named_cover_gaps(base.plan, base.instance).empty
    scen = run_scenario(instance, MONTH, choose_leavers(instance, 0, staff_ids=["p1"]), RUN)
    gaps = named_cover_gaps(scen.plan, scen.instance)
    employer = gaps[gaps["process"] == "employer"]
    assert set(employer["municipality_id"]) == {"town", "village"}
    assert (employer["named"] == 1).all()
    assert employer["reason"].str.contains("only 1 person").all()
    process = [u for u in scen.plan.unmet if u.rule == "responsible_shortfall"]
    assert process


def test_meeting_capacity_from_its_definition(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    scen = run_scenario(instance, MONTH, [], RUN)
    areas = area_kpis(scen.plan, scen.instance)
    local = {"p1", "p2", "p3", "p4", "p5"}  # p6 is on central duties, sub1 a substitute
    worked = sum(
        1 for e in scen.plan.schedule if e.staff_id in local and e.activity not in ("absent", "off")
    )
    # All of the area's clients, 6.5 meetings a year, spread over the year's working days.
    year_days = sum(len(working_days(f"2026-{m:02d}")) for m in range(1, 13))
    required = 500 * 6.5 * len(working_days(MONTH)) / year_days
    assert areas.at["a", "appointment_capacity"] == worked * 5
    assert areas.at["a", "meeting_capacity_pct"] == pytest.approx(
        100 * worked * 5 / required, abs=0.05
    )
    assert areas.at["a", "clients_per_fte"] == pytest.approx(500 / 5, abs=0.05)


def test_cost_shares_add_up_and_follow_the_model(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    shares = cost_shares(instance, fte=6.0)
    monthly = 6.0 * instance.settings.costs.fte_year_eur / 12
    for column in shares.columns:
        assert shares[column].sum() == pytest.approx(monthly, abs=2)
    # Both criteria split 9:1 by labour force here, so every model agrees.
    assert shares.at["town", "cost_population"] == pytest.approx(0.9 * monthly, abs=1)


def test_default_cut_spreads_over_the_pool_and_area_cut_stays_there(tmp_path: Path) -> None:
    from planner.io import load_instance
    from tests.conftest import KUOPIO

    kuopio = load_instance(KUOPIO)
    leavers = choose_leavers(kuopio, 10)
    assert 9.75 <= sum(s.fte for s in leavers) <= 11
    homes = {kuopio.area_of_point(s.home_point_id) for s in leavers}
    assert len(homes) >= 2
    from_one = choose_leavers(kuopio, 5, from_area="sisa_savo")
    assert {kuopio.area_of_point(s.home_point_id) for s in from_one} == {"sisa_savo"}
    with pytest.raises(ScenarioError, match="unknown or inactive production area"):
        choose_leavers(kuopio, 5, from_area="lapland")
    with pytest.raises(ScenarioError, match="unknown staff id"):
        choose_leavers(kuopio, 0, staff_ids=["nobody"])
    with pytest.raises(ScenarioError, match="leaves nobody"):
        choose_leavers(kuopio, 500)


def test_cli_whatif_and_sweep(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    runner = CliRunner()
    out = tmp_path / "whatif"
    result = runner.invoke(
        main,
        [
            "whatif",
            str(directory),
            "--month",
            MONTH,
            "--staff",
            "p2",
            "--out",
            str(out),
            "--time-limit",
            "3",
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "comparison.csv")
    assert {"level", "id", "kpi", "baseline", "scenario", "change"} <= set(table.columns)
    fte = table[(table["kpi"] == "fte") & (table["level"] == "employment area")]
    assert float(fte["change"].iloc[0]) == -1.0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "http://" not in page and "src='http" not in page
    style = page[page.index("<style>") : page.index("</style>")]
    assert "{{" not in style and "table{border-collapse:collapse" in style
    assert "Statutory requirements" in (out / "report.md").read_text(encoding="utf-8")
    swept = tmp_path / "sweep"
    result = runner.invoke(
        main,
        [
            "sweep",
            str(directory),
            "--month",
            MONTH,
            "--cuts",
            "0:1:1",
            "--out",
            str(swept),
            "--time-limit",
            "3",
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(swept / "sweep.csv")
    assert sorted(set(frame["cut_fte"])) == [0.0, 1.0]
    assert (swept / "sweep.png").read_bytes().startswith(b"\x89PNG")
    assert "one FTE holds about" in result.stdout
    assert not math.isnan(frame["meeting_capacity_pct"].iloc[0])
    bad = runner.invoke(main, ["sweep", str(directory), "--month", MONTH, "--cuts", "5:1:1"])
    assert bad.exit_code == 2
