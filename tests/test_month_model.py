"""The whole month as one model: substitutes priced inside it, the law by date, the
initial-interview deadline, and continuity across the month boundary (issue 8)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from cli import main
from models.instance import NoRuleSetError
from planner.check import check_plan
from planner.plan.model import SolverConfig
from planner.plan.month import Previous
from planner.plan.outputs import write_plan
from planner.plan.schedule import plan_month
from planner.scenarios.whatif import choose_leavers, run_scenario
from tests.tiny import tiny, write_tiny

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance
    from models.plan import Plan

FAST = SolverConfig(time_limit=5, workers=2, seed=1)


def solve(instance: Instance, out: Path, month: str = "2026-03", **kwargs: object) -> Plan:
    plan = plan_month(instance, month, config=FAST, **kwargs)  # type: ignore[arg-type]
    write_plan(plan, instance, out)
    assert check_plan(out, instance) == []
    return plan


def test_a_substitute_beats_a_long_regular_drive(tmp_path: Path) -> None:
    """A substitute living by the village costs one substitute day (25) where a regular
    person drives 160 minutes there and back (160): the single model sends the substitute.
    Solving regular staff first and adding substitutes on top (the old two-phase design)
    sends the regular people and cannot see this."""
    instance = tiny(tmp_path / "i", substitute_home="village_point", substitutes=2)
    plan = solve(instance, tmp_path / "out")
    assert plan.visits
    on_visits = [s for v in plan.visits for s in v.staff_ids]
    assert on_visits and all(s.startswith("sub") for s in on_visits), on_visits
    # The same instance with substitutes far away: regular people go.
    far = solve(tiny(tmp_path / "j", substitutes=2), tmp_path / "out2")
    assert not any(s.startswith("sub") for v in far.visits for s in v.staff_ids)


def test_bound_is_real_from_the_first_plan(tmp_path: Path) -> None:
    """Every objective coefficient is positive (unmet visits are a variable of their own),
    so no progress line shows a negative bound and the final bound is never below zero."""
    lines: list[str] = []
    plan = plan_month(tiny(tmp_path / "i"), "2026-03", config=FAST, progress=lines.append)
    shown = [line for line in lines if "bound" in line]
    assert shown and not any("bound -" in line for line in shown), shown
    assert plan.stats.best_bound >= 0
    assert plan.stats.passes and plan.stats.passes[0].name == "whole month"


def test_rule_set_switches_on_its_date(tmp_path: Path) -> None:
    """December 2025 is planned under the 2025 rules (initial interview in 5 working days,
    13 meetings a year), January 2026 under the 2026 rules (10 days, 6.5 a year)."""
    instance = tiny(tmp_path / "i")
    december = solve(instance, tmp_path / "2025-12", month="2025-12")
    january = solve(instance, tmp_path / "2026-01", month="2026-01")
    assert (december.rule_set, december.interview_deadline) == ("2025", 5)
    assert (january.rule_set, january.interview_deadline) == ("2026", 10)
    assert december.points[0].demand_staff_days > 1.5 * january.points[0].demand_staff_days
    report = (tmp_path / "2025-12" / "report.md").read_text(encoding="utf-8")
    assert "Voimassa olevat säännöt: 2025" in report
    assert "Voimassa olevat säännöt: 2026" in (tmp_path / "2026-01" / "report.md").read_text(
        encoding="utf-8"
    )
    # Pinned rule set: a what-if applies the 2025 rules to a 2026 month.
    pinned = solve(tiny(tmp_path / "p", rule_set="2025"), tmp_path / "pinned")
    assert pinned.rule_set == "2025"


def test_a_month_outside_every_rule_set_is_refused(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    with pytest.raises(NoRuleSetError, match="no rule set"):
        plan_month(instance, "2021-03", config=FAST)
    result = CliRunner().invoke(
        main, ["schedule", str(tmp_path / "i"), "--month", "2021-03", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "no rule set in [rule_sets] is in force on 2021-03-01" in result.output
    assert not (tmp_path / "o").exists()


def test_the_2025_deadline_asks_for_weekly_visits(tmp_path: Path) -> None:
    """Five working days between registration and interview: every other week is too
    seldom, so under the 2025 rules the village is visited weekly, and every wait is
    within the deadline."""
    plan = solve(tiny(tmp_path / "i", face_to_face_share=0.05, rule_set="2025"), tmp_path / "o")
    assert plan.points[0].pattern.startswith("weekly:Wed"), plan.points[0].pattern
    (wait,) = plan.waits
    assert wait.deadline == 5 and wait.late_days == 0 and wait.worst_wait <= 5
    # With the rule switched off the equity floor (every other week) is all that is left.
    off = tiny(
        tmp_path / "j",
        face_to_face_share=0.05,
        rule_set="2025",
        penalties={"initial_interview_late": 0},
    )
    assert solve(off, tmp_path / "o2").points[0].pattern.startswith("biweekly:Wed")


def test_late_registrations_are_declared_with_their_reason(tmp_path: Path) -> None:
    """Nobody can go in the second half of the month: registrations then wait too long,
    and the plan says so per municipality instead of hiding it."""
    away = [(sid, "2026-03-16", "2026-03-31") for sid in ("p1", "p2", "p3", "p4", "p5", "p6")]
    plan = solve(tiny(tmp_path / "i", absences=away, substitutes=0), tmp_path / "o")
    late = [u for u in plan.unmet if u.rule == "initial_interview_late"]
    assert late and late[0].municipality_id == "village"
    assert "within 10 working days (rule set 2026)" in late[0].reason
    (wait,) = plan.waits
    assert wait.late_days == late[0].amount > 0
    assert wait.worst_wait > 10


def _previous(month: str, days: list[str]) -> Previous:
    return Previous(
        month=month,
        visits=frozenset(("p1", "village_point", dt.date.fromisoformat(d)) for d in days),
        source="test",
    )


def test_the_deadline_holds_across_the_month_boundary(tmp_path: Path) -> None:
    """Last month's last visit was on 18 March: a client registering on 19 March must be
    seen by 2 April (10 working days; Good Friday and Easter Monday do not count), so
    April's rhythm starts on Wednesday 1 April, not on the 8th."""
    instance = tiny(tmp_path / "i", face_to_face_share=0.05)
    context = _previous("2026-03", ["2026-03-04", "2026-03-18"])
    april = solve(instance, tmp_path / "april", month="2026-04", previous=context)
    first = min(v.date for v in april.visits)
    assert first == dt.date(2026, 4, 1), april.points[0].pattern
    (wait,) = april.waits
    assert wait.late_days == 0 and wait.worst_wait <= 10
    assert "kuukauden maaliskuu 2026 käynnit, lähde test" in (
        tmp_path / "april" / "report.md"
    ).read_text(encoding="utf-8")
    # The other rhythm would have been as good without the context: the boundary is what
    # decides. With last visits on 11 and 25 March, 8 April is in time as well.
    other = _previous("2026-03", ["2026-03-11", "2026-03-25"])
    plan = solve(instance, tmp_path / "other", month="2026-04", previous=other)
    assert all(w.late_days == 0 for w in plan.waits)


def test_previous_rhythm_is_a_preference_not_a_lock(tmp_path: Path) -> None:
    """Last month ran every other week; this month's demand needs every week. The old
    rhythm costs a pattern change (100) to leave, far less than the demand it would miss,
    so the plan changes rhythm, and says so in its penalties."""
    instance = tiny(tmp_path / "i", face_to_face_share=1.0)
    held = frozenset(
        ("p1", "village_point", dt.date(2026, 2, day))
        for day in (11, 25)  # odd weeks
    )
    before = Previous(month="2026-02", patterns={"village_point": "biweekly:Wed:odd"}, visits=held)
    plan = solve(instance, tmp_path / "o", previous=before)
    assert plan.points[0].pattern.startswith("weekly:Wed"), plan.points[0].pattern
    assert any(p.rule == "pattern_change" for p in plan.penalties)
    # A rhythm that still fits is kept.
    low = tiny(tmp_path / "j", face_to_face_share=0.05)
    kept = solve(low, tmp_path / "o2", previous=before)
    assert kept.points[0].pattern == "biweekly:Wed:odd"


def test_sweep_cut_zero_is_the_schedule_plan(tmp_path: Path) -> None:
    """schedule, whatif and sweep share one solver configuration: the cut-0 level of a
    sweep is the very plan `planner schedule` makes with the same seed."""
    directory = write_tiny(tmp_path / "i")
    runner = CliRunner()
    common = ["--month", "2026-03", "--time-limit", "5", "--seed", "4"]
    result = runner.invoke(
        main, ["schedule", str(directory), *common, "--out", str(tmp_path / "plan"), "-q"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "sweep",
            str(directory),
            *common,
            "--one-month",
            "--cuts",
            "0:1:1",
            "--jobs",
            "1",
            "--out",
            str(tmp_path / "sweep"),
        ],
    )
    assert result.exit_code == 0, result.output
    import pandas as pd

    swept = pd.read_csv(tmp_path / "sweep" / "sweep.csv")
    row = swept[swept["value"] == 0].iloc[0]
    plan_json = (tmp_path / "plan" / "plan.json").read_text(encoding="utf-8")
    from models.plan import Plan

    plan = Plan.model_validate_json(plan_json)
    assert row["objective"] == pytest.approx(plan.stats.objective)
    base = run_scenario(
        tiny(tmp_path / "k"),
        "2026-03",
        choose_leavers(tiny(tmp_path / "k"), 0),
        SolverConfig(time_limit=5, seed=4),
    )
    assert base.plan.visits == plan.visits


def test_last_months_published_plan_is_the_context(tmp_path: Path) -> None:
    """Without --previous, the visits of last month's published plan (in --db) are the
    context of the deadlines across the boundary; the report says where they came from."""
    directory = write_tiny(tmp_path / "i", face_to_face_share=0.05)
    runner = CliRunner()
    db = tmp_path / "store.db"
    common = ["--time-limit", "5", "--workers", "2", "--seed", "1", "-q"]
    march = tmp_path / "march"
    result = runner.invoke(
        main, ["schedule", str(directory), "--month", "2026-03", "--out", str(march), *common]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["publish", str(march), str(directory), "--db", str(db)])
    assert result.exit_code == 0, result.output
    april = tmp_path / "april"
    result = runner.invoke(
        main,
        [
            "schedule",
            str(directory),
            "--month",
            "2026-04",
            "--out",
            str(april),
            "--db",
            str(db),
            *common,
        ],
    )
    assert result.exit_code == 0, result.output
    report = (april / "report.md").read_text(encoding="utf-8")
    assert f"maaliskuu 2026 käynnit, lähde julkaistu suunnitelma ({db})" in report
    # A month whose previous month was never published has no context, and says so.
    june = tmp_path / "june"
    result = runner.invoke(
        main,
        [
            "schedule",
            str(directory),
            "--month",
            "2026-06",
            "--out",
            str(june),
            "--db",
            str(db),
            *common,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Edellisen kuun suunnitelmaa ei annettu" in (june / "report.md").read_text(
        encoding="utf-8"
    )


def test_a_part_time_substitute_works_their_share(tmp_path: Path) -> None:
    """A half-time substitute works half the month's working days (22 in March 2026), as
    everybody else does; the checker holds them to it exactly."""
    plan = solve(tiny(tmp_path / "i", substitute_fte=0.5), tmp_path / "o")
    worked = [e for e in plan.schedule if e.staff_id == "sub1" and e.activity != "off"]
    assert len(worked) == 11


def test_a_room_free_only_at_weekends_is_an_unmet_floor_not_a_failure(tmp_path: Path) -> None:
    """No weekday rhythm is possible: the plan still comes out, the point stays closed,
    and the unmet equity floor is listed with its reason."""
    plan = solve(tiny(tmp_path / "i", village_weekdays="Sat Sun"), tmp_path / "o")
    assert not plan.visits
    floor = [u for u in plan.unmet if u.rule == "equity_floor"]
    assert floor and "free only on Sat Sun" in floor[0].reason


def test_identical_substitutes_pooled_give_the_same_optimum(tmp_path: Path) -> None:
    """Interchangeable full-time substitutes planned as one pool (a count per duty and day)
    is an exact reformulation: the same proven optimum as planning them by name, and the
    pool's duties go back to names with nobody doubly booked or planned while absent."""
    from planner.plan.model import solve_model
    from planner.plan.month import prepare

    absences = [("sub2", "2026-03-02", "2026-03-13"), ("p1", "2026-03-02", "2026-03-31")]
    absences += [("p2", "2026-03-09", "2026-03-20"), ("p4", "2026-03-16", "2026-03-27")]
    instance = tiny(tmp_path / "i", substitutes=3, absences=absences, office_min=4)
    data = prepare(instance, "2026-03")
    pooled = data.pooled()
    assert pooled.pool == {"sub1": ("sub1", "sub2", "sub3")}
    assert pooled.pool_count["sub1"][0] == 2  # sub2 is away on 2 March
    config = SolverConfig(time_limit=20, workers=2, seed=1)
    by_name, as_pool = solve_model(data, config), solve_model(pooled, config)
    assert by_name.status == as_pool.status == "OPTIMAL"
    assert as_pool.objective == by_name.objective
    duties: dict[tuple[str, int], int] = {}
    for sid, *_, day in [*as_pool.x, *as_pool.sub_office, *as_pool.sub_central]:
        if sid.startswith("sub"):
            duties[(sid, day)] = duties.get((sid, day), 0) + 1
    assert duties, "the substitutes are needed in this month"
    assert max(duties.values()) == 1
    assert all(data.available[sid][day] for sid, day in duties)
    assert not any(sid == "sub2" and day < 10 for sid, day in duties)
