"""An independent checker: re-verifies every hard rule of a plan from its files alone.

It never imports the solver model: it reads ``visits.csv``, ``schedule.csv``,
``responsible.csv``, ``points.csv`` and ``unmet.csv`` and the instance, and
checks the rules as a planner states them. Shortfalls the plan itself declares
in ``unmet.csv`` (with a reason) are allowed; an undeclared one is a violation.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING

from planner.calendar import Pattern, is_working_day, working_days
from planner.demand import processes_needed

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance

ACTIVITIES = {"outreach", "office", "central", "absent", "off"}
FILES = ("visits.csv", "schedule.csv", "responsible.csv", "points.csv", "unmet.csv")


class PlanFilesError(ValueError):
    """The plan directory is missing a file or a column."""


def _read(directory: Path, name: str) -> list[dict[str, str]]:
    path = directory / name
    if not path.exists():
        raise PlanFilesError(f"{path}: file is missing")
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def check_plan(directory: Path, instance: Instance) -> list[str]:
    """Every violation of a hard rule, in words; an empty list means the plan is sound."""
    visits = _read(directory, "visits.csv")
    schedule = _read(directory, "schedule.csv")
    responsible = _read(directory, "responsible.csv")
    points = _read(directory, "points.csv")
    unmet = _read(directory, "unmet.csv")
    if not schedule:
        return ["schedule.csv has no rows"]
    month = schedule[0]["date"][:7]
    days = working_days(month)
    problems: list[str] = []
    staff = {s.staff_id: s for s in instance.staff}
    declared: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for row in unmet:
        key = (row["date"], row["point_id"] or row["municipality_id"])
        declared[row["rule"]][key] += float(row["amount"] or 0)
        if not row["reason"].strip():
            problems.append(f"unmet.csv: {row['rule']} at {key} has no reason")

    # --- schedule: one row per person per working day; absences; part-time share
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for row in schedule:
        key = (row["date"], row["staff_id"])
        if key in rows:
            problems.append(f"schedule: {row['staff_id']} has two rows on {row['date']}")
        rows[key] = row
        if row["activity"] not in ACTIVITIES:
            problems.append(f"schedule: unknown activity {row['activity']!r}")
        if row["staff_id"] not in staff:
            problems.append(f"schedule: unknown person {row['staff_id']!r}")
        if not is_working_day(dt.date.fromisoformat(row["date"])):
            problems.append(f"schedule: {row['date']} is not a working day")
    absent = defaultdict(set)
    for absence in instance.absences:
        day = absence.start
        while day <= absence.end:
            absent[absence.staff_id].add(day.isoformat())
            day += dt.timedelta(days=1)
    for person in instance.staff:
        worked = 0
        for day in days:
            row = rows.get((day.isoformat(), person.staff_id))
            if row is None:
                problems.append(f"schedule: no row for {person.staff_id} on {day}")
                continue
            away = day.isoformat() in absent[person.staff_id]
            if away and row["activity"] != "absent":
                problems.append(
                    f"absence: {person.staff_id} is away on {day} but planned for {row['activity']}"
                )
            if row["activity"] == "absent" and not away:
                problems.append(
                    f"absence: {person.staff_id} marked absent on {day} without an absence"
                )
            worked += row["activity"] not in ("absent", "off")
        allowed = math.floor(person.fte * len(days) + 1e-9)
        if worked > allowed:
            problems.append(
                f"part-time: {person.staff_id} ({person.fte:g} FTE) works {worked} "
                f"days, more than {allowed}"
            )

    # --- visits
    active = {p.point_id for p in instance.active_points()}
    named: dict[str, set[str]] = defaultdict(set)
    for row in responsible:
        named[row["municipality_id"]].add(row["staff_id"])
    seen_outreach = set()
    visit_dates: dict[str, set[str]] = defaultdict(set)
    for v in visits:
        where = f"visit {v['point_id']} {v['date']}"
        if v["point_id"] not in active:
            problems.append(f"{where}: not an active service point")
            continue
        point = instance.point(v["point_id"])
        day = dt.date.fromisoformat(v["date"])
        visit_dates[v["point_id"]].add(v["date"])
        if point.kind != "outreach":
            problems.append(f"{where}: not an outreach point")
        if not is_working_day(day):
            problems.append(f"{where}: not a working day")
        if day.weekday() not in point.weekdays:
            problems.append(f"{where}: the room is not available on {day:%A}")
        if v["start"] < point.open.strftime("%H:%M") or v["end"] > point.close.strftime("%H:%M"):
            problems.append(f"{where}: {v['start']}-{v['end']} is outside opening hours")
        people = v["staff_ids"].split()
        if not people:
            problems.append(f"{where}: nobody goes")
        if len(people) > point.rooms:
            problems.append(f"{where}: {len(people)} people for {point.rooms} rooms")
        if not any("coach" in staff[s].skills for s in people if s in staff):
            problems.append(f"{where}: no own coach on the visit")
        skills = {q for s in people if s in staff for q in staff[s].skills}
        for process in v["processes"].split():
            if process not in skills:
                problems.append(f"{where}: lists {process!r} but nobody there has the skill")
        for sid in people:
            row = rows.get((v["date"], sid))
            if row is None or row["activity"] != "outreach" or row["place_id"] != v["point_id"]:
                problems.append(f"{where}: {sid} is not scheduled there that day")
            seen_outreach.add((v["date"], sid))
            if (
                sid in staff
                and not staff[sid].substitute
                and sid not in named[point.municipality_id]
            ):
                problems.append(
                    f"{where}: {sid} is not a named responsible worker of {point.municipality_id}"
                )
    for (date, sid), row in rows.items():
        if row["activity"] == "outreach" and (date, sid) not in seen_outreach:
            problems.append(
                f"schedule: {sid} on outreach {date} at {row['place_id']} but on no visit"
            )

    # --- patterns, holidays and the equity floor
    for row in points:
        if row["point_id"] not in active:
            continue
        point = instance.point(row["point_id"])
        pattern = Pattern.from_key(row["pattern"])
        allowed_days = {
            d.isoformat()
            for d in pattern.open_days(
                month, point.weekdays, instance.settings.schedule.holiday_policy
            )
        }
        for date in visit_dates[row["point_id"]] - allowed_days:
            problems.append(
                f"visit {row['point_id']} {date}: not on its pattern ({pattern.describe()})"
            )
    floor = instance.settings.schedule.equity_floor
    floor_gap = {"weekly": 7, "biweekly": 14}.get(floor)
    with_office = {p.municipality_id for p in instance.active_points() if p.kind == "office"}
    for muni in instance.active_municipalities():
        mid = muni.municipality_id
        if mid in with_office or floor == "none":
            continue
        mine = [p.point_id for p in instance.active_points() if p.municipality_id == mid]
        held = sorted(
            {d for p in mine for d in visit_dates[p]}
            | {k[0] for k in declared["unmet_visit"] if k[1] in mine}
        )
        if not held:
            problems.append(f"equity floor: {mid} has no visit day this month")
            continue
        if floor_gap is None:
            continue
        marks = [days[0] - dt.timedelta(days=1), *(dt.date.fromisoformat(d) for d in held)]
        marks.append(days[-1] + dt.timedelta(days=1))
        for before, after in itertools.pairwise(marks):
            holiday_inside = any(
                not is_working_day(before + dt.timedelta(days=k))
                and (before + dt.timedelta(days=k)).weekday() < 5
                for k in range(1, (after - before).days)
            )
            if (after - before).days > floor_gap and not holiday_inside:
                problems.append(
                    f"equity floor: {mid} goes {(after - before).days - 1} days "
                    f"without a visit day ({before} to {after}), floor is {floor}"
                )

    # --- named responsible workers: at least two per municipality and needed process
    by_process: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in responsible:
        sid = row["staff_id"]
        if sid not in staff:
            problems.append(f"responsible: unknown person {sid!r}")
            continue
        if row["process"] not in staff[sid].skills:
            problems.append(
                f"responsible: {sid} named for {row['process']} in "
                f"{row['municipality_id']} without the skill"
            )
        if staff[sid].substitute:
            problems.append(f"responsible: substitute {sid} named in {row['municipality_id']}")
        by_process[(row["municipality_id"], row["process"])].add(sid)
    for muni, processes in processes_needed(instance).items():
        for process in processes:
            count = len(by_process[(muni, process)])
            excused = declared["responsible_shortfall"].get(("", muni), 0)
            if count < 2 and count + excused < 2:
                problems.append(
                    f"two-worker rule: {muni} has {count} named worker(s) for {process}"
                )

    # --- office and central cover
    for office, minimum in instance.settings.cover.office_min_per_day.items():
        for day in days:
            present = sum(
                1
                for (d, _), r in rows.items()
                if d == day.isoformat() and r["activity"] == "office" and r["place_id"] == office
            )
            excused = declared["office_cover_shortfall"].get((day.isoformat(), office), 0)
            if present + excused < minimum:
                problems.append(f"office cover: {office} has {present} of {minimum} on {day}")
    minimum = instance.settings.cover.central_min_per_day
    for day in days:
        present = sum(
            1
            for (d, sid), r in rows.items()
            if d == day.isoformat()
            and r["activity"] == "central"
            and (not staff[sid].substitute or r["substitute_cover"] == "true")
        )
        excused = declared["central_cover_shortfall"].get((day.isoformat(), "central"), 0)
        if present + excused < minimum:
            problems.append(f"central cover: {present} of {minimum} on {day}")
    return problems
