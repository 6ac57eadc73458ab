"""The monthly plan, rule family by rule family, on the tiny hand-made instance.

Each rule has a case where it binds and one where it does not; every plan is
re-verified by the independent checker, which must also catch rules broken on
purpose in the output files.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from cli import main
from models.instance import Weekday
from planner.check import MANIFEST, check_plan, sha256
from planner.plan.demand import point_demand
from planner.plan.model import SolverConfig
from planner.plan.month import Previous, prepare
from planner.plan.outputs import write_plan
from planner.plan.schedule import plan_month
from planner.plan.workdays import Pattern, week_parity, working_days
from tests.tiny import tiny

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance
    from models.plan import Plan

MONTH = "2026-03"
FAST = SolverConfig(time_limit=5, workers=2, seed=3)
WEDNESDAYS = ["2026-03-04", "2026-03-11", "2026-03-18", "2026-03-25"]


def solve(instance: Instance, out: Path, month: str = MONTH, **kwargs: object) -> Plan:
    plan = plan_month(instance, month, config=FAST, **kwargs)  # type: ignore[arg-type]
    write_plan(plan, instance, out)
    assert check_plan(out, instance) == []
    return plan


def test_tiny_plan_keeps_every_hard_rule(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    plan = solve(instance, tmp_path / "out")
    assert plan.stats.status == "OPTIMAL"
    assert plan.visits, "the village must get visits"
    assert all(v.date.weekday() == Weekday.WED for v in plan.visits)
    assert all(len(v.staff_ids) <= 2 for v in plan.visits)
    point = plan.points[0]
    assert point.pattern.startswith(("biweekly:Wed", "weekly:Wed"))
    assert math.isfinite(plan.stats.gap)


def test_demand_formula() -> None:
    from planner.io import load_instance
    from tests.conftest import KUOPIO

    instance = load_instance(KUOPIO)
    year = sum(len(working_days(f"2026-{m:02d}")) for m in range(1, 13))
    rautavaara = point_demand(instance, "2026-03")["rautavaara"]
    assert rautavaara.clients == 49
    # March 2026 has 22 working days of the year's; the 2026 rules give 6.5 meetings a year.
    assert len(working_days("2026-03")) == 22
    assert rautavaara.staff_days == pytest.approx(49 * 6.5 * 22 / year * 0.4 / 5)
    # December 2025 is planned under the 2025 rules (13 meetings a year), by date.
    december = point_demand(instance, "2025-12")["rautavaara"]
    year_2025 = sum(len(working_days(f"2025-{m:02d}")) for m in range(1, 13))
    days = len(working_days("2025-12"))
    assert december.staff_days == pytest.approx(49 * 13 * days / year_2025 * 0.4 / 5)
    assert december.staff_days > 1.8 * rautavaara.staff_days


# --- absences and the substitute pool


def test_absent_people_never_go_and_substitutes_cover(tmp_path: Path) -> None:
    away = [(sid, day, day) for sid in ("p1", "p2", "p3", "p4", "p5") for day in WEDNESDAYS]
    instance = tiny(tmp_path / "i", absences=away, substitutes=2)
    plan = solve(instance, tmp_path / "out")
    for visit in plan.visits:
        assert all(s.startswith("sub") for s in visit.staff_ids), visit
    assert plan.visits, "substitutes must cover the village when its team is away"
    covered = [e for e in plan.schedule if e.substitute_cover]
    assert covered
    absent = {(e.staff_id, e.date.isoformat()) for e in plan.schedule if e.activity == "absent"}
    assert {(sid, day) for sid, day, _ in away} <= absent


def test_substitutes_unused_when_regular_staff_suffice(tmp_path: Path) -> None:
    plan = solve(tiny(tmp_path / "i"), tmp_path / "out")
    assert not any(e.substitute_cover for e in plan.schedule)


def test_unmet_visit_is_listed_with_its_reason(tmp_path: Path) -> None:
    away = [(sid, "2026-03-01", "2026-03-31") for sid in ("p1", "p2", "p3", "p4", "p5")]
    instance = tiny(tmp_path / "i", absences=away, substitutes=0)
    plan = solve(instance, tmp_path / "out")
    assert not plan.visits
    assert any("no own coach" in w for w in plan.capacity_warnings)
    reasons = [u for u in plan.unmet if u.rule == "unmet_visit"]
    assert len(reasons) >= 2
    assert all("none of the" in u.reason and "at work" in u.reason for u in reasons)
    office = [u for u in plan.unmet if u.rule == "office_cover_shortfall"]
    assert len(office) == len(working_days(MONTH))


# --- part-time work


def test_part_timer_works_their_share(tmp_path: Path) -> None:
    staff = [
        ("p1", 1.0, "coach employer"),
        ("p2", 0.5, "coach"),
        ("p3", 1.0, "coach"),
        ("p4", 0.6, "coach employer"),
        ("p5", 1.0, "coach"),
        ("p6", 1.0, "coach"),
    ]
    plan = solve(tiny(tmp_path / "i", staff=staff), tmp_path / "out")
    days = len(plan.working_days)
    for sid, fte in (("p2", 0.5), ("p4", 0.6)):
        worked = sum(1 for e in plan.schedule if e.staff_id == sid and e.activity != "off")
        assert worked == math.floor(fte * days)
    full = sum(1 for e in plan.schedule if e.staff_id == "p1" and e.activity == "off")
    assert full == 0


# --- office cover


def test_office_cover_binds_and_shortfall_is_declared(tmp_path: Path) -> None:
    # A minimum of six leaves no room in the allocation for central duties or the village,
    # so the month is planned from home points (said in the capacity notes).
    plan = solve(tiny(tmp_path / "i", office_min=6, substitutes=0), tmp_path / "out")
    assert any("allocation impossible" in w for w in plan.capacity_warnings)
    short = [u for u in plan.unmet if u.rule == "office_cover_shortfall"]
    assert short, "six people cannot both keep an office of six and visit the village"
    assert all("of the minimum 6" in u.reason for u in short)


def test_office_cover_kept_when_it_does_not_bind(tmp_path: Path) -> None:
    plan = solve(tiny(tmp_path / "i", office_min=1), tmp_path / "out")
    assert not [u for u in plan.unmet if u.rule == "office_cover_shortfall"]
    for day in plan.working_days:
        at_office = [e for e in plan.schedule if e.date == day and e.activity == "office"]
        assert len(at_office) >= 1


# --- named responsible workers


def test_two_named_workers_per_process(tmp_path: Path) -> None:
    plan = solve(tiny(tmp_path / "i"), tmp_path / "out")
    named: dict[tuple[str, str], set[str]] = {}
    for r in plan.responsible:
        named.setdefault((r.municipality_id, r.process), set()).add(r.staff_id)
    assert named[("village", "coach")] and len(named[("village", "coach")]) >= 2
    assert len(named[("village", "employer")]) >= 2
    for visit in plan.visits:
        assert set(visit.staff_ids) <= named[("village", "coach")] | named[("village", "employer")]


def test_regression_team_member_without_a_needed_skill_never_visits(tmp_path: Path) -> None:
    # Found by `planner check` on Kuopio, August 2026: a team member whose skills the
    # municipality does not need was sent on a visit without being a named worker.
    staff = [
        ("p1", 1.0, "coach employer"),
        ("p2", 1.0, "coach employer"),
        *((f"p{i}", 1.0, "youth") for i in range(3, 7)),
    ]
    instance = tiny(tmp_path / "i", staff=staff)
    data = prepare(instance, MONTH)
    assert data.teams["village_point"] == ["p1", "p2"]  # the minimum size of 3 gives way
    plan = solve(instance, tmp_path / "out")
    assert all(set(v.staff_ids) <= {"p1", "p2", "sub1"} for v in plan.visits)


def test_single_skilled_worker_is_reported_not_hidden(tmp_path: Path) -> None:
    staff = [
        ("p1", 1.0, "coach employer"),
        ("p2", 1.0, "coach"),
        ("p3", 1.0, "coach"),
        ("p4", 1.0, "coach"),
        ("p5", 1.0, "coach"),
        ("p6", 1.0, "coach"),
    ]
    plan = solve(tiny(tmp_path / "i", staff=staff), tmp_path / "out")
    short = [u for u in plan.unmet if u.rule == "responsible_shortfall"]
    assert {u.municipality_id for u in short} == {"town", "village"}
    assert all("'employer'" in u.reason for u in short)
    assert any("'employer'" in w for w in plan.capacity_warnings)


# --- rooms, equity floor, holidays, cadence


def test_rooms_cap_the_people_on_a_visit(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i", village_rooms=1, face_to_face_share=1.0)
    plan = solve(instance, tmp_path / "out")
    assert all(len(v.staff_ids) == 1 for v in plan.visits)
    short = [u for u in plan.unmet if u.rule == "demand_shortfall"]
    assert short and "1 room(s)" in short[0].reason


def test_equity_floor_keeps_every_other_week(tmp_path: Path) -> None:
    low = {"face_to_face_share": 0.05}
    floor = solve(tiny(tmp_path / "a", **low), tmp_path / "o1")
    assert len({v.date for v in floor.visits}) >= 2
    # Without the floor, and with the initial-interview rule switched off, one day will do.
    off = {"initial_interview_late": 0}
    free = solve(tiny(tmp_path / "b", equity_floor="none", penalties=off, **low), tmp_path / "o2")
    assert len({v.date for v in free.visits}) <= 1
    # The initial-interview rule alone keeps every registration within 10 working days.
    law = solve(tiny(tmp_path / "c", equity_floor="none", **low), tmp_path / "o3")
    assert len({v.date for v in law.visits}) >= 2
    assert all(w.late_days == 0 and w.worst_wait <= 10 for w in law.waits)


def test_holiday_visit_dropped_or_moved() -> None:
    thursday = Pattern("weekly", (Weekday.THU,))
    room = frozenset({Weekday.THU, Weekday.FRI})
    dropped = thursday.open_days("2026-05", room, "drop")
    assert dt.date(2026, 5, 14) not in dropped  # Ascension Day
    assert len(dropped) == 3
    moved = thursday.open_days("2026-05", room, "move")
    assert dt.date(2026, 5, 15) in moved and dt.date(2026, 5, 14) not in moved


def test_holiday_in_a_plan(tmp_path: Path) -> None:
    plan = solve(tiny(tmp_path / "i", village_weekdays="Thu"), tmp_path / "out", month="2026-05")
    assert dt.date(2026, 5, 14) not in {v.date for v in plan.visits}
    assert dt.date(2026, 5, 14) not in plan.working_days


@pytest.mark.parametrize(("first", "second"), [("2026-03", "2026-04"), ("2026-12", "2027-01")])
def test_biweekly_rhythm_continues_across_month_and_year(first: str, second: str) -> None:
    pattern = Pattern("biweekly", (Weekday.WED,), 1)
    days = pattern.scheduled_days(first) + pattern.scheduled_days(second)
    gaps = {(b - a).days for a, b in itertools.pairwise(days)}
    assert gaps == {14}


def test_week_parity_matches_iso_until_the_53_week_year() -> None:
    day = dt.date(2024, 1, 1)
    while day < dt.date(2026, 12, 28):
        assert week_parity(day) == day.isocalendar().week % 2
        day += dt.timedelta(days=7)
    # 2026 has an ISO week 53; ISO parity would repeat 'odd', ours alternates.
    assert week_parity(dt.date(2026, 12, 28)) != week_parity(dt.date(2027, 1, 4))


# --- continuity and determinism


def test_previous_month_keeps_rhythm_and_names(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i")
    march = solve(instance, tmp_path / "march")
    april = solve(
        instance, tmp_path / "april", month="2026-04", previous=Previous.read(tmp_path / "march")
    )
    assert april.points[0].pattern == march.points[0].pattern
    assert {r.staff_id for r in april.responsible} == {r.staff_id for r in march.responsible}


def test_same_seed_and_workers_give_the_same_plan(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i", absences=[("p1", "2026-03-04", "2026-03-06")])
    config = SolverConfig(time_limit=5, workers=2, seed=7)
    first = plan_month(instance, MONTH, config=config)
    second = plan_month(instance, MONTH, config=config)
    assert first.stats.objective == second.stats.objective
    assert first.visits == second.visits
    assert first.schedule == second.schedule


# --- the checker catches rules broken on purpose


def _edit_csv(path: Path, change: object) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0]) if rows else []
    rows = change(rows)  # type: ignore[operator]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    # Re-sign the manifest, so the rules (not only the hashes) must catch the break.
    manifest_path = path.parent / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["source"]["files"][path.name] = sha256(path)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def good_plan(tmp_path: Path) -> tuple[Instance, Path, Plan]:
    instance = tiny(tmp_path / "i")
    out = tmp_path / "out"
    return instance, out, solve(instance, out)


def test_checker_catches_absent_person_on_a_visit(
    good_plan: tuple[Instance, Path, Plan], tmp_path: Path
) -> None:
    _, out, plan = good_plan
    visit = plan.visits[0]
    person = visit.staff_ids[0]
    day = visit.date.isoformat()
    broken = tiny(tmp_path / "i2", absences=[(person, day, day)])
    problems = check_plan(out, broken)
    assert any(f"absence: {person} {day}: absent, but planned for outreach" in p for p in problems)


def test_checker_catches_one_named_worker(good_plan: tuple[Instance, Path, Plan]) -> None:
    instance, out, _ = good_plan

    def keep_one_employer(rows: list[dict]) -> list[dict]:
        employer = [
            r for r in rows if (r["municipality_id"], r["process"]) == ("village", "employer")
        ]
        return [r for r in rows if r not in employer[1:]]

    _edit_csv(out / "responsible.csv", keep_one_employer)
    problems = check_plan(out, instance)
    assert any(
        "named workers: village 2026-03: 1 named for employer, not two" in p for p in problems
    )


def test_checker_catches_weekend_visit_and_too_many_people(
    good_plan: tuple[Instance, Path, Plan],
) -> None:
    instance, out, _ = good_plan

    def move(rows: list[dict]) -> list[dict]:
        rows[0]["date"] = "2026-03-07"
        rows[-1]["staff_ids"] = "p1 p2 p4"
        return rows

    _edit_csv(out / "visits.csv", move)
    problems = check_plan(out, instance)
    assert any("2026-03-07: not a working day" in p for p in problems)
    assert any("3 people for 2 room(s)" in p for p in problems)


def test_checker_catches_a_missing_office_day(good_plan: tuple[Instance, Path, Plan]) -> None:
    instance, out, _ = good_plan

    def empty_office(rows: list[dict]) -> list[dict]:
        for row in rows:
            if row["date"] == "2026-03-10" and row["activity"] == "office":
                row["activity"], row["place_id"] = "off", ""
        return rows

    _edit_csv(out / "schedule.csv", empty_office)
    problems = check_plan(out, instance)
    assert any("office cover: town_office 2026-03-10: 0 of 1, undeclared" in p for p in problems)


def test_checker_catches_undeclared_shortfall(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i", office_min=6, substitutes=0)
    out = tmp_path / "out"
    solve(instance, out)
    _edit_csv(
        out / "unmet.csv", lambda rows: [r for r in rows if r["rule"] != "office_cover_shortfall"]
    )
    assert any(p.startswith("office cover:") for p in check_plan(out, instance))


# --- the command line, end to end on the shipped instance


def test_cli_schedule_and_check_on_kuopio(tmp_path: Path) -> None:
    out = tmp_path / "feb"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "schedule",
            "--month",
            "2026-02",
            "--out",
            str(out),
            "--time-limit",
            "20",
            "--workers",
            "8",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    # The summary in the instance's language, CP-SAT's status named too.
    assert "(OPTIMAL)" in result.stdout or "(FEASIBLE)" in result.stdout
    assert "helmikuu 2026: lähipalvelupäiviä" in result.stdout
    for name in ("visits.csv", "schedule.csv", "responsible.csv", "report.md", "schedule.xlsx"):
        assert (out / name).exists(), name
    with open(out / "visits.csv", encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header[:7] == [
        "date",
        "point_id",
        "municipality_id",
        "start",
        "end",
        "staff_ids",
        "processes",
    ]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Rautavaara: joka toinen keskiviikko" in report  # in the instance's language
    checked = runner.invoke(main, ["check", str(out)])
    assert checked.exit_code == 0, checked.output


def test_cli_schedule_rejects_a_bad_month() -> None:
    result = CliRunner().invoke(main, ["schedule", "--month", "2026-13"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    from tests.tiny import write_tiny

    instance_dir = write_tiny(tmp_path / "i")
    out = tmp_path / "out"
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "schedule",
            str(instance_dir),
            "--month",
            MONTH,
            "--out",
            str(out),
            "--time-limit",
            "3",
            "--workers",
            "2",
            "--quiet",
        ],
    )
    assert made.exit_code == 0, made.output
    assert runner.invoke(main, ["check", str(out), str(instance_dir)]).exit_code == 0

    def crowd(rows: list[dict]) -> list[dict]:
        rows[0]["staff_ids"] = "p1 p2 p3 p4"
        return rows

    _edit_csv(out / "visits.csv", crowd)
    broken = runner.invoke(main, ["check", str(out), str(instance_dir)])
    assert broken.exit_code == 1
    assert "4 people for 2 room(s)" in broken.stdout
    (out / "points.csv").unlink()
    missing = runner.invoke(main, ["check", str(out), str(instance_dir)])
    assert missing.exit_code == 2
    assert "points.csv is missing, though plan.json lists it" in missing.stderr


def test_regression_a_far_village_gets_its_demand(tmp_path: Path) -> None:
    # With a shortfall weight below the cost of an 80-minute drive, the solver served a
    # far village at 2 of 5.4 staff-days while people sat in the office.
    plan = solve(tiny(tmp_path / "i", face_to_face_share=1.0), tmp_path / "out")
    assert plan.points[0].planned_staff_days >= 5
