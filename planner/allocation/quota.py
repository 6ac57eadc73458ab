"""Apportionment: dividing whole steps of staff (e.g. half FTE) in proportion to need.

Two properties matter to the people who read an allocation, and textbook methods
give only one of them each:

* **quota** — nobody is a whole step or more away from their exact share where a
  better allocation exists (largest remainder/Hamilton has it; Sainte-Laguë and
  D'Hondt can break it);
* **house monotonicity** — growing the pool never shrinks anybody's share
  (divisor methods have it; Hamilton shows the Alabama paradox).

Balinski and Young's *quota method* (1975) has both: it hands out steps one at a
time, each to the unit with the highest D'Hondt priority ``need / (allocated + 1)``
among those that stay within their upper quota at the new size; they proved it
never leaves quota. (We first used Sainte-Laguë's priority ``need / (allocated +
½)`` with the same eligibility; property tests found it falling below lower quota,
e.g. needs 1, 1, 1, 1, 11, 34 at 81 steps, so D'Hondt it is: its pull towards large
units is bounded by the quota.) We add floors (a minimum for every unit, so local
service never stops) by defining the exact quota with floors as the water-filling
share ``max(floor, λ · need)``, which still grows with the pool. A unit that would
fall below its lower quota is served first. Property tests in
``tests/test_apportion.py`` check quota and monotonicity on generated inputs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

EPS = 1e-9


class ApportionmentError(ValueError):
    """The pool cannot satisfy the floors, or there is no need to divide by."""


def exact_quotas(
    total: float, needs: Mapping[str, float], floors: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Each unit's exact share of ``total``, proportional to need but never below its floor.

    Returns ``q`` with ``q[i] = max(floor[i], λ · need[i])`` and ``sum(q) == total``.
    """
    floors = floors or {}
    floor = {u: float(floors.get(u, 0.0)) for u in needs}
    if any(n < 0 for n in needs.values()):
        raise ApportionmentError("need cannot be negative")
    floor_sum = sum(floor.values())
    if total < floor_sum - EPS:
        raise ApportionmentError(
            f"the pool ({total:g}) is smaller than the floors that keep local service "
            f"everywhere ({floor_sum:g})"
        )
    free = {u for u, n in needs.items() if n > 0}
    if not free:
        if total > floor_sum + EPS:
            raise ApportionmentError("no unit has any need to share the pool by")
        return dict(floor)
    # Water-filling: units whose proportional share is below their floor sit at the floor.
    while True:
        fixed_sum = sum(floor[u] for u in needs if u not in free)
        need_sum = sum(needs[u] for u in free)
        lam = (total - fixed_sum) / need_sum
        capped = {u for u in free if lam * needs[u] < floor[u] - EPS}
        if not capped:
            break
        free -= capped
        if not free:
            break
    return {u: (lam * needs[u] if u in free else floor[u]) for u in needs}


def quota_method(
    steps: int, needs: Mapping[str, float], floors: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Divide ``steps`` whole steps between units by the quota method (see module docstring).

    Ties are broken by the units' order in ``needs``, so the result is deterministic.
    """
    floors = floors or {}
    alloc = {u: int(floors.get(u, 0)) for u in needs}
    order = {u: i for i, u in enumerate(needs)}
    start = sum(alloc.values())
    if steps < start:
        raise ApportionmentError(
            f"the pool ({steps} steps) is smaller than the floors ({start} steps)"
        )
    for size in range(start + 1, steps + 1):
        quota = exact_quotas(size, needs, floors)
        below = [u for u in needs if alloc[u] < math.floor(quota[u] + EPS)]
        eligible = below or [u for u in needs if alloc[u] < quota[u] - EPS]
        if not eligible:  # only when every unit sits exactly on an integer quota
            eligible = list(needs)
        best = max(eligible, key=lambda u: (needs[u] / (alloc[u] + 1), -order[u]))
        alloc[best] += 1
    return alloc


def largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split an integer count (e.g. clients) in proportion to weights, summing exactly.

    Hamilton's method: fine for splitting a fixed count once; we do not use it for
    staff, where the pool changes and the Alabama paradox would show.
    """
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ApportionmentError("weights must have a positive sum")
    exact = {u: total * w / weight_sum for u, w in weights.items()}
    result = {u: math.floor(q + EPS) for u, q in exact.items()}
    order = sorted(weights, key=lambda u: (-(exact[u] - result[u]), list(weights).index(u)))
    for unit in order[: total - sum(result.values())]:
        result[unit] += 1
    return result
