"""Staffing-cut scenarios: KPIs from their definitions on the tiny instance."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from planner.plan.model import SolverConfig
from planner.scenarios.whatif import (
    ScenarioError,
    area_kpis,
    choose_leavers,
    comparison,
    cost_shares,
    named_cover_gaps,
    run_scenario,
)
from tests.browser import english_words
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


def test_capacity_and_caseload_from_their_definitions(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    scen = run_scenario(instance, MONTH, [], RUN)
    areas = area_kpis(scen.plan, scen.instance, scen.flow)
    days = Counter(e.activity for e in scen.plan.schedule)
    # An office day: 435 min x 0.5 in 60-minute meetings; an outreach day: 5 appointments.
    capacity = days["office"] * 435 * 0.5 / 60 + days["outreach"] * 5
    assert areas.at["a", "appointment_capacity"] == round(capacity)
    # What came due: the discussions (from a steady state, 500 clients' next discussion
    # spread over 63 working days, less those who left before it), the conversations by
    # need and an initial interview for every new registration.
    flows = scen.flow.municipalities
    required = sum(f.discussions_due + f.by_need_due + f.registrations for f in flows)
    assert areas.at["a", "meetings_required"] == round(required)
    due = sum(f.discussions_due for f in flows)
    assert (
        500 * len(scen.plan.working_days) / 63 * 0.9 < due <= 500 * len(scen.plan.working_days) / 63
    )
    assert areas.at["a", "capacity_pct"] == pytest.approx(100 * capacity / required, abs=0.05)
    # p6 is on central duties: the caseload is shared by p1-p5.
    assert areas.at["a", "caseload"] == pytest.approx(500 / 5, abs=0.05)


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
    quick = ["--time-limit", "3", "--workers", "2", "--jobs", "1"]
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
            "--language",
            "en",
            *quick,
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "comparison.csv")
    assert {"month", "level", "id", "kpi", "baseline", "scenario", "change"} <= set(table.columns)
    # The year is the default answer: 12 months from the month given.
    assert sorted(set(table["month"]))[0] == MONTH and table["month"].nunique() == 12
    fte = table[(table["kpi"] == "fte") & (table["level"] == "employment area")]
    assert (fte["change"] == -1.0).all()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "http://" not in page and "src='http" not in page
    # Leavers counted by role, area and home point; never named in what a board sees.
    assert "Person p2" not in page and "Town office" in page
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "Person p2" not in markdown
    assert "1 named people leave (1 FTE)" in markdown and "Initial interview within 10" in markdown
    assert "saves 62" in markdown and "a year" in markdown  # a saving written as a saving
    assert "Baseline:" in result.output and "Scenario:" in result.output
    swept = tmp_path / "sweep"
    result = runner.invoke(
        main,
        [
            "sweep",
            str(directory),
            "--months",
            "2026-02:2026-03",
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
    assert sorted(set(frame["value"])) == [0.0, 1.0] and set(frame["lever"]) == {"cut"}
    assert "stopped_by_wall_clock" in frame.columns
    assert (swept / "sweep.png").read_bytes().startswith(b"\x89PNG")
    board = pd.read_csv(swept / "board.csv")
    assert {"cost_year_eur", "visit_days", "overdue_discussions_peak", "late_interviews"} <= set(
        board.columns
    )
    assert set(board["municipality"]) == {"Town", "Village"}
    assert not any("p" + str(k) in " ".join(map(str, board.columns)) for k in range(1, 7))
    band = pd.read_csv(swept / "band.csv")
    assert band["case"].iloc[0] == "central assumptions"
    # The sweep speaks the instance's language (Finnish), months as a person says them.
    assert "Arvioitu jaksolla helmikuu 2026–maaliskuu 2026" in result.stdout
    report = (swept / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Porrastus: henkilöstövähennys, htv, helmikuu 2026")
    assert not english_words(report.split("## ")[0]), english_words(report)
    assert not math.isnan(frame["capacity_pct"].iloc[0])
    bad = runner.invoke(main, ["sweep", str(directory), "--month", MONTH, "--cuts", "5:1:1"])
    assert bad.exit_code == 2
    other = runner.invoke(
        main,
        [
            "sweep",
            str(directory),
            "--month",
            MONTH,
            "--one-month",
            "--lever",
            "meeting_share",
            "--values",
            "0.3:0.6:0.3",
            "--out",
            str(tmp_path / "share"),
            *quick,
        ],
    )
    assert other.exit_code == 0, other.output
    assert "Yksi kuukausi ei riitä vähennyksen arviointiin" in other.stdout
    unknown = runner.invoke(
        main, ["whatif", str(directory), "--month", MONTH, "--leave", "atlantis"]
    )
    assert unknown.exit_code == 2 and "unknown municipality atlantis" in unknown.output


def test_whatif_over_months_reports_the_run(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    out = tmp_path / "w"
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            str(directory),
            "--months",
            "2026-02:2026-03",
            "--staff",
            "p3",
            "--out",
            str(out),
            "--time-limit",
            "3",
            "--workers",
            "2",
            "--jobs",
            "2",
            "--language",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## Month by month (baseline → scenario)" in markdown
    assert "## Each municipality" in markdown and "Town over the 2 months:" in markdown
    assert "## February 2026" in markdown and "## March 2026" in markdown
    table = pd.read_csv(out / "comparison.csv")
    assert sorted(set(table["month"])) == ["2026-02", "2026-03"]
    bad = CliRunner().invoke(main, ["whatif", str(directory), "--months", "2026-03:2026-01"])
    assert bad.exit_code == 2 and "before" in bad.output
