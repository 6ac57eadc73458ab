"""Travel between service points.

``service_points.csv`` gives road distance and drive time from the Kuopio centre
office, the origin of the shared location table. Between two other points we
estimate: great-circle distance times the instance's own detour factor (median
road/straight-line ratio of the points with road data), driven at the instance's
median speed. The estimate is stated in reports; a future ``travel.csv`` with
measured pairs would override it.
"""

from __future__ import annotations

import math
import statistics
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.instance import Instance, ServicePoint

EARTH_RADIUS_KM = 6371.0


def great_circle_km(a: ServicePoint, b: ServicePoint) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _origin(points: tuple[ServicePoint, ...]) -> ServicePoint | None:
    return next((p for p in points if p.road_km == 0 and p.drive_min == 0), None)


@cache
def _factors(points: tuple[ServicePoint, ...]) -> tuple[float, float]:
    """(detour factor, km per minute) measured on the rows with road data."""
    origin = _origin(points)
    detours, speeds = [], []
    for p in points:
        if origin is None or p is origin or p.road_km <= 0:
            continue
        straight = great_circle_km(origin, p)
        if straight > 1:
            detours.append(p.road_km / straight)
        if p.drive_min > 0:
            speeds.append(p.road_km / p.drive_min)
    return (
        statistics.median(detours) if detours else 1.3,
        statistics.median(speeds) if speeds else 1.2,
    )


def travel(instance: Instance, from_point: str, to_point: str) -> tuple[float, float]:
    """One-way ``(km, minutes)`` from one service point to another."""
    if from_point == to_point:
        return (0.0, 0.0)
    points = instance.service_points
    a, b = instance.point(from_point), instance.point(to_point)
    origin = _origin(points)
    if origin is not None and a.point_id == origin.point_id:
        return (b.road_km, b.drive_min)
    if origin is not None and b.point_id == origin.point_id:
        return (a.road_km, a.drive_min)
    detour, speed = _factors(points)
    km = great_circle_km(a, b) * detour
    return (round(km, 1), round(km / speed, 1))
