"""A monthly plan as plain data: what the solver decided, and why, without solver objects."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Activity = Literal["outreach", "office", "central", "absent", "off"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Visit(_Frozen):
    """One open day at an outreach point with the people who go there (*lähipalvelupäivä*)."""

    date: dt.date
    point_id: str
    municipality_id: str
    start: dt.time
    end: dt.time
    staff_ids: tuple[str, ...]
    processes: tuple[str, ...] = Field(description="Key processes the people on site cover.")


class ScheduleEntry(_Frozen):
    """What one person does on one working day."""

    date: dt.date
    staff_id: str
    place_id: str = Field(description="A service point, 'central', or '' when absent or off.")
    activity: Activity
    substitute_cover: bool = False


class Responsibility(_Frozen):
    """A named responsible worker (*vastuutyöntekijä*) of a municipality for a key process."""

    municipality_id: str
    process: str
    staff_id: str
    point_id: str = Field(description="The service point whose team the person is on.")


class StaffRole(_Frozen):
    """What a person does this month by the allocation: work in a production area
    ('local'), central duties, or the substitute pool."""

    staff_id: str
    role: Literal["local", "central", "substitute"]
    area_id: str = Field(description="Home production area of local staff; '' otherwise.")


class PinRow(_Frozen):
    """A pin the plan was made to keep (see planner.plan.pins)."""

    rule: str
    staff_id: str = ""
    point_id: str = ""
    date: dt.date | None = None
    pattern: str = ""


UNMET_CAUSES: dict[str, dict[str, str]] = {
    "unmet_visit": {
        "pinned_closed": "the planner pinned the point closed that day",
        "nobody_free": "no own coach of the point's team and no substitute coach could be "
        "released that day (each was absent, off, on another visit or central duties, or "
        "needed for an office's minimum cover, or pinned or frozen)",
        "search_stopped": "someone could have gone; the solver stopped before it found the "
        "plan that sends them (the plan is not proven optimal)",
    },
    "equity_floor": {
        "no_weekday_room": "the point's room is free on no weekday (Mon-Fri)",
    },
    "initial_interview_late": {
        "too_few_visits": "the visits held leave these registration days without an on-site "
        "day within the deadline",
    },
    "demand_shortfall": {
        "room_capacity": "the rhythm's open days times the rooms hold fewer staff-days than "
        "the demand",
        "part_day": "less than one staff-day short: one more whole day would cost more",
        "nobody_free": "on every open day with a free room, nobody of the team and no "
        "substitute could be released",
        "search_stopped": "someone could have gone; the solver stopped before it found that plan",
    },
    "process_shortfall": {
        "nobody_free": "on every visit day with a free room, nobody of the municipality's "
        "team with the skill and no substitute with it could be released",
        "search_stopped": "someone with the skill could have gone; the solver stopped before "
        "it found that plan",
    },
    "responsible_shortfall": {
        "too_few_with_skill": "fewer than two people of the production area with the skill "
        "work this month, and every one of them is named",
    },
    "office_cover_shortfall": {
        "nobody_free": "no substitute could be released from another office or central "
        "duties that day",
        "search_stopped": "a substitute could have come; the solver stopped before it found "
        "that plan",
    },
    "central_cover_shortfall": {
        "nobody_free": "no substitute could be released from an office that day",
        "search_stopped": "a substitute could have come; the solver stopped before it found "
        "that plan",
    },
}
"""The fixed vocabulary of what a plan may give as the cause of something it could not
do, per rule. The checker verifies each cause against the plan and the instance (a cause
that does not hold is a violation); ``reason`` says the same in a planner's words."""


class Unmet(_Frozen):
    """Something the plan could not do, with the rule and the resource that blocked it."""

    date: dt.date | None
    point_id: str
    municipality_id: str
    rule: str
    amount: float
    reason: str
    cause: str = Field(default="", description="One of UNMET_CAUSES[rule], verified by check.")


class Penalty(_Frozen):
    """One soft rule's share of the objective, in a planner's words."""

    rule: str
    description: str
    weight: int
    amount: float
    cost: int


class PointPlan(_Frozen):
    point_id: str
    municipality_id: str
    pattern: str
    pattern_words: str
    demand_staff_days: float
    planned_staff_days: int
    visit_days: int


class SolvePass(_Frozen):
    """One call of the solver, reported on its own so no time is left out."""

    name: str
    status: str
    objective: float
    best_bound: float
    build_s: float
    solve_s: float
    deterministic_s: float


class InterviewWait(_Frozen):
    """How long a client registering in a municipality waits for an on-site slot.

    A client registering on working day *r* can meet someone on the next working day a
    visit is held; the wait is that day's distance from *r* in working days (holidays
    are not working days), and the rule set's deadline is its longest lawful value.
    """

    municipality_id: str
    registration_days: int = Field(description="Working days whose wait is known.")
    late_days: int = Field(description="Registration days whose wait exceeds the deadline.")
    worst_wait: int
    mean_wait: float
    deadline: int
    unknown_days: int = Field(
        default=0,
        description="Registration days with no visit at all in the deadline's reach "
        "(counted late; their wait is over the deadline, how far is not known).",
    )


class SolverStats(_Frozen):
    status: str
    objective: float
    best_bound: float
    gap: float
    wall_time_s: float
    build_time_s: float
    first_solution_s: float | None
    seed: int
    workers: int
    time_limit_s: float
    deterministic: bool
    passes: tuple[SolvePass, ...] = ()
    method: str = Field(
        default="whole",
        description="'whole': one model of the month, its own bound; 'split': the bound of "
        "a Lagrangian relaxation by production area (valid for the whole month), the plan "
        "the best repair of its rounds.",
    )


class Plan(_Frozen):
    """A month's plan for one instance."""

    month: str
    instance_name: str
    working_days: tuple[dt.date, ...]
    visits: tuple[Visit, ...]
    schedule: tuple[ScheduleEntry, ...]
    responsible: tuple[Responsibility, ...]
    points: tuple[PointPlan, ...]
    unmet: tuple[Unmet, ...]
    penalties: tuple[Penalty, ...]
    capacity_warnings: tuple[str, ...]
    stats: SolverStats
    rule_set: str = Field(default="", description="Key of the rule set in force that month.")
    rule_set_description: str = ""
    teams: Literal["approved", "chosen"] = Field(
        default="chosen",
        description="Whose named teams the month holds: 'approved' (the instance's "
        "teams.csv) or 'chosen' for this month by the stated rule (none approved). The "
        "plan is optimal given these teams.",
    )
    interview_deadline: int = 0
    waits: tuple[InterviewWait, ...] = ()
    roles: tuple[StaffRole, ...] = ()
    pins: tuple[PinRow, ...] = ()
    context: str = Field(
        default="", description="Where last month's visits (the boundary's context) came from."
    )
