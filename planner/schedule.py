"""Monthly planning: solve production areas as linked sub-problems, then the substitutes.

Production areas share nothing but the substitute pool (local staff visit only
their own area's points; central staff only do central duties), so the month is
solved in two phases:

1. each production area, and central duties, on its own, with regular staff only; an
   area whose offices cannot run short splits further into groups of outreach points
   whose teams share nobody (see :meth:`planner.month.MonthData.components`);
2. the whole model with every regular decision fixed, where the substitute pool
   covers the visits, office and central cover the regular staff could not.

Each phase is optimal or stopped at its share of the time limit; the reported
bound carries every phase's gap, so the gap printed is honest for the whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from models.plan import (
    Penalty,
    Plan,
    PointPlan,
    Responsibility,
    ScheduleEntry,
    SolverStats,
    Unmet,
    Visit,
)
from planner.calendar import Pattern
from planner.model import OBJ_SCALE, RULE_WORDS, Solved, solve_model
from planner.month import (
    MIN_NAMED,
    MonthData,
    Previous,
    capacity_warnings,
    municipality_team,
    named_workers,
    prepare,
)

if TYPE_CHECKING:
    from models.instance import Instance

Progress = Callable[[str], None]
MIN_SHARE = 2.0
"""Deterministic seconds every sub-problem may use at least, whatever the time limit."""


class ScheduleError(RuntimeError):
    """The solver found no plan at all (a bug or an impossible hard rule), with the status."""


def plan_month(
    instance: Instance,
    month: str,
    *,
    time_limit: float = 30.0,
    workers: int = 8,
    seed: int = 0,
    previous: Previous | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Plan ``month`` (``YYYY-MM``); see the module docstring for the two phases."""
    say = progress or (lambda _: None)
    data = prepare(instance, month, previous)
    warnings = capacity_warnings(data)
    for warning in warnings:
        say(f"capacity: {warning}")
    scoped: list[tuple[str, MonthData]] = []
    for area_id in instance.active_area_ids():
        name = instance.area(area_id).name
        groups = data.components(area_id)
        if groups is None or len(groups) <= 1:
            scoped.append((name, data.scoped(area_id)))
        else:
            scoped += [(f"{name}: {' '.join(g)}", data.scoped(area_id, g)) for g in groups]
    scoped.append(("central duties", data.scoped(None)))
    sizes = [1 + len(d.staff) * max(1, len(d.patterns)) for _, d in scoped]
    phase_b_share = min(5.0, 0.1 * time_limit)
    # Largest first; each sub-problem may use its size's share of what is left, and what
    # a sub-problem proves early (in deterministic seconds, so runs stay reproducible)
    # passes on to the rest.
    order = sorted(range(len(scoped)), key=lambda i: (-sizes[i], scoped[i][0]))
    left, sizes_left = time_limit - phase_b_share, sum(sizes)
    parts: list[Solved] = []
    for i in order:
        name, part = scoped[i]
        share = max(left * sizes[i] / sizes_left, MIN_SHARE)
        say(f"solving {name} (up to {share:.1f} s)")
        solved = solve_model(part, time_limit=share, workers=workers, seed=seed, progress=progress)
        if solved.status not in ("OPTIMAL", "FEASIBLE"):
            raise ScheduleError(f"no plan found for {name}: solver status {solved.status}")
        say(f"  {solved.status.lower()} in {solved.build_time + solved.wall_time:.1f} s")
        parts.append(solved)
        left = max(left - min(solved.deterministic_time, share), 0.0)
        sizes_left -= sizes[i]
    regular = _merge(parts)
    say("solving the substitute pool")
    final = solve_model(
        data,
        time_limit=max(phase_b_share, 2.0),
        workers=workers,
        seed=seed,
        progress=progress,
        fixed=regular,
    )
    if final.status not in ("OPTIMAL", "FEASIBLE"):
        raise ScheduleError(f"no plan found for the substitute pool: status {final.status}")
    carried_gap = sum(p.objective - p.best_bound for p in parts)
    statuses = [p.status for p in parts] + [final.status]
    status = "OPTIMAL" if all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"
    bound = final.best_bound - carried_gap
    firsts = [p.first_solution for p in parts if p.first_solution is not None]
    stats = SolverStats(
        status=status,
        objective=final.objective / OBJ_SCALE,
        best_bound=bound / OBJ_SCALE,
        gap=abs(final.objective - bound) / max(1.0, abs(final.objective)),
        wall_time_s=sum(p.wall_time for p in parts) + final.wall_time,
        build_time_s=sum(p.build_time for p in parts) + final.build_time,
        first_solution_s=(sum(p.build_time for p in parts) + sum(firsts)) if firsts else None,
        seed=seed,
        workers=workers,
        time_limit_s=time_limit,
        deterministic=all(p.reproducible for p in parts) and final.reproducible,
    )
    return build_plan(data, final, stats, warnings)


def _merge(parts: list[Solved]) -> Solved:
    first = parts[0]
    merged = Solved(**{**first.__dict__})
    merged.x, merged.work, merged.patterns = set(), {}, {}
    for part in parts:
        merged.x |= part.x
        merged.work.update(part.work)
        merged.patterns.update(part.patterns)
    return merged


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
    return Plan(
        month=data.month,
        instance_name=instance.settings.name,
        working_days=tuple(data.days),
        visits=tuple(visits),
        schedule=tuple(schedule),
        responsible=responsible,
        points=tuple(points),
        unmet=tuple(explain_unmet(data, solved)),
        penalties=tuple(_penalties(data, solved)),
        capacity_warnings=tuple(warnings),
        stats=stats,
    )


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
            elif not solved.work.get((sid, day), 0):
                entry |= {"place_id": "", "activity": "off"}
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


def explain_unmet(data: MonthData, solved: Solved) -> list[Unmet]:
    """Each thing the plan could not do, with the rule and the resource that blocked it."""
    instance = data.instance
    staff = {s.staff_id: s for s in instance.staff}
    result: list[Unmet] = []
    subs = [s.staff_id for s in data.people("substitute")]
    for point_id, day in sorted(solved.open - solved.staffed, key=lambda k: (k[1], k[0])):
        muni = instance.point(point_id).municipality_id
        team = [s for s in data.teams.get(point_id, []) if "coach" in staff[s].skills]
        present = [s for s in team if data.available[s][day]]
        free_subs = [s for s in subs if data.available[s][day] and "coach" in staff[s].skills]
        if not present:
            why = (
                f"none of the {len(team)} own coaches on the team of {point_id} is at work that day"
            )
        else:
            why = (
                f"{len(present)} of the {len(team)} own coaches on the team of {point_id} were "
                "at work but needed for office cover or other visits"
            )
        why += (
            "; no substitute with coach skill was at work"
            if not free_subs
            else "; the substitutes with coach skill were all covering elsewhere"
        )
        result.append(
            Unmet(
                date=data.days[day],
                point_id=point_id,
                municipality_id=muni,
                rule="unmet_visit",
                amount=1,
                reason=why,
            )
        )
    for (point_id,), short in solved.shortfalls.get("demand", {}).items():
        if short <= 0:
            continue
        point = instance.point(point_id)
        days = [d for (p, d) in solved.open if p == point_id]
        capacity = len(days) * point.rooms
        need = data.demand[point_id]
        if 10 * capacity < need.tenths:
            why = (
                f"the rhythm chosen opens it {len(days)} day(s) with {point.rooms} room(s): "
                f"at most {capacity} staff-days against a demand of {need.staff_days:.1f}; "
                f"the room is free only on {' '.join(d.label for d in sorted(point.weekdays))}"
            )
        elif short < 10:
            planned = (need.tenths - short) / 10
            why = (
                f"{planned:g} staff-days planned for a demand of {need.staff_days:.1f}: "
                f"one more whole day for the last {short / 10:.1f} would cost more "
                "(driving, a substitute) than the shortfall"
            )
        else:
            why = (
                f"demand {need.staff_days:.1f} staff-days; the people on its team were "
                "absent or needed for office cover and other visits"
            )
        result.append(
            Unmet(
                date=None,
                point_id=point_id,
                municipality_id=point.municipality_id,
                rule="demand_shortfall",
                amount=short / 10,
                reason=why,
            )
        )
    for (muni, process), short in solved.shortfalls.get("process", {}).items():
        if short <= 0:
            continue
        team = [s for s in municipality_team(data, muni) if process in staff[s].skills]
        why = (
            f"{len(team)} people with the skill '{process}' are on the team of {muni}"
            + ("" if team else ", so nobody can bring it")
            + "; none could go on an open day"
        )
        result.append(
            Unmet(
                date=None,
                point_id="",
                municipality_id=muni,
                rule="process_shortfall",
                amount=short,
                reason=why,
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
                    )
                )
    for (office, day), short in solved.shortfalls.get("office", {}).items():
        if short > 0:
            minimum = instance.settings.cover.office_min_per_day.get(office, 0)
            result.append(
                Unmet(
                    date=data.days[day],
                    point_id=office,
                    municipality_id=instance.point(office).municipality_id,
                    rule="office_cover_shortfall",
                    amount=short,
                    reason=f"{minimum - short} of the minimum {minimum} could be at the office: "
                    "the rest are absent, off or on visits, and no substitute was free",
                )
            )
    for (day,), short in solved.shortfalls.get("central", {}).items():
        if short > 0:
            minimum = instance.settings.cover.central_min_per_day
            result.append(
                Unmet(
                    date=data.days[day],
                    point_id="central",
                    municipality_id="",
                    rule="central_cover_shortfall",
                    amount=short,
                    reason=f"{minimum - short} of the minimum {minimum} on central duties: the "
                    "rest of the central staff are absent or off, and no substitute was free",
                )
            )
    return result
