"""Scaled instances for benchmarks: k copies of the Kuopio area, each with its points.

Copy i > 1 suffixes every id with ``_i`` (areas, municipalities, points, staff,
absences, office cover), multiplies the central-duty minimum, and keeps coordinates,
client counts and staff as they are: ten Kuopio-like areas side by side, about 160
people each.
"""

from __future__ import annotations

from models.instance import Instance


def scaled(base: Instance, copies: int) -> Instance:
    if copies == 1:
        return base

    def tag(value: str, i: int) -> str:
        return value if i == 1 else f"{value}_{i}"

    areas, munis, points, staff, absences = [], [], [], [], []
    office_min = {}
    for i in range(1, copies + 1):
        areas += [
            a.model_copy(update={"area_id": tag(a.area_id, i), "name": f"{a.name} {i}"})
            for a in base.areas
        ]
        munis += [
            m.model_copy(
                update={"municipality_id": tag(m.municipality_id, i), "area_id": tag(m.area_id, i)}
            )
            for m in base.municipalities
        ]
        points += [
            p.model_copy(
                update={
                    "point_id": tag(p.point_id, i),
                    "municipality_id": tag(p.municipality_id, i),
                }
            )
            for p in base.service_points
        ]
        staff += [
            s.model_copy(
                update={"staff_id": tag(s.staff_id, i), "home_point_id": tag(s.home_point_id, i)}
            )
            for s in base.staff
        ]
        absences += [a.model_copy(update={"staff_id": tag(a.staff_id, i)}) for a in base.absences]
        office_min |= {tag(k, i): v for k, v in base.settings.cover.office_min_per_day.items()}
    cover = base.settings.cover.model_copy(
        update={
            "office_min_per_day": office_min,
            "central_min_per_day": base.settings.cover.central_min_per_day * copies,
        }
    )
    settings = base.settings.model_copy(
        update={
            "cover": cover,
            "include_optional_areas": tuple(
                tag(a, i)
                for a in base.settings.include_optional_areas
                for i in range(1, copies + 1)
            ),
        }
    )
    return Instance(
        settings=settings,
        areas=tuple(areas),
        municipalities=tuple(munis),
        service_points=tuple(points),
        staff=tuple(staff),
        absences=tuple(absences),
    )
