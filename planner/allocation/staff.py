"""Dividing the joint staff pool in proportion to weighted client need.

Kuopio's deck: "staff work input is divided between production areas in
proportion to client counts" (*työpanoksen jakaminen alueille asiakasmäärien
mukaan*). We do it in three tiers:

1. central duties take ``cover.central_share`` of the pool (rounded to a step);
2. the rest is divided between the active production areas by weighted need;
3. each area's share is divided between its service points by weighted need.

Both divisions use :func:`planner.allocation.quota.quota_method` in steps of
``allocation.step_fte`` with floors: an outreach point keeps at least
``outreach_floor_fte`` and an office at least its daily minimum cover, so every
member municipality keeps local service whatever the weighting or cut. An
area's floor is the sum of its points' floors.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from models.allocation import Allocation, AllocationRow
from planner.allocation.quota import EPS, ApportionmentError, exact_quotas, quota_method
from planner.clients import point_counts, weighted_need
from planner.travel import travel

if TYPE_CHECKING:
    from models.instance import Instance

METHOD = "Balinski–Young quota method (D'Hondt priority) with floors"
CENTRAL = "central"


class AllocationError(ValueError):
    """The pool cannot be divided as asked (e.g. smaller than the floors)."""


def point_floor_steps(instance: Instance, point_id: str) -> int:
    settings = instance.settings
    step = settings.allocation.step_fte
    point = instance.point(point_id)
    if point.kind == "office":
        fte = float(settings.cover.office_min_per_day.get(point_id, 0))
    else:
        fte = settings.allocation.outreach_floor_fte
    return math.ceil(fte / step - EPS)


def allocate(
    instance: Instance,
    weighting: str | None = None,
    pool: float | None = None,
    cut: float = 0.0,
) -> Allocation:
    """Allocate the regular pool (or ``pool`` FTE) less ``cut`` FTE; see the module docstring."""
    settings = instance.settings
    weighting = weighting or settings.allocation.weighting
    if weighting not in settings.weightings:
        raise AllocationError(
            f"unknown weighting {weighting!r} (known: {', '.join(settings.weightings)})"
        )
    step = settings.allocation.step_fte
    base = sum(s.fte for s in instance.regular_staff()) if pool is None else pool
    total = base - cut
    if total <= 0:
        raise AllocationError(f"nothing left to allocate: pool {base:g} FTE less cut {cut:g} FTE")
    central_quota = total * settings.cover.central_share
    central = round(central_quota / step) * step
    local_steps = math.floor((total - central) / step + EPS)

    counts = point_counts(instance)
    need = weighted_need(instance, counts, weighting)
    areas = instance.active_area_ids()
    points_of = {
        a: [p.point_id for p in instance.active_points() if instance.area_of_point(p.point_id) == a]
        for a in areas
    }
    point_floor = {p: point_floor_steps(instance, p) for ps in points_of.values() for p in ps}
    area_need = {a: sum(need[p] for p in points_of[a]) for a in areas}
    area_floor = {a: sum(point_floor[p] for p in points_of[a]) for a in areas}

    floors_fte = sum(area_floor.values()) * step
    if local_steps * step < floors_fte:
        raise AllocationError(
            f"{total:g} FTE less {central:g} FTE central duties leaves {local_steps * step:g} "
            f"FTE for the areas, less than the {floors_fte:g} FTE of floors that keep office "
            "cover and local service at every point"
        )
    try:
        area_steps = quota_method(local_steps, area_need, area_floor)
        area_quota = exact_quotas(local_steps, area_need, area_floor)
    except ApportionmentError as exc:
        raise AllocationError(str(exc)) from exc

    rows = [
        AllocationRow(
            level="central",
            id=CENTRAL,
            name="Central duties",
            parent="all",
            clients=0.0,
            weighted_need=0.0,
            floor_fte=0.0,
            quota_fte=round(central_quota, 3),
            allocated_fte=central,
        )
    ]
    for a in areas:
        rows.append(
            AllocationRow(
                level="area",
                id=a,
                name=instance.area(a).name,
                parent="all",
                clients=sum(counts[p]["broad_unemployment"] for p in points_of[a]),
                weighted_need=area_need[a],
                floor_fte=area_floor[a] * step,
                quota_fte=area_quota[a] * step,
                allocated_fte=area_steps[a] * step,
            )
        )
    for a in areas:
        pneed = {p: need[p] for p in points_of[a]}
        pfloor = {p: point_floor[p] for p in points_of[a]}
        psteps = quota_method(area_steps[a], pneed, pfloor)
        pquota = exact_quotas(area_steps[a], pneed, pfloor)
        for p in points_of[a]:
            rows.append(
                AllocationRow(
                    level="point",
                    id=p,
                    name=instance.point(p).name,
                    parent=a,
                    clients=counts[p]["broad_unemployment"],
                    weighted_need=need[p],
                    floor_fte=pfloor[p] * step,
                    quota_fte=pquota[p] * step,
                    allocated_fte=psteps[p] * step,
                )
            )
    targets = {a: area_steps[a] * step for a in areas} | {CENTRAL: central}
    homes = assign_home_areas(instance, targets)
    named = {t: 0.0 for t in targets}
    fte = {s.staff_id: s.fte for s in instance.staff}
    for staff_id, target in homes.items():
        named[target] += fte[staff_id]
    rows = [
        r.model_copy(update={"named_staff_fte": round(named[r.id], 2)})
        if r.level in ("area", "central")
        else r
        for r in rows
    ]
    return Allocation(
        weighting=weighting,
        method=METHOD,
        pool_fte=base,
        cut_fte=cut,
        step_fte=step,
        central_fte=central,
        local_fte=local_steps * step,
        unallocated_fte=round(total - central - local_steps * step, 6),
        rows=tuple(rows),
        home_areas=homes,
    )


def _anchor(instance: Instance, area_id: str) -> str:
    """The point an area is reached at: its office, else its point with most clients."""
    points = [p for p in instance.active_points() if instance.area_of_point(p.point_id) == area_id]
    offices = [p for p in points if p.kind == "office"]
    return (offices or sorted(points, key=lambda p: -p.client_share))[0].point_id


def assign_home_areas(instance: Instance, targets: dict[str, float]) -> dict[str, str]:
    """Give every regular person a home area (or central duties) matching the allocation.

    People stay in the area of their home point while it has room (largest FTE
    first, then by id, so the result is deterministic). Central duties are staffed
    next from those left over at the Kuopio-centre-like origin office first.
    Any area still short takes the nearest left-over person; anyone still left
    stays in their own area, which then shows more named FTE than allocated.
    """
    step = instance.settings.allocation.step_fte
    people = sorted(instance.regular_staff(), key=lambda s: (-s.fte, s.staff_id))
    natural = {s.staff_id: instance.area_of_point(s.home_point_id) for s in people}
    assigned: dict[str, str] = {}
    filled = dict.fromkeys(targets, 0.0)
    left = []
    for person in people:
        area = natural[person.staff_id]
        if (
            area in targets
            and area != CENTRAL
            and filled[area] + person.fte <= (targets[area] + step / 2 + EPS)
        ):
            assigned[person.staff_id] = area
            filled[area] += person.fte
        else:
            left.append(person)
    origin = min(instance.service_points, key=lambda p: (p.road_km, p.point_id)).point_id
    left.sort(key=lambda s: (s.home_point_id != origin, -s.fte, s.staff_id))
    for person in list(left):
        if CENTRAL in targets and filled[CENTRAL] + person.fte <= targets[CENTRAL] + step / 2 + EPS:
            assigned[person.staff_id] = CENTRAL
            filled[CENTRAL] += person.fte
            left.remove(person)
    while left:
        short = {a: targets[a] - filled[a] for a in targets if targets[a] - filled[a] > step / 2}
        if not short:
            break
        area = max(short, key=lambda a: (short[a], a))
        anchor = _anchor(instance, area) if area != CENTRAL else origin
        person = min(left, key=lambda s: (travel(instance, s.home_point_id, anchor)[1], s.staff_id))
        assigned[person.staff_id] = area
        filled[area] += person.fte
        left.remove(person)
    for person in left:
        assigned[person.staff_id] = natural[person.staff_id]
    return dict(sorted(assigned.items()))


COLUMNS = [
    "level",
    "id",
    "name",
    "parent",
    "clients",
    "weighted_need",
    "floor_fte",
    "quota_fte",
    "allocated_fte",
    "named_staff_fte",
]


def allocation_table(allocation: Allocation) -> pd.DataFrame:
    """The allocation as one table, central first, then areas, then points."""
    frame = pd.DataFrame([r.model_dump() for r in allocation.rows], columns=COLUMNS)
    for column in ("clients", "weighted_need", "quota_fte"):
        frame[column] = frame[column].round(2)
    return frame


def staff_home_table(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """Each named regular person's home point and the home area the allocation gives them."""
    rows = []
    for person in instance.regular_staff():
        natural = instance.area_of_point(person.home_point_id)
        home = allocation.home_areas.get(person.staff_id, natural)
        rows.append(
            {
                "staff_id": person.staff_id,
                "name": person.name,
                "fte": person.fte,
                "home_point_id": person.home_point_id,
                "home_area": home,
                "moved": home not in (natural, CENTRAL),
            }
        )
    return pd.DataFrame(rows)
