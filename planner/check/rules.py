"""The hard rules, checked one family at a time, in the order of the model's rule families
(:data:`planner.plan.model.RULE_FAMILIES`), so a reader can hold the two side by side.

Every function takes the plan as read (:class:`PlanView`) and yields violations, each
one line naming the rule, the person or point, and the day. A shortfall the plan
declares in ``unmet.csv`` (with a reason) is allowed; an undeclared one, or a declared
one the plan does not show, is a violation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner.check.calendar import RANK, PatternText, is_working_day, next_month, working_days
from planner.clients import municipality_counts, point_counts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from models.instance import Instance, RuleSet

TOLERANCE = 1e-6


@dataclass
class PlanView:
    """A plan's tables, indexed for the rules."""

    instance: Instance
    month: str
    visits: list[dict[str, str]]
    schedule: list[dict[str, str]]
    responsible: list[dict[str, str]]
    points: list[dict[str, str]]
    unmet: list[dict[str, str]]
    roles: list[dict[str, str]]
    previous_visits: list[dict[str, str]] | None = None
    """Last month's visits, when its plan is given: the context across the boundary."""
    pins: list[dict[str, str]] = field(default_factory=list)
    """What the planner pinned: pins.csv of the plan folder, and the pins given from
    outside (``check --pins``, the desk's store)."""
    status: str = ""
    """The solver's status the manifest records (OPTIMAL, FEASIBLE, ...)."""
    days: list[dt.date] = field(default_factory=list)
    rows: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    declared: dict[str, dict[str, float]] = field(default_factory=dict)
    role: dict[str, str] = field(default_factory=dict)
    area: dict[str, str] = field(default_factory=dict)
    bad_declarations: list[str] = field(default_factory=list)
    excuses: list[dict[str, str]] = field(default_factory=list)
    """The rows of unmet.csv that read as what they are (the others excuse nothing)."""

    def __post_init__(self) -> None:
        self.days = working_days(self.month)
        for row in self.schedule:
            self.rows.setdefault((row["date"], row["staff_id"]), row)
        declared: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for line, row in enumerate(self.unmet, start=2):
            problem = _declaration_problem(row, self.instance)
            if problem:
                # An excuse that cannot be read excuses nothing (NaN compares false with
                # everything, so a 'nan' amount would otherwise excuse any shortfall).
                self.bad_declarations.append(f"declared: unmet.csv:{line}: {problem}")
                continue
            self.excuses.append(row)
            key = "|".join((row["date"], row["point_id"] or row["municipality_id"]))
            declared[row["rule"]][key] += float(row["amount"])
        self.declared = declared
        self.role, self.area = allocated_roles(self.instance)

    def staff(self) -> dict[str, object]:
        return {s.staff_id: s for s in self.instance.staff}

    def excused(self, rule: str, date: str, where: str) -> float:
        return self.declared.get(rule, {}).get(f"{date}|{where}", 0.0)

    def with_office(self) -> set[str]:
        return {p.municipality_id for p in self.instance.active_points() if p.kind == "office"}

    def pattern(self, point_id: str) -> PatternText | None:
        for row in self.points:
            if row["point_id"] == point_id:
                try:
                    return PatternText(row["pattern"])
                except ValueError:
                    return None
        return None

    def rules(self) -> tuple[str, RuleSet]:
        """The rule set in force on the month's first day (or the pinned one), read here."""
        settings = self.instance.settings
        if settings.demand.rule_set:
            return settings.demand.rule_set, settings.rule_sets[settings.demand.rule_set]
        first = dt.date(int(self.month[:4]), int(self.month[5:7]), 1)
        for key, rules in settings.rule_sets.items():
            if rules.valid_from <= first and (rules.valid_to is None or first <= rules.valid_to):
                return key, rules
        raise ValueError(f"no rule set is in force on {first}")

    def needed(self) -> dict[str, list[str]]:
        """Key processes each municipality needs on site: the own coach always, and each
        process of ``[process_demand]`` with visits whose criterion reaches min_clients."""
        counts = municipality_counts(self.instance)
        result = {}
        for muni in self.instance.active_municipalities():
            mid = muni.municipality_id
            result[mid] = ["coach"] + [
                q
                for q, rule in self.instance.settings.process_demand.items()
                if rule.visits_per_month > 0 and counts[mid][rule.criterion] >= rule.min_clients
            ]
        return result

    def outreach_points(self, muni: str) -> set[str]:
        return {
            p.point_id
            for p in self.instance.active_points()
            if p.municipality_id == muni and p.kind == "outreach"
        }

    def team(self, point_id: str) -> set[str]:
        return {r["staff_id"] for r in self.responsible if r["point_id"] == point_id}


def allocated_roles(instance: Instance) -> tuple[dict[str, str], dict[str, str]]:
    """Each person's role and production area by the allocation of the instance itself
    (the quota method of :mod:`planner.allocation`, deterministic from the instance),
    never by the plan's roles.csv, which is a claim this checker verifies. Without a
    possible allocation, everyone works in the area of their home point."""
    from planner.allocation.staff import AllocationError, allocate

    try:
        homes = allocate(instance).home_areas
    except AllocationError:
        homes = {
            s.staff_id: instance.area_of_point(s.home_point_id) for s in instance.regular_staff()
        }
    role, area = {}, {}
    for person in instance.staff:
        if person.substitute:
            role[person.staff_id], area[person.staff_id] = "substitute", ""
            continue
        home = homes.get(person.staff_id, "central")
        role[person.staff_id] = "central" if home == "central" else "local"
        area[person.staff_id] = "" if home == "central" else home
    return role, area


def _declaration_problem(row: dict[str, str], instance: Instance) -> str:
    """What is wrong with one declared excuse as written, or '' (its truth is checked by
    the rule families and :func:`declared_excuses`)."""
    from models.plan import UNMET_CAUSES

    rule, cause = row["rule"], row.get("cause", "")
    if rule not in UNMET_CAUSES:
        return f"unknown rule {rule!r}"
    if cause not in UNMET_CAUSES[rule]:
        return f"{rule}: cause {cause!r} is not one of {', '.join(UNMET_CAUSES[rule])}"
    try:
        amount = float(row["amount"])
    except ValueError:
        return f"{rule}: amount {row['amount']!r} is not a number"
    if not math.isfinite(amount) or amount <= 0:
        return f"{rule}: amount {row['amount']!r} is not a positive finite number"
    if row["date"]:
        try:
            dt.date.fromisoformat(row["date"])
        except ValueError:
            return f"{rule}: date {row['date']!r} is not a date (YYYY-MM-DD)"
    points = {p.point_id: p for p in instance.active_points()}
    if row["point_id"] and row["point_id"] != "central":
        point = points.get(row["point_id"])
        if point is None:
            return f"{rule}: {row['point_id']!r} is no active service point"
        if row["municipality_id"] != point.municipality_id:
            return (
                f"{rule}: {row['point_id']} lies in {point.municipality_id}, not in "
                f"{row['municipality_id']!r}"
            )
    elif row["municipality_id"] and row["municipality_id"] not in {
        m.municipality_id for m in instance.active_municipalities()
    }:
        return f"{rule}: {row['municipality_id']!r} is no active municipality"
    return ""


def _absences(instance: Instance) -> dict[str, set[dt.date]]:
    away: dict[str, set[dt.date]] = defaultdict(set)
    for absence in instance.absences:
        day = absence.start
        while day <= absence.end:
            away[absence.staff_id].add(day)
            day += dt.timedelta(days=1)
    return away


# ----------------------------------------------------------------------------- rule families


def working_days_and_absences(v: PlanView) -> Iterator[str]:
    """One row per person per working day; nobody works while absent; a full-timer works
    every day they are not absent, a part-timer (substitutes too) exactly their share of
    the month's working days, floor(FTE × working days), or fewer only when absent."""
    staff = v.staff()
    seen: set[tuple[str, str]] = set()
    for row in v.schedule:
        key = (row["date"], row["staff_id"])
        where = f"working days: {row['staff_id']} {row['date']}"
        if key in seen:
            yield f"{where}: two rows for one day"
        seen.add(key)
        if row["staff_id"] not in staff:
            yield f"{where}: unknown person"
        try:
            day = dt.date.fromisoformat(row["date"])
        except ValueError:
            yield f"{where}: not a date"
            continue
        if day.strftime("%Y-%m") != v.month or not is_working_day(day):
            yield f"{where}: not a working day of {v.month}"
        if row["activity"] not in ("outreach", "office", "central", "absent", "off"):
            yield f"{where}: unknown activity {row['activity']!r}"
    away = _absences(v.instance)
    for person in v.instance.staff:
        sid = person.staff_id
        worked, available = 0, 0
        for day in v.days:
            row = v.rows.get((day.isoformat(), sid))
            if row is None:
                yield f"working days: {sid} {day}: no row"
                continue
            absent = day in away[sid]
            available += not absent
            if absent and row["activity"] != "absent":
                yield f"absence: {sid} {day}: absent, but planned for {row['activity']}"
            if row["activity"] == "absent" and not absent:
                yield f"absence: {sid} {day}: marked absent without an absence"
            worked += row["activity"] not in ("absent", "off")
        owed = min(available, math.floor(person.fte * len(v.days) + 1e-9))
        if owed == available:  # everyone at work works: name each day off
            for day in v.days:
                row = v.rows.get((day.isoformat(), sid))
                if row is not None and row["activity"] == "off" and day not in away[sid]:
                    yield (
                        f"working days: {sid} {day}: off, but with {person.fte:g} FTE they "
                        "work every day they are not absent"
                    )
        elif worked != owed:
            yield (
                f"working days: {sid} ({person.fte:g} FTE) {v.month}: works {worked} day(s), "
                f"owes exactly {owed} ({available} not absent of {len(v.days)})"
            )


def visit_patterns(v: PlanView) -> Iterator[str]:
    """Every active outreach point follows one rhythm of the allowed set: a known pattern
    on weekdays its room is free, the instance's fixed pattern where it gives one, and no
    less often than the equity floor where the municipality has no office (unless the
    plan declares the floor cannot be kept there); visits fall only on its open days."""
    settings = v.instance.settings
    floor = settings.schedule.equity_floor
    with_office = v.with_office()
    listed = {r["point_id"] for r in v.points}
    outreach = [p for p in v.instance.active_points() if p.kind == "outreach"]
    for point in outreach:
        if point.point_id not in listed:
            yield f"pattern: {point.point_id} {v.month}: no row in points.csv"
    held: dict[str, set[str]] = defaultdict(set)
    for visit in v.visits:
        held[visit["point_id"]].add(visit["date"])
    for row in v.points:
        pid = row["point_id"]
        where = f"pattern: {pid} {v.month}"
        point = next((p for p in outreach if p.point_id == pid), None)
        if point is None:
            yield f"{where}: not an active outreach point"
            continue
        try:
            pattern = PatternText(row["pattern"])
        except ValueError as exc:
            yield f"{where}: {exc}"
            continue
        room = {int(d) for d in point.weekdays}
        closed = [d for d in pattern.weekdays if d not in room or d >= 5]
        if closed:
            yield f"{where}: {row['pattern']!r} falls on weekdays the room is not free"
        if point.pattern and row["pattern"] != point.pattern:
            yield f"{where}: {row['pattern']!r}, but the instance fixes {point.pattern!r}"
        below = RANK.index(pattern.frequency) < RANK.index(floor)
        exempt = point.municipality_id in with_office or v.excused("equity_floor", "", pid)
        if below and not exempt:
            yield f"equity floor: {pid} {v.month}: {row['pattern']!r} is less often than {floor}"
        days = pattern.open_days(v.month, room, settings.schedule.holiday_policy)
        for date in sorted(held[pid] - {d.isoformat() for d in days}):
            yield f"pattern: {pid} {date}: a visit off its rhythm {row['pattern']!r}"


def outreach_assignments(v: PlanView) -> Iterator[str]:
    """A visit is held on a working day the room is free, within opening hours, by at most
    as many people as it has rooms, with an own coach; each person on it is scheduled there
    that day and has the processes listed; regular staff go only to points of their own
    production area whose team they are on; central staff only do central duties, local
    staff work at their home office when not out, substitutes anywhere."""
    staff = v.staff()
    active = {p.point_id: p for p in v.instance.active_points()}
    listed = {r["staff_id"]: r for r in v.roles}
    for person in v.instance.staff:
        sid = person.staff_id
        row = listed.get(sid)
        if row is None:
            yield f"role: {sid} {v.month}: no row in roles.csv"
        elif (row["role"], row["area_id"]) != (v.role[sid], v.area[sid]):
            yield (
                f"role: {sid} {v.month}: roles.csv says {row['role']} in "
                f"{row['area_id'] or '-'}, the instance's allocation gives {v.role[sid]} in "
                f"{v.area[sid] or '-'}"
            )
    on_visit: set[tuple[str, str]] = set()
    seen_visits: set[tuple[str, str]] = set()
    for visit in v.visits:
        pid, date = visit["point_id"], visit["date"]
        where = f"visit: {pid} {date}"
        if (pid, date) in seen_visits:
            yield f"{where}: listed twice"
        seen_visits.add((pid, date))
        point = active.get(pid)
        if point is None or point.kind != "outreach":
            yield f"{where}: not an active outreach point"
            continue
        if visit["municipality_id"] != point.municipality_id:
            yield (
                f"{where}: listed in {visit['municipality_id']!r}, but {pid} lies in "
                f"{point.municipality_id}"
            )
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            yield f"{where}: not a date"
            continue
        if not is_working_day(day) or day.strftime("%Y-%m") != v.month:
            yield f"{where}: not a working day of {v.month}"
        if day.weekday() not in point.weekdays:
            yield f"{where}: the room is not free on {day:%A}"
        yield from _visit_hours(where, visit, point)
        people = visit["staff_ids"].split()
        if not people:
            yield f"{where}: nobody goes"
        for sid in sorted({s for s in people if people.count(s) > 1}):
            yield f"{where}: {sid} is listed {people.count(sid)} times"
        for sid in people:
            if sid not in staff:
                yield f"{where}: unknown person {sid!r}"
        people = list(dict.fromkeys(people))
        if len(people) > point.rooms:
            yield f"{where}: {len(people)} people for {point.rooms} room(s)"
        if not any("coach" in staff[s].skills for s in people if s in staff):  # type: ignore[attr-defined]
            yield f"{where}: no own coach on the visit"
        skills = {q for s in people if s in staff for q in staff[s].skills}  # type: ignore[attr-defined]
        for process in visit["processes"].split():
            if process not in skills:
                yield f"{where}: lists {process!r}, but nobody there has the skill"
        team = v.team(pid)
        area = v.instance.area_of_point(pid)
        for sid in people:
            on_visit.add((date, sid))
            row = v.rows.get((date, sid))
            if row is None or row["activity"] != "outreach" or row["place_id"] != pid:
                yield f"visit: {pid} {date}: {sid} is not scheduled there that day"
            role = v.role.get(sid)
            if role == "central":
                yield f"role: {sid} {date}: on central duties, but on a visit to {pid}"
            elif role == "local":
                if v.area.get(sid) != area:
                    yield f"team: {sid} {date}: visits {pid} outside their production area"
                elif sid not in team:
                    yield f"team: {sid} {date}: visits {pid}, but is not on its team"
    homes = {s.staff_id: s.home_point_id for s in v.instance.staff}
    offices = {p for p, point in active.items() if point.kind == "office"}
    for (date, sid), row in v.rows.items():
        activity, place = row["activity"], row["place_id"]
        role = v.role.get(sid)
        if activity == "outreach" and (date, sid) not in on_visit:
            yield f"visit: {place} {date}: {sid} is on outreach there, but on no visit"
        if role == "central" and activity in ("outreach", "office"):
            yield f"role: {sid} {date}: on central duties, but shown at {activity} {place}"
        if role == "local" and activity == "central":
            yield f"role: {sid} {date}: works in an area, but shown on central duties"
        if role == "local" and activity == "office" and place != homes.get(sid):
            yield f"role: {sid} {date}: at office {place}, not their home office"
        if role == "substitute" and activity == "office" and place not in offices:
            yield f"role: {sid} {date}: covers {place!r}, which is not an office"
        if activity == "central" and place != "central":
            yield f"role: {sid} {date}: central duties at {place!r}, not at the central place"
        if activity in ("absent", "off") and place:
            yield f"working days: {sid} {date}: {activity}, but at {place!r}"
        if row.get("substitute_cover") not in ("true", "false"):
            yield (
                f"working days: {sid} {date}: substitute_cover "
                f"{row.get('substitute_cover')!r} is neither true nor false"
            )


TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _visit_hours(where: str, visit: dict[str, str], point: object) -> Iterator[str]:
    """Times are times: HH:MM, the end after the start, inside the point's opening hours
    (compared as times, never as text: '7:30' sorts after '15:00')."""
    start, end = visit["start"], visit["end"]
    bad = [t for t in (start, end) if not TIME.match(t)]
    if bad:
        yield f"{where}: {', '.join(repr(t) for t in bad)} is not a time (HH:MM)"
        return
    begin, finish = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    if finish <= begin:
        yield f"{where}: ends at {end}, not after it starts at {start}"
    if begin < point.open or finish > point.close:  # type: ignore[attr-defined]
        yield (
            f"{where}: {start}-{end} is outside opening hours "
            f"{point.open:%H:%M}-{point.close:%H:%M}"  # type: ignore[attr-defined]
        )


def pins_kept(v: PlanView) -> Iterator[str]:
    """Every pin the plan was made with holds: who goes where on which day, or does not;
    which points are open or closed on which days; which rhythms are kept."""
    people_at: dict[tuple[str, str], set[str]] = {}
    for visit in v.visits:
        people_at[(visit["point_id"], visit["date"])] = set(visit["staff_ids"].split())
    patterns = {r["point_id"]: r["pattern"] for r in v.points}
    for pin in v.pins:
        rule, point, date, sid = pin["rule"], pin["point_id"], pin["date"], pin["staff_id"]
        held = people_at.get((point, date))
        if rule == "goes" and (held is None or sid not in held):
            yield f"pin: {sid} {date}: pinned to go to {point}, but does not"
        elif rule == "does_not_go" and held is not None and sid in held:
            yield f"pin: {sid} {date}: pinned not to go to {point}, but goes"
        elif rule == "open" and held is None:
            yield f"pin: {point} {date}: pinned open, but no visit is held"
        elif rule == "closed" and held is not None:
            yield f"pin: {point} {date}: pinned closed, but a visit is held"
        elif rule == "keeps_pattern" and patterns.get(point) != pin["pattern"]:
            yield f"pin: {point} {v.month}: pinned to {pin['pattern']}, has {patterns.get(point)}"
        elif rule.startswith("frozen:"):
            row = v.rows.get((date, sid))
            want = (rule.removeprefix("frozen:"), point)
            if row is None or (row["activity"], row["place_id"]) != want:
                got = (row["activity"], row["place_id"]) if row else None
                yield f"pin: {sid} {date}: frozen as {want}, but the plan has {got}"
        elif rule not in ("goes", "does_not_go", "open", "closed", "keeps_pattern"):
            yield f"pin: {point} {date}: unknown rule {rule!r}"


def named_workers(v: PlanView) -> Iterator[str]:
    """Each municipality has at least two named responsible workers for every key process it
    needs (never one), each with that skill, none a substitute, each of the regular staff
    of the municipality's own production area (by the instance's allocation); fewer only
    when fewer people of that area with the skill work this month and every one of them
    is named, and the plan declares exactly the difference."""
    staff = v.staff()
    away = _absences(v.instance)
    by_process: dict[tuple[str, str], set[str]] = defaultdict(set)
    area_of = {m.municipality_id: m.area_id for m in v.instance.municipalities}
    for row in v.responsible:
        sid, muni = row["staff_id"], row["municipality_id"]
        where = f"named workers: {sid} {v.month}"
        if sid not in staff:
            yield f"{where}: unknown person"
            continue
        if row["process"] not in staff[sid].skills:  # type: ignore[attr-defined]
            yield f"{where}: named for {row['process']} in {muni} without the skill"
        if staff[sid].substitute:  # type: ignore[attr-defined]
            yield f"{where}: a substitute named in {muni}"
        elif v.role.get(sid) != "local" or v.area.get(sid) != area_of.get(muni):
            yield (
                f"{where}: named in {muni} (area {area_of.get(muni)}), but the instance's "
                f"allocation puts them {v.role.get(sid)} in {v.area.get(sid) or '-'}"
            )
        by_process[(muni, row["process"])].add(sid)
    for muni, processes in v.needed().items():
        owed = 0.0
        for process in processes:
            count = len(by_process[(muni, process)])
            if count >= 2:
                continue
            able = {
                s.staff_id
                for s in v.instance.staff
                if v.role.get(s.staff_id) == "local"
                and v.area.get(s.staff_id) == area_of.get(muni)
                and process in s.skills
                and any(d not in away[s.staff_id] for d in v.days)
            }
            if len(able) >= 2 or able - by_process[(muni, process)]:
                yield (
                    f"named workers: {muni} {v.month}: {count} named for {process}, not two "
                    f"({len(able)} of the area with the skill work this month)"
                )
            else:
                owed += 2 - count
        declared = v.excused("responsible_shortfall", "", muni)
        if abs(declared - owed) > TOLERANCE:
            yield (
                f"named workers: {muni} {v.month}: declares {declared:g} named worker(s) "
                f"missing, the plan and the staff show {owed:g}"
            )
    yield from _approved_teams_held(v, away, area_of)


def _approved_teams_held(
    v: PlanView, away: dict[str, set[dt.date]], area_of: dict[str, str]
) -> Iterator[str]:
    """With approved teams (teams.csv), the plan names exactly them at every point it
    plans a team for: each approved member whom the allocation places in the point's area
    is named for each needed process they have, and anyone else named there stands in
    for a process of which fewer than two approved members work this month."""
    if not v.instance.teams:
        return
    staff = v.staff()
    approved = v.instance.approved_teams()
    named: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in v.responsible:
        named[row["point_id"]][row["staff_id"]].add(row["process"])
    needed = v.needed()
    for point_id, members in named.items():
        if point_id not in approved:
            continue  # a point with no approved team: the month's rule chose it
        muni = next(p.municipality_id for p in v.instance.service_points if p.point_id == point_id)
        home = {
            s
            for s in approved[point_id]
            if s in staff and v.role.get(s) == "local" and v.area.get(s) == area_of.get(muni)
        }
        for sid in sorted(home):
            for process in needed.get(muni, []):
                if process in staff[sid].skills and process not in members.get(sid, set()):  # type: ignore[attr-defined]
                    yield (
                        f"named workers: {sid} {v.month}: on {point_id}'s approved team with "
                        f"{process}, but not named for it"
                    )
        for sid in sorted(set(members) - home):
            for process in sorted(members[sid]):
                at_work = [
                    s
                    for s in home
                    if process in staff[s].skills  # type: ignore[attr-defined]
                    and any(d not in away[s] for d in v.days)
                ]
                if len(at_work) >= 2:
                    yield (
                        f"named workers: {sid} {v.month}: named on {point_id} for {process}, "
                        f"not on its approved team, while {len(at_work)} approved members "
                        "with it work this month"
                    )


def unmet_visits(v: PlanView) -> Iterator[str]:
    """Every day a point's rhythm opens it has a visit, or the plan declares it unmet; a
    declared unmet day must be an open day without a visit."""
    settings = v.instance.settings
    held = {(r["point_id"], r["date"]) for r in v.visits}
    for row in v.points:
        point = next((p for p in v.instance.active_points() if p.point_id == row["point_id"]), None)
        pattern = v.pattern(row["point_id"])
        if point is None or pattern is None:
            continue
        room = {int(d) for d in point.weekdays}
        for day in sorted(pattern.open_days(v.month, room, settings.schedule.holiday_policy)):
            date = day.isoformat()
            declared = v.excused("unmet_visit", date, point.point_id)
            if (point.point_id, date) not in held and declared < 1:
                yield (
                    f"unmet visit: {point.point_id} {date}: open by its rhythm, no visit, "
                    "undeclared"
                )
            if (point.point_id, date) in held and declared:
                yield f"unmet visit: {point.point_id} {date}: declared unmet, but a visit is held"
            if declared and abs(declared - 1) > TOLERANCE:
                yield f"unmet visit: {point.point_id} {date}: declared {declared:g} times, not once"
        opens = {
            d.isoformat()
            for d in pattern.open_days(v.month, room, settings.schedule.holiday_policy)
        }
        for key in v.declared.get("unmet_visit", {}):
            date, where = key.split("|")
            if where == point.point_id and date not in opens:
                yield (
                    f"unmet visit: {point.point_id} {date or v.month}: declared unmet, but "
                    f"its rhythm {row['pattern']!r} does not open it that day"
                )


def _timeline(v: PlanView, reach: int) -> tuple[list[dt.date], list[dt.date], list[dt.date]]:
    before: list[dt.date] = []
    if v.previous_visits is not None:
        day = v.days[0]
        while len(before) < reach:
            day -= dt.timedelta(days=1)
            if is_working_day(day):
                before.append(day)
        before.reverse()
    after: list[dt.date] = []
    day = v.days[-1]
    while len(after) < reach:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            after.append(day)
    return before, v.days, after


def initial_interview(v: PlanView) -> Iterator[str]:
    """A client registering on any working day can meet someone on site in their own
    municipality within the rule set's deadline (working days): in a municipality served
    by outreach alone, a visit is held within that many working days after every working
    day. Late registration days must be declared; next month's first days count the
    rhythm chosen as carrying on; last month's end counts only when its plan is given."""
    if not v.instance.settings.penalties.initial_interview_late:
        return  # a weight of zero switches the rule off (README, [penalties])
    key, rules = v.rules()
    reach = rules.initial_interview_working_days
    before, days, after = _timeline(v, reach)
    timeline = before + days + after
    first, last = len(before), len(before) + len(days) - 1
    settings = v.instance.settings
    following = next_month(v.month)
    with_office = v.with_office()
    points = {p.point_id: p for p in v.instance.active_points() if p.kind == "outreach"}
    by_muni: dict[str, list[str]] = defaultdict(list)
    for pid, point in points.items():
        by_muni[point.municipality_id].append(pid)
    for muni, mine in sorted(by_muni.items()):
        if muni in with_office:
            continue
        held = {dt.date.fromisoformat(r["date"]) for r in v.visits if r["point_id"] in mine}
        for row in v.previous_visits or []:
            if row["point_id"] in mine:
                held.add(dt.date.fromisoformat(row["date"]))
        for pid in mine:
            pattern = v.pattern(pid)
            if pattern is not None:
                room = {int(d) for d in points[pid].weekdays}
                held |= pattern.open_days(following, room, settings.schedule.holiday_policy)
        marks = [d in held for d in timeline]
        late = [
            timeline[r]
            for r in range(len(timeline) - reach)
            if not (r + reach < first or r > last) and not any(marks[r + 1 : r + reach + 1])
        ]
        declared = v.excused("initial_interview_late", "", muni)
        # Without last month's plan, registration days at its end cannot be judged: the
        # plan may count up to `reach` of them late; with it, the count is exact.
        slack = 0 if v.previous_visits is not None else reach
        if len(late) > declared + TOLERANCE:
            shown = ", ".join(str(d) for d in late[:3])
            yield (
                f"initial interview: {muni} {shown}: {len(late)} registration day(s) with no "
                f"on-site visit within {reach} working days (rule set {key}), "
                f"{declared:g} declared"
            )
        elif declared > len(late) + slack + TOLERANCE or declared != int(declared):
            yield (
                f"initial interview: {muni} {v.month}: {declared:g} late registration day(s) "
                f"declared, the plan shows {len(late)}"
                + ("" if slack == 0 else f" (and at most {slack} at last month's end)")
            )


def local_demand(v: PlanView) -> Iterator[str]:
    """Each outreach point gets the staff-days its clients need, worked out here from the
    README's formula and the rule set in force that month; a shortfall must be declared,
    to the tenth of a staff-day."""
    key, rules = v.rules()
    settings = v.instance.settings
    year = int(v.month[:4])
    year_days = sum(len(working_days(f"{year}-{m:02d}")) for m in range(1, 13))
    share = len(v.days) / year_days
    counts = point_counts(v.instance)
    planned: dict[str, int] = defaultdict(int)
    for visit in v.visits:
        planned[visit["point_id"]] += len(visit["staff_ids"].split())
    for point in v.instance.active_points():
        if point.kind != "outreach":
            continue
        clients = counts[point.point_id]["broad_unemployment"]
        staff_days = (
            clients
            * rules.meetings_per_client_year
            * share
            * settings.demand.face_to_face_share
            / settings.demand.appointments_per_staff_day
        )
        need = max(1, round(staff_days * 10))
        short = max(0, need - 10 * planned[point.point_id]) / 10
        declared = v.excused("demand_shortfall", "", point.point_id)
        if short > declared + TOLERANCE:
            yield (
                f"local demand: {point.point_id} {v.month}: {planned[point.point_id]} staff-days "
                f"for a demand of {need / 10:g} (rule set {key}): {short:g} short, "
                f"{declared:g} declared"
            )
        elif declared > short + TOLERANCE:
            yield (
                f"local demand: {point.point_id} {v.month}: declares {declared:g} staff-days "
                f"short, the plan is {short:g} short"
            )


def process_demand(v: PlanView) -> Iterator[str]:
    """A municipality served by outreach alone gets each needed key process on site the
    staff-days a month ``[process_demand]`` asks, from people with the skill; a shortfall
    must be declared."""
    staff = v.staff()
    with_office = v.with_office()
    settings = v.instance.settings
    for muni, processes in v.needed().items():
        mine = v.outreach_points(muni)
        if not mine or muni in with_office:
            continue
        short_total = 0
        for process in processes:
            rule = settings.process_demand.get(process)
            if rule is None:
                continue
            supply = sum(
                1
                for visit in v.visits
                if visit["point_id"] in mine
                for s in visit["staff_ids"].split()
                if s in staff and process in staff[s].skills  # type: ignore[attr-defined]
            )
            short = max(0, rule.visits_per_month - supply)
            short_total += short
        declared = v.excused("process_shortfall", "", muni)
        if short_total > declared + TOLERANCE:
            yield (
                f"process demand: {muni} {v.month}: {short_total} staff-day(s) of needed key "
                f"processes missing, {declared:g} declared"
            )
        elif declared > short_total + TOLERANCE:
            yield (
                f"process demand: {muni} {v.month}: declares {declared:g} staff-day(s) "
                f"missing, the plan misses {short_total}"
            )


def substitute_pool(v: PlanView) -> Iterator[str]:
    """Substitutes cover one thing a day (one row a day, checked above) and only what a
    substitute may: an outreach visit, an office, or central duties."""
    subs = {s.staff_id for s in v.instance.staff if s.substitute}
    for (date, sid), row in v.rows.items():
        if sid in subs and row["activity"] in ("office", "outreach", "central"):
            if row["activity"] == "central" and row["place_id"] != "central":
                yield f"substitute pool: {sid} {date}: central duties at {row['place_id']!r}"
        elif sid not in subs and row.get("substitute_cover") == "true":
            yield f"substitute pool: {sid} {date}: marked as substitute cover, but is regular"


def office_cover(v: PlanView) -> Iterator[str]:
    """Each office has its minimum number of people every working day, or the plan
    declares the shortfall."""
    for office, minimum in v.instance.settings.cover.office_min_per_day.items():
        for day in v.days:
            date = day.isoformat()
            present = sum(
                1
                for (d, _), r in v.rows.items()
                if d == date and r["activity"] == "office" and r["place_id"] == office
            )
            excused = v.excused("office_cover_shortfall", date, office)
            if present + excused < minimum - TOLERANCE:
                yield f"office cover: {office} {date}: {present} of {minimum}, undeclared"
            elif excused and abs(excused - (minimum - present)) > TOLERANCE:
                yield (
                    f"office cover: {office} {date}: declares {excused:g} short, the plan has "
                    f"{present} of {minimum}"
                )
    for key in v.declared.get("office_cover_shortfall", {}):
        date, office = key.split("|")
        if office not in v.instance.settings.cover.office_min_per_day or date not in {
            d.isoformat() for d in v.days
        }:
            yield f"office cover: {office} {date or v.month}: declared short, but has no minimum"


def central_cover(v: PlanView) -> Iterator[str]:
    """Central duties have their minimum number of people every working day: people on
    central duties, and substitutes covering them; or the plan declares the shortfall."""
    minimum = v.instance.settings.cover.central_min_per_day
    for day in v.days:
        date = day.isoformat()
        present = sum(
            1
            for (d, sid), r in v.rows.items()
            if d == date
            and r["activity"] == "central"
            and (v.role.get(sid) == "central" or r.get("substitute_cover") == "true")
        )
        excused = v.excused("central_cover_shortfall", date, "central")
        if present + excused < minimum - TOLERANCE:
            yield f"central cover: central {date}: {present} of {minimum}, undeclared"
        elif excused and abs(excused - (minimum - present)) > TOLERANCE:
            yield (
                f"central cover: central {date}: declares {excused:g} short, the plan has "
                f"{present} of {minimum}"
            )


FLOOR_DAYS = {"weekly": 7, "biweekly": 14}


def equity_floor(v: PlanView) -> Iterator[str]:
    """A municipality without an office goes no longer without a visit than its floor
    (every other week: 14 days) unless a holiday or a declared unmet day lies in the gap;
    with last month's plan given, the gap across the month boundary counts too."""
    floor = v.instance.settings.schedule.equity_floor
    period = FLOOR_DAYS.get(floor)
    if period is None:
        return
    with_office = v.with_office()
    for muni in v.instance.active_municipalities():
        mid = muni.municipality_id
        mine = v.outreach_points(mid)
        if mid in with_office or not mine:
            continue
        if any(v.excused("equity_floor", "", p) for p in mine):
            continue
        dates = sorted(
            {dt.date.fromisoformat(r["date"]) for r in v.visits if r["point_id"] in mine}
        )
        excused = {
            dt.date.fromisoformat(key.split("|")[0])
            for key in v.declared.get("unmet_visit", {})
            if key.split("|")[1] in mine
        }
        start = v.days[0] - dt.timedelta(days=1)
        if v.previous_visits is not None:
            earlier = [
                dt.date.fromisoformat(r["date"]) for r in v.previous_visits if r["point_id"] in mine
            ]
            start = max(earlier, default=start)
        marks = [start, *dates, v.days[-1] + dt.timedelta(days=1)]
        for before, after in itertools.pairwise(marks):
            inside = [before + dt.timedelta(days=k) for k in range(1, (after - before).days)]
            holiday = any(d.weekday() < 5 and not is_working_day(d) for d in inside)
            if (after - before).days > period and not holiday and not excused & set(inside):
                yield (
                    f"equity floor: {mid} {before}..{after}: {(after - before).days - 1} days "
                    f"without a visit, the floor is {floor}"
                )


def _releasable(v: PlanView, date: str, point_id: str = "", central: bool = False) -> set[str]:
    """Who could have been released on ``date``: people at an office above its minimum
    cover (with ``central``, also substitutes on central duties above the central
    minimum), not frozen that day and not pinned away from ``point_id``. The planner
    states its causes by this rule (:data:`models.plan.UNMET_CAUSES`)."""
    minimum = v.instance.settings.cover.office_min_per_day
    rows = [r for (d, _), r in v.rows.items() if d == date]
    offices: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["activity"] == "office":
            offices[r["place_id"]] += 1
    covering = sum(1 for r in rows if r["activity"] == "central")
    held = {
        (p["staff_id"], p["date"])
        for p in v.pins
        if p["rule"].startswith("frozen:")
        or (p["rule"] == "does_not_go" and p["point_id"] == point_id)
    }
    free = set()
    for r in rows:
        if (r["staff_id"], date) in held:
            continue
        if r["activity"] == "office" and offices[r["place_id"]] > minimum.get(r["place_id"], 0):
            free.add(r["staff_id"])
        spare = covering > v.instance.settings.cover.central_min_per_day
        if central and spare and r["activity"] == "central" and r["substitute_cover"] == "true":
            free.add(r["staff_id"])
    return free


def declared_excuses(v: PlanView) -> Iterator[str]:
    """Every excuse in unmet.csv is read as what it is (a known rule, a cause from the
    fixed vocabulary, a finite positive amount, a date, a place in its municipality) and
    its cause holds in the plan and the instance: a point pinned closed was pinned; 'nobody
    free' means nobody who could go was releasable; 'search stopped' is only the word of a
    plan not proven optimal in which someone was releasable; a room free on no weekday is
    so. An excuse that does not hold is a violation naming the rule, the place and the day.
    (The amounts are compared with what the plan shows by each rule's own family.)"""
    yield from v.bad_declarations
    staff = v.staff()
    subs = {s.staff_id for s in v.instance.staff if s.substitute}
    coaches = {sid for sid, s in staff.items() if "coach" in s.skills}  # type: ignore[attr-defined]
    points = {p.point_id: p for p in v.instance.active_points()}
    held = {(r["point_id"], r["date"]): r["staff_ids"].split() for r in v.visits}
    closed = {(p["point_id"], p["date"]) for p in v.pins if p["rule"] == "closed"}
    optimal = v.status == "OPTIMAL"
    for row in v.excuses:
        rule, cause, date, pid = row["rule"], row["cause"], row["date"], row["point_id"]
        where = f"declared: {rule} {pid or row['municipality_id']} {date or v.month}"
        free: set[str] | None = None
        if rule == "unmet_visit":
            if cause == "pinned_closed" and (pid, date) not in closed:
                yield f"{where}: says pinned closed, but no pin closes it that day"
            if cause in ("nobody_free", "search_stopped"):
                able = (v.team(pid) | subs) & coaches
                free = _releasable(v, date, pid) & able
        elif rule == "equity_floor":
            weekdays = {int(d) for d in points[pid].weekdays} & {0, 1, 2, 3, 4}
            if weekdays:
                yield (
                    f"{where}: says the room is free on no weekday, but it is free on "
                    + " ".join(("Mon", "Tue", "Wed", "Thu", "Fri")[d] for d in sorted(weekdays))
                )
        elif rule == "demand_shortfall":
            yield from _demand_cause(v, row, where, held)
            if cause in ("nobody_free", "search_stopped"):
                free = _demand_free(v, pid, held, v.team(pid) | subs)
        elif rule == "process_shortfall" and cause in ("nobody_free", "search_stopped"):
            muni = row["municipality_id"]
            needed = set(v.needed().get(muni, []))
            able = {
                s
                for s in {r["staff_id"] for r in v.responsible if r["municipality_id"] == muni}
                | subs
                if s in staff and staff[s].skills & needed  # type: ignore[attr-defined]
            }
            free = set()
            for p in v.outreach_points(muni):
                for (point, day), people in held.items():
                    if point == p and len(people) < points[p].rooms:
                        free |= _releasable(v, day, p) & able
        elif rule in ("office_cover_shortfall", "central_cover_shortfall"):
            free = _releasable(v, date, central=rule == "office_cover_shortfall") & subs
            free -= {s for (d, s), r in v.rows.items() if d == date and r["place_id"] == pid}
        if free is None:
            continue
        if cause == "nobody_free" and free:
            shown = " ".join(sorted(free)[:4])
            yield f"{where}: says nobody could be released, but {shown} could have been"
        if cause == "search_stopped" and (optimal or not free):
            yield (
                f"{where}: says the search stopped before it found who could go, but "
                + ("the plan is proven optimal" if optimal else "nobody was releasable")
            )


def _demand_cause(
    v: PlanView, row: dict[str, str], where: str, held: dict[tuple[str, str], list[str]]
) -> Iterator[str]:
    """A demand shortfall's cause by the numbers: the rhythm's capacity, or part of a day."""
    point = next(p for p in v.instance.active_points() if p.point_id == row["point_id"])
    amount = float(row["amount"])
    pattern = v.pattern(point.point_id)
    if pattern is None:
        return
    room = {int(d) for d in point.weekdays}
    days = pattern.open_days(v.month, room, v.instance.settings.schedule.holiday_policy)
    capacity = len(days) * point.rooms
    planned = sum(len(p) for (pid, _), p in held.items() if pid == point.point_id)
    if row["cause"] == "room_capacity" and capacity > planned + amount - TOLERANCE:
        yield (
            f"{where}: says the rhythm's {len(days)} open day(s) x {point.rooms} room(s) "
            f"cannot hold the demand, but they hold {capacity} staff-days and "
            f"{planned + amount:g} are needed"
        )
    if row["cause"] == "part_day" and amount >= 1 - TOLERANCE:
        yield f"{where}: says less than a day short, but declares {amount:g} staff-days"


def _demand_free(
    v: PlanView, point_id: str, held: dict[tuple[str, str], list[str]], able: set[str]
) -> set[str]:
    """Who could have been released to an open day of the point with a free room (an own
    coach, on a day nobody went)."""
    point = next(p for p in v.instance.active_points() if p.point_id == point_id)
    pattern = v.pattern(point_id)
    if pattern is None:
        return set()
    room = {int(d) for d in point.weekdays}
    free: set[str] = set()
    coaches = {s.staff_id for s in v.instance.staff if "coach" in s.skills}
    for day in pattern.open_days(v.month, room, v.instance.settings.schedule.holiday_policy):
        date = day.isoformat()
        going = held.get((point_id, date), [])
        if len(going) < point.rooms:
            # A day without a visit is only held with an own coach.
            free |= _releasable(v, date, point_id) & (able if going else able & coaches)
    return free


RULES: list[Callable[[PlanView], Iterator[str]]] = [
    working_days_and_absences,
    visit_patterns,
    outreach_assignments,
    pins_kept,
    named_workers,
    unmet_visits,
    initial_interview,
    local_demand,
    process_demand,
    substitute_pool,
    office_cover,
    central_cover,
    equity_floor,
    declared_excuses,
]
