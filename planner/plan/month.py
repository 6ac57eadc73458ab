"""Everything the monthly model needs, computed from the instance without the solver.

Keeping this apart from :mod:`planner.plan.model` means the capacity check, the
report's explanations of unmet demand and the tests can all use the same facts
(who is at work on which day, who may go where) that the solver saw.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from planner.allocation.staff import CENTRAL, AllocationError, allocate
from planner.plan.demand import PointDemand, point_demand, processes_needed
from planner.plan.workdays import (
    Pattern,
    candidate_patterns,
    is_working_day,
    parse_month,
    shift_month,
    working_days,
)
from planner.travel import travel

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance, StaffMember
    from models.plan import Plan
    from planner.plan.pins import Pin


@dataclass(frozen=True)
class Previous:
    """An earlier plan: last month's (a trusted context for this month's rules across the
    month boundary, and rhythms and names this month prefers to keep), or the same month's
    (when re-planning, e.g. after a new absence)."""

    patterns: dict[str, str] = field(default_factory=dict)
    demand: dict[str, float] = field(default_factory=dict)
    responsible: frozenset[tuple[str, str, str]] = frozenset()
    month: str = ""
    visits: frozenset[tuple[str, str, dt.date]] = frozenset()
    """(staff, point, date) of every outreach day held."""
    teams: frozenset[tuple[str, str]] = frozenset()
    """(point, staff) of last month's teams."""
    source: str = ""
    """Where it was read from, for the report."""
    days: tuple[tuple[str, dt.date, str, str, bool], ...] = ()
    """(staff, date, activity, place, substitute cover) of every person-day."""

    def held(self) -> set[tuple[str, dt.date]]:
        """(point, date) of every visit held: someone was there."""
        return {(p, d) for _, p, d in self.visits}

    @classmethod
    def of(cls, plan: Plan, source: str) -> Previous:
        """A plan in memory as the preferred plan of the same month (a scenario keeps the
        baseline's plan wherever its lever does not act: ties are not effects)."""
        return cls(
            patterns={p.point_id: p.pattern for p in plan.points},
            demand={p.point_id: p.demand_staff_days for p in plan.points},
            responsible=frozenset(
                (r.municipality_id, r.process, r.staff_id) for r in plan.responsible
            ),
            month=plan.month,
            visits=frozenset((sid, v.point_id, v.date) for v in plan.visits for sid in v.staff_ids),
            teams=frozenset((r.point_id, r.staff_id) for r in plan.responsible),
            source=source,
            days=tuple(
                (e.staff_id, e.date, e.activity, e.place_id, e.substitute_cover)
                for e in plan.schedule
            ),
        )

    @classmethod
    def read(cls, directory: Path) -> Previous:
        """Read ``points.csv``, ``responsible.csv`` and ``schedule.csv`` of an earlier plan."""
        patterns, demand = {}, {}
        with open(directory / "points.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                patterns[row["point_id"]] = row["pattern"]
                demand[row["point_id"]] = float(row["demand_staff_days"])
        with open(directory / "responsible.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
            responsible = frozenset(
                (r["municipality_id"], r["process"], r["staff_id"]) for r in rows
            )
            teams = frozenset((r["point_id"], r["staff_id"]) for r in rows)
        visits, month, days = set(), "", []
        with open(directory / "schedule.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                month = month or row["date"][:7]
                days.append(
                    (
                        row["staff_id"],
                        dt.date.fromisoformat(row["date"]),
                        row["activity"],
                        row["place_id"],
                        row.get("substitute_cover") == "true",
                    )
                )
                if row["activity"] == "outreach":
                    visits.add(
                        (row["staff_id"], row["place_id"], dt.date.fromisoformat(row["date"]))
                    )
        return cls(
            patterns,
            demand,
            responsible,
            month,
            frozenset(visits),
            teams,
            str(directory),
            tuple(days),
        )


@dataclass
class MonthData:
    """The facts of one month: days, people, roles, points, patterns and eligibility."""

    instance: Instance
    month: str
    days: list[dt.date]
    role: dict[str, str]
    """staff_id -> 'local', 'central' or 'substitute'."""
    area: dict[str, str]
    """staff_id -> home production area (local staff); substitutes and central: ''."""
    available: dict[str, list[bool]]
    work_days: dict[str, int]
    """Working days each person works this month (part-time share, absences removed)."""
    demand: dict[str, PointDemand]
    patterns: dict[str, list[Pattern]]
    open_days: dict[tuple[str, str], list[int]]
    """(point, pattern key) -> day indices the point is open."""
    needed: dict[str, list[str]]
    """municipality -> key processes it needs on site."""
    previous: Previous
    travel_min: dict[tuple[str, str], float]
    travel_km: dict[tuple[str, str], float]
    teams: dict[str, list[str]] = field(default_factory=dict)
    """service point -> its named responsible workers, the only regular staff who go there."""
    teams_source: str = "chosen"
    """'approved': the instance's teams.csv, held; 'chosen': this month's rule
    (:func:`choose_teams`), when no teams are approved."""
    notes: list[str] = field(default_factory=list)
    """Things the planner should know before the capacity check (e.g. no allocation)."""
    rule_key: str = ""
    """Key of the rule set in force this month ('2025', '2026')."""
    interview_days: int = 10
    """The rule set's deadline for the initial interview, in working days."""
    context_days: list[dt.date] = field(default_factory=list)
    """Working days of last month's end that this month's deadlines reach back into
    (empty without a previous plan: nothing is known of them)."""
    context_held: set[tuple[str, dt.date]] = field(default_factory=set)
    """(point, date) of visits held on :attr:`context_days` by last month's plan."""
    lookahead_days: list[dt.date] = field(default_factory=list)
    """Next month's first working days that this month's deadlines reach into; the rhythm
    chosen is assumed to carry on there (next month's own plan may still change it)."""
    pins: list[Pin] = field(default_factory=list)
    """What the planner fixed by hand (:mod:`planner.plan.pins`): hard rules of the month."""
    floor_broken: dict[str, str] = field(default_factory=dict)
    """point -> why no pattern meeting the equity floor is possible there."""
    lookahead_open: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(point, pattern key) -> indices into :attr:`lookahead_days` the pattern falls on."""

    scope_staff: frozenset[str] | None = None
    """In a part of a relaxation: the people it plans (None = everybody)."""
    scope_offices: tuple[str, ...] | None = None
    include_central: bool = True
    pool: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Interchangeable substitutes planned as one (:meth:`pooled`): the first member's id
    -> every member's id. Empty: everybody is planned by name."""
    pool_count: dict[str, list[int]] = field(default_factory=dict)
    """First member's id -> how many of the pooled members work each day."""
    pool_available: dict[str, list[bool]] = field(default_factory=dict)
    """Each pooled member's own working days, to give the pool's duties back to names."""
    pool_price: dict[tuple[str, int], int] = field(default_factory=dict)
    """(pool, day) -> objective points (× OBJ_SCALE) for each of its members used that day:
    the prices of a Lagrangian relaxation (:mod:`planner.plan.schedule`, split solve)."""

    @property
    def staff(self) -> list[StaffMember]:
        return [
            s
            for s in self.instance.staff
            if self.scope_staff is None or s.staff_id in self.scope_staff
        ]

    def people(self, role: str) -> list[StaffMember]:
        return [s for s in self.staff if self.role[s.staff_id] == role]

    def office_municipalities(self) -> set[str]:
        return {p.municipality_id for p in self.instance.active_points() if p.kind == "office"}

    def point_area(self, point_id: str) -> str:
        return self.instance.area_of_point(point_id)

    def may_visit(self, staff_id: str, point_id: str) -> bool:
        """Local staff visit their own area's points; substitutes go anywhere."""
        role = self.role[staff_id]
        if role == "substitute":
            return True
        return role == "local" and staff_id in self.teams.get(point_id, ())

    def possible_days(self, point_id: str) -> list[int]:
        return sorted(
            {d for p in self.patterns[point_id] for d in self.open_days[(point_id, p.key)]}
        )

    def offices(self) -> list[str]:
        every = [p.point_id for p in self.instance.active_points() if p.kind == "office"]
        return (
            every if self.scope_offices is None else [o for o in every if o in self.scope_offices]
        )

    def pooled(self) -> MonthData:
        """The same month with interchangeable substitutes planned as one pool each.

        Full-time substitutes with the same skills and the same drive to every outreach
        point are the same to every rule of the model: each covers at most one thing on a
        day they work, nothing ties their days together (full-timers work every day they
        are not absent; fairness is counted for local staff only), and a duty costs the
        same whoever does it. A pool is therefore one count per duty and day, at most the
        number of members working that day, and any plan of the pooled month gives each
        day's duties to that day's members (:func:`planner.plan.model.solve_model`) with
        the same objective: the reformulation is exact, not a relaxation. It removes the
        symmetry of identical people and most of the variables of a large pool. People a
        pin or a plan being re-planned names stay themselves."""
        named = {pin.staff_id for pin in self.pins if getattr(pin, "staff_id", None)}
        if self.previous.month == self.month:
            named |= {s for s, _, _ in self.previous.visits}
            named |= {s for s, *_ in self.previous.days}
        points = sorted(self.patterns)
        classes: dict[tuple, list[str]] = {}
        for person in self.people("substitute"):
            sid = person.staff_id
            if sid in named or self.work_days[sid] < sum(self.available[sid]):
                continue
            drives = tuple(round(2 * self.travel_min[(person.home_point_id, p)]) for p in points)
            classes.setdefault((frozenset(person.skills), drives), []).append(sid)
        pools = {members[0]: tuple(members) for members in classes.values() if len(members) > 1}
        if not pools:
            return self
        others = {m for members in pools.values() for m in members[1:]}
        available = dict(self.available)
        counts = {}
        for first, members in pools.items():
            counts[first] = [
                sum(self.available[m][day] for m in members) for day in range(len(self.days))
            ]
            available[first] = [c > 0 for c in counts[first]]
        scope = {s.staff_id for s in self.staff} - others
        return replace(
            self,
            scope_staff=frozenset(scope),
            available=available,
            pool=pools,
            pool_count=counts,
            pool_available={m: self.available[m] for ms in pools.values() for m in ms},
        )

    def relaxed_parts(self) -> list[tuple[str, MonthData]]:
        """The month split into parts that share nothing but the substitute pool, each
        given the *whole* pool: every production area (its local staff, points, offices
        and municipalities) and central duties (the central staff).

        Every plan of the month, cut into these parts, is a plan of each part, and the
        objective is a sum over the parts (each soft rule belongs to one point, office,
        person or central duties), so the parts' best bounds add up to a lower bound of
        the whole month. Only the substitutes can be promised twice; the whole model with
        every regular decision fixed then places them (see :mod:`planner.plan.schedule`)."""
        subs = {s.staff_id for s in self.people("substitute")}
        parts = []
        for area_id in self.instance.active_area_ids():
            people = frozenset(
                s.staff_id
                for s in self.instance.staff
                if self.role[s.staff_id] == "local" and self.area[s.staff_id] == area_id
            )
            parts.append(
                (
                    self.instance.area(area_id).name,
                    replace(
                        self,
                        patterns={
                            p: c for p, c in self.patterns.items() if self.point_area(p) == area_id
                        },
                        needed={
                            m: n
                            for m, n in self.needed.items()
                            if self.instance.municipality(m).area_id == area_id
                        },
                        scope_staff=people | subs,
                        scope_offices=tuple(
                            o for o in self.offices() if self.point_area(o) == area_id
                        ),
                        include_central=False,
                    ),
                )
            )
        central = frozenset(
            s.staff_id for s in self.instance.staff if self.role[s.staff_id] == "central"
        )
        parts.append(
            (
                "central duties",
                replace(
                    self,
                    patterns={},
                    needed={},
                    scope_staff=central | subs,
                    scope_offices=(),
                    include_central=True,
                ),
            )
        )
        return parts


def absent_days(instance: Instance, days: list[dt.date]) -> dict[str, set[dt.date]]:
    away: dict[str, set[dt.date]] = {s.staff_id: set() for s in instance.staff}
    day_set = set(days)
    for absence in instance.absences:
        day = absence.start
        while day <= absence.end:
            if day in day_set:
                away[absence.staff_id].add(day)
            day += dt.timedelta(days=1)
    return away


def prepare(instance: Instance, month: str, previous: Previous | None = None) -> MonthData:
    """Derive the month's facts (see the class docstring)."""
    previous = previous or Previous()
    settings = instance.settings
    days = working_days(month)
    notes: list[str] = []
    try:
        homes = allocate(instance).home_areas
    except AllocationError as exc:
        # A month can still be planned: everyone works in the area of their home point.
        notes.append(
            f"allocation impossible ({exc}); everyone is planned in the area of "
            "their home point and nobody on central duties"
        )
        homes = {
            s.staff_id: instance.area_of_point(s.home_point_id) for s in instance.regular_staff()
        }
    role, area = {}, {}
    for person in instance.staff:
        if person.substitute:
            role[person.staff_id], area[person.staff_id] = "substitute", ""
            continue
        home = homes.get(person.staff_id, CENTRAL)
        role[person.staff_id] = "central" if home == CENTRAL else "local"
        area[person.staff_id] = "" if home == CENTRAL else home
    away = absent_days(instance, days)
    if instance.absences and not any(away.values()):
        first = min(a.start for a in instance.absences)
        last = max(a.end for a in instance.absences)
        notes.append(
            f"no absence is recorded in {month} (absences.csv runs {first} to {last}): "
            "everybody is planned as present every working day"
        )
    available = {s.staff_id: [d not in away[s.staff_id] for d in days] for s in instance.staff}
    work_days = {
        s.staff_id: min(sum(available[s.staff_id]), math.floor(s.fte * len(days) + 1e-9))
        for s in instance.staff
    }
    year, mon = parse_month(month)
    rule_key, rules = settings.rule_set_for(dt.date(year, mon, 1))
    demand = point_demand(instance, month)
    with_office = {p.municipality_id for p in instance.active_points() if p.kind == "office"}
    patterns: dict[str, list[Pattern]] = {}
    floor_broken: dict[str, str] = {}
    open_days: dict[tuple[str, str], list[int]] = {}
    index = {d: i for i, d in enumerate(days)}
    for point_id in demand:
        point = instance.point(point_id)
        floor = "none" if point.municipality_id in with_office else settings.schedule.equity_floor
        candidates = candidate_patterns(point.weekdays, floor)
        if point.pattern:
            candidates = [Pattern.from_key(point.pattern)]
        if not candidates:
            # No weekday rhythm is possible at all (a room free only at weekends): the
            # point stays closed and the plan says why, rather than the model failing.
            candidates = [Pattern("none")]
            rooms = " ".join(d.label for d in sorted(point.weekdays))
            floor_broken[point_id] = (
                f"the room is free only on {rooms}, so no weekday rhythm is possible and the "
                f"equity floor ({floor}) cannot be kept; the point is not open this month"
            )
        patterns[point_id] = candidates
        for pattern in candidates:
            open_days[(point_id, pattern.key)] = [
                index[d]
                for d in pattern.open_days(month, point.weekdays, settings.schedule.holiday_policy)
            ]
    homes = {s.home_point_id for s in instance.staff}
    travel_min, travel_km = {}, {}
    for home in homes:
        for point_id in demand:
            km, minutes = travel(instance, home, point_id)
            travel_km[(home, point_id)], travel_min[(home, point_id)] = km, minutes
    needed = processes_needed(instance)
    if instance.teams:
        teams, held_notes = hold_teams(instance, needed, demand, role, area, work_days, travel_min)
        notes += held_notes
    else:
        teams = choose_teams(instance, needed, demand, role, area, work_days, travel_min, previous)
    reach = rules.initial_interview_working_days
    context_days: list[dt.date] = []
    context_held: set[tuple[str, dt.date]] = set()
    if previous.month and previous.month == shift_month(month, -1):
        context_days = _working_days_before(days[0], reach)
        held = previous.held()
        context_held = {(p, d) for p, d in held if d in set(context_days)}
    lookahead_days = _working_days_after(days[-1], reach)
    lookahead_open: dict[tuple[str, str], list[int]] = {}
    ahead = {d: i for i, d in enumerate(lookahead_days)}
    following = shift_month(month, 1)
    for point_id, candidates in patterns.items():
        point = instance.point(point_id)
        for pattern in candidates:
            lookahead_open[(point_id, pattern.key)] = [
                ahead[d]
                for d in pattern.open_days(
                    following, point.weekdays, settings.schedule.holiday_policy
                )
                if d in ahead
            ]
    return MonthData(
        instance=instance,
        month=month,
        days=days,
        role=role,
        area=area,
        available=available,
        work_days=work_days,
        demand=demand,
        patterns=patterns,
        open_days=open_days,
        needed=needed,
        previous=previous,
        travel_min=travel_min,
        travel_km=travel_km,
        teams=teams,
        teams_source="approved" if instance.teams else "chosen",
        notes=notes,
        rule_key=rule_key,
        interview_days=reach,
        context_days=context_days,
        context_held=context_held,
        lookahead_days=lookahead_days,
        lookahead_open=lookahead_open,
        floor_broken=floor_broken,
    )


def _working_days_before(day: dt.date, count: int) -> list[dt.date]:
    """The ``count`` working days just before ``day``, oldest first."""
    found: list[dt.date] = []
    while len(found) < count:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            found.append(day)
    return found[::-1]


def _working_days_after(day: dt.date, count: int) -> list[dt.date]:
    """The ``count`` working days just after ``day``."""
    found: list[dt.date] = []
    while len(found) < count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            found.append(day)
    return found


TEAM_DAYS = 3
"""Outreach days a month one team member is counted on for when sizing a team."""
MIN_NAMED = 2
"""Never one: the area board refused single-person responsibility (2025 answer)."""


def office_teams(instance: Instance, needed: dict[str, list[str]], served: set[str]) -> list[str]:
    """The offices that get a team: that of every municipality that needs key processes
    and no outreach point with demand serves (``served``: the municipalities that do)."""
    return [
        p.point_id
        for p in instance.active_points()
        if p.kind == "office" and p.municipality_id in needed and p.municipality_id not in served
    ]


def choose_teams(
    instance: Instance,
    needed: dict[str, list[str]],
    demand: dict[str, PointDemand],
    role: dict[str, str],
    area: dict[str, str],
    work_days: dict[str, int],
    travel_min: dict[tuple[str, str], float],
    previous: Previous,
) -> dict[str, list[str]]:
    """The team of named responsible workers (*vastuutyöntekijät*) of every service point.

    The deck names responsible people per service point ("toimipisteisiin nimetään
    vastuuhenkilöt"); a municipality's named workers are its points' teams together.
    The rule, in a planner's words: an outreach point's team is sized to its demand,
    one person per ``TEAM_DAYS`` staff-days a month and at least three, and always
    holds at least ``MIN_NAMED`` people with each key process its municipality needs,
    so no process rests on one person. Members come from the point's production area
    and have a needed skill, chosen in this order: last month's members who work this
    month (names stay the same unless they can't); people with a skill the team still
    lacks; people on the fewest teams so far (load spread); most lacking skills; most
    working days this month; shortest drive; staff id. A municipality served only by
    an office gets a team at that office, of the people based there.

    Fixing teams by this stated rule, rather than letting the solver pick names
    against a naming penalty, keeps every team small and stable and the month's
    model provable in seconds; the solver then decides who of the team goes when.
    """
    people = sorted(
        (s for s in instance.staff if role[s.staff_id] == "local"), key=lambda s: s.staff_id
    )
    kept = {(point, s) for point, s in previous.teams}
    load: dict[str, int] = {s.staff_id: 0 for s in people}
    units: list[tuple[str, str, float]] = [
        (p, d.municipality_id, d.staff_days) for p, d in demand.items()
    ]
    units += [
        (o, instance.point(o).municipality_id, 0.0)
        for o in office_teams(instance, needed, {d.municipality_id for d in demand.values()})
    ]
    units.sort(key=lambda u: (-u[2], u[0]))
    teams: dict[str, list[str]] = {}
    for point_id, muni, days in units:
        point = instance.point(point_id)
        pool = [
            s
            for s in people
            if area[s.staff_id] == instance.municipality(muni).area_id
            and work_days[s.staff_id] > 0
            and s.skills & set(needed[muni])
        ]
        if point.kind == "office":
            pool = [s for s in pool if s.home_point_id == point_id] or pool
        size = max(3, math.ceil(days / TEAM_DAYS))
        team: list[StaffMember] = []

        def lacking(team: list[StaffMember] = team, muni: str = muni) -> set[str]:
            return {
                q for q in needed[muni] if sum(q in member.skills for member in team) < MIN_NAMED
            }

        def rank(
            person: StaffMember, team: list[StaffMember] = team, point_id: str = point_id
        ) -> tuple:
            gaps = lacking(team)
            return (
                (point_id, person.staff_id) not in kept,
                not gaps & person.skills,
                load[person.staff_id],
                -len(gaps & person.skills),
                -work_days[person.staff_id],
                travel_min.get((person.home_point_id, point_id), 0.0),
                person.staff_id,
            )

        while True:
            rest = [s for s in pool if s not in team]
            if not rest:
                break
            gaps = lacking()
            if len(team) >= size and (not gaps or not any(gaps & s.skills for s in rest)):
                break
            best = min(rest, key=rank)
            if len(team) >= size and not gaps & best.skills:
                break
            team.append(best)
            load[best.staff_id] += 1
        teams[point_id] = sorted(s.staff_id for s in team)
    return teams


def hold_teams(
    instance: Instance,
    needed: dict[str, list[str]],
    demand: dict[str, PointDemand],
    role: dict[str, str],
    area: dict[str, str],
    work_days: dict[str, int],
    travel_min: dict[tuple[str, str], float],
) -> tuple[dict[str, list[str]], list[str]]:
    """The approved teams (``teams.csv``, :mod:`planner.plan.teams`), held for the month.

    A member stays named while the allocation places them in the point's area, also in a
    month they are away. Only where a key process would have fewer than ``MIN_NAMED``
    members at work this month is someone of the area added for the month, by the greedy
    rule's order (fewest teams, shortest drive, staff id), and the plan says who stands in
    and why; a point with no approved team (a new one) gets the greedy rule's team."""
    approved = instance.approved_teams()
    staff = {s.staff_id: s for s in instance.staff}
    people = sorted(s for s in staff if role.get(s) == "local")
    load = {s: 0 for s in people}
    units = [*demand, *office_teams(instance, needed, {d.municipality_id for d in demand.values()})]
    notes: list[str] = []
    teams: dict[str, list[str]] = {}
    missing = [p for p in units if p not in approved]
    for point_id in units:
        if point_id not in approved:
            continue
        muni = instance.point(point_id).municipality_id
        home_area = instance.municipality(muni).area_id
        team = []
        for s in approved[point_id]:
            if role.get(s) == "local" and area.get(s) == home_area:
                team.append(s)
                load[s] += 1
            else:
                notes.append(
                    f"{staff[s].name if s in staff else s} is on {instance.point(point_id).name}'s "
                    "approved team but works elsewhere this month (allocation): not named there"
                )
        for q in needed.get(muni, []):
            present = [s for s in team if q in staff[s].skills and work_days[s] > 0]
            candidates = sorted(
                (
                    s
                    for s in people
                    if area[s] == home_area
                    and q in staff[s].skills
                    and work_days[s] > 0
                    and s not in team
                ),
                key=lambda s: (load[s], travel_min.get((staff[s].home_point_id, point_id), 0.0), s),
            )
            while len(present) < MIN_NAMED and candidates:
                extra = candidates.pop(0)
                team.append(extra)
                present.append(extra)
                load[extra] += 1
                notes.append(
                    f"{staff[extra].name} stands in on {instance.point(point_id).name}'s team "
                    f"for {q} this month: fewer than {MIN_NAMED} of its approved members with "
                    "it are at work"
                )
        teams[point_id] = sorted(team)
    if missing:
        greedy = choose_teams(
            instance,
            needed,
            {p: d for p, d in demand.items() if p in missing},
            role,
            area,
            work_days,
            travel_min,
            Previous(),
        )
        for point_id in missing:
            if point_id in greedy:
                teams[point_id] = greedy[point_id]
                notes.append(
                    f"{instance.point(point_id).name} has no approved team: its team is "
                    "chosen for this month by the stated rule"
                )
    return teams, notes


def named_workers(data: MonthData) -> list[tuple[str, str, str, str]]:
    """(municipality, process, staff, point) for every team member with a needed process."""
    skills = {s.staff_id: s.skills for s in data.instance.staff}
    return [
        (m, q, s, point_id)
        for point_id, team in data.teams.items()
        for m in [data.instance.point(point_id).municipality_id]
        if m in data.needed
        for q in data.needed[m]
        for s in team
        if q in skills[s]
    ]


def municipality_team(data: MonthData, muni: str) -> list[str]:
    """Everyone named for a municipality: its points' teams together."""
    return sorted(
        {
            s
            for p, team in data.teams.items()
            if data.instance.point(p).municipality_id == muni
            for s in team
        }
    )


def capacity_warnings(data: MonthData) -> list[str]:
    """Areas and days where demand exceeds the people available, found before solving."""
    settings = data.instance.settings
    warnings = list(data.notes)
    offices = data.offices()
    for area_id in data.instance.active_area_ids():
        staff = [s for s in data.people("local") if data.area[s.staff_id] == area_id]
        points = [p for p in data.demand if data.point_area(p) == area_id]
        need = sum(data.demand[p].staff_days for p in points)
        office_need = sum(
            settings.cover.office_min_per_day.get(o, 0)
            for o in offices
            if data.point_area(o) == area_id
        ) * len(data.days)
        supply = sum(data.work_days[s.staff_id] for s in staff)
        if need + office_need > supply:
            warnings.append(
                f"{data.instance.area(area_id).name}: outreach demand {need:.1f} staff-days plus "
                f"office cover {office_need} person-days exceeds the {supply} person-days its "
                "staff work this month"
            )
        for point_id in points:
            team = set(data.teams.get(point_id, ()))
            coaches = [s for s in staff if "coach" in s.skills and s.staff_id in team]
            for i in data.possible_days(point_id):
                if not any(data.available[s.staff_id][i] for s in coaches):
                    warnings.append(
                        f"{data.instance.point(point_id).name} {data.days[i]}: no own coach of "
                        "its team is at work"
                    )
    for office in offices:
        minimum = settings.cover.office_min_per_day.get(office, 0)
        homed = [s for s in data.people("local") if s.home_point_id == office]
        for i, day in enumerate(data.days):
            at_work = sum(data.available[s.staff_id][i] for s in homed)
            if at_work < minimum:
                warnings.append(
                    f"{data.instance.point(office).name} {day}: only {at_work} "
                    f"people at work for a minimum cover of {minimum}"
                )
    skills = {s.staff_id: s.skills for s in data.instance.staff}
    for muni, processes in data.needed.items():
        for process in processes:
            named = sum(process in skills[s] for s in municipality_team(data, muni))
            if named < MIN_NAMED:
                warnings.append(
                    f"{muni}: only {named} person(s) of its area with the skill "
                    f"'{process}' work this month, so {MIN_NAMED} cannot be named"
                )
    central = data.people("central")
    for i, day in enumerate(data.days):
        at_work = sum(data.available[s.staff_id][i] for s in central)
        if at_work < settings.cover.central_min_per_day:
            warnings.append(
                f"central duties {day}: only {at_work} people at work for a "
                f"minimum of {settings.cover.central_min_per_day}"
            )
    return warnings
