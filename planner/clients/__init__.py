"""Clients: how many each municipality has, and what happens to them month after month.

* :mod:`planner.clients.counts` — client counts by municipality and service point, and the
  weighted client need the allocation and the cost shares use (inputs, not decisions:
  the independent checker may read them).
* :mod:`planner.clients.book` — the client model: a stock of clients per municipality
  carried through a run of months (registrations in, exits out, each client's next
  job-search discussion due by the rule set), booked into the appointments a run of
  monthly plans provides. Read by the month's report, whatif, sweep and the leave planner.
* :mod:`planner.clients.assumptions` — the assumptions the client model rests on, and
  their low/central/high band.

Only the counts are imported here, so the checker's imports stay free of the planning side.
"""

from planner.clients.counts import Counts, municipality_counts, point_counts, weighted_need

__all__ = ["Counts", "municipality_counts", "point_counts", "weighted_need"]
