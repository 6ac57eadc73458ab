"""The checker trusts nothing: deliberate breaks of a real planned month, each caught with
a message naming the rule, the person or point, and the day (or the month, for rules
that count over it); and plan folders that are incomplete or tampered with are refused.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from cli import RULE_COUNT, main
from planner.check import MANIFEST, PlanFilesError, check_plan, sha256
from planner.check.rules import RULES
from planner.io import load_instance
from planner.plan.model import SolverConfig
from planner.plan.outputs import write_plan
from planner.plan.schedule import plan_month
from tests.conftest import KUOPIO

if TYPE_CHECKING:
    from collections.abc import Callable

MONTH = "2026-03"
Tables = dict[str, list[dict[str, str]]]
NAMES = ("visits.csv", "schedule.csv", "responsible.csv", "points.csv", "unmet.csv", "roles.csv")


@pytest.fixture(scope="module")
def kuopio_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    instance = load_instance(KUOPIO)
    plan = plan_month(instance, MONTH, config=SolverConfig(time_limit=10, workers=4, seed=1))
    out = tmp_path_factory.mktemp("plan") / MONTH
    write_plan(plan, instance, out)
    assert check_plan(out, instance) == []
    return out


def _read(directory: Path) -> tuple[Tables, dict[str, list[str]]]:
    tables, headers = {}, {}
    for name in NAMES:
        with open(directory / name, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            tables[name] = list(reader)
            headers[name] = list(reader.fieldnames or [])
    return tables, headers


def _write(directory: Path, tables: Tables, headers: dict[str, list[str]]) -> None:
    """Write the broken tables back and re-sign the manifest, as a careless hand would:
    the break must be caught by the rules, not only by the hashes."""
    for name, rows in tables.items():
        with open(directory / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, headers[name])
            writer.writeheader()
            writer.writerows(rows)
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    manifest["source"]["files"] = {
        name: sha256(directory / name) for name in manifest["source"]["files"]
    }
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _roles(t: Tables) -> dict[str, str]:
    return {r["staff_id"]: r["role"] for r in t["roles.csv"]}


def _row(t: Tables, sid: str, date: str) -> dict[str, str]:
    return next(r for r in t["schedule.csv"] if r["staff_id"] == sid and r["date"] == date)


def _office_day(t: Tables, role: str = "local", fte: str | None = None) -> dict[str, str]:
    roles = _roles(t)
    staff = {s.staff_id: s for s in load_instance(KUOPIO).staff}
    wanted = {"local": "office", "central": "central"}[role]
    return next(
        r
        for r in t["schedule.csv"]
        if roles[r["staff_id"]] == role
        and r["activity"] == wanted
        and (fte is None or (staff[r["staff_id"]].fte < 1) == (fte == "part"))
    )


def _visits(t: Tables, point: str) -> list[dict[str, str]]:
    return [v for v in t["visits.csv"] if v["point_id"] == point]


# ----------------------------------------------------------------------------- the breaks


def full_timer_off(t: Tables) -> tuple[str, ...]:
    row = _office_day(t, fte="full")
    row["activity"], row["place_id"] = "off", ""
    return ("working days", row["staff_id"], row["date"])


def part_timer_short(t: Tables) -> tuple[str, ...]:
    row = _office_day(t, fte="part")
    row["activity"], row["place_id"] = "off", ""
    return ("working days", row["staff_id"], MONTH)


def other_team_on_visit(t: Tables) -> tuple[str, ...]:
    maaninka = {r["staff_id"] for r in t["responsible.csv"] if r["point_id"] == "maaninka"}
    nilsia = {r["staff_id"] for r in t["responsible.csv"] if r["point_id"] == "nilsia"}
    for visit in _visits(t, "maaninka"):
        for sid in sorted(nilsia - maaninka):
            row = _row(t, sid, visit["date"])
            if row["activity"] == "office":
                visit["staff_ids"] += f" {sid}"
                row["activity"], row["place_id"] = "outreach", "maaninka"
                return ("team", sid, visit["date"], "maaninka")
    raise AssertionError("no Nilsiä-team person free on a Maaninka day")


def central_at_office(t: Tables) -> tuple[str, ...]:
    row = _office_day(t, role="central")
    row["activity"], row["place_id"] = "office", "kuopio_centre"
    return ("role", row["staff_id"], row["date"])


def rautavaara_weekly(t: Tables) -> tuple[str, ...]:
    next(r for r in t["points.csv"] if r["point_id"] == "rautavaara")["pattern"] = "weekly:Wed"
    return ("unmet visit", "rautavaara", "2026-03-")


def rautavaara_on_a_closed_day(t: Tables) -> tuple[str, ...]:
    next(r for r in t["points.csv"] if r["point_id"] == "rautavaara")["pattern"] = "weekly:Mon"
    return ("pattern", "rautavaara", MONTH)


def rautavaara_all_declared_unmet(t: Tables) -> tuple[str, ...]:
    for visit in _visits(t, "rautavaara"):
        t["visits.csv"].remove(visit)
        for sid in visit["staff_ids"].split():
            row = _row(t, sid, visit["date"])
            row["activity"] = "office" if _roles(t)[sid] == "local" else "central"
            row["place_id"] = (
                next(s.home_point_id for s in load_instance(KUOPIO).staff if s.staff_id == sid)
                if row["activity"] == "office"
                else "central"
            )
            row["substitute_cover"] = "false"
        t["unmet.csv"].append(
            {
                "date": visit["date"],
                "point_id": "rautavaara",
                "municipality_id": "rautavaara",
                "rule": "unmet_visit",
                "amount": "1",
                "cause": "nobody_free",
                "reason": "nobody could go",
            }
        )
    return ("initial interview", "rautavaara", "2026-03-")


def lapinlahti_person_removed(t: Tables) -> tuple[str, ...]:
    visit = next(v for v in _visits(t, "lapinlahti") if len(v["staff_ids"].split()) > 1)
    people = visit["staff_ids"].split()
    coach = {s.staff_id for s in load_instance(KUOPIO).staff if "coach" in s.skills}
    gone = next(s for s in reversed(people) if [p for p in people if p != s and p in coach])
    visit["staff_ids"] = " ".join(p for p in people if p != gone)
    row = _row(t, gone, visit["date"])
    row["activity"], row["place_id"] = "office", "siilinjarvi_centre"
    if _roles(t)[gone] == "substitute":
        row["substitute_cover"] = "true"
    return ("local demand", "lapinlahti", MONTH)


def tuusniemi_visit_deleted(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "tuusniemi")[1]
    t["visits.csv"].remove(visit)
    homes = {s.staff_id: s.home_point_id for s in load_instance(KUOPIO).staff}
    for sid in visit["staff_ids"].split():
        row = _row(t, sid, visit["date"])
        row["activity"], row["place_id"] = "office", homes[sid]
    return ("unmet visit", "tuusniemi", visit["date"])


def absent_on_a_visit(t: Tables) -> tuple[str, ...]:
    instance = load_instance(KUOPIO)
    away = {
        (a.staff_id, a.start + dt.timedelta(days=k))
        for a in instance.absences
        for k in range((a.end - a.start).days + 1)
    }
    for visit in t["visits.csv"]:
        team = {r["staff_id"] for r in t["responsible.csv"] if r["point_id"] == visit["point_id"]}
        for sid in sorted(team):
            if (sid, dt.date.fromisoformat(visit["date"])) in away:
                visit["staff_ids"] += f" {sid}"
                row = _row(t, sid, visit["date"])
                row["activity"], row["place_id"] = "outreach", visit["point_id"]
                return ("absence", sid, visit["date"])
    raise AssertionError("nobody on a team is absent on a visit day")


def weekend_visit(t: Tables) -> tuple[str, ...]:
    visit = t["visits.csv"][0]
    visit["date"] = "2026-03-07"
    return ("visit", visit["point_id"], "2026-03-07")


def too_many_people(t: Tables) -> tuple[str, ...]:
    visit = next(v for v in _visits(t, "rautavaara"))
    visit["staff_ids"] = " ".join([*visit["staff_ids"].split()] * 3)
    return ("visit", "rautavaara", visit["date"])


def no_coach(t: Tables) -> tuple[str, ...]:
    staff = {s.staff_id: s for s in load_instance(KUOPIO).staff}
    for visit in t["visits.csv"]:
        people = visit["staff_ids"].split()
        others = [s for s in people if "coach" not in staff[s].skills]
        if others and len(others) < len(people):
            homes = {s.staff_id: s.home_point_id for s in staff.values()}
            for sid in people:
                if sid not in others:
                    row = _row(t, sid, visit["date"])
                    row["activity"], row["place_id"] = "office", homes[sid]
            visit["staff_ids"] = " ".join(others)
            return ("no own coach", visit["point_id"], visit["date"])
    raise AssertionError("no visit with a person without coach skill")


def process_not_on_site(t: Tables) -> tuple[str, ...]:
    staff = {s.staff_id: s for s in load_instance(KUOPIO).staff}
    for visit in t["visits.csv"]:
        if not any("integration" in staff[s].skills for s in visit["staff_ids"].split()):
            visit["processes"] += " integration"
            return ("lists 'integration'", visit["point_id"], visit["date"])
    raise AssertionError


def outside_hours(t: Tables) -> tuple[str, ...]:
    visit = t["visits.csv"][3]
    visit["end"] = "19:00"
    return ("opening hours", visit["point_id"], visit["date"])


def office_cover_short(t: Tables) -> tuple[str, ...]:
    date = t["schedule.csv"][0]["date"]
    rows = [
        r
        for r in t["schedule.csv"]
        if r["date"] == date and r["place_id"] == "siilinjarvi_centre" and r["activity"] == "office"
    ]
    for row in rows:
        row["place_id"] = "kuopio_centre"
    return ("office cover", "siilinjarvi_centre", date)


def central_cover_short(t: Tables) -> tuple[str, ...]:
    date = t["schedule.csv"][0]["date"]
    roles = _roles(t)
    for row in t["schedule.csv"]:
        if row["date"] == date and roles[row["staff_id"]] == "central":
            row["activity"], row["place_id"] = "off", ""
    return ("central cover", "central", date)


def one_named_worker(t: Tables) -> tuple[str, ...]:
    rows = [r for r in t["responsible.csv"] if r["municipality_id"] == "keitele"]
    process = rows[0]["process"]
    named = [r for r in rows if r["process"] == process]
    for row in named[1:]:
        t["responsible.csv"].remove(row)
    return ("named workers", "keitele", MONTH)


def named_without_skill(t: Tables) -> tuple[str, ...]:
    staff = {s.staff_id: s for s in load_instance(KUOPIO).staff}
    row = next(r for r in t["responsible.csv"] if "youth" not in staff[r["staff_id"]].skills)
    t["responsible.csv"].append({**row, "process": "youth"})
    return ("named workers", row["staff_id"], MONTH)


def substitute_named(t: Tables) -> tuple[str, ...]:
    row = dict(t["responsible.csv"][0])
    row["staff_id"] = "s155"
    t["responsible.csv"].append(row)
    return ("named workers", "s155", MONTH)


def missing_row(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    t["schedule.csv"].remove(row)
    return ("working days", row["staff_id"], row["date"])


def duplicate_row(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    t["schedule.csv"].append(dict(row))
    return ("two rows", row["staff_id"], row["date"])


def outreach_without_visit(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    row["activity"], row["place_id"] = "outreach", "vesanto"
    return ("on no visit", row["staff_id"], row["date"])


def visit_off_rhythm(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "rautavaara")[0]
    moved = (dt.date.fromisoformat(visit["date"]) + dt.timedelta(days=7)).isoformat()
    for sid in visit["staff_ids"].split():
        old = _row(t, sid, visit["date"])
        new = _row(t, sid, moved)
        old["activity"], new["activity"] = new["activity"], old["activity"]
        old["place_id"], new["place_id"] = new["place_id"], old["place_id"]
    visit["date"] = moved
    return ("off its rhythm", "rautavaara", moved)


def unmet_declared_but_held(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "kaavi")[0]
    t["unmet.csv"].append(
        {
            "date": visit["date"],
            "point_id": "kaavi",
            "municipality_id": "kaavi",
            "rule": "unmet_visit",
            "amount": "1",
            "cause": "nobody_free",
            "reason": "x",
        }
    )
    return ("declared unmet, but a visit is held", "kaavi", visit["date"])


def shortfall_overstated(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["rule"] == "demand_shortfall")
    row["amount"] = str(float(row["amount"]) + 3)
    return ("local demand", row["point_id"], MONTH)


def regular_as_substitute_cover(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    row["substitute_cover"] = "true"
    return ("substitute pool", row["staff_id"], row["date"])


def unknown_activity(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    row["activity"] = "holiday"
    return ("unknown activity", row["staff_id"], row["date"])


def visit_outside_area(t: Tables) -> tuple[str, ...]:
    roles = {r["staff_id"]: r for r in t["roles.csv"]}
    visit = _visits(t, "lapinlahti")[0]
    for row in t["schedule.csv"]:
        person = roles[row["staff_id"]]
        if (
            row["date"] == visit["date"]
            and person["area_id"] == "sisa_savo"
            and (row["activity"] == "office")
        ):
            visit["staff_ids"] += f" {row['staff_id']}"
            row["activity"], row["place_id"] = "outreach", "lapinlahti"
            return ("outside their production area", row["staff_id"], visit["date"])
    raise AssertionError


def role_file_tampered(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["roles.csv"] if r["role"] == "local")
    row["role"] = "substitute"
    return ("role", row["staff_id"], MONTH)


def absent_without_absence(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    row["activity"], row["place_id"] = "absent", ""
    return ("absence", row["staff_id"], row["date"])


def undeclared_late_interviews(t: Tables) -> tuple[str, ...]:
    visits = _visits(t, "vesanto")
    for visit in visits[1:]:
        t["visits.csv"].remove(visit)
    homes = {s.staff_id: s.home_point_id for s in load_instance(KUOPIO).staff}
    for visit in visits[1:]:
        for sid in visit["staff_ids"].split():
            row = _row(t, sid, visit["date"])
            row["activity"], row["place_id"] = "office", homes[sid]
        t["unmet.csv"].append(
            {
                "date": visit["date"],
                "point_id": "vesanto",
                "municipality_id": "vesanto",
                "rule": "unmet_visit",
                "amount": "1",
                "cause": "nobody_free",
                "reason": "x",
            }
        )
    return ("initial interview", "vesanto", "2026-03-")


# ------------------------------------------------------- excuses, fields and facts (issue 19)


def _declare(t: Tables, rule: str, amount: str, cause: str, **where: str) -> dict[str, str]:
    row = {
        "date": where.get("date", ""),
        "point_id": where.get("point_id", ""),
        "municipality_id": where.get("municipality_id", ""),
        "rule": rule,
        "amount": amount,
        "cause": cause,
        "reason": "an excuse a buggy planner wrote",
    }
    t["unmet.csv"].append(row)
    return row


def _clear_visit(t: Tables, visit: dict[str, str]) -> None:
    """Take a visit out of the plan, its people back to their home office or duties."""
    t["visits.csv"].remove(visit)
    homes = {s.staff_id: s.home_point_id for s in load_instance(KUOPIO).staff}
    roles = _roles(t)
    for sid in visit["staff_ids"].split():
        row = _row(t, sid, visit["date"])
        if roles[sid] == "local":
            row["activity"], row["place_id"] = "office", homes[sid]
        else:
            row["activity"], row["place_id"] = "central", "central"
            row["substitute_cover"] = "true" if roles[sid] == "substitute" else "false"


def equity_floor_excused_by_a_tiny_amount(t: Tables) -> tuple[str, ...]:
    next(r for r in t["points.csv"] if r["point_id"] == "rautavaara")["pattern"] = "monthly:Wed"
    _declare(t, "equity_floor", "0.001", "no_weekday_room", point_id="rautavaara",
             municipality_id="rautavaara")  # fmt: skip
    return ("equity_floor", "rautavaara", MONTH, "free on Wed")


def keitele_named_workers_excused(t: Tables) -> tuple[str, ...]:
    rows = [r for r in t["responsible.csv"] if r["municipality_id"] == "keitele"]
    process = rows[0]["process"]
    for row in rows:
        if row["process"] == process:
            t["responsible.csv"].remove(row)
    _declare(t, "responsible_shortfall", "2", "too_few_with_skill", municipality_id="keitele")
    return ("named workers", "keitele", MONTH, f"0 named for {process}")


def late_interviews_declared_where_none_are(t: Tables) -> tuple[str, ...]:
    _declare(t, "initial_interview_late", "50", "too_few_visits", municipality_id="tervo")
    return ("initial interview", "tervo", MONTH, "50 late registration day(s) declared")


def nobody_free_while_the_team_sat_at_the_office(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "tuusniemi")[0]
    _clear_visit(t, visit)
    _declare(t, "unmet_visit", "1", "nobody_free", date=visit["date"], point_id="tuusniemi",
             municipality_id="tuusniemi")  # fmt: skip
    return ("unmet_visit", "tuusniemi", visit["date"], "could have been")


def nan_excuses_a_deleted_visit(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "tuusniemi")[1]
    _clear_visit(t, visit)
    _declare(t, "unmet_visit", "nan", "nobody_free", date=visit["date"], point_id="tuusniemi",
             municipality_id="tuusniemi")  # fmt: skip
    return ("unmet visit", "tuusniemi", visit["date"], "undeclared")


def inf_excuses_staff_days_taken(t: Tables) -> tuple[str, ...]:
    for visit in _visits(t, "karttula")[:4]:
        _clear_visit(t, visit)
    _declare(t, "demand_shortfall", "inf", "nobody_free", point_id="karttula",
             municipality_id="karttula")  # fmt: skip
    return ("local demand", "karttula", MONTH)


def nan_excuses_central_cover(t: Tables) -> tuple[str, ...]:
    date = t["schedule.csv"][0]["date"]
    roles = _roles(t)
    central = [r for r in t["schedule.csv"] if r["date"] == date and r["activity"] == "central"]
    for row in central[: len(central) - 16]:
        if roles[row["staff_id"]] == "central":
            row["activity"], row["place_id"] = "off", ""
    _declare(t, "central_cover_shortfall", "nan", "nobody_free", date=date, point_id="central")
    return ("central cover", "central", date, "undeclared")


def _retime(start: str, end: str) -> Callable[[Tables], tuple[str, ...]]:
    def make(t: Tables) -> tuple[str, ...]:
        visit = t["visits.csv"][5]
        visit["start"], visit["end"] = start, end
        return ("visit", visit["point_id"], visit["date"])

    make.__name__ = f"visit_from_{start or 'blank'}_to_{end or 'blank'}".replace(":", "")
    return make


def person_twice_on_one_visit(t: Tables) -> tuple[str, ...]:
    visit = next(v for v in t["visits.csv"] if len(v["staff_ids"].split()) == 1)
    sid = visit["staff_ids"]
    visit["staff_ids"] = f"{sid} {sid}"
    return ("visit", visit["point_id"], visit["date"], f"{sid} is listed 2 times")


def other_area_named_for_lapinlahti(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["roles.csv"] if r["area_id"] == "sisa_savo")
    t["responsible.csv"].append(
        {
            "municipality_id": "lapinlahti",
            "process": "coach",
            "staff_id": row["staff_id"],
            "point_id": "lapinlahti",
        }
    )
    return ("named workers", row["staff_id"], MONTH, "named in lapinlahti")


def moved_to_another_area_in_roles(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["roles.csv"] if r["area_id"] == "sisa_savo")
    row["area_id"] = "siilinjarvi"
    return ("role", row["staff_id"], MONTH, "the instance's allocation gives local in sisa_savo")


def visit_in_the_wrong_municipality(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "kaavi")[0]
    visit["municipality_id"] = "tuusniemi"
    return ("visit", "kaavi", visit["date"], "listed in 'tuusniemi'")


def central_duties_at_rautavaara(t: Tables) -> tuple[str, ...]:
    row = _office_day(t, role="central")
    row["place_id"] = "rautavaara"
    return ("role", row["staff_id"], row["date"], "central duties at 'rautavaara'")


def negative_amount(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["rule"] == "demand_shortfall")
    row["amount"] = "-0.2"
    return ("declared", "unmet.csv", "demand_shortfall", "not a positive finite number")


def amount_not_a_number(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["rule"] == "demand_shortfall")
    row["amount"] = "0,2"
    return ("declared", "unmet.csv", "demand_shortfall", "is not a number")


def unknown_excuse_rule(t: Tables) -> tuple[str, ...]:
    _declare(t, "bad_weather", "1", "nobody_free", date="2026-03-10", point_id="kaavi",
             municipality_id="kaavi")  # fmt: skip
    return ("declared", "unmet.csv", "unknown rule 'bad_weather'")


def cause_outside_the_vocabulary(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["rule"] == "demand_shortfall")
    row["cause"] = "the car broke down"
    return ("declared", "demand_shortfall", "cause 'the car broke down' is not one of")


def excuse_in_the_wrong_municipality(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["rule"] == "demand_shortfall")
    row["municipality_id"] = "kaavi" if row["point_id"] != "kaavi" else "tervo"
    return ("declared", row["point_id"], f"not in '{row['municipality_id']}'")


def excuse_date_not_a_date(t: Tables) -> tuple[str, ...]:
    _declare(t, "office_cover_shortfall", "1", "nobody_free", date="10.3.2026",
             point_id="kuopio_centre", municipality_id="kuopio")  # fmt: skip
    return ("declared", "office_cover_shortfall", "'10.3.2026' is not a date")


def office_cover_overdeclared(t: Tables) -> tuple[str, ...]:
    date = t["schedule.csv"][0]["date"]
    _declare(t, "office_cover_shortfall", "2", "nobody_free", date=date,
             point_id="kuopio_centre", municipality_id="kuopio")  # fmt: skip
    return ("office cover", "kuopio_centre", date, "declares 2 short")


def process_shortfall_overdeclared(t: Tables) -> tuple[str, ...]:
    _declare(t, "process_shortfall", "3", "nobody_free", municipality_id="keitele")
    return ("process demand", "keitele", MONTH, "declares 3")


def unmet_on_a_day_the_rhythm_skips(t: Tables) -> tuple[str, ...]:
    dates = {v["date"] for v in _visits(t, "rautavaara")}
    day = next(
        d.isoformat()
        for d in (dt.date(2026, 3, 2) + dt.timedelta(days=k) for k in range(30))
        if d.weekday() == 2 and d.isoformat() not in dates
    )
    _declare(t, "unmet_visit", "1", "nobody_free", date=day, point_id="rautavaara",
             municipality_id="rautavaara")  # fmt: skip
    return ("unmet visit", "rautavaara", day, "does not open it that day")


def part_day_cause_for_a_whole_day(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["rule"] == "demand_shortfall")
    for visit in _visits(t, row["point_id"])[:2]:
        _clear_visit(t, visit)
    row["amount"] = str(float(row["amount"]) + 2)
    row["cause"] = "part_day"
    return ("declared", "demand_shortfall", row["point_id"], "says less than a day short")


def room_capacity_cause_that_is_false(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["unmet.csv"] if r["cause"] == "part_day")
    row["cause"] = "room_capacity"
    return ("declared", "demand_shortfall", row["point_id"], "cannot hold the demand")


def search_stopped_in_an_optimal_plan(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "kaavi")[0]
    _clear_visit(t, visit)
    _declare(t, "unmet_visit", "1", "search_stopped", date=visit["date"], point_id="kaavi",
             municipality_id="kaavi")  # fmt: skip
    return ("unmet_visit", "kaavi", visit["date"], "proven optimal")


def pinned_closed_without_a_pin(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "kaavi")[1]
    _clear_visit(t, visit)
    _declare(t, "unmet_visit", "1", "pinned_closed", date=visit["date"], point_id="kaavi",
             municipality_id="kaavi")  # fmt: skip
    return ("unmet_visit", "kaavi", visit["date"], "no pin closes it")


def off_at_a_place(t: Tables) -> tuple[str, ...]:
    row = next(r for r in t["schedule.csv"] if r["activity"] == "off")
    row["place_id"] = "kuopio_centre"
    return ("working days", row["staff_id"], row["date"], "off, but at")


def substitute_cover_yes(t: Tables) -> tuple[str, ...]:
    row = _office_day(t)
    row["substitute_cover"] = "yes"
    return ("working days", row["staff_id"], row["date"], "neither true nor false")


def unknown_person_on_a_visit(t: Tables) -> tuple[str, ...]:
    visit = t["visits.csv"][2]
    visit["staff_ids"] += " s999"
    return ("visit", visit["point_id"], visit["date"], "unknown person 's999'")


def unmet_visit_declared_twice(t: Tables) -> tuple[str, ...]:
    visit = _visits(t, "kaavi")[0]
    _clear_visit(t, visit)
    _declare(t, "unmet_visit", "2", "nobody_free", date=visit["date"], point_id="kaavi",
             municipality_id="kaavi")  # fmt: skip
    return ("unmet visit", "kaavi", visit["date"], "declared 2 times")


def excuse_for_a_point_that_is_not_there(t: Tables) -> tuple[str, ...]:
    _declare(t, "unmet_visit", "1", "nobody_free", date="2026-03-10", point_id="atlantis",
             municipality_id="kaavi")  # fmt: skip
    return ("declared", "unmet_visit", "'atlantis' is no active service point")


BREAKS: list[Callable[[Tables], tuple[str, ...]]] = [
    full_timer_off,
    part_timer_short,
    other_team_on_visit,
    central_at_office,
    rautavaara_weekly,
    rautavaara_on_a_closed_day,
    rautavaara_all_declared_unmet,
    lapinlahti_person_removed,
    tuusniemi_visit_deleted,
    absent_on_a_visit,
    weekend_visit,
    too_many_people,
    no_coach,
    process_not_on_site,
    outside_hours,
    office_cover_short,
    central_cover_short,
    one_named_worker,
    named_without_skill,
    substitute_named,
    missing_row,
    duplicate_row,
    outreach_without_visit,
    visit_off_rhythm,
    unmet_declared_but_held,
    shortfall_overstated,
    regular_as_substitute_cover,
    unknown_activity,
    visit_outside_area,
    role_file_tampered,
    absent_without_absence,
    undeclared_late_interviews,
    equity_floor_excused_by_a_tiny_amount,
    keitele_named_workers_excused,
    late_interviews_declared_where_none_are,
    nobody_free_while_the_team_sat_at_the_office,
    nan_excuses_a_deleted_visit,
    inf_excuses_staff_days_taken,
    nan_excuses_central_cover,
    _retime("7:30", "15:00"),
    _retime("15:00", "09:00"),
    _retime("12:00", "12:00"),
    _retime("09:00", ""),
    _retime("09:xx", "15:00"),
    person_twice_on_one_visit,
    other_area_named_for_lapinlahti,
    moved_to_another_area_in_roles,
    visit_in_the_wrong_municipality,
    central_duties_at_rautavaara,
    negative_amount,
    amount_not_a_number,
    unknown_excuse_rule,
    cause_outside_the_vocabulary,
    excuse_in_the_wrong_municipality,
    excuse_date_not_a_date,
    office_cover_overdeclared,
    process_shortfall_overdeclared,
    unmet_on_a_day_the_rhythm_skips,
    part_day_cause_for_a_whole_day,
    room_capacity_cause_that_is_false,
    search_stopped_in_an_optimal_plan,
    pinned_closed_without_a_pin,
    off_at_a_place,
    substitute_cover_yes,
    unknown_person_on_a_visit,
    unmet_visit_declared_twice,
    excuse_for_a_point_that_is_not_there,
]


@pytest.mark.parametrize("make_break", BREAKS, ids=lambda f: f.__name__)
def test_every_break_is_caught(
    kuopio_plan: Path, tmp_path: Path, make_break: Callable[[Tables], tuple[str, ...]]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(kuopio_plan, broken)
    tables, headers = _read(broken)
    expected = make_break(tables)
    _write(broken, tables, headers)
    problems = check_plan(broken, load_instance(KUOPIO))
    assert any(all(word in line for word in expected) for line in problems), (expected, problems)


def test_there_are_at_least_60_different_breaks() -> None:
    assert len(BREAKS) >= 60
    assert len({b.__name__ for b in BREAKS}) == len(BREAKS)


def test_checker_imports_nothing_from_the_planning_side() -> None:
    """The checker re-reads the rules; importing the planner's own helpers would let one
    bug hide itself on both sides."""
    forbidden = ("planner.plan", "planner.scenarios", "planner.desk", "ortools")
    for path in sorted((Path(__file__).parent.parent / "planner" / "check").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def test_rule_count_is_what_the_cli_says() -> None:
    assert len(RULES) == RULE_COUNT


# ----------------------------------------------------------------------------- plan folders


def test_incomplete_or_tampered_folders_are_refused(kuopio_plan: Path, tmp_path: Path) -> None:
    instance = load_instance(KUOPIO)
    runner = CliRunner()
    half = tmp_path / "half"
    shutil.copytree(kuopio_plan, half)
    (half / MANIFEST).unlink()
    with pytest.raises(PlanFilesError, match="not a complete plan"):
        check_plan(half, instance)
    result = runner.invoke(main, ["check", str(half)])
    assert result.exit_code == 2 and "not a complete plan" in result.output
    assert "Traceback" not in result.output
    touched = tmp_path / "touched"
    shutil.copytree(kuopio_plan, touched)
    with open(touched / "visits.csv", "a", encoding="utf-8") as handle:
        handle.write("2026-03-31,kaavi,kaavi,09:00,15:00,s019,coach\n")
    for command in (
        ["check", str(touched)],
        ["publish", str(touched), "--db", str(tmp_path / "d")],
    ):
        result = runner.invoke(main, command)
        assert result.exit_code == 2, result.output
        assert "visits.csv changed after the plan was written" in result.output
    assert not (tmp_path / "d").exists()
    result = runner.invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "not a complete plan" in result.output


def test_a_plan_knows_its_instance(tmp_path: Path) -> None:
    """check and publish use the instance the plan was made from; they refuse when its
    files changed since, unless the instance is named."""
    copy = tmp_path / "copy"
    shutil.copytree(KUOPIO, copy)
    with open(copy / "absences.csv", "a", encoding="utf-8") as handle:
        handle.write("s001,2026-03-16,2026-03-16,sick leave\n")
    runner = CliRunner()
    common = ["--time-limit", "10", "-q", "--db", str(tmp_path / "none.db")]
    february = tmp_path / "feb"
    result = runner.invoke(
        main, ["schedule", str(copy), "--month", "2026-02", "--out", str(february), *common]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "schedule",
            str(copy),
            "--month",
            MONTH,
            "--out",
            str(out),
            "--previous",
            str(february),
            *common,
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["source"]["instance_dir"] == str(copy.resolve())
    assert set(manifest["source"]["instance_files"]) >= {"instance.toml", "staff.csv"}
    result = runner.invoke(main, ["check", str(out)])
    assert result.exit_code == 0, result.output
    db = tmp_path / "p.db"
    result = runner.invoke(main, ["publish", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    tables, _ = _read(out)
    working = _office_day(tables)
    sid, date = working["staff_id"], working["date"]
    with open(copy / "absences.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{sid},{date},{date},sick leave\n")
    for command in (["check", str(out)], ["publish", str(out), "--db", str(db)]):
        result = runner.invoke(main, command)
        assert result.exit_code == 2, result.output
        assert "absences.csv changed since" in result.output
    # Named explicitly, the instance as it is now is used (and here it no longer fits).
    result = runner.invoke(main, ["check", str(out), str(copy)])
    assert result.exit_code == 1
    assert f"absence: {sid} {date}: absent, but planned for office" in result.output


def test_split_solve_bound_is_below_the_whole_months_optimum(
    kuopio_plan: Path, tmp_path: Path
) -> None:
    """The split solve's bound comes from a relaxation (each production area with the
    whole substitute pool): it must never exceed the whole month's proven optimum, and
    its plan can never beat it; the plan passes the checker like any other."""
    whole = json.loads((kuopio_plan / MANIFEST).read_text(encoding="utf-8"))["stats"]
    assert whole["status"] == "OPTIMAL"
    instance = load_instance(KUOPIO)
    config = SolverConfig(time_limit=10, workers=4, seed=1, method="split")
    plan = plan_month(instance, MONTH, config=config)
    assert plan.stats.method == "split"
    assert plan.stats.best_bound <= whole["objective"] + 1e-6
    assert plan.stats.objective >= whole["objective"] - 1e-6
    assert [p.name for p in plan.stats.passes][-1].startswith("substitutes placed")
    # Each area alone may count on the one substitute living in Siilinjärvi on the same
    # day; pricing the pool's over-asked days (Lagrangian rounds) lifts the bound above
    # the plain relaxation's, which the whole model's optimum shows was too low.
    plain = sum(p.best_bound for p in plan.stats.passes if p.name.endswith("the whole pool"))
    assert plain < whole["objective"] - 1
    assert any("prices round" in p.name for p in plan.stats.passes)
    assert plan.stats.best_bound > plain + 1e-6
    # Every choice of the rounds (prices, steps, when to stop) depends on deterministic
    # figures only: the same seed gives the same plan.
    again = plan_month(instance, MONTH, config=config)
    assert again.visits == plan.visits and again.schedule == plan.schedule
    assert again.stats.best_bound == plan.stats.best_bound
    out = tmp_path / "split"
    write_plan(plan, instance, out)
    assert check_plan(out, instance) == []


def test_feeds_of_a_real_month_read_well(kuopio_plan: Path, tmp_path: Path) -> None:
    """No feed for an optional area that is switched off (Varkaus–Joroinen), and no
    doubled full stop after a colleague's initial ('Elli N.'); the Kuopio instance's
    feeds are in Finnish, with its words for the processes."""
    import datetime as dt

    from planner.feeds.render import all_feed_keys, render_feed
    from planner.feeds.store import connect, publish

    db = tmp_path / "store.db"
    publish(db, kuopio_plan, load_instance(KUOPIO), dt.datetime(2026, 2, 20, tzinfo=dt.UTC))
    with connect(db) as con:
        keys = all_feed_keys(con)
        assert "area/varkaus_joroinen" not in keys
        assert not any(k.startswith("point/varkaus") for k in keys)
        staff_feeds = [render_feed(con, k) for k in keys if k.startswith("staff/")][:40]
    text = b"".join(staff_feeds).replace(b"\r\n ", b"")
    assert "Paikalla myös: ".encode() in text
    assert b"Olet paikalla: valmennus" in text
    assert b".." not in text


def test_check_pins_judges_the_plan_by_the_pins_the_planner_holds(
    kuopio_plan: Path, tmp_path: Path
) -> None:
    """A plan whose own pins.csv lost a pin passes on its own; given the planner's pins,
    the pin it does not keep is a violation naming the pin, the place and the day."""
    tables, _ = _read(kuopio_plan)
    visit = _visits(tables, "kaavi")[0]
    held = tmp_path / "pins.csv"
    held.write_text(
        f"rule,staff_id,point_id,date,pattern\nclosed,,kaavi,{visit['date']},\n", encoding="utf-8"
    )
    runner = CliRunner()
    alone = runner.invoke(main, ["check", str(kuopio_plan)])
    assert alone.exit_code == 0, alone.output
    judged = runner.invoke(main, ["check", str(kuopio_plan), "--pins", str(held)])
    assert judged.exit_code == 1, judged.output
    assert f"pin: kaavi {visit['date']}: pinned closed, but a visit is held" in judged.output
    bad = tmp_path / "bad.csv"
    bad.write_text("rule,staff_id,point_id,date,pattern\nsometimes,,kaavi,2026-03-02,\n")
    refused = runner.invoke(main, ["check", str(kuopio_plan), "--pins", str(bad)])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
