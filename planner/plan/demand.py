"""Monthly demand for local service: the staff-days each outreach point needs.

The one formula, shown in every report::

    staff_days = clients × meetings_per_client_year
                 × working days of the month / working days of the year
                 × face_to_face_share / appointments_per_staff_day

*clients* is the broad unemployment the point serves (see :mod:`planner.clients`);
the rule set in force that month (``2025`` until 31.12.2025, ``2026`` from
1.1.2026) gives the statutory meetings a client has a year; meetings are held on
working days, so a month's share of them is its share of the year's working days
(a December with three weekday holidays needs less than a March); only the
face-to-face share needs a person on site; one staff-day holds
``appointments_per_staff_day`` appointments. Offices are staffed every day by
their minimum cover and are not counted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.clients import municipality_counts, point_counts
from planner.plan.workdays import parse_month, working_days, working_days_in_year

if TYPE_CHECKING:
    from models.instance import Instance

FORMULA = (
    "staff-days = clients × meetings per client a year × working days of the month "
    "/ working days of the year × face-to-face share / appointments per staff-day"
)


@dataclass(frozen=True)
class PointDemand:
    point_id: str
    municipality_id: str
    clients: float
    meetings_per_month: float
    face_to_face: float
    staff_days: float

    @property
    def tenths(self) -> int:
        """Demand in tenths of a staff-day: the solver's integer unit, so little is rounded."""
        return round(self.staff_days * 10)


def month_share(month: str) -> float:
    """The month's share of its year's working days (about 1/12)."""
    year, _ = parse_month(month)
    return len(working_days(month)) / working_days_in_year(year)


def point_demand(instance: Instance, month: str) -> dict[str, PointDemand]:
    """Demand of every active outreach point in ``month`` (see the module docstring)."""
    settings = instance.settings
    year, mon = parse_month(month)
    _, rule = settings.rule_set_for(dt.date(year, mon, 1))
    share = month_share(month)
    counts = point_counts(instance)
    result = {}
    for point in instance.active_points():
        if point.kind != "outreach":
            continue
        clients = counts[point.point_id]["broad_unemployment"]
        meetings = clients * rule.meetings_per_client_year * share
        face = meetings * settings.demand.face_to_face_share
        result[point.point_id] = PointDemand(
            point_id=point.point_id,
            municipality_id=point.municipality_id,
            clients=clients,
            meetings_per_month=meetings,
            face_to_face=face,
            staff_days=face / settings.demand.appointments_per_staff_day,
        )
    return result


def processes_needed(instance: Instance) -> dict[str, list[str]]:
    """Key processes each active municipality needs on site: the own coach always, others
    where ``[process_demand]`` says so."""
    counts = municipality_counts(instance)
    needed: dict[str, list[str]] = {}
    for muni in instance.active_municipalities():
        mid = muni.municipality_id
        processes = ["coach"]
        for process, rule in instance.settings.process_demand.items():
            if rule.visits_per_month > 0 and counts[mid][rule.criterion] >= rule.min_clients:
                processes.append(process)
        needed[mid] = processes
    return needed
