"""The initial-interview deadline measured on a plan: waits in working days.

A client who registers as a jobseeker on working day *r* is owed an initial
interview (*alkuhaastattelu*) within the rule set's deadline (2026 rules: 10
working days; 2025 rules: 5). In a municipality served only by outreach, the
in-person slot is the next working day after *r* on which a visit is held; the
wait is how many working days later that is. The model
(:func:`planner.plan.model.add_initial_interview`) prices every late registration day;
this module measures the same thing on the finished plan, for the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt


def waits(
    timeline: list[dt.date], held: set[dt.date], registrations: list[dt.date]
) -> dict[dt.date, int | None]:
    """Working days from each registration day to the next held visit after it.

    ``timeline`` is every working day known, in order (last month's end, this month,
    next month's start); ``None`` where no held visit follows within it.
    """
    index = {d: i for i, d in enumerate(timeline)}
    later = sorted(index[d] for d in held if d in index)
    result: dict[dt.date, int | None] = {}
    for day in registrations:
        r = index[day]
        following = next((i for i in later if i > r), None)
        result[day] = None if following is None else following - r
    return result
