"""Client counts by municipality and service point, and weighted client need.

The seed gives broad unemployment and foreign-language speakers by production
area only. Municipal counts are derived, and the rule is stated here once:

    A municipality's count is the area's count (less any counts the instance gives
    for municipalities directly) split between the remaining municipalities of the
    area in proportion to their 2025 labour force, rounded by largest remainder so
    that the municipal counts add up exactly to the area's.

A service point serves ``client_share`` of its municipality's clients (Kuopio's
villages by their approximate population share; a single point serves them all).
"""

from __future__ import annotations

from collections import defaultdict

from models.instance import CRITERIA, Instance
from planner.allocation.quota import largest_remainder

Counts = dict[str, float]
"""Criterion (``broad_unemployment``, ``foreign_language``, ``labour_force``) -> count."""


def municipality_counts(instance: Instance) -> dict[str, Counts]:
    """Every active municipality's counts, by the rule in the module docstring."""
    result: dict[str, Counts] = {}
    by_area = defaultdict(list)
    for muni in instance.active_municipalities():
        by_area[muni.area_id].append(muni)
    for area_id, munis in by_area.items():
        area = instance.area(area_id)
        for criterion in ("broad_unemployment", "foreign_language"):
            given = {m.municipality_id: getattr(m, criterion) for m in munis}
            known = {k: v for k, v in given.items() if v is not None}
            rest = max(0, getattr(area, criterion) - sum(known.values()))
            derive = {
                m.municipality_id: m.labour_force for m in munis if given[m.municipality_id] is None
            }
            split = largest_remainder(rest, derive) if derive else {}
            for muni in munis:
                mid = muni.municipality_id
                result.setdefault(mid, {"labour_force": float(muni.labour_force)})
                result[mid][criterion] = float(known.get(mid, split.get(mid, 0)))
    return result


def point_counts(instance: Instance) -> dict[str, Counts]:
    """Counts each active service point serves: its municipality's times its client share."""
    munis = municipality_counts(instance)
    return {
        p.point_id: {k: v * p.client_share for k, v in munis[p.municipality_id].items()}
        for p in instance.active_points()
    }


def weighted_need(
    instance: Instance, counts: dict[str, Counts], weighting: str
) -> dict[str, float]:
    """Need of each unit in *client equivalents* under a named weighting.

    Each criterion enters as the unit's share of the criterion's total over all the
    units given, weighted (weights are relative, so KOMBI4's 90 % is fine), then
    scaled by the total broad unemployment so the figure reads like a client count:
    under ``clients`` the need is exactly the broad unemployment.
    """
    weights = instance.settings.weightings[weighting]
    weight_sum = sum(weights.values())
    totals = {c: sum(u[c] for u in counts.values()) for c in CRITERIA}
    scale = totals["broad_unemployment"] or 1.0
    need: dict[str, float] = {}
    for unit, values in counts.items():
        share = sum(w * (values[c] / totals[c] if totals[c] else 0.0) for c, w in weights.items())
        need[unit] = share / weight_sum * scale
    return need
