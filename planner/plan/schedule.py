"""Monthly planning: the whole month as one CP-SAT model, and the plan people read.

Regular staff and the substitute pool are decided together in one model (see
:mod:`planner.plan.model`), so the status, objective and bound reported are statements
about exactly that model: OPTIMAL means no plan of the month scores better under
the stated weights. (An earlier design solved production areas one by one and
added substitutes on top; its bound held only for the last phase, and a single
model was 3–6 % better every month.)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from models.plan import (
    InterviewWait,
    Penalty,
    PinRow,
    Plan,
    PointPlan,
    Responsibility,
    ScheduleEntry,
    SolvePass,
    SolverStats,
    StaffRole,
    Unmet,
    Visit,
)
from planner.plan.deadlines import waits
from planner.plan.model import (
    OBJ_SCALE,
    PART_SUBSOLVERS,
    RULE_WORDS,
    WHOLE_MODEL_PEOPLE,
    Solved,
    SolverConfig,
    solve_model,
)
from planner.plan.month import (
    MIN_NAMED,
    MonthData,
    Previous,
    capacity_warnings,
    municipality_team,
    named_workers,
    prepare,
)
from planner.plan.pins import Pin, check_pins
from planner.plan.workdays import Pattern

if TYPE_CHECKING:
    import datetime as dt

    from models.instance import Instance

Progress = Callable[[str], None]


class ScheduleError(RuntimeError):
    """The solver found no plan at all (a bug or an impossible hard rule), with the status."""


def plan_month(
    instance: Instance,
    month: str,
    *,
    config: SolverConfig | None = None,
    previous: Previous | None = None,
    progress: Progress | None = None,
    pins: list[Pin] | None = None,
    pins_source: str = "pins",
) -> Plan:
    """Plan ``month`` (``YYYY-MM``); see the module docstring.

    ``previous`` is last month's plan (a trusted context for the deadlines across the
    month boundary, and rhythms the month prefers to keep) or this month's own plan
    (re-planning: it is also the solver's starting point, and every change costs).
    ``pins`` are hard rules the planner fixed (:mod:`planner.plan.pins`); pins the month
    cannot keep raise :class:`planner.plan.pins.PinError` before any solving.
    """
    config = config or SolverConfig()
    say = progress or (lambda _: None)
    data = prepare(instance, month, previous)
    if pins:
        check_pins(pins, data, pins_source)
        data.pins = list(pins)
    warnings = capacity_warnings(data)
    for warning in warnings:
        say(f"capacity: {warning}")
    hint = None
    if previous is not None and previous.month == month:
        index = {d: i for i, d in enumerate(data.days)}
        hint = {(s, p, index[d]) for s, p, d in previous.visits if d in index}
    method = config.method
    if method == "auto":
        method = "whole" if len(data.staff) <= WHOLE_MODEL_PEOPLE else "split"
    if method == "split":
        solved, passes, bound = _split(data, config, say, progress)
    else:
        say(
            f"solving the whole month ({len(data.staff)} people, {len(data.patterns)} outreach "
            f"points, {len(data.days)} working days; up to {config.time_limit:g} s)"
        )
        solved = solve_model(data, config, progress=progress, hint=hint)
        if solved.status not in ("OPTIMAL", "FEASIBLE"):
            raise ScheduleError(f"no plan found for {month}: solver status {solved.status}")
        say(f"  {solved.status.lower()} in {solved.build_time + solved.wall_time:.1f} s")
        passes = [_pass("whole month", solved)]
        bound = solved.best_bound
    status = solved.status
    if method == "split":
        status = "OPTIMAL" if solved.objective <= bound + 1e-9 else "FEASIBLE"
    stats = SolverStats(
        status=status,
        objective=solved.objective / OBJ_SCALE,
        best_bound=bound / OBJ_SCALE,
        gap=abs(solved.objective - bound) / max(1.0, abs(solved.objective)),
        wall_time_s=sum(p.solve_s for p in passes),
        build_time_s=sum(p.build_s for p in passes),
        first_solution_s=_first_plan_s(method, solved, passes),
        seed=config.seed,
        workers=config.workers,
        time_limit_s=config.time_limit,
        deterministic=solved.reproducible,
        passes=tuple(passes),
        method=method,
    )
    return build_plan(data, solved, stats, warnings)


def _first_plan_s(method: str, solved: Solved, passes: list[SolvePass]) -> float | None:
    """When the first complete plan existed: in a split solve, after the first round of
    parts and the first placing of the substitutes, every pass before it counted."""
    if method != "split":
        return solved.build_time + solved.first_solution if solved.first_solution else None
    elapsed = 0.0
    for one in passes:
        elapsed += one.build_s + one.solve_s
        if one.name.startswith("substitutes placed"):
            return elapsed
    return None


def _pass(name: str, solved: Solved) -> SolvePass:
    return SolvePass(
        name=name,
        status=solved.status,
        objective=solved.objective / OBJ_SCALE,
        best_bound=solved.best_bound / OBJ_SCALE,
        build_s=solved.build_time,
        solve_s=solved.wall_time,
        deterministic_s=solved.deterministic_time,
    )


REPAIR_SHARE = 0.1
"""Share of the time limit each placing of the substitutes may take in a split solve."""

ROUNDS_SHARE = 0.8
"""No new round of prices starts once this share of the time limit (deterministic
seconds) is spent: the rest is for building the models and placing the substitutes,
so the whole split solve, building included, stays near the limit on the wall clock."""

STEP = 1.0
"""The first subgradient step, as a share of Polyak's ((plan − bound) / |excess|²);
halved after every round that does not lift the bound (Held and Karp's rule)."""

SMALLEST_STEP = 0.05
"""Rounds stop when the step has been halved below this."""

SOLVE_OVERHEAD = 0.3
"""Seconds counted for each model built, loaded and read back, on top of the solver's
deterministic time: a small part takes about 0.5 s of wall clock for 0.2 deterministic
seconds (10× Kuopio, this machine kind). Counting it keeps the rounds within the time
limit on the wall clock while every decision still depends only on deterministic
figures, so the same seed gives the same plan."""


def _merge_regular(solutions: list[tuple[MonthData, Solved]]) -> Solved:
    """Every regular decision of the parts' plans, for the substitutes to be placed around."""
    merged = Solved(**{**solutions[0][1].__dict__})
    merged.x, merged.work, merged.patterns = set(), {}, {}
    for part, solved in solutions:
        regular = {s.staff_id for s in part.staff if part.role[s.staff_id] != "substitute"}
        merged.x |= {k for k in solved.x if k[0] in regular}
        merged.work.update({k: v for k, v in solved.work.items() if k[0] in regular})
        merged.patterns.update(solved.patterns)
    return merged


def _pool_use(pooled: MonthData, solved: Solved) -> dict[tuple[str, int], int]:
    """(pool or substitute, day) -> how many of its people a part's plan uses that day."""
    pool_of = {m: first for first, members in pooled.pool.items() for m in members}
    use: dict[tuple[str, int], int] = defaultdict(int)
    subs = {s.staff_id for s in pooled.instance.staff if pooled.role[s.staff_id] == "substitute"}
    for sid, _, day in solved.x:
        if sid in subs:
            use[(pool_of.get(sid, sid), day)] += 1
    for sid, _, day in solved.sub_office:
        use[(pool_of.get(sid, sid), day)] += 1
    for sid, day in solved.sub_central:
        use[(pool_of.get(sid, sid), day)] += 1
    return use


class _RoundUnfinished(Exception):
    """A part of a later pricing round ended without a plan."""

    def __init__(self, part: str, result: Solved) -> None:
        super().__init__(part)
        self.part = part
        self.result = result


def _split(
    data: MonthData, config: SolverConfig, say: Progress, progress: Progress | None
) -> tuple[Solved, list[SolvePass], float]:
    """A large month, by Lagrangian relaxation of the substitute pool.

    Each production area, and central duties, is solved with the *whole* substitute pool
    (pooled: :meth:`MonthData.pooled`). Every plan of the month, cut into these parts, is
    a plan of each part, so the parts' bounds add up to a lower bound of the month, but
    one substitute may then be promised to several areas on the same day. The pool's
    capacity (each pool-day: at most its members at work) is moved into the objective:
    for any prices λ ≥ 0 per pool-day, the parts solved with those prices, their bounds
    summed, minus Σ λ × the pool's size, is again a lower bound of the whole month
    (Lagrangian duality). The prices follow a projected subgradient (up where a pool-day
    is asked for more than it has, down where less and priced), with Polyak's step; the
    best bound of all rounds is reported. After each round the whole model with every
    regular decision fixed places the substitutes without double bookings, and the best
    such plan is kept. Returns the final plan, every pass, and the bound."""
    pooled = data.pooled()
    capacity = {
        (sid, day): (pooled.pool_count[sid][day] if sid in pooled.pool else int(ok))
        for sid in (s.staff_id for s in pooled.people("substitute"))
        for day, ok in enumerate(pooled.available[sid])
    }
    small = replace(config, workers=min(config.workers, 2), subsolvers=PART_SUBSOLVERS)
    parts = pooled.relaxed_parts()
    passes: list[SolvePass] = []
    spent = 0.0
    budget = config.time_limit * ROUNDS_SHARE

    def solve_round(prices: dict[tuple[str, int], int], label: str) -> list[Solved]:
        nonlocal spent
        solved = []
        for i, (name, part) in enumerate(parts):
            # Parts stop on proof: each may take twice its even share of what is left.
            limit = max(1.0, 2 * (budget - spent) / (len(parts) - i))
            say(f"solving {name}{label} (up to {limit:.1f} s)")
            result = solve_model(
                replace(part, pool_price=prices),
                replace(small, time_limit=limit),
                progress=progress,
            )
            if result.status not in ("OPTIMAL", "FEASIBLE"):
                if prices:
                    # A later round found nothing in its share of time (a short limit,
                    # a busy machine): the plans of the earlier rounds stand.
                    passes.append(_pass(f"{name}{label}: no plan ({result.status})", result))
                    raise _RoundUnfinished(name, result)
                raise ScheduleError(f"no plan found for {name}: solver status {result.status}")
            passes.append(_pass(f"{name}{label}", result))
            spent += result.deterministic_time + SOLVE_OVERHEAD
            solved.append(result)
        return solved

    def place(solved: list[Solved], label: str) -> Solved:
        nonlocal spent
        say(f"placing the substitutes{label} (every regular decision fixed)")
        repair = replace(small, time_limit=max(2.0, config.time_limit * REPAIR_SHARE))
        merged = _merge_regular(list(zip((p for _, p in parts), solved, strict=True)))
        final = solve_model(pooled, repair, progress=progress, fixed=merged)
        if final.status not in ("OPTIMAL", "FEASIBLE"):
            raise ScheduleError(f"no plan found placing the substitutes: status {final.status}")
        passes.append(_pass(f"substitutes placed{label}, regular staff fixed", final))
        spent += final.deterministic_time + SOLVE_OVERHEAD
        return final

    prices: dict[tuple[str, int], int] = {}
    solved = solve_round(prices, " with the whole pool")
    best_bound = sum(s.best_bound for s in solved)
    best = place(solved, "")
    reproducible = all(s.reproducible for s in solved)
    step, round_no = STEP, 0
    while spent < budget and best.objective > best_bound and step >= SMALLEST_STEP:
        use = [_pool_use(pooled, s) for s in solved]
        excess = {key: sum(u.get(key, 0) for u in use) - cap for key, cap in capacity.items()}
        moving = {g: e for g, e in excess.items() if e > 0 or (e < 0 and prices.get(g, 0) > 0)}
        if not any(e > 0 for e in moving.values()):
            break  # no pool-day is promised twice: the parts' plans fit together
        round_no += 1
        t = step * (best.objective - best_bound) / sum(e * e for e in moving.values())
        prices = {
            key: value
            for key in sorted(set(prices) | set(moving))
            if (value := max(0, prices.get(key, 0) + round(t * moving.get(key, 0)))) > 0
        }
        try:
            solved = solve_round(prices, f", prices round {round_no}")
        except _RoundUnfinished as stop:
            reproducible = reproducible and stop.result.reproducible
            say(
                f"  round {round_no}: {stop.part} found no plan in its share of the time "
                f"({stop.result.status}); the best plan of the earlier rounds is kept"
            )
            break
        reproducible = reproducible and all(s.reproducible for s in solved)
        bound = sum(s.best_bound for s in solved) - sum(
            price * capacity[key] for key, price in prices.items()
        )
        over = sum(1 for e in excess.values() if e > 0)
        say(f"  round {round_no}: {over} pool-days over-asked, bound {bound / OBJ_SCALE:,.1f}")
        if bound > best_bound:
            best_bound = bound
        else:
            step /= 2
        final = place(solved, f" (round {round_no})")
        if final.objective < best.objective:
            best = final
    best.reproducible = best.reproducible and reproducible
    return best, passes, min(best_bound, best.objective)


# ----------------------------------------------------------------------------- plan


def build_plan(data: MonthData, solved: Solved, stats: SolverStats, warnings: list[str]) -> Plan:
    """Turn solver values into the plan people read, with every shortfall explained."""
    instance = data.instance
    order = list(instance.settings.processes)
    skills = {s.staff_id: s.skills for s in instance.staff}
    at_visit: dict[tuple[str, int], list[str]] = defaultdict(list)
    for sid, point, day in sorted(solved.x):
        at_visit[(point, day)].append(sid)
    visits = []
    for point_id, day in sorted(solved.staffed, key=lambda k: (k[1], k[0])):
        point = instance.point(point_id)
        people = at_visit[(point_id, day)]
        covered = {q for s in people for q in skills[s]}
        visits.append(
            Visit(
                date=data.days[day],
                point_id=point_id,
                municipality_id=point.municipality_id,
                start=point.open,
                end=point.close,
                staff_ids=tuple(people),
                processes=tuple(
                    q for q in order if q in covered and q in data.needed[point.municipality_id]
                ),
            )
        )
    schedule = _schedule(data, solved)
    responsible = tuple(
        Responsibility(municipality_id=m, process=q, staff_id=s, point_id=p)
        for m, q, s, p in sorted(
            named_workers(data), key=lambda k: (k[0], order.index(k[1]), k[2], k[3])
        )
    )
    points = []
    for point_id, need in data.demand.items():
        key = solved.patterns[point_id]
        planned = sum(1 for (_, p, _) in solved.x if p == point_id)
        points.append(
            PointPlan(
                point_id=point_id,
                municipality_id=need.municipality_id,
                pattern=key,
                pattern_words=Pattern.from_key(key).describe(),
                demand_staff_days=round(need.staff_days, 2),
                planned_staff_days=planned,
                visit_days=sum(1 for (p, _) in solved.staffed if p == point_id),
            )
        )
    rules = instance.settings.rule_sets[data.rule_key]
    return Plan(
        month=data.month,
        instance_name=instance.settings.name,
        working_days=tuple(data.days),
        visits=tuple(visits),
        schedule=tuple(schedule),
        responsible=responsible,
        points=tuple(points),
        unmet=tuple(explain_unmet(data, solved, schedule)),
        penalties=tuple(_penalties(data, solved)),
        capacity_warnings=tuple(warnings),
        stats=stats,
        rule_set=data.rule_key,
        rule_set_description=rules.description,
        teams=data.teams_source,
        interview_deadline=data.interview_days,
        waits=tuple(interview_waits(data, solved)),
        pins=tuple(
            PinRow(
                rule=p.rule,
                staff_id=p.staff_id,
                point_id=p.point_id,
                date=p.date,
                pattern=p.pattern,
            )
            for p in data.pins
        ),
        roles=tuple(
            StaffRole(
                staff_id=s.staff_id, role=data.role[s.staff_id], area_id=data.area[s.staff_id]
            )  # type: ignore[arg-type]
            for s in instance.staff
        ),
        context=(
            f"visits of {data.previous.month} from {data.previous.source}"
            if data.context_days
            else ""
        ),
    )


def held_days(data: MonthData, solved: Solved) -> dict[str, set[dt.date]]:
    """Days a visit is held (or, next month, falls in the rhythm chosen) per municipality
    served only by outreach, on the whole timeline the deadlines look at."""
    with_office = data.office_municipalities()
    result: dict[str, set[dt.date]] = defaultdict(set)
    for point_id in data.patterns:
        muni = data.instance.point(point_id).municipality_id
        if muni in with_office:
            continue
        result[muni] |= {d for p, d in data.context_held if p == point_id}
        result[muni] |= {data.days[day] for p, day in solved.staffed if p == point_id}
        key = solved.patterns[point_id]
        result[muni] |= {
            data.lookahead_days[k] for k in data.lookahead_open.get((point_id, key), [])
        }
    return result


def interview_waits(data: MonthData, solved: Solved) -> list[InterviewWait]:
    """Worst and mean wait for an on-site initial interview, per municipality."""
    timeline = data.context_days + data.days + data.lookahead_days
    registrations = data.context_days + data.days
    rows = []
    for muni, held in sorted(held_days(data, solved).items()):
        found = waits(timeline, held, registrations)
        known = [w for w in found.values() if w is not None]
        late = sum(1 for w in found.values() if w is None or w > data.interview_days)
        rows.append(
            InterviewWait(
                municipality_id=muni,
                registration_days=len(known),
                late_days=late,
                worst_wait=max(known + ([data.interview_days + 1] if late > 0 else []), default=0),
                mean_wait=round(sum(known) / len(known), 2) if known else 0.0,
                deadline=data.interview_days,
                unknown_days=len(found) - len(known),
            )
        )
    return rows


def _schedule(data: MonthData, solved: Solved) -> list[ScheduleEntry]:
    place: dict[tuple[str, int], str] = {(s, d): p for s, p, d in solved.x}
    sub_office = {(s, d): o for s, o, d in solved.sub_office}
    rows = []
    for person in data.instance.staff:
        sid = person.staff_id
        role = data.role[sid]
        for day, date in enumerate(data.days):
            entry: dict = {"date": date, "staff_id": sid}
            if not data.available[sid][day]:
                entry |= {"place_id": "", "activity": "absent"}
            elif (sid, day) in place:
                entry |= {
                    "place_id": place[(sid, day)],
                    "activity": "outreach",
                    "substitute_cover": role == "substitute",
                }
            elif not solved.work.get((sid, day), 0):
                entry |= {"place_id": "", "activity": "off"}
            elif role == "substitute":
                if (sid, day) in sub_office:
                    entry |= {
                        "place_id": sub_office[(sid, day)],
                        "activity": "office",
                        "substitute_cover": True,
                    }
                else:
                    entry |= {
                        "place_id": "central",
                        "activity": "central",
                        "substitute_cover": (sid, day) in solved.sub_central,
                    }
            elif role == "central":
                entry |= {"place_id": "central", "activity": "central"}
            else:
                entry |= {"place_id": person.home_point_id, "activity": "office"}
            rows.append(ScheduleEntry(**entry))
    return rows


def _penalties(data: MonthData, solved: Solved) -> list[Penalty]:
    weights = data.instance.settings.penalties
    amount: dict[str, float] = defaultdict(float)
    cost: dict[str, float] = defaultdict(float)
    for rule, value, points in solved.term_values:
        amount[rule] += value
        cost[rule] += points
    return [
        Penalty(
            rule=rule,
            description=RULE_WORDS[rule],
            weight=getattr(weights, rule),
            amount=amount[rule],
            cost=round(cost[rule] / OBJ_SCALE),
        )
        for rule in RULE_WORDS
        if rule in amount
    ]


def measured_shortfalls(data: MonthData, solved: Solved) -> dict[str, dict[tuple, int]]:
    """Every shortfall measured on the plan itself (not read from the solver's slack
    variables, which a zero weight leaves free): what the plan declares is what it shows.
    Demand in tenths of a staff-day; the rest in staff- or person-days."""
    instance = data.instance
    settings = instance.settings
    skills = {s.staff_id: s.skills for s in instance.staff}
    result: dict[str, dict[tuple, int]] = {"demand": {}, "process": {}, "office": {}}
    result["central"] = {}
    planned: dict[str, int] = defaultdict(int)
    for _, point, _ in solved.x:
        planned[point] += 1
    for point_id, need in data.demand.items():
        if point_id in data.patterns:
            result["demand"][(point_id,)] = max(0, max(1, need.tenths) - 10 * planned[point_id])
    with_office = data.office_municipalities()
    for muni, processes in data.needed.items():
        points = {p for p in data.patterns if instance.point(p).municipality_id == muni}
        if not points or muni in with_office:
            continue
        for process in processes:
            rule = settings.process_demand.get(process)
            if rule is None:
                continue
            supply = sum(1 for s, p, _ in solved.x if p in points and process in skills[s])
            result["process"][(muni, process)] = max(0, rule.visits_per_month - supply)
    out = {(s, d) for s, _, d in solved.x}
    for office in data.offices():
        minimum = settings.cover.office_min_per_day.get(office, 0)
        if minimum <= 0:
            continue
        based = [s.staff_id for s in data.people("local") if s.home_point_id == office]
        for day in range(len(data.days)):
            present = sum(1 for s in based if solved.work.get((s, day), 0) and (s, day) not in out)
            present += sum(1 for _, o, d in solved.sub_office if o == office and d == day)
            result["office"][(office, day)] = max(0, minimum - present)
    minimum = settings.cover.central_min_per_day
    if minimum > 0:
        central = [s.staff_id for s in data.people("central")]
        for day in range(len(data.days)):
            present = sum(1 for s in central if solved.work.get((s, day), 0))
            present += sum(1 for _, d in solved.sub_central if d == day)
            result["central"][(day,)] = max(0, minimum - present)
    return result


class _Release:
    """Who could have been released on a day of the plan: people at an office above its
    minimum cover (or substitutes on central duties above the central minimum), not
    frozen by a re-plan that day. The checker verifies a plan's causes by the same
    stated rule (:data:`models.plan.UNMET_CAUSES`); a shortfall with someone releasable
    is only possible in a plan the solver did not prove optimal, and says so."""

    def __init__(self, data: MonthData, schedule: list[ScheduleEntry]) -> None:
        self.minimum = data.instance.settings.cover.office_min_per_day
        self.central_min = data.instance.settings.cover.central_min_per_day
        self.frozen = {(p.staff_id, p.date) for p in data.pins if p.rule.startswith("frozen:")}
        self.kept_away = {
            (p.staff_id, p.point_id, p.date) for p in data.pins if p.rule == "does_not_go"
        }
        self.by_day: dict[dt.date, list[ScheduleEntry]] = defaultdict(list)
        for entry in schedule:
            self.by_day[entry.date].append(entry)

    def free(self, date: dt.date, point_id: str = "", central: bool = False) -> set[str]:
        entries = self.by_day.get(date, [])
        offices = Counter(e.place_id for e in entries if e.activity == "office")
        covering = sum(1 for e in entries if e.activity == "central")
        free = set()
        for e in entries:
            if (e.staff_id, date) in self.frozen or (e.staff_id, point_id, date) in self.kept_away:
                continue
            if e.activity == "office" and offices[e.place_id] > self.minimum.get(e.place_id, 0):
                free.add(e.staff_id)
            central_spare = covering > self.central_min
            if central and central_spare and e.substitute_cover and e.activity == "central":
                free.add(e.staff_id)
        return free


def _names(data: MonthData, people: set[str] | list[str]) -> str:
    names = {s.staff_id: s.name for s in data.instance.staff}
    return ", ".join(sorted(names.get(s, s) for s in people))


def _why_unmet(
    data: MonthData, point_id: str, day: int, subs: list[str], release: _Release
) -> tuple[str, str]:
    """(cause, words) of an open day nobody went to: the point's own coaches, then the
    substitutes with coach skill."""
    staff = {s.staff_id: s for s in data.instance.staff}
    team = [s for s in data.teams.get(point_id, []) if "coach" in staff[s].skills]
    coaches = team + [s for s in subs if "coach" in staff[s].skills]
    releasable = release.free(data.days[day], point_id) & set(coaches)
    if releasable:
        return "search_stopped", (
            f"{_names(data, releasable)} could have gone (at an office above its minimum "
            "cover); the solver stopped before it found the plan that sends them"
        )
    present = [s for s in team if data.available[s][day]]
    free_subs = [s for s in subs if data.available[s][day] and "coach" in staff[s].skills]
    if not present:
        why = f"none of the {len(team)} own coaches on the team of {point_id} is at work that day"
    else:
        why = (
            f"{len(present)} of the {len(team)} own coaches on the team of {point_id} were "
            "at work but needed for office cover or other visits"
        )
    return "nobody_free", why + (
        "; no substitute with coach skill was at work"
        if not free_subs
        else "; the substitutes with coach skill were all covering elsewhere"
    )


def _day_list(days: list[dt.date]) -> str:
    shown = ", ".join(f"{d:%d.%m.}" for d in days[:6])
    return shown + (f" and {len(days) - 6} more" if len(days) > 6 else "")


def explain_unmet(data: MonthData, solved: Solved, schedule: list[ScheduleEntry]) -> list[Unmet]:
    """Each thing the plan could not do, with the rule, the resource that blocked it and
    its cause from the fixed vocabulary the checker verifies (:data:`UNMET_CAUSES`)."""
    instance = data.instance
    staff = {s.staff_id: s for s in instance.staff}
    result: list[Unmet] = []
    subs = [s.staff_id for s in data.people("substitute")]
    release = _Release(data, schedule)
    closed = {(p.point_id, p.date) for p in data.pins if p.rule == "closed"}
    for point_id, day in sorted(solved.open - solved.staffed, key=lambda k: (k[1], k[0])):
        muni = instance.point(point_id).municipality_id
        if (point_id, data.days[day]) in closed:
            cause, why = "pinned_closed", "pinned closed by the planner (pins.csv)"
        else:
            cause, why = _why_unmet(data, point_id, day, subs, release)
        result.append(
            Unmet(
                date=data.days[day],
                point_id=point_id,
                municipality_id=muni,
                rule="unmet_visit",
                amount=1,
                reason=why,
                cause=cause,
            )
        )
    for point_id, why in sorted(data.floor_broken.items()):
        result.append(
            Unmet(
                date=None,
                point_id=point_id,
                municipality_id=instance.point(point_id).municipality_id,
                rule="equity_floor",
                amount=1,
                reason=why,
                cause="no_weekday_room",
            )
        )
    late_by_muni: dict[str, list[dt.date]] = defaultdict(list)
    for muni, day in sorted(solved.late):
        late_by_muni[muni].append(day)
    held = held_days(data, solved)
    timeline = data.context_days + data.days + data.lookahead_days
    for muni, days in late_by_muni.items():
        found = waits(timeline, held[muni], days)
        worst = max((w for w in found.values() if w is not None), default=None)
        points = [p for p in data.patterns if instance.point(p).municipality_id == muni]
        rooms = sorted({d for p in points for d in instance.point(p).weekdays})
        words = "; ".join(f"{p}: {Pattern.from_key(solved.patterns[p]).describe()}" for p in points)
        result.append(
            Unmet(
                date=None,
                point_id="",
                municipality_id=muni,
                rule="initial_interview_late",
                amount=len(days),
                reason=(
                    f"{len(days)} registration day(s) ({_day_list(days)}) have no on-site visit "
                    f"within {data.interview_days} working days (rule set {data.rule_key})"
                    + (f"; the longest wait is {worst} working days" if worst else "")
                    + f"; rhythm {words}; room free on "
                    + " ".join(d.label for d in rooms)
                ),
                cause="too_few_visits",
            )
        )
    shortfalls = measured_shortfalls(data, solved)
    held: Counter[tuple[str, dt.date]] = Counter(
        (point, data.days[day]) for _, point, day in solved.x
    )
    for (point_id,), short in shortfalls["demand"].items():
        if short <= 0:
            continue
        point = instance.point(point_id)
        days = [d for (p, d) in solved.open if p == point_id]
        capacity = len(days) * point.rooms
        need = data.demand[point_id]
        team = set(data.teams.get(point_id, [])) | set(subs)
        coaches = {s for s in team if "coach" in staff[s].skills}
        releasable = {
            s
            for d in days
            if held.get((point_id, data.days[d]), 0) < point.rooms
            for s in release.free(data.days[d], point_id)
            & (team if held.get((point_id, data.days[d]), 0) else coaches)
        }
        if 10 * capacity < need.tenths:
            cause, why = (
                "room_capacity",
                (
                    f"the rhythm chosen opens it {len(days)} day(s) with {point.rooms} room(s): "
                    f"at most {capacity} staff-days against a demand of {need.staff_days:.1f}; "
                    f"the room is free only on {' '.join(d.label for d in sorted(point.weekdays))}"
                ),
            )
        elif short < 10:
            planned = (need.tenths - short) / 10
            cause, why = (
                "part_day",
                (
                    f"{planned:g} staff-days planned for a demand of {need.staff_days:.1f}: "
                    f"one more whole day for the last {short / 10:.1f} would cost more "
                    "(driving, a substitute) than the shortfall"
                ),
            )
        elif releasable:
            cause, why = (
                "search_stopped",
                (
                    f"demand {need.staff_days:.1f} staff-days; {_names(data, releasable)} could "
                    "have gone on an open day with a free room; the solver stopped before it "
                    "found that plan"
                ),
            )
        else:
            cause, why = (
                "nobody_free",
                (
                    f"demand {need.staff_days:.1f} staff-days; the people on its team were "
                    "absent or needed for office cover and other visits"
                ),
            )
        result.append(
            Unmet(
                date=None,
                point_id=point_id,
                municipality_id=point.municipality_id,
                rule="demand_shortfall",
                amount=short / 10,
                reason=why,
                cause=cause,
            )
        )
    for (muni, process), short in shortfalls["process"].items():
        if short <= 0:
            continue
        team = [s for s in municipality_team(data, muni) if process in staff[s].skills]
        able = set(team) | {s for s in subs if process in staff[s].skills}
        releasable = {
            s
            for (point_id, date), people in held.items()
            if instance.point(point_id).municipality_id == muni
            and people < instance.point(point_id).rooms
            for s in release.free(date, point_id) & able
        }
        if releasable:
            cause, why = (
                "search_stopped",
                (
                    f"{_names(data, releasable)}, with the skill '{process}', could have gone on "
                    "a visit day with a free room; the solver stopped before it found that plan"
                ),
            )
        else:
            cause, why = (
                "nobody_free",
                (
                    f"{len(team)} people with the skill '{process}' are on the team of {muni}"
                    + ("" if team else ", so nobody can bring it")
                    + "; none could go on an open day"
                ),
            )
        result.append(
            Unmet(
                date=None,
                point_id="",
                municipality_id=muni,
                rule="process_shortfall",
                amount=short,
                reason=why,
                cause=cause,
            )
        )
    for muni, processes in data.needed.items():
        for process in processes:
            named = sum(process in staff[s].skills for s in municipality_team(data, muni))
            if named < MIN_NAMED:
                result.append(
                    Unmet(
                        date=None,
                        point_id="",
                        municipality_id=muni,
                        rule="responsible_shortfall",
                        amount=MIN_NAMED - named,
                        reason=f"only {named} person(s) of the area with the skill '{process}' "
                        f"work this month, so {MIN_NAMED} cannot be named",
                        cause="too_few_with_skill",
                    )
                )
    for (office, day), short in shortfalls["office"].items():
        if short > 0:
            minimum = instance.settings.cover.office_min_per_day.get(office, 0)
            others = (release.free(data.days[day], central=True) & set(subs)) - {
                e.staff_id for e in release.by_day.get(data.days[day], []) if e.place_id == office
            }
            cause, why = (
                (
                    "search_stopped",
                    f"{_names(data, others)} could have come from another office or central "
                    "duties; the solver stopped before it found that plan",
                )
                if others
                else (
                    "nobody_free",
                    f"{minimum - short} of the minimum {minimum} could be at the office: "
                    "the rest are absent, off or on visits, and no substitute was free",
                )
            )
            result.append(
                Unmet(
                    date=data.days[day],
                    point_id=office,
                    municipality_id=instance.point(office).municipality_id,
                    rule="office_cover_shortfall",
                    amount=short,
                    reason=why,
                    cause=cause,
                )
            )
    for (day,), short in shortfalls["central"].items():
        if short > 0:
            minimum = instance.settings.cover.central_min_per_day
            others = release.free(data.days[day]) & set(subs)
            cause, why = (
                (
                    "search_stopped",
                    f"{_names(data, others)} could have come from an office; the solver "
                    "stopped before it found that plan",
                )
                if others
                else (
                    "nobody_free",
                    f"{minimum - short} of the minimum {minimum} on central duties: the "
                    "rest of the central staff are absent or off, and no substitute was free",
                )
            )
            result.append(
                Unmet(
                    date=data.days[day],
                    point_id="central",
                    municipality_id="",
                    rule="central_cover_shortfall",
                    amount=short,
                    reason=why,
                    cause=cause,
                )
            )
    return result
