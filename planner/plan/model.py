"""The monthly CP-SAT model: outreach days, named staff, cover and fairness.

Rules are added by one function per rule family, called in the order of
:data:`RULE_FAMILIES`. Each function's docstring states the rule as a planner
would, and whether it is hard (never broken) or soft (with the named penalty
weight from ``[penalties]``). CP-SAT objects never leave this module:
:func:`solve_month` returns a :class:`models.plan.Plan`.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.i18n import N_

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from planner.plan.month import MonthData

OBJ_SCALE = 10
"""Objective points are multiplied by this so that tenths (fairness) stay integers."""


@dataclass
class Variables:
    """Typed access to the decision variables (PyJobShop-style), not loose dicts."""

    x: dict[tuple[str, str, int], cp_model.IntVar] = field(default_factory=dict)
    """(staff, point, day) -> the person holds appointments at the point that day."""
    work: dict[tuple[str, int], cp_model.IntVar | int] = field(default_factory=dict)
    pattern: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    open: dict[tuple[str, int], cp_model.LinearExpr] = field(default_factory=dict)
    staffed: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    unmet: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    """(point, day) -> the pattern opens the point that day and nobody can go."""
    late: dict[tuple[str, dt.date], cp_model.IntVar] = field(default_factory=dict)
    """(municipality, registration day) -> no visit within the initial-interview deadline."""
    sub_office: dict[tuple[str, str, int], cp_model.IntVar] = field(default_factory=dict)
    sub_central: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    by_point_day: dict[tuple[str, int], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_staff_day: dict[tuple[str, int], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def visits(self, point: str, day: int) -> list[cp_model.IntVar]:
        return [self.x[(s, point, day)] for s in self.by_point_day[(point, day)]]

    def outreach(self, staff: str, day: int) -> list[cp_model.IntVar]:
        return [self.x[(staff, p, day)] for p in self.by_staff_day[(staff, day)]]

    def assigned(self, staff: str) -> list[cp_model.IntVar]:
        return [v for (s, _, _), v in self.x.items() if s == staff]


@dataclass
class SoftTerm:
    """One soft rule's amount: a linear expression and its objective coefficient."""

    rule: str
    expr: cp_model.LinearExprT
    coefficient: int
    """Objective points (× OBJ_SCALE) per unit of ``expr``."""


RULE_WORDS = {
    "unmet_visit": N_("scheduled visit days nobody could go to"),
    "initial_interview_late": N_(
        "registration days with no on-site visit within the deadline for the initial interview"
    ),
    "demand_shortfall": N_(
        "tenths of a staff-day of local demand not met (small places weigh more)"
    ),
    "excess_staff_day": N_("tenths of a staff-day planned beyond demand"),
    "process_shortfall": N_("staff-days of a needed key process missing in a municipality"),
    "office_cover_shortfall": N_("person-days below an office's minimum cover"),
    "central_cover_shortfall": N_("person-days below the central-duty minimum"),
    "substitute_day": N_("substitute-pool days used"),
    "travel_minute": N_("minutes driven to outreach points, there and back"),
    "long_trips_spread": N_("sum over people of their long trips squared (spread evenly is least)"),
    "fairness_spread": N_("sum over people of their outreach days squared per FTE (even is least)"),
    "pattern_change": N_("service points whose rhythm changed from last month"),
    "replan_change": N_(
        "outreach days moved from or to someone, or part-timers' days off moved, since the "
        "plan being re-planned"
    ),
}


@dataclass
class Built:
    model: cp_model.CpModel
    vars: Variables
    terms: list[SoftTerm]
    shortfalls: dict[str, dict[tuple, cp_model.IntVar]] = field(default_factory=dict)


# ----------------------------------------------------------------------------- rule families


def add_staff_variables(data: MonthData, b: Built) -> None:
    """Hard: a person works only on days they are not absent; a full-timer works every such
    day, a part-timer exactly their share of the month's working days (fewer if absent)."""
    m, v = b.model, b.vars
    for person in data.staff:
        sid = person.staff_id
        available = data.available[sid]
        target = data.work_days[sid]
        if sid in data.pool:  # a pool of full-timers: its members at work that day
            for i, count in enumerate(data.pool_count[sid]):
                v.work[(sid, i)] = count
            continue
        if target >= sum(available):
            for i, ok in enumerate(available):
                v.work[(sid, i)] = int(ok)
            continue
        for i, ok in enumerate(available):
            v.work[(sid, i)] = m.new_bool_var(f"work[{sid},{i}]") if ok else 0
        m.add(sum(v.work[(sid, i)] for i in range(len(data.days))) == target)


def add_visit_patterns(data: MonthData, b: Built) -> None:
    """Hard: each outreach point follows exactly one visit pattern this month (weekly, every
    other week in odd or even weeks of the continuous week count, 1st and 3rd, monthly, ...)
    on weekdays its room is free, never less often than the equity floor where the
    municipality has no office."""
    m, v = b.model, b.vars
    for point_id, candidates in data.patterns.items():
        choice = []
        for pattern in candidates:
            var = m.new_bool_var(f"pattern[{point_id},{pattern.key}]")
            v.pattern[(point_id, pattern.key)] = var
            choice.append(var)
        m.add_exactly_one(choice)
        for day in data.possible_days(point_id):
            v.open[(point_id, day)] = sum(
                v.pattern[(point_id, p.key)]
                for p in candidates
                if day in data.open_days[(point_id, p.key)]
            )


def add_outreach_assignments(data: MonthData, b: Built) -> None:
    """Hard: a person goes to a point only on a day it is open and they work, to points of
    their own production area (substitutes anywhere), one place a day, and no more people
    than the point has rooms. Regular staff go only to municipalities whose team of named
    responsible workers they are on (see :func:`planner.plan.month.choose_teams`: at least two
    per key process, never one). A visit counts as held ('staffed') only with an own coach.
    A pool of interchangeable substitutes sends a count, not a yes/no."""
    m, v = b.model, b.vars
    for point_id in data.patterns:
        point = data.instance.point(point_id)
        for day in data.possible_days(point_id):
            staffed = m.new_bool_var(f"staffed[{point_id},{day}]")
            v.staffed[(point_id, day)] = staffed
            m.add(staffed <= v.open[(point_id, day)])
            coaches, pooled = [], False
            for person in data.staff:
                sid = person.staff_id
                if not data.available[sid][day] or not data.may_visit(sid, point_id):
                    continue
                if sid in data.pool:  # how many of the pool go
                    most = min(point.rooms, data.pool_count[sid][day])
                    x = m.new_int_var(0, most, f"x[{sid},{point_id},{day}]")
                    m.add(x == 0).only_enforce_if(~staffed)
                    pooled = True
                else:
                    x = m.new_bool_var(f"x[{sid},{point_id},{day}]")
                    m.add_implication(x, staffed)
                v.x[(sid, point_id, day)] = x
                v.by_point_day[(point_id, day)].append(sid)
                v.by_staff_day[(sid, day)].append(point_id)
                if "coach" in person.skills:
                    coaches.append(x)
            if coaches and pooled:
                m.add(sum(coaches) >= 1).only_enforce_if(staffed)
            elif coaches:
                m.add_bool_or(coaches).only_enforce_if(staffed)
            else:
                m.add(staffed == 0)
            m.add(sum(v.visits(point_id, day)) <= point.rooms)
    for person in data.staff:
        sid = person.staff_id
        for day in range(len(data.days)):
            places = v.outreach(sid, day)
            if not places:
                continue
            if data.role[sid] == "substitute":
                continue  # substitutes: see add_substitute_pool
            m.add(sum(places) <= v.work[(sid, day)])


def add_pins(data: MonthData, b: Built) -> None:
    """Hard: what the planner pinned (:mod:`planner.plan.pins`) holds: a person goes to a point
    on a day, or does not; a point is open (a visit is held) or closed on a day; a point
    keeps a rhythm ("closed" holds no visit; a day the rhythm opens becomes an unmet
    visit saying so). Pins were checked against the month before (a pin it cannot keep is
    refused with its line), so they never make the model infeasible."""
    m, v = b.model, b.vars
    index = {d: i for i, d in enumerate(data.days)}
    for pin in data.pins:
        if pin.rule.startswith("frozen:"):
            _freeze(data, b, pin.staff_id, index[pin.date], pin)  # type: ignore[index]
            continue
        if pin.rule == "keeps_pattern":
            m.add(v.pattern[(pin.point_id, pin.pattern)] == 1)
            continue
        day = index[pin.date]  # type: ignore[index]
        if pin.rule == "goes":
            m.add(v.x[(pin.staff_id, pin.point_id, day)] == 1)
        elif pin.rule == "does_not_go":
            x = v.x.get((pin.staff_id, pin.point_id, day))
            if x is not None:
                m.add(x == 0)
        elif pin.rule == "open":
            m.add(v.staffed[(pin.point_id, day)] == 1)
        elif pin.rule == "closed" and (pin.point_id, day) in v.staffed:
            # No visit is held; if the rhythm falls on the day it is an unmet visit, so
            # the solver prefers a rhythm that does not.
            m.add(v.staffed[(pin.point_id, day)] == 0)


def _freeze(data: MonthData, b: Built, sid: str, day: int, pin: object) -> None:
    """A person-day before --from-day stays exactly as planned: the same visit or none,
    worked or off, and a substitute's office or central cover."""
    m, v = b.model, b.vars
    activity = pin.rule.removeprefix("frozen:")  # type: ignore[attr-defined]
    place = pin.point_id  # type: ignore[attr-defined]
    for point in v.by_staff_day.get((sid, day), []):
        m.add(v.x[(sid, point, day)] == int(activity == "outreach" and point == place))
    work = v.work.get((sid, day))
    if work is not None and not isinstance(work, int):
        m.add(work == int(activity not in ("off", "absent")))
    for (s, office, d), var in v.sub_office.items():
        if s == sid and d == day:
            m.add(var == int(activity == "office" and office == place))
    central = v.sub_central.get((sid, day))
    if central is not None:
        m.add(central == int(activity == "central" and pin.pattern == "cover"))  # type: ignore[attr-defined]


def add_unmet_visits(data: MonthData, b: Built) -> None:
    """Soft (unmet_visit): every day a point is open by its pattern should be held; a day
    nobody can go to stays in the plan as an unmet visit with its reason.

    The unmet day is a variable of its own (open = held + unmet) rather than the
    difference of two, so that every objective coefficient is positive and the
    solver's bound is a real one (never below zero) from the first plan on."""
    m, v = b.model, b.vars
    weight = data.instance.settings.penalties.unmet_visit * OBJ_SCALE
    for (point_id, day), staffed in v.staffed.items():
        unmet = m.new_bool_var(f"unmet[{point_id},{day}]")
        v.unmet[(point_id, day)] = unmet
        m.add(staffed + unmet == v.open[(point_id, day)])
        b.terms.append(SoftTerm("unmet_visit", unmet, weight))


def add_initial_interview(data: MonthData, b: Built) -> None:
    """Soft (initial_interview_late): a client who registers on any working day can meet
    someone in person in their own municipality within the rule set's deadline (2026
    rules: 10 working days; 2025 rules: 5); holidays are not working days. So every
    municipality served by outreach alone has a visit held within that many working days
    after every working day. Each registration day without one costs the weight.

    The rule reaches across the month boundary both ways: windows that start in last
    month's end are checked against the visits last month's plan held (when a previous
    plan is known), and windows that run into next month count the rhythm chosen as
    carrying on there (next month's own plan may still move it). A municipality with an
    office has service every working day and is always in time."""
    m, v = b.model, b.vars
    weight = data.instance.settings.penalties.initial_interview_late
    if not weight:
        return
    reach = data.interview_days
    with_office = data.office_municipalities()
    timeline = data.context_days + data.days + data.lookahead_days
    first, last = len(data.context_days), len(data.context_days) + len(data.days) - 1
    by_muni: dict[str, list[str]] = defaultdict(list)
    for point_id in data.patterns:
        by_muni[data.instance.point(point_id).municipality_id].append(point_id)
    for muni, points in sorted(by_muni.items()):
        if muni in with_office:
            continue
        held: list[list] = [[] for _ in timeline]
        for i, day in enumerate(data.context_days):
            held[i] = [1] if any((p, day) in data.context_held for p in points) else []
        for point_id in points:
            for day in data.possible_days(point_id):
                held[first + day].append(v.staffed[(point_id, day)])
            for pattern in data.patterns[point_id]:
                for k in data.lookahead_open.get((point_id, pattern.key), []):
                    held[last + 1 + k].append(v.pattern[(point_id, pattern.key)])
        for r in range(0, len(timeline) - reach):
            window = range(r + 1, r + reach + 1)
            if window[-1] < first or r > last:
                continue  # last month's business, or wholly next month's
            supply = [x for i in window for x in held[i]]
            if any(isinstance(x, int) and x for x in supply):
                continue
            late = m.new_bool_var(f"late[{muni},{timeline[r]}]")
            v.late[(muni, timeline[r])] = late
            m.add(sum(supply) + late >= 1)
            b.terms.append(SoftTerm("initial_interview_late", late, weight * OBJ_SCALE))


def add_local_demand(data: MonthData, b: Built) -> None:
    """Soft (demand_shortfall, excess_staff_day): each point gets the staff-days its clients
    need by the statutory meeting rhythm. A missing tenth of a staff-day costs more at a
    small point, in proportion to how small, so every municipality loses the same share
    before any loses more; planning beyond demand costs a little."""
    m, v = b.model, b.vars
    penalties = data.instance.settings.penalties
    tenths = {p: max(1, d.tenths) for p, d in data.demand.items()}
    mean = sum(tenths.values()) / len(tenths) if tenths else 1.0
    b.shortfalls["demand"] = {}
    for point_id in data.patterns:
        planned = 10 * sum(
            v.x[(s, point_id, d)]
            for d in data.possible_days(point_id)
            for s in v.by_point_day[(point_id, d)]
        )
        short = m.new_int_var(0, tenths[point_id], f"short[{point_id}]")
        excess = m.new_int_var(0, 10 * 200, f"excess[{point_id}]")
        m.add(planned + short >= tenths[point_id])
        m.add(planned - tenths[point_id] <= excess)
        b.shortfalls["demand"][(point_id,)] = short
        scale = max(1.0, mean / tenths[point_id])
        if penalties.demand_shortfall:
            b.terms.append(
                SoftTerm(
                    "demand_shortfall",
                    short,
                    round(penalties.demand_shortfall * scale * OBJ_SCALE / 10),
                )
            )
        if penalties.excess_staff_day:
            b.terms.append(
                SoftTerm(
                    "excess_staff_day",
                    excess,
                    max(1, round(penalties.excess_staff_day * OBJ_SCALE / 10)),
                )
            )


def add_process_demand(data: MonthData, b: Built) -> None:
    """Soft (process_shortfall): a municipality served only by outreach gets, each month,
    the staff-days of each key process it needs (employer services, integration, ...)
    from people with that skill. A municipality with an office has every process there
    every working day, so its village points are not asked for them."""
    m, v = b.model, b.vars
    settings = data.instance.settings
    b.shortfalls["process"] = {}
    skills = {s.staff_id: s.skills for s in data.staff}
    with_office = data.office_municipalities()
    for muni, processes in data.needed.items():
        points = [p for p in data.patterns if data.instance.point(p).municipality_id == muni]
        if not points or muni in with_office:
            continue
        for process in processes:
            rule = settings.process_demand.get(process)
            if rule is None:
                continue
            supply = [x for (s, p, _), x in v.x.items() if p in points and process in skills[s]]
            short = m.new_int_var(0, rule.visits_per_month, f"pshort[{muni},{process}]")
            m.add(sum(supply) + short >= rule.visits_per_month)
            b.shortfalls["process"][(muni, process)] = short
            b.terms.append(
                SoftTerm(
                    "process_shortfall", short, settings.penalties.process_shortfall * OBJ_SCALE
                )
            )


def add_substitute_pool(data: MonthData, b: Built) -> None:
    """Hard: a substitute covers at most one thing a day (a visit, an office or central
    duty), only on days they work: never when absent, and a part-time substitute works
    exactly their share of the month's working days, like everybody else. A pool of
    interchangeable substitutes (:meth:`MonthData.pooled`) covers at most as many things
    a day as it has members at work. In a split solve's parts, each pool-day used also
    pays its Lagrangian price (``pool_price``, :mod:`planner.plan.schedule`). Soft
    (substitute_day): each day used costs, so the pool covers only what the regular staff
    cannot, or what it does for less (see the README: a day costs as much as 25 minutes
    of driving)."""
    m, v = b.model, b.vars
    offices = data.offices()
    used, prices = [], []
    for person in data.people("substitute"):
        sid = person.staff_id
        for day in range(len(data.days)):
            if not data.available[sid][day]:
                continue
            duties = list(v.outreach(sid, day))
            most = data.pool_count[sid][day] if sid in data.pool else 1
            for office in offices:
                so = m.new_int_var(0, most, f"sub_office[{sid},{office},{day}]")
                v.sub_office[(sid, office, day)] = so
                duties.append(so)
            if data.include_central:
                sc = m.new_int_var(0, most, f"sub_central[{sid},{day}]")
                v.sub_central[(sid, day)] = sc
                duties.append(sc)
            m.add(sum(duties) <= v.work[(sid, day)])
            used.extend(duties)
            price = data.pool_price.get((sid, day), 0)
            if price:
                prices.append((price, sum(duties)))
    if used and data.instance.settings.penalties.substitute_day:
        b.terms.append(
            SoftTerm(
                "substitute_day",
                sum(used),
                data.instance.settings.penalties.substitute_day * OBJ_SCALE,
            )
        )
    if prices:  # only in the parts of a split solve: see MonthData.pool_price
        b.terms.append(SoftTerm("pool_price", sum(c * e for c, e in prices), 1))


def _soft_minimum(
    b: Built,
    family: str,
    key: tuple,
    supply: cp_model.LinearExprT,
    minimum: int,
    rule: str,
    weight: int,
) -> None:
    """``supply >= minimum``, with the shortfall recorded under ``family`` and priced."""
    short = b.model.new_int_var(0, minimum, f"{family}_short{key}")
    b.model.add(supply + short >= minimum)
    b.shortfalls[family][key] = short
    b.terms.append(SoftTerm(rule, short, weight * OBJ_SCALE))


def add_office_cover(data: MonthData, b: Built) -> None:
    """Soft (office_cover_shortfall), so a plan always comes out: each continuously staffed
    office has its minimum number of people every working day, from the people based there
    who are not out on a visit, plus substitutes."""
    v = b.vars
    settings = data.instance.settings
    b.shortfalls["office"] = {}
    for office in data.offices():
        minimum = settings.cover.office_min_per_day.get(office, 0)
        if minimum <= 0:
            continue
        based = [s.staff_id for s in data.people("local") if s.home_point_id == office]
        for day in range(len(data.days)):
            present = [v.work[(s, day)] for s in based]
            away = [x for s in based for x in v.outreach(s, day)]
            subs = [so for (s, o, d), so in v.sub_office.items() if o == office and d == day]
            _soft_minimum(
                b,
                "office",
                (office, day),
                sum(present) - sum(away) + sum(subs),
                minimum,
                "office_cover_shortfall",
                settings.penalties.office_cover_shortfall,
            )


def add_central_cover(data: MonthData, b: Built) -> None:
    """Soft (central_cover_shortfall): central duties (phone service, start of client
    relationship) have their minimum number of people every working day."""
    v = b.vars
    settings = data.instance.settings
    minimum = settings.cover.central_min_per_day
    b.shortfalls["central"] = {}
    if minimum <= 0 or not data.include_central:
        return
    central = [s.staff_id for s in data.people("central")]
    for day in range(len(data.days)):
        subs = [sc for (s, d), sc in v.sub_central.items() if d == day]
        _soft_minimum(
            b,
            "central",
            (day,),
            sum(v.work[(s, day)] for s in central) + sum(subs),
            minimum,
            "central_cover_shortfall",
            settings.penalties.central_cover_shortfall,
        )


def add_travel(data: MonthData, b: Built) -> None:
    """Soft (travel_minute): every visit's drive from the person's home office, there and
    back, costs by the minute, so the nearest suitable people go."""
    weight = data.instance.settings.penalties.travel_minute
    if not weight:
        return
    home = {s.staff_id: s.home_point_id for s in data.staff}
    terms = [(x, round(2 * data.travel_min[(home[s], p)])) for (s, p, _), x in b.vars.x.items()]
    b.terms.append(SoftTerm("travel_minute", sum(c * x for x, c in terms), weight * OBJ_SCALE))


def _convex(
    m: cp_model.CpModel, count: cp_model.LinearExprT, most: int, name: str
) -> list[tuple[int, cp_model.IntVar]]:
    """Unary expansion of ``count``: the k-th unit costs 2k-1, so the cost is ``count²``.

    A convex, separable cost keeps the LP relaxation tight (a min-max objective made
    the Kuopio area unprovable in minutes) while still spreading load evenly.
    """
    steps = [m.new_bool_var(f"{name}[{k}]") for k in range(1, most + 1)]
    for earlier, later in itertools.pairwise(steps):
        m.add_implication(later, earlier)
    m.add(sum(steps) == count)
    return [(2 * k - 1, z) for k, z in enumerate(steps, start=1)]


def add_fairness(data: MonthData, b: Built) -> None:
    """Soft (long_trips_spread): long trips are spread, not given to one person: each
    person's long trips cost their square. Soft (fairness_spread): outreach days per FTE
    are balanced: each person's outreach days cost their square divided by their FTE, so
    the same days spread over more people cost less."""
    m, v = b.model, b.vars
    penalties = data.instance.settings.penalties
    threshold = data.instance.settings.schedule.long_trip_minutes
    mine: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    for (sid, point, _), x in v.x.items():
        mine[sid].append((point, x))
    long_terms, load_terms = [], []
    for person in data.people("local"):
        sid = person.staff_id
        if not mine[sid]:
            continue
        days = len({d for (s, _, d) in v.x if s == sid})
        if penalties.long_trips_spread:
            long = [
                x for p, x in mine[sid] if data.travel_min[(person.home_point_id, p)] >= threshold
            ]
            if long:
                long_terms += _convex(m, sum(long), min(days, len(long)), f"long[{sid}]")
        if penalties.fairness_spread:
            steps = _convex(m, sum(x for _, x in mine[sid]), days, f"load[{sid}]")
            load_terms += [(round(c / person.fte), z) for c, z in steps]
    if long_terms:
        b.terms.append(
            SoftTerm(
                "long_trips_spread",
                sum(c * z for c, z in long_terms),
                penalties.long_trips_spread * OBJ_SCALE,
            )
        )
    if load_terms:
        b.terms.append(
            SoftTerm(
                "fairness_spread",
                sum(c * z for c, z in load_terms),
                penalties.fairness_spread * OBJ_SCALE,
            )
        )


def _worked_before(data: MonthData) -> dict[tuple[str, int], bool]:
    """(staff, day index) -> whether the earlier plan of this month had the person at work:
    what a re-plan prices moving, and what it starts from."""
    index = {d: i for i, d in enumerate(data.days)}
    return {
        (sid, index[d]): activity not in ("off", "absent")
        for sid, d, activity, _, _ in data.previous.days
        if d in index
    }


def add_continuity(data: MonthData, b: Built) -> None:
    """Soft (pattern_change): with --previous, a point whose demand moved enough to be free
    to change rhythm still prefers last month's pattern and week parity. Soft
    (replan_change): re-planning the same month (e.g. after a new absence), every
    outreach day given or taken away from someone, and every part-timer's working day
    turned into a day off or back, costs, so people's calendars move only where they
    must."""
    penalties = data.instance.settings.penalties
    weight = penalties.pattern_change
    for point_id, key in data.previous.patterns.items():
        var = b.vars.pattern.get((point_id, key))
        if var is not None and weight and len(data.patterns[point_id]) > 1:
            b.terms.append(SoftTerm("pattern_change", 1 - var, weight * OBJ_SCALE))
    if data.previous.month != data.month or not penalties.replan_change:
        return
    index = {d: i for i, d in enumerate(data.days)}
    scope = {s.staff_id for s in data.staff}
    before = {
        (s, p, index[d])
        for s, p, d in data.previous.visits
        if d in index and s in scope and p in data.patterns
    }
    changes = [(1 - x) if key in before else x for key, x in b.vars.x.items()]
    changes += [1 for key in before if key not in b.vars.x]  # no longer possible (absent)
    # A part-timer's days off are free to the rest of the model: without this term a
    # re-plan shuffles them (and their office days in the feeds) at no cost.
    worked = _worked_before(data)
    for key, work in b.vars.work.items():
        if key in worked and not isinstance(work, int):
            changes.append((1 - work) if worked[key] else work)
    b.terms.append(SoftTerm("replan_change", sum(changes), penalties.replan_change * OBJ_SCALE))


RULE_FAMILIES: list[Callable[[MonthData, Built], None]] = [
    add_staff_variables,
    add_visit_patterns,
    add_outreach_assignments,
    add_pins,
    add_unmet_visits,
    add_initial_interview,
    add_local_demand,
    add_process_demand,
    add_substitute_pool,
    add_office_cover,
    add_central_cover,
    add_travel,
    add_fairness,
    add_continuity,
]


def build_model(data: MonthData) -> Built:
    """Add every rule family in order and the objective (only terms with weight above zero)."""
    built = Built(model=cp_model.CpModel(), vars=Variables(), terms=[])
    for family in RULE_FAMILIES:
        family(data, built)
    built.model.minimize(sum(t.coefficient * t.expr for t in built.terms if t.coefficient > 0))
    return built


# ----------------------------------------------------------------------------- solving


def _fix_regular(data: MonthData, built: Built, fixed: Solved) -> None:
    m, v = built.model, built.vars
    for (sid, point, day), var in v.x.items():
        if data.role[sid] != "substitute":
            m.add(var == int((sid, point, day) in fixed.x))
    for key, var in v.work.items():
        if not isinstance(var, int) and key in fixed.work:
            m.add(var == fixed.work[key])
    for (point, key), var in v.pattern.items():
        if point in fixed.patterns:
            m.add(var == int(fixed.patterns[point] == key))


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving plan, and remembers when the first one came."""

    def __init__(self, report: Callable[[str], None] | None, started: float) -> None:
        super().__init__()
        self.report = report
        self.started = started
        self.first: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        elapsed = time.perf_counter() - self.started
        if self.first is None:
            self.first = elapsed
        if self.report is not None:
            objective, bound = self.ObjectiveValue(), self.BestObjectiveBound()
            gap = _gap(objective, bound)
            self.report(
                f"  plan {self.count}: objective {objective / OBJ_SCALE:,.1f}, "
                f"bound {bound / OBJ_SCALE:,.1f}, gap {gap:.1%}, {elapsed:.1f} s"
            )


@dataclass(frozen=True)
class SolverConfig:
    """How CP-SAT is run: one configuration for ``schedule``, ``whatif`` and ``sweep``, so
    the same month with the same seed is the same plan wherever it is solved.

    Measured on this project's machine kind (bench/README.md, 2 cores): CP-SAT's
    interleaved search (``interleave_search``), the multi-worker mode its documentation
    calls deterministic, with four LP-based full subsolvers (:data:`FULL_SUBSOLVERS`)
    and the default LNS proves every Kuopio month of 2026 in 4–7 s. CP-SAT's whole
    default portfolio, interleaved, took 8–20 s on the same months; one worker alone
    stalled at a 15 % gap after 20 s; a starting plan from per-area sub-problems made
    it slower (13 s against 10 s on 2026-03). The search stops on proof or when
    ``time_limit`` deterministic seconds are spent (the same in every run), so the same
    seed and workers give the same plan however busy the machine is. The wall clock
    stops it only at ``wall_factor`` times that (:data:`WALL_NET`: a net against a
    machine that is all but stalled), or at ``wall_limit`` seconds when a user asks for
    one; a plan stopped by the wall clock says so everywhere it is shown.
    """

    time_limit: float = 30.0
    """CP-SAT deterministic seconds (close to wall seconds on an idle 2-core machine)."""
    workers: int = 4
    seed: int = 0
    wall_factor: float = 20.0
    """Wall-clock net as a multiple of ``time_limit`` (:data:`WALL_NET`; sweeps running
    several solves at once multiply it by their jobs)."""
    wall_limit: float | None = None
    """Wall-clock seconds a user asked for (``--wall-limit``): the search then stops at
    whichever limit comes first, and a plan stopped by the wall may differ between runs."""
    subsolvers: tuple[str, ...] = ()
    """CP-SAT's full subsolvers when ``workers`` > 1; empty: :data:`FULL_SUBSOLVERS`."""
    method: str = "auto"
    """'whole': the month as one model; 'split': a Lagrangian relaxation by production
    area for the bound and the best repair of its rounds for the plan
    (:func:`planner.plan.schedule.plan_month`); 'auto': whole up to
    :data:`WHOLE_MODEL_PEOPLE` people, split above."""


WALL_NET = 20.0
"""The wall clock's net, as a multiple of the deterministic limit. At 1.5× a loaded
2-core machine (load 11–16) stopped 4 of 14 months at FEASIBLE, two with worse plans:
a solve there gets about an eighth of the CPU it gets idle, so the deterministic limit
takes about 8× its idle wall time. 20× keeps the deterministic limit deciding up to a
load of about 40 on 2 cores and still ends a search that makes no progress at all."""


WHOLE_MODEL_PEOPLE = 300
"""Up to this many people the whole month is one model (Kuopio: 164, proven in 4–7 s).
Measured at 492 people (3× Kuopio, March 2026, bench/README.md), the split solve ended
at a 0.9 % gap in 47 s where one model was still 1.4 % from its bound after 88 s; at
1 640 people one model found no first plan in 120 s."""


FULL_SUBSOLVERS = ("max_lp", "max_lp_sym", "pseudo_costs", "reduced_costs")
"""The full subsolvers of the portfolio: in the search logs these found the plans
(``max_lp`` most) and the bounds; the rest of CP-SAT's default set only took turns."""

PART_SUBSOLVERS = ("max_lp", "pseudo_costs")
"""For the small models of a split solve (one production area with the pool): two
subsolvers prove a 10× Kuopio area about twice as fast as the four above (Kuopio 0.9 s
against 2.1 s, Sisä-Savo 1.0 s against 2.6 s, measured on this machine kind)."""


def _parameters(solver: cp_model.CpSolver, config: SolverConfig) -> None:
    params = solver.parameters
    params.random_seed = config.seed
    params.num_workers = config.workers
    params.max_deterministic_time = config.time_limit
    params.max_time_in_seconds = (
        config.wall_limit
        if config.wall_limit is not None
        else config.time_limit * config.wall_factor
    )
    if config.workers > 1:
        params.interleave_search = True
        params.subsolvers.extend(config.subsolvers or FULL_SUBSOLVERS)


def _hint_previous(data: MonthData, built: Built) -> None:
    """With the plan of the same month as the starting point (a re-plan, or a scenario
    keeping its baseline), hint its rhythms and working days too, not only its outreach
    days: the search then starts from the whole earlier plan."""
    previous = data.previous
    if previous.month != data.month:
        return
    candidates = {(p, key) for p, key in built.vars.pattern}
    for (point_id, key), var in built.vars.pattern.items():
        # Only where the earlier rhythm is still a candidate: hinting every candidate 0
        # would contradict the rule that a point keeps one rhythm.
        if (point_id, previous.patterns.get(point_id)) in candidates:
            built.model.add_hint(var, int(previous.patterns[point_id] == key))
    worked = _worked_before(data)
    for key, var in built.vars.work.items():
        if key in worked and not isinstance(var, int):
            built.model.add_hint(var, int(worked[key]))


def _hint_greedy_plan(data: MonthData, built: Built, config: SolverConfig) -> None:
    """Hint every variable with a complete plan: the greedy rota of
    :mod:`planner.plan.baseline` for regular staff, substitutes placed by a short solve of the
    same model with those decisions fixed. Both models are built alike, so their
    variables share indices. Measured at 1 640 people: without it, no first plan in 120 s."""
    from planner.plan.baseline import greedy_month

    greedy = build_model(data)
    _fix_regular(data, greedy, greedy_month(data))
    solver = cp_model.CpSolver()
    _parameters(solver, replace(config, time_limit=min(5.0, 0.2 * config.time_limit)))
    status = solver.solve(greedy.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    values = solver.response_proto.solution
    model = built.model
    for index in range(len(model.proto.variables)):
        model.add_hint(model.get_int_var_from_proto_index(index), values[index])


def _gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(1.0, abs(objective))


@dataclass
class Solved:
    """Solver values read back into plain Python, for :mod:`planner.plan.schedule`."""

    status: str
    objective: float
    best_bound: float
    wall_time: float
    build_time: float
    first_solution: float | None
    x: set[tuple[str, str, int]]
    work: dict[tuple[str, int], int]
    patterns: dict[str, str]
    staffed: set[tuple[str, int]]
    open: set[tuple[str, int]]
    sub_office: set[tuple[str, str, int]]
    sub_central: set[tuple[str, int]]
    late: set[tuple[str, dt.date]]
    """(municipality, registration day) with no visit held within the interview deadline."""
    shortfalls: dict[str, dict[tuple, int]]
    term_values: list[tuple[str, int, int]]
    """(rule, amount, objective points × OBJ_SCALE) for every soft term."""
    deterministic_time: float = 0.0
    """CP-SAT's deterministic seconds spent: the same in every run, unlike the wall clock."""
    reproducible: bool = True
    """False when the wall clock, not proof or the deterministic limit, stopped the search."""


def _give_names(
    data: MonthData,
    x: dict[tuple[str, str, int], int],
    office: dict[tuple[str, str, int], int],
    central: dict[tuple[str, int], int],
) -> tuple[dict, dict, dict]:
    """A pooled plan (:meth:`MonthData.pooled`) back to names: each day, the pool's duties
    (visits by point, then offices, then central duties) go to the members at work that
    day, fewest duties so far first, then by id, so the pool's days are spread evenly
    and the same plan always gets the same names. Every member is interchangeable in
    the model, so the objective is unchanged."""
    named_x = {k: n for k, n in x.items() if k[0] not in data.pool}
    named_office = {k: n for k, n in office.items() if k[0] not in data.pool}
    named_central = {k: n for k, n in central.items() if k[0] not in data.pool}
    duties: dict[tuple[str, int], list] = defaultdict(list)
    for (s, p, d), n in sorted(x.items()):
        if s in data.pool:
            duties[(s, d)] += [(named_x, (p,))] * n
    for (s, o, d), n in sorted(office.items()):
        if s in data.pool:
            duties[(s, d)] += [(named_office, (o,))] * n
    for (s, d), n in sorted(central.items()):
        if s in data.pool:
            duties[(s, d)] += [(named_central, ())] * n
    for first, members in data.pool.items():
        load = dict.fromkeys(members, 0)
        for day in range(len(data.days)):
            free = sorted(
                (m for m in members if data.pool_available[m][day]), key=lambda m: (load[m], m)
            )
            for (target, place), member in zip(duties[(first, day)], free, strict=False):
                target[(member, *place, day)] = 1
                load[member] += 1
    return named_x, named_office, named_central


def solve_model(
    data: MonthData,
    config: SolverConfig | None = None,
    progress: Callable[[str], None] | None = None,
    fixed: Solved | None = None,
    hint: set[tuple[str, str, int]] | None = None,
    first_plan: bool = False,
) -> Solved:
    """Build the whole month's model and solve it; deterministic for a given seed and worker
    count (see :class:`SolverConfig`).

    With ``fixed``, every decision about regular staff (visits, working days, patterns) is
    held at its value there and only the substitute pool is free (the greedy baseline of
    bench/ is scored so). ``hint`` gives CP-SAT a starting plan: (staff, point, day) of
    outreach days, e.g. the plan being re-planned. ``first_plan`` starts the search from
    a complete plan built greedily (:func:`_hint_greedy_plan`), for models so large that
    the LP-based subsolvers find no first plan of their own in time.
    """
    config = config or SolverConfig()
    started = time.perf_counter()
    built = build_model(data)
    if fixed is not None:
        _fix_regular(data, built, fixed)
    if hint is not None:
        # Hint only what the earlier plan knew: a point it did not plan (an area that
        # joined) is left to the search, since a hint of "nobody goes" there contradicts
        # its rhythm and measured, kept CP-SAT from any plan in 15 s.
        known = {p for _, p, _ in hint} | set(data.previous.patterns)
        for key, var in built.vars.x.items():
            if key[1] in known:
                built.model.add_hint(var, int(key in hint))
        _hint_previous(data, built)
    elif fixed is None and first_plan:
        _hint_greedy_plan(data, built, config)
    build_time = time.perf_counter() - started
    callback = _Progress(progress, time.perf_counter())
    solver = cp_model.CpSolver()
    _parameters(solver, config)
    status = solver.solve(built.model, callback)
    spent = solver.response_proto.deterministic_time
    name = solver.status_name(status)
    # Only a search stopped by the wall clock (not by proof or the deterministic limit)
    # can differ between two runs with the same seed and workers.
    reproducible = status == cp_model.OPTIMAL or spent >= 0.99 * config.time_limit
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solved(
            name,
            float("nan"),
            float("nan"),
            solver.wall_time,
            build_time,
            None,
            set(),
            {},
            {},
            set(),
            set(),
            set(),
            set(),
            set(),
            {},
            [],
            spent,
            reproducible,
        )
    v = built.vars

    def on(var: cp_model.IntVar | int) -> int:
        return var if isinstance(var, int) else solver.value(var)

    x = {k: solver.value(var) for k, var in v.x.items()}
    sub_office = {k: solver.value(var) for k, var in v.sub_office.items()}
    sub_central = {k: solver.value(var) for k, var in v.sub_central.items()}
    if data.pool:
        x, sub_office, sub_central = _give_names(data, x, sub_office, sub_central)
    return Solved(
        status=name,
        objective=solver.objective_value,
        best_bound=solver.best_objective_bound,
        wall_time=solver.wall_time,
        build_time=build_time,
        first_solution=callback.first,
        x={k for k, value in x.items() if value},
        work={k: on(var) for k, var in v.work.items() if k[0] not in data.pool}
        | {(m, d): int(ok) for m, days in data.pool_available.items() for d, ok in enumerate(days)},
        patterns={p: key for (p, key), var in v.pattern.items() if solver.value(var)},
        staffed={k for k, var in v.staffed.items() if solver.value(var)},
        open={k for k, expr in v.open.items() if solver.value(expr)},
        sub_office={k for k, value in sub_office.items() if value},
        sub_central={k for k, value in sub_central.items() if value},
        late={k for k, var in v.late.items() if solver.value(var)},
        shortfalls={
            family: {k: solver.value(var) for k, var in values.items()}
            for family, values in built.shortfalls.items()
        },
        term_values=[
            (t.rule, solver.value(t.expr), t.coefficient * solver.value(t.expr))
            for t in built.terms
        ],
        deterministic_time=spent,
        reproducible=reproducible,
    )
