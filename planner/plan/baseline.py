"""A greedy baseline: what a planner does by hand, to measure the solver against.

A fixed rota (each point on its first free weekday, at the lowest frequency whose
visits and rooms cover demand, never below the equity floor) and the nearest
free team member for each visit (a coach first), keeping office cover. The
result is scored by the same objective as the solver's plan, with the
substitute pool then placed optimally for both, so the comparison is fair.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from planner.plan.model import Solved
from planner.plan.workdays import FLOOR_ORDER, Pattern

if TYPE_CHECKING:
    from planner.plan.month import MonthData

ROTA = ["monthly", "biweekly", "weekly", "twice_weekly", "daily"]


def _rota(data: MonthData, point_id: str) -> Pattern:
    candidates = data.patterns[point_id]
    point = data.instance.point(point_id)
    need = data.demand[point_id].staff_days
    floor = min(FLOOR_ORDER.index(p.frequency) for p in candidates)
    for frequency in ROTA:
        options = [
            p
            for p in candidates
            if p.frequency == frequency and FLOOR_ORDER.index(frequency) >= floor
        ]
        if not options:
            continue
        first = options[0]  # earliest weekday, even parity first: a fixed rota
        if first.nominal_visits() * point.rooms >= need or frequency == ROTA[-1]:
            return first
    return candidates[-1]


def greedy_month(data: MonthData) -> Solved:
    """Regular staff decisions made greedily; substitutes are left to the scorer."""
    staff = {s.staff_id: s for s in data.staff}
    work: dict[tuple[str, int], int] = {}
    for sid in staff:
        left = data.work_days[sid]
        for day, ok in enumerate(data.available[sid]):
            on = int(ok and left > 0)
            left -= on
            work[(sid, day)] = on
    patterns = {p: _rota(data, p).key for p in data.patterns}
    out_today: set[tuple[str, int]] = set()
    load: Counter[str] = Counter()
    x: set[tuple[str, str, int]] = set()
    cover = data.instance.settings.cover.office_min_per_day
    at_office = Counter()
    for sid, person in staff.items():
        if data.role[sid] == "local":
            for day in range(len(data.days)):
                at_office[(person.home_point_id, day)] += work[(sid, day)]
    visits = sorted((day, p) for p, key in patterns.items() for day in data.open_days[(p, key)])
    remaining = {p: data.demand[p].staff_days for p in data.patterns}
    days_left = Counter(p for _, p in visits)
    for day, point_id in visits:
        point = data.instance.point(point_id)
        want = min(point.rooms, max(1, math.ceil(remaining[point_id] / days_left[point_id])))
        days_left[point_id] -= 1
        team = [
            s
            for s in data.teams.get(point_id, [])
            if work.get((s, day))
            and (s, day) not in out_today
            and at_office[(staff[s].home_point_id, day)] > cover.get(staff[s].home_point_id, 0)
        ]
        team.sort(
            key=lambda s: (
                "coach" not in staff[s].skills,
                data.travel_min[(staff[s].home_point_id, point_id)],
                load[s],
                s,
            )
        )
        if not team or "coach" not in staff[team[0]].skills:
            continue
        for sid in team[:want]:
            x.add((sid, point_id, day))
            out_today.add((sid, day))
            load[sid] += 1
            at_office[(staff[sid].home_point_id, day)] -= 1
            remaining[point_id] -= 1
    return Solved(
        status="GREEDY",
        objective=float("nan"),
        best_bound=float("nan"),
        wall_time=0.0,
        build_time=0.0,
        first_solution=None,
        x=x,
        work=work,
        patterns=patterns,
        staffed=set(),
        open=set(),
        sub_office=set(),
        sub_central=set(),
        late=set(),
        shortfalls={},
        term_values=[],
    )
