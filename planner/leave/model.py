"""Summer leave at week granularity: one CP-SAT model places every person's summer
leave so that every municipality keeps its service, as near their wishes as that allows.

Leave is decided every spring person by person; workforce tools grant requests first
come, first served. This model places all of it at once against the service promise.

**Weeks.** The summer period (``[leave]``, 2.5.–30.9. by default, the Annual Holidays
Act 162/2005 § 20) in Monday–Friday weeks that lie inside it; a week's working days
are its weekdays that are not Finnish public holidays.

**What is given.** Every absence in absences.csv stands, except annual leave (reason
"annual leave" or "vuosiloma") inside the summer period: that is what this plan places.
Wishes (``leave_wishes.csv``): rank 1 is the first wish; rank 0 is leave already fixed.
A wish covers the weeks with at least three of their working days inside it. The named
teams are the approved ones (teams.csv), else those the monthly rule picks for June.

**Hard rules** (one function each below; a week where a rule cannot hold even with
nobody on leave is left out of that rule and reported):

- *entitlement*: each person gets their summer leave (``leave_entitlements.csv``, else
  ``[leave] entitlement_days``) in whole weeks, round(days / 5), inside the period;
- *one block*: one continuous block of at least ``min_block_weeks`` (2) weeks (§ 20);
  the rest in whole weeks;
- *fixed*: leave already fixed is held;
- *capacity*: every production area, every week: the appointments its people at work
  hold (an office day's meetings, ``office_slots``) plus what the substitute pool
  present that week lends it, at least the meetings owed that week (statutory
  discussions of the rule set in force, conversations by need, one initial interview a
  registration): enough appointments for the statutory deadlines (the week-level model
  places no days; the monthly plans then do, with the equity floor);
- *named cover*: every municipality, every key process it needs, every week: at least
  one of its named workers with the skill at work (a coach among them: the week's visit
  can be held at its rhythm);
- *office and central cover*: people based at each office at work at least its daily
  minimum; people on central duties at least the central minimum.

**Soft rules** (``[leave]`` weights; points):

- *wishes*: the first wish costs nothing, the second ``rank_2``, the third ``rank_3``,
  none ``no_wish``; each leave week ``week_away`` for every week it lies from the
  nearest wished week (a moved wish moves to the nearest week that keeps the rules);
- *rotation*: a person who had the least of this summer's most wished weeks last
  summer (``leave_history.csv``) has their wish costs raised by up to ``rotation`` %;
- *few blocks*: each block of leave beyond a person's first costs ``split``;
- *capacity above the minimum*: each percentage point an area's week falls short of
  ``capacity_target`` (105 %) costs ``capacity_point``.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.allocation.staff import CENTRAL, AllocationError, allocate
from planner.clients import municipality_counts
from planner.clients.book import office_slots
from planner.plan.demand import point_demand, processes_needed
from planner.plan.workdays import is_working_day, working_days, working_days_in_year

if TYPE_CHECKING:
    from models.instance import Instance
    from planner.plan.model import SolverConfig

LEAVE_REASONS = ("annual leave", "vuosiloma")
"""Absence reasons that are annual leave: inside the summer period, the plan places them."""
SCALE = 10
"""Person-days and meetings in tenths in the model, so little is rounded."""
PEAK_WEEKS = 4
"""The most wished weeks of the summer (by first wishes) that rotation counts."""


class LeaveError(ValueError):
    """A leave plan that cannot be made; the message says which rule and whose."""


@dataclass(frozen=True)
class Week:
    index: int
    monday: dt.date
    days: tuple[dt.date, ...]
    """Working days of the week (Monday–Friday, no public holiday)."""

    @property
    def number(self) -> int:
        return self.monday.isocalendar()[1]


def summer_weeks(instance: Instance, year: int) -> list[Week]:
    """The period's Monday–Friday weeks that lie inside it."""
    leave = instance.settings.leave
    first = dt.date.fromisoformat(f"{year}-{leave.summer_start}")
    last = dt.date.fromisoformat(f"{year}-{leave.summer_end}")
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    weeks = []
    while monday + dt.timedelta(days=4) <= last:
        days = tuple(
            d for d in (monday + dt.timedelta(days=k) for k in range(5)) if is_working_day(d)
        )
        weeks.append(Week(len(weeks), monday, days))
        monday += dt.timedelta(days=7)
    return weeks


def is_annual_leave(reason: str) -> bool:
    return reason.strip().casefold() in LEAVE_REASONS


def covered_weeks(weeks: list[Week], start: dt.date, end: dt.date) -> frozenset[int]:
    """Weeks with at least three of their working days (all, if fewer) in start..end."""
    out = set()
    for w in weeks:
        inside = sum(start <= d <= end for d in w.days)
        if w.days and inside >= min(3, len(w.days)):
            out.add(w.index)
    return frozenset(out)


@dataclass(frozen=True)
class Facts:
    """Everything the model rests on (see the module docstring)."""

    year: int
    weeks: tuple[Week, ...]
    people: tuple[str, ...]
    role: dict[str, str]
    """'local', 'central' or 'substitute'."""
    area: dict[str, str]
    """Local staff -> production area."""
    at_work: dict[tuple[str, int], int]
    """(person, week) -> tenths of a person-day at work that week without leave (FTE ×
    working days not absent for another reason)."""
    away_anyway: frozenset[tuple[str, int]]
    """(person, week) away for another reason at least three working days."""
    entitlement: dict[str, int]
    """Person -> weeks of summer leave."""
    wishes: dict[str, dict[int, frozenset[int]]]
    """Person -> rank -> wished weeks (rank 0: fixed)."""
    order: tuple[str, ...]
    """People in the order their first wish row comes in leave_wishes.csv (first come)."""
    priority: dict[str, int]
    """Person -> percent their wish costs count (100 + rotation)."""
    required: dict[tuple[str, int], int]
    """(area, week) -> tenths of meetings owed: a regular discussion every
    ``discussion_interval_months``, an initial interview (and the supplementary
    conversations) a registration, conversations by need (the client model's rates)."""
    outreach: dict[tuple[str, int], int]
    """(area, week) -> tenths of outreach staff-days (the monthly demand, by working days)."""
    outreach_slots: float
    """Appointments an outreach staff-day holds."""
    slots: float
    """Meetings one person holds in a day at work."""
    named: dict[tuple[str, str], tuple[str, ...]]
    """(municipality, key process) -> named workers with the skill."""
    offices: dict[str, tuple[int, tuple[str, ...]]]
    """Office -> (daily minimum, local people based there)."""
    central_min: int
    teams_source: str
    names: dict[str, str] = field(default_factory=dict)

    def bonus(self, area: str, week: int) -> int:
        """What the week's outreach staff-days hold beyond office days, in the model's
        units (hundredths of tenths of meetings)."""
        extra = max(0.0, self.outreach_slots - self.slots)
        return self.outreach[(area, week)] * round(100 * extra)

    def present(self, person: str, week: int, leave: set[int] | frozenset[int]) -> bool:
        return week not in leave and (person, week) not in self.away_anyway


def facts(instance: Instance, year: int) -> Facts:
    """The weeks, who is where, what is owed, wishes and cover (the module docstring)."""
    weeks = summer_weeks(instance, year)
    if not weeks:
        raise LeaveError(f"the summer period of {year} holds no whole week")
    try:
        homes = allocate(instance).home_areas
    except AllocationError as exc:
        raise LeaveError(f"the staff cannot be allocated: {exc}") from None
    role, area = {}, {}
    for s in instance.staff:
        if s.substitute:
            role[s.staff_id] = "substitute"
        elif homes.get(s.staff_id, CENTRAL) == CENTRAL:
            role[s.staff_id] = "central"
        else:
            role[s.staff_id], area[s.staff_id] = "local", homes[s.staff_id]
    days = {d for w in weeks for d in w.days}
    away: dict[str, set[dt.date]] = defaultdict(set)
    for a in instance.absences:
        if is_annual_leave(a.reason):
            continue  # inside the period it is what this plan places; outside, no week here
        d = a.start
        while d <= a.end:
            if d in days:
                away[a.staff_id].add(d)
            d += dt.timedelta(days=1)
    at_work, away_anyway = {}, set()
    fte = {s.staff_id: s.fte for s in instance.staff}
    for s in instance.staff:
        for w in weeks:
            missing = sum(d in away[s.staff_id] for d in w.days)
            at_work[(s.staff_id, w.index)] = round(
                SCALE * fte[s.staff_id] * (len(w.days) - missing)
            )
            if w.days and missing >= min(3, len(w.days)):
                away_anyway.add((s.staff_id, w.index))
    settings = instance.settings
    days_of = {e.staff_id: e.working_days for e in instance.leave_entitlements}
    entitlement = {
        s.staff_id: round(days_of.get(s.staff_id, settings.leave.entitlement_days) / 5)
        for s in instance.staff
    }
    wishes: dict[str, dict[int, frozenset[int]]] = defaultdict(dict)
    order: list[str] = []
    for wish in instance.leave_wishes:
        covered = covered_weeks(weeks, wish.start, wish.end)
        ranks = wishes[wish.staff_id]
        ranks[wish.rank] = ranks.get(wish.rank, frozenset()) | covered
        if wish.rank and wish.staff_id not in order:
            order.append(wish.staff_id)
    for s, ranks in wishes.items():
        if len(ranks.get(0, ())) > entitlement[s]:
            entitlement[s] = len(ranks[0])  # leave already fixed is never taken back
    order += [s.staff_id for s in instance.staff if s.staff_id not in order]
    priority = _rotation(instance, weeks, wishes)
    counts = municipality_counts(instance)
    load = settings.workload
    per_year = working_days_in_year(year)
    required: dict[tuple[str, int], int] = {}
    outreach: dict[tuple[str, int], int] = {}
    demand_of: dict[str, dict] = {}
    for a in instance.active_area_ids():
        clients = sum(
            c["broad_unemployment"]
            for m, c in counts.items()
            if instance.municipality(m).area_id == a
        )
        for w in weeks:
            _, rules = settings.rule_set_for(w.monday)
            supplementary = (
                rules.supplementary_months * 21 / rules.supplementary_interval_working_days
            )
            yearly = (
                12 / rules.discussion_interval_months
                + 12 * load.registrations_per_client_month * (1 + supplementary)
                + load.conversations_by_need_per_client_year
            )
            required[(a, w.index)] = round(SCALE * clients * yearly * len(w.days) / per_year)
            month = f"{year}-{w.monday.month:02d}"
            if month not in demand_of:
                demand_of[month] = point_demand(instance, month)
            staff_days = sum(
                d.staff_days
                for d in demand_of[month].values()
                if instance.municipality(d.municipality_id).area_id == a
            )
            outreach[(a, w.index)] = round(
                SCALE * staff_days * len(w.days) / len(working_days(month))
            )
    from planner.plan.teams import current_teams

    teams, source = current_teams(instance, (f"{year}-06",))
    skills = {s.staff_id: s.skills for s in instance.staff}
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for point_id, members in teams.items():
        muni = instance.point(point_id).municipality_id
        for q in processes_needed(instance).get(muni, []):
            named[(muni, q)] |= {s for s in members if q in skills[s]}
    offices = {
        o: (
            minimum,
            tuple(
                s.staff_id
                for s in instance.staff
                if s.home_point_id == o and role[s.staff_id] == "local"
            ),
        )
        for o, minimum in settings.cover.office_min_per_day.items()
        if minimum > 0
    }
    return Facts(
        year=year,
        weeks=tuple(weeks),
        people=tuple(s.staff_id for s in instance.staff),
        role=role,
        area=area,
        at_work=at_work,
        away_anyway=frozenset(away_anyway),
        entitlement=entitlement,
        wishes=dict(wishes),
        order=tuple(order),
        priority=priority,
        required=required,
        outreach=outreach,
        outreach_slots=settings.demand.appointments_per_staff_day,
        slots=office_slots(instance),
        named={k: tuple(sorted(v)) for k, v in named.items()},
        offices=offices,
        central_min=settings.cover.central_min_per_day,
        teams_source=source,
        names={s.staff_id: s.name for s in instance.staff},
    )


def peak_weeks(
    weeks: list[Week] | tuple[Week, ...], wishes: dict[str, dict[int, frozenset[int]]]
) -> list[int]:
    """The summer's most wished weeks: the ``PEAK_WEEKS`` weeks most first wishes cover."""
    count: dict[int, int] = defaultdict(int)
    for ranks in wishes.values():
        for w in ranks.get(1, ()):
            count[w] += 1
    return sorted(sorted(count, key=lambda w: (-count[w], w))[:PEAK_WEEKS])


def _rotation(
    instance: Instance, weeks: list[Week], wishes: dict[str, dict[int, frozenset[int]]]
) -> dict[str, int]:
    """Percent each person's wish costs count: 100, plus up to ``rotation`` for having had
    fewer of the most wished weeks (by week of the year) last summer."""
    everyone = {s.staff_id: 100 for s in instance.staff}
    if not instance.leave_history:
        return everyone
    peak = {weeks[w].number for w in peak_weeks(weeks, wishes)}
    had: dict[str, set[int]] = defaultdict(set)
    for h in instance.leave_history:
        d = h.start
        while d <= h.end:
            if d.weekday() < 5:
                had[h.staff_id].add(d.isocalendar()[1])
            d += dt.timedelta(days=1)
    rotation = instance.settings.leave.rotation
    for s in everyone:
        got = len(had.get(s, set()) & peak)
        everyone[s] = 100 + round(rotation * (1 - got / max(1, len(peak))))
    return everyone


# ----------------------------------------------------------------------------- the model


@dataclass
class LeaveModel:
    model: cp_model.CpModel
    z: dict[tuple[str, int], cp_model.IntVar]
    """(person, week) -> on summer leave."""
    granted: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    lend: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    """(area, week) -> tenths of substitute person-days lent to its appointments."""
    stand_in: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    """(office or 'central', week) -> substitutes standing in there all week."""
    terms: dict[str, list[tuple[cp_model.LinearExprT, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    skipped: list[tuple[str, str, int]] = field(default_factory=list)
    """(rule, where, week) left out: it cannot hold even with nobody on leave."""


def present(f: Facts, lm: LeaveModel, person: str, week: int) -> cp_model.LinearExprT | int:
    """1 when the person is at work that week (not on leave, not away for another reason)."""
    if (person, week) in f.away_anyway:
        return 0
    z = lm.z.get((person, week))
    return 1 if z is None else 1 - z


def add_entitlement(f: Facts, lm: LeaveModel) -> None:
    """Hard: each person gets their summer leave in whole weeks inside the period."""
    for s in f.people:
        weeks = [lm.z[(s, w.index)] for w in f.weeks if (s, w.index) in lm.z]
        if len(weeks) < f.entitlement[s]:
            raise LeaveError(
                f"{f.names.get(s, s)}: {f.entitlement[s]} weeks of leave do not fit in the "
                f"{len(weeks)} weeks of the summer period"
            )
        lm.model.add(sum(weeks) == f.entitlement[s])


def add_one_block(f: Facts, lm: LeaveModel, weeks_long: int) -> None:
    """Hard: one continuous block of at least ``min_block_weeks`` weeks (Annual Holidays
    Act 162/2005 § 20), for everyone with that much leave; the rest in whole weeks."""
    for s in f.people:
        length = min(weeks_long, f.entitlement[s])
        if length <= 1:
            continue
        starts = []
        for w in range(len(f.weeks) - length + 1):
            b = lm.model.new_bool_var(f"block[{s},{w}]")
            for k in range(length):
                lm.model.add_implication(b, lm.z[(s, w + k)])
            starts.append(b)
        lm.model.add_bool_or(starts)


def add_few_blocks(f: Facts, lm: LeaveModel, weight: int) -> None:
    """Soft: each block of leave beyond a person's first costs ``split``: leave stays in
    one piece unless the rules or a wish say otherwise."""
    for s in f.people:
        if f.entitlement[s] <= 1:
            continue
        starts = []
        for w in f.weeks:
            start = lm.model.new_bool_var(f"starts[{s},{w.index}]")
            before = lm.z[(s, w.index - 1)] if w.index else 0
            lm.model.add(start >= lm.z[(s, w.index)] - before)
            lm.model.add_implication(start, lm.z[(s, w.index)])  # tight: a start is a leave
            if w.index:  # week after a week at work
                lm.model.add_implication(start, lm.z[(s, w.index - 1)].Not())
            starts.append(start)
        lm.terms["split"].append((sum(starts) - 1, weight * 100))


def add_fixed(f: Facts, lm: LeaveModel) -> None:
    """Hard: leave already fixed (rank 0 in leave_wishes.csv) is held."""
    for s, ranks in f.wishes.items():
        for w in ranks.get(0, ()):
            lm.model.add(lm.z[(s, w)] == 1)


def add_substitute_pool(f: Facts, lm: LeaveModel) -> None:
    """Hard: what the substitute pool does in a week fits in its people at work that week
    (its own leave planned too): tenths of person-days lent to the areas' appointments,
    plus whole weeks standing in on central duties or at an office."""
    subs = [s for s in f.people if f.role[s] == "substitute"]
    areas = sorted({a for a, _ in f.required})
    for w in f.weeks:
        pool = sum(f.at_work[(s, w.index)] * present(f, lm, s, w.index) for s in subs)
        top = sum(f.at_work[(s, w.index)] for s in subs)
        for a in areas:
            lm.lend[(a, w.index)] = lm.model.new_int_var(0, top, f"lend[{a},{w.index}]")
        lm.stand_in[("central", w.index)] = lm.model.new_int_var(0, len(subs), f"sc[{w.index}]")
        for o in f.offices:
            lm.stand_in[(o, w.index)] = lm.model.new_int_var(0, len(subs), f"so[{o},{w.index}]")
        week = SCALE * len(w.days)
        lm.model.add(
            sum(lm.lend[(a, w.index)] for a in areas)
            + week * sum(v for (_, k), v in lm.stand_in.items() if k == w.index)
            <= pool
        )


def add_capacity(f: Facts, lm: LeaveModel, target: int) -> None:
    """Hard: every area, every week, the appointments its people at work hold, plus what
    the substitute pool lends it, cover the meetings owed. Soft: each percentage point a
    week's capacity falls short of ``capacity_target`` (105 %: a margin for sickness and
    the unforeseen) costs ``capacity_point``: capacity above the minimum, spread."""
    subs = [s for s in f.people if f.role[s] == "substitute"]
    for a in sorted({a for a, _ in f.required}):
        local = [s for s in f.people if f.area.get(s) == a]
        for w in f.weeks:
            need = f.required[(a, w.index)]
            if need <= 0:
                continue
            days = sum(f.at_work[(s, w.index)] * present(f, lm, s, w.index) for s in local)
            most = sum(f.at_work[(s, w.index)] for s in local + subs)
            # Meetings held, in hundredths of tenths: (tenths of person-days) × slots × 100,
            # outreach staff-days holding their own number of appointments.
            held = (days + lm.lend[(a, w.index)]) * round(100 * f.slots) + f.bonus(a, w.index)
            # Percentage points the week falls short of the comfort level (held / need, %).
            short = lm.model.new_int_var(0, target, f"short[{a},{w.index}]")
            lm.model.add(held >= (target - short) * need)
            lm.terms["capacity_point"].append((short, 1))
            if most * round(100 * f.slots) + f.bonus(a, w.index) < need * 100:
                lm.skipped.append(("capacity", a, w.index))
                continue
            lm.model.add(held >= need * 100)


def add_named_cover(f: Facts, lm: LeaveModel) -> None:
    """Hard: every municipality, key process and week: one of its named workers with the
    skill at work."""
    for (muni, q), people in f.named.items():
        for w in f.weeks:
            free = [present(f, lm, s, w.index) for s in people]
            if all(isinstance(x, int) and x == 0 for x in free):
                lm.skipped.append(("named_cover", f"{muni}:{q}", w.index))
                continue
            lm.model.add(sum(free) >= 1)


def add_office_and_central_cover(f: Facts, lm: LeaveModel) -> None:
    """Hard: people based at each office at work, with substitutes standing in, at least
    its daily minimum; people on central duties, with substitutes standing in, at least
    the central minimum."""
    central = [s for s in f.people if f.role[s] == "central"]
    subs = [s for s in f.people if f.role[s] == "substitute"]
    for w in f.weeks:
        spare = sum((s, w.index) not in f.away_anyway for s in subs)
        for office, (minimum, people) in f.offices.items():
            possible = sum((s, w.index) not in f.away_anyway for s in people) + spare
            if possible < minimum:
                lm.skipped.append(("office_cover", office, w.index))
                continue
            here = sum(present(f, lm, s, w.index) for s in people)
            lm.model.add(here + lm.stand_in[(office, w.index)] >= minimum)
        possible = sum((s, w.index) not in f.away_anyway for s in central) + spare
        if possible < f.central_min:
            lm.skipped.append(("central_cover", "central", w.index))
            continue
        here = sum(present(f, lm, s, w.index) for s in central)
        lm.model.add(here + lm.stand_in[("central", w.index)] >= f.central_min)


def distance(f: Facts, person: str, week: int) -> int:
    """Weeks from ``week`` to the nearest week the person wished (0 without wishes)."""
    wished = [w for r, ws in f.wishes.get(person, {}).items() if r for w in ws]
    return min((abs(week - w) for w in wished), default=0)


def add_wishes(f: Facts, lm: LeaveModel, costs: dict[int, int], none: int, away: int) -> None:
    """Soft: a granted wish costs its rank's weight (the first nothing), none granted
    ``no_wish``, each counted at the person's rotation percent; every leave week costs
    ``week_away`` for each week from the person's nearest wished week."""
    for s, ranks in f.wishes.items():
        chosen = []
        for rank, weeks in sorted(ranks.items()):
            if rank == 0 or not weeks:
                continue
            g = lm.model.new_bool_var(f"granted[{s},{rank}]")
            for w in weeks:
                lm.model.add_implication(g, lm.z[(s, w)])
            lm.granted[(s, rank)] = g
            chosen.append((g, costs.get(rank, none)))
        if not chosen:
            continue
        lm.model.add(sum(g for g, _ in chosen) <= 1)
        lm.terms["wishes"].append(
            (none - sum(g * (none - cost) for g, cost in chosen), f.priority.get(s, 100))
        )
    for s in f.people:
        for w in f.weeks:
            d = distance(f, s, w.index)
            if d:
                lm.terms["week_away"].append((lm.z[(s, w.index)] * d, away * 100))


def build(instance: Instance, f: Facts) -> LeaveModel:
    weights = instance.settings.leave
    model = cp_model.CpModel()
    z = {
        (s, w.index): model.new_bool_var(f"leave[{s},{w.index}]") for s in f.people for w in f.weeks
    }
    lm = LeaveModel(model, z)
    add_entitlement(f, lm)
    add_one_block(f, lm, weights.min_block_weeks)
    add_fixed(f, lm)
    add_few_blocks(f, lm, weights.split)
    add_substitute_pool(f, lm)
    add_capacity(f, lm, weights.capacity_target)
    add_named_cover(f, lm)
    add_office_and_central_cover(f, lm)
    add_wishes(
        f, lm, {1: 0, 2: weights.rank_2, 3: weights.rank_3}, weights.no_wish, weights.week_away
    )
    model.minimize(
        sum(e * p for e, p in lm.terms["wishes"])
        + sum(e * p for e, p in lm.terms["week_away"])
        + sum(e * p for e, p in lm.terms["split"])
        + sum(e * weights.capacity_point * 100 for e, _ in lm.terms["capacity_point"])
    )
    return lm


# ----------------------------------------------------------------------------- solving


@dataclass(frozen=True)
class LeavePlan:
    """The planned leave with the solver's answer."""

    facts: Facts
    leave: dict[str, frozenset[int]]
    """Person -> leave weeks."""
    granted: dict[str, int]
    """Person -> rank of the wish granted (0: none; people without wishes left out)."""
    status: str
    objective: float
    best_bound: float
    gap: float
    wall_time_s: float
    seed: int
    workers: int
    skipped: tuple[tuple[str, str, int], ...]


def plan_leave(
    instance: Instance,
    year: int,
    config: SolverConfig,
    pinned: dict[str, frozenset[int]] | None = None,
) -> LeavePlan:
    """The summer's leave (the module docstring); ``pinned`` holds people's leave weeks
    as a planner fixed them (the rest is planned around them)."""
    from planner.plan.model import _parameters

    f = facts(instance, year)
    lm = build(instance, f)
    for s, weeks in (pinned or {}).items():
        for w in f.weeks:
            lm.model.add(lm.z[(s, w.index)] == int(w.index in weeks))
    solver = cp_model.CpSolver()
    _parameters(solver, config)
    started = time.perf_counter()
    status = solver.solve(lm.model)
    wall = time.perf_counter() - started
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise LeaveError(
            "no leave plan keeps every rule: " + "; ".join(why_infeasible(instance, f))
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise LeaveError(f"no leave plan found in the time given ({name})")
    leave = {
        s: frozenset(w.index for w in f.weeks if solver.value(lm.z[(s, w.index)])) for s in f.people
    }
    granted = {}
    for s, ranks in f.wishes.items():
        if any(r for r in ranks):
            granted[s] = next(
                (
                    r
                    for r in sorted(ranks)
                    if (s, r) in lm.granted and solver.value(lm.granted[(s, r)])
                ),
                0,
            )
    objective = solver.objective_value / 100
    bound = solver.best_objective_bound / 100
    return LeavePlan(
        facts=f,
        leave=leave,
        granted=granted,
        status=name,
        objective=objective,
        best_bound=bound,
        gap=abs(objective - bound) / max(1.0, abs(objective)),
        wall_time_s=wall,
        seed=config.seed,
        workers=config.workers,
        skipped=tuple(lm.skipped),
    )


def why_infeasible(instance: Instance, f: Facts) -> list[str]:
    """Which week's rules no placement of the entitlements can keep: each week's people
    who must be at work against those who could take leave, coarsely."""
    out = []
    total = sum(f.entitlement.values())
    if total > len(f.people) * len(f.weeks):
        out.append("the leave does not fit in the period")
    out.append(
        f"{total} leave weeks for {len(f.people)} people in {len(f.weeks)} weeks; the fixed "
        "leave, the named teams and the capacity of each week are listed by 'planner leave "
        "plan --explain'"
    )
    return out


# ----------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Service:
    """What a placement of leave leaves each area and municipality, week by week."""

    capacity: dict[tuple[str, int], float]
    """(area, week) -> appointments held against meetings owed, percent (substitutes
    lent where short, then evenly)."""
    missing: dict[tuple[str, int], tuple[str, ...]]
    """(municipality, week) -> key processes with no named worker at work."""
    offices_short: dict[tuple[str, int], int]
    central_short: dict[int, int]

    def breaks(self) -> list[tuple[str, str, int]]:
        """(rule, where, week) of every hard rule broken."""
        out = [("capacity", a, w) for (a, w), pct in self.capacity.items() if pct < 100 - 1e-9]
        out += [("named_cover", f"{m}:{q}", w) for (m, w), qs in self.missing.items() for q in qs]
        out += [("office_cover", o, w) for (o, w), short in self.offices_short.items() if short]
        out += [("central_cover", "central", w) for w, short in self.central_short.items() if short]
        return out


def evaluate(f: Facts, leave: dict[str, frozenset[int]]) -> Service:
    """The service a placement of leave leaves (the hard rules' measures)."""
    subs = [s for s in f.people if f.role[s] == "substitute"]
    areas = sorted({a for a, _ in f.required})
    capacity = {}
    central = [s for s in f.people if f.role[s] == "central"]
    offices_short: dict[tuple[str, int], int] = {}
    central_short: dict[int, int] = {}
    for w in f.weeks:
        here = [s for s in subs if f.present(s, w.index, leave.get(s, frozenset()))]
        pool = sum(f.at_work[(s, w.index)] for s in here)
        # Substitutes first stand in where a minimum cover is short, for the whole week.
        spare = len(here)
        at = [s for s in central if f.present(s, w.index, leave.get(s, frozenset()))]
        short = max(0, f.central_min - len(at))
        central_short[w.index] = max(0, short - spare)
        used = min(short, spare)
        for o, (minimum, people) in f.offices.items():
            at = [s for s in people if f.present(s, w.index, leave.get(s, frozenset()))]
            gap = max(0, minimum - len(at))
            offices_short[(o, w.index)] = max(0, gap - (spare - used))
            used += min(gap, spare - used)
        pool = max(0, pool - used * SCALE * len(w.days))
        held = {
            a: sum(
                f.at_work[(s, w.index)]
                for s in f.people
                if f.area.get(s) == a and f.present(s, w.index, leave.get(s, frozenset()))
            )
            for a in areas
        }
        # Substitutes go where the shortfall is largest first, as a planner sends them.
        for a in sorted(
            areas,
            key=lambda a: held[a] * f.slots + f.bonus(a, w.index) / 100 - f.required[(a, w.index)],
        ):
            short = max(
                0.0,
                (f.required[(a, w.index)] - f.bonus(a, w.index) / 100) / f.slots - held[a],
            )
            given = min(pool, math.ceil(short))
            held[a] += given
            pool -= given
        for a in areas:
            need = f.required[(a, w.index)]
            meetings = held[a] * f.slots + f.bonus(a, w.index) / 100
            capacity[(a, w.index)] = 100 * meetings / need if need else 100.0
    missing: dict[tuple[str, int], list[str]] = defaultdict(list)
    for (m, q), people in f.named.items():
        for w in f.weeks:
            if not any(f.present(s, w.index, leave.get(s, frozenset())) for s in people):
                missing[(m, w.index)].append(q)
    return Service(
        capacity,
        {k: tuple(v) for k, v in missing.items()},
        offices_short,
        central_short,
    )


# ----------------------------------------------------------------------------- baselines


def first_wishes(f: Facts, planned: dict[str, frozenset[int]]) -> dict[str, frozenset[int]]:
    """Every first wish granted as asked (leave already fixed too); people without a
    first wish keep the plan's weeks: what asking alone would give."""
    out = {}
    for s in f.people:
        ranks = f.wishes.get(s, {})
        out[s] = (ranks.get(1, frozenset()) | ranks.get(0, frozenset())) or planned.get(
            s, frozenset()
        )
    return out


def first_come(f: Facts) -> tuple[dict[str, frozenset[int]], dict[str, int]]:
    """First come, first served, as workforce tools approve requests: in the order the
    first wishes came, each person gets their first wish if the hard rules still hold
    with everyone decided so far, else their second, else their third, else the earliest
    weeks that keep the rules (one block); people without wishes come last."""
    decided: dict[str, frozenset[int]] = {}
    granted: dict[str, int] = {}

    def keeps(person: str, weeks: frozenset[int], already: set[tuple[str, str, int]]) -> bool:
        trial = dict(decided)
        trial[person] = weeks
        return set(evaluate(f, trial).breaks()) <= already

    for s in f.order:
        already = set(evaluate(f, decided).breaks())  # what the earlier decisions break
        ranks = f.wishes.get(s, {})
        fixed = ranks.get(0, frozenset())
        need = f.entitlement[s]
        choice = None
        for r in sorted(k for k in ranks if k):
            weeks = ranks[r] | fixed
            if len(weeks) <= need and keeps(s, weeks | _fill(f, weeks, need), already):
                choice, granted[s] = weeks | _fill(f, weeks, need), r
                break
        if choice is None:
            for start in range(len(f.weeks) - need + 1):
                weeks = frozenset(range(start, start + need)) | fixed
                if keeps(s, weeks, already):
                    choice = weeks
                    break
            else:
                choice = frozenset(range(need)) | fixed
            if ranks and any(ranks):
                granted[s] = 0
        decided[s] = choice
    return decided, granted


def _fill(f: Facts, weeks: frozenset[int], need: int) -> frozenset[int]:
    """Weeks next to ``weeks`` until ``need`` (a wish shorter than the entitlement)."""
    out = set(weeks)
    last = max(out) if out else -1
    while len(out) < need:
        last = last + 1 if last + 1 < len(f.weeks) else min(out) - 1
        out.add(last)
    return frozenset(out - set(weeks))


def why_not_first(
    f: Facts, plan: LeavePlan, person: str, planned: Service | None = None
) -> list[tuple[str, str, int]]:
    """What would break had ``person`` got their first wish, everyone else as planned:
    the rules and weeks that bound (empty: others' wishes or rotation came first).
    ``planned``: the plan's own :func:`evaluate`, when the caller has it already."""
    ranks = f.wishes.get(person, {})
    wish = ranks.get(1, frozenset()) | ranks.get(0, frozenset())
    if not wish:
        return []
    weeks = (
        wish | _fill(f, wish, f.entitlement[person]) if len(wish) < f.entitlement[person] else wish
    )
    trial = dict(plan.leave)
    trial[person] = weeks
    before = set((planned or evaluate(f, plan.leave)).breaks())
    return sorted(set(evaluate(f, trial).breaks()) - before, key=lambda b: (b[2], b[0], b[1]))
