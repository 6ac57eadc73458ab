"""Properties of the quota method on generated inputs (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.allocation.quota import (
    ApportionmentError,
    exact_quotas,
    largest_remainder,
    quota_method,
)

EPS = 1e-9

needs_strategy = st.dictionaries(
    st.sampled_from([f"u{i}" for i in range(8)]),
    st.floats(min_value=0.5, max_value=10_000, allow_nan=False),
    min_size=2,
    max_size=8,
)


@st.composite
def problems(draw: st.DrawFn) -> tuple[dict[str, float], dict[str, int], int]:
    needs = draw(needs_strategy)
    floors = {u: draw(st.integers(0, 3)) for u in needs}
    steps = sum(floors.values()) + draw(st.integers(0, 120))
    return needs, floors, steps


@settings(max_examples=300, deadline=None)
@given(problems())
def test_total_floors_and_quota(problem: tuple[dict[str, float], dict[str, int], int]) -> None:
    needs, floors, steps = problem
    alloc = quota_method(steps, needs, floors)
    quotas = exact_quotas(steps, needs, floors)
    assert sum(alloc.values()) == steps
    assert math.isclose(sum(quotas.values()), steps)
    for unit in needs:
        assert alloc[unit] >= floors[unit]
        # Within quota: never a whole step or more away from the exact share.
        assert math.floor(quotas[unit] + EPS) <= alloc[unit] <= math.ceil(quotas[unit] - EPS)


@settings(max_examples=200, deadline=None)
@given(problems())
def test_growing_the_pool_never_shrinks_a_share(
    problem: tuple[dict[str, float], dict[str, int], int],
) -> None:
    needs, floors, steps = problem
    smaller = quota_method(steps, needs, floors)
    larger = quota_method(steps + 7, needs, floors)
    assert all(larger[u] >= smaller[u] for u in needs)


def test_quota_is_proportional_without_floors() -> None:
    assert exact_quotas(10, {"a": 3.0, "b": 1.0}) == {"a": 7.5, "b": 2.5}
    assert quota_method(10, {"a": 3.0, "b": 1.0}) in ({"a": 8, "b": 2}, {"a": 7, "b": 3})


def test_floor_lifts_a_small_unit_and_the_rest_is_shared_by_need() -> None:
    quotas = exact_quotas(10, {"big": 99.0, "small": 1.0}, {"small": 2})
    assert quotas == {"big": 8.0, "small": 2.0}
    assert quota_method(10, {"big": 99.0, "small": 1.0}, {"small": 2}) == {"big": 8, "small": 2}


def test_pool_smaller_than_floors_is_an_error() -> None:
    with pytest.raises(ApportionmentError, match="smaller than the floors"):
        quota_method(3, {"a": 1.0, "b": 1.0}, {"a": 2, "b": 2})


def test_alabama_paradox_instance_is_avoided() -> None:
    # The classic Alabama case: Hamilton gives C 2 seats at 10 and 1 seat at 11.
    needs = {"A": 6.0, "B": 6.0, "C": 2.0}
    assert largest_remainder(10, needs)["C"] == 2
    assert largest_remainder(11, needs)["C"] == 1
    assert quota_method(11, needs)["C"] >= quota_method(10, needs)["C"]


def test_largest_remainder_sums_exactly() -> None:
    split = largest_remainder(1462, {"a": 9325, "b": 3661, "c": 450})
    assert sum(split.values()) == 1462
    assert split["c"] == 49


def test_regression_sainte_lague_priority_fell_below_lower_quota() -> None:
    # Found by hypothesis: with a Sainte-Laguë priority the largest unit got 55 of its
    # 56.2 quota. The quota method's D'Hondt priority keeps it within quota.
    needs = {"u0": 1.0, "u1": 1.0, "u2": 1.0, "u3": 1.0, "u4": 11.0, "u5": 34.0}
    alloc = quota_method(81, needs)
    quotas = exact_quotas(81, needs)
    assert all(math.floor(quotas[u]) <= alloc[u] <= math.ceil(quotas[u]) for u in needs)
