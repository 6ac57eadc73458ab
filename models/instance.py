"""Validated, immutable models of an employment area (*työllisyysalue*).

These models are pure data: they know the rules a single row or the settings
must obey, nothing about files (see :mod:`planner.io`) and nothing about the
solver. Cross-table rules that need the whole instance (dangling references,
duplicate ids) live in :func:`planner.io.check_references`, where the file and
line of each row are still known.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from enum import IntEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64),
]
"""Ids are lower-case ASCII so that they are safe in file names and URLs."""

MAX_COUNT = 10_000_000
"""Largest head count (clients, labour force): more than Finland's population."""
MAX_WEIGHT = 100_000
"""Largest soft-rule weight: big enough for any priority, small enough that the objective
stays far inside CP-SAT's 64-bit integers."""
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


INVISIBLE = {
    "Cc": "a control character (NUL, tab, newline, escape, ...)",
    "Cf": "an invisible format character (a right-to-left override, a zero-width space, ...)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned code point",
}
"""Unicode categories no name may hold: they end up in calendar names, file names,
logs and pages, where a right-to-left override (U+202E) makes a name read backwards and
a zero-width space makes two names look alike."""


def _plain_text(value: object) -> object:
    """Names are text a person sees: no control, format or separator characters."""
    if isinstance(value, str):
        for c in value:
            what = INVISIBLE.get(unicodedata.category(c))
            if what is not None:
                raise ValueError(f"contains {what}: U+{ord(c):04X}")
    return value


def _number_text(value: object) -> object:
    """Numbers as people type them in Finnish Excel: '0,5' is 0.5. Python's own extras
    ('1_000', 'inf', 'nan', '0x10') are not numbers here."""
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?", text):
            raise ValueError(f"is not a number (got {value!r})")
        return text.replace(",", ".")
    return value


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day} is outside {EARLIEST.year}–{LATEST.year}")
    return day


def _count_text(value: object) -> object:
    """Whole numbers as digits only ('1_000', '1e3' and '0x10' are not counts here)."""
    if isinstance(value, str) and not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise ValueError(f"is not a whole number (got {value!r})")
    return value


PlainText = Annotated[str, BeforeValidator(_plain_text)]


def _not_a_boolean(value: object) -> object:
    """TOML's true/false where a number belongs is a mistake, not 1 or 0 (pydantic would
    read ``face_to_face_share = true`` as 1.0 and plan 2.5 times the demand)."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a boolean (true/false); a number belongs here")
    return value


Float = Annotated[float, BeforeValidator(_not_a_boolean)]
Int = Annotated[int, BeforeValidator(_not_a_boolean)]
"""Numbers of instance.toml: refuse booleans."""
Count = Annotated[int, BeforeValidator(_count_text), Field(ge=0, le=MAX_COUNT)]
Number = Annotated[float, BeforeValidator(_number_text)]
Date = Annotated[dt.date, AfterValidator(_in_range)]


class Weekday(IntEnum):
    """ISO weekday numbers minus one, as :meth:`datetime.date.weekday` gives them."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def label(self) -> str:
        return self.name.capitalize()


_LONG = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_NAMES = {d.label.lower(): d for d in Weekday} | dict(zip(_LONG, Weekday, strict=True))


def parse_weekdays(value: object) -> object:
    """Read ``"Mon Wed"`` (space or comma separated, any case) into weekdays."""
    if not isinstance(value, str):
        return value
    days = []
    for token in value.replace(",", " ").split():
        day = WEEKDAY_NAMES.get(token.lower())
        if day is None:
            known = " ".join(d.label for d in Weekday)
            raise ValueError(f"unknown weekday {token!r} (use {known})")
        days.append(day)
    return frozenset(days)


def parse_bool(value: object) -> object:
    """Spreadsheet booleans: true/false, yes/no, 1/0 (Finnish kyllä/ei too)."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"true", "yes", "1", "kyllä", "x"}:
            return True
        if low in {"false", "no", "0", "ei", ""}:
            return False
        raise ValueError(f"{value!r} is not a boolean (use true or false)")
    return value


def parse_skills(value: object) -> object:
    if isinstance(value, str):
        return frozenset(value.split())
    return value


Bool = Annotated[bool, BeforeValidator(parse_bool)]
Weekdays = Annotated[frozenset[Weekday], BeforeValidator(parse_weekdays)]
Skills = Annotated[frozenset[str], BeforeValidator(parse_skills)]


class _Row(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="ignore", str_strip_whitespace=True, allow_inf_nan=False
    )


class Area(_Row):
    """A production area (*tuotantoalue*): the unit staff work input is divided between."""

    area_id: Id
    name: PlainText = Field(min_length=1, max_length=200)
    broad_unemployment: Count = Field(
        description="Broad unemployment (laaja työttömyys): the client count."
    )
    foreign_language: Count = Field(description="Foreign-language speakers (vieraskieliset).")
    optional: Bool = Field(
        default=False,
        description="An option (e.g. Varkaus–Joroinen) that is planned only when the "
        "settings switch it on.",
    )


class Municipality(_Row):
    """A member municipality (*jäsenkunta*), promised equal local service."""

    municipality_id: Id
    name: PlainText = Field(min_length=1, max_length=200)
    area_id: Id
    labour_force: Count = Field(gt=0, description="Labour force (työvoima), 2025 projection.")
    broad_unemployment: Count | None = Field(
        default=None,
        description="Own client count if known; blank = split from the area by labour force.",
    )
    foreign_language: Count | None = Field(
        default=None, description="Own count if known; blank = split from the area."
    )


class ServicePoint(_Row):
    """A service point (*palvelupiste*): an office or an appointment-based outreach point."""

    point_id: Id
    name: PlainText = Field(min_length=1, max_length=200)
    municipality_id: Id
    kind: Literal["office", "outreach"]
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)
    road_km: Number = Field(
        ge=0, le=2000, description="Road distance from the Kuopio centre office."
    )
    drive_min: Number = Field(
        ge=0, le=1440, description="Drive time from the Kuopio centre office, minutes."
    )
    open: dt.time
    close: dt.time
    weekdays: Weekdays = Field(description="Days the room is available.")
    client_share: Number = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share of the municipality's clients served here (shares of one "
        "municipality's points sum to 1).",
    )

    rooms: int = Field(
        default=2, ge=1, le=50, description="Most staff that can hold appointments here at once."
    )
    address: PlainText | None = Field(
        default=None, max_length=200, description="Street address shown in calendars."
    )
    booking: PlainText | None = Field(
        default=None,
        max_length=200,
        description="How clients book: a phone number or an https:// address.",
    )
    pattern: str | None = Field(
        default=None,
        pattern=r"^(none|monthly|first_third|weekly|twice_weekly|daily|biweekly)"
        r"(:[A-Z][a-z]{2}(\+[A-Z][a-z]{2})*)?(:(even|odd))?$",
        description="A visit pattern fixed by the instance, e.g. 'biweekly:Wed:odd'; "
        "blank = the solver chooses.",
    )

    @field_validator("open", "close")
    @classmethod
    def _local_time(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("use a local time HH:MM without a zone or offset")
        return value

    @field_validator("weekdays")
    @classmethod
    def _some_weekday(cls, value: frozenset[Weekday]) -> frozenset[Weekday]:
        if not value:
            raise ValueError("no weekday given (e.g. 'Mon Wed')")
        return value

    @model_validator(mode="after")
    def _opens_before_closing(self) -> ServicePoint:
        if self.close <= self.open:
            raise ValueError(f"close {self.close:%H:%M} is not after open {self.open:%H:%M}")
        return self

    @field_validator("pattern")
    @classmethod
    def _pattern_fits_the_room(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A fixed pattern the plan could not keep is refused here, not found by the solver:
        weekdays the room is closed, weekends, or a word that does not fit the frequency."""
        if not value:
            return value
        parts = value.split(":")
        frequency, days_text = parts[0], parts[1] if len(parts) > 1 else ""
        parity = parts[2] if len(parts) > 2 else None
        labels = {d.label: d for d in Weekday}
        days = []
        for label in days_text.split("+") if days_text else []:
            if label not in labels:
                raise ValueError(
                    f"pattern {value!r}: {label!r} is not a weekday ({' '.join(labels)})"
                )
            days.append(labels[label])
        if any(d >= Weekday.SAT for d in days):
            raise ValueError(f"pattern {value!r}: visits are on working days, Mon–Fri")
        room = info.data.get("weekdays")
        if room is not None:
            closed = [d.label for d in days if d not in room]
            if closed:
                raise ValueError(
                    f"pattern {value!r} falls on {' '.join(closed)}, but the room is free "
                    f"only on {' '.join(d.label for d in sorted(room))}"
                )
        wanted = {"none": 0, "twice_weekly": 2}.get(frequency, 1)
        if frequency == "daily" and room is not None:
            wanted = len([d for d in room if d < Weekday.SAT])
        if len(days) != wanted:
            raise ValueError(
                f"pattern {value!r}: {frequency} takes {wanted} weekday(s), not {len(days)}"
            )
        if (parity is not None) != (frequency == "biweekly"):
            raise ValueError(
                f"pattern {value!r}: odd/even weeks go with biweekly, and biweekly needs "
                "them (e.g. 'biweekly:Wed:odd')"
            )
        return value

    @property
    def hours(self) -> float:
        """Opening hours a day, which bound how long a visit can be."""
        start = dt.datetime.combine(dt.date.min, self.open)
        end = dt.datetime.combine(dt.date.min, self.close)
        return (end - start).total_seconds() / 3600


class StaffMember(_Row):
    """A named person of the joint staff pool (*henkilöstöpooli*) or the substitute pool."""

    staff_id: Id
    name: PlainText = Field(min_length=1, max_length=200)
    fte: Number = Field(gt=0, le=1, description="Full-time equivalent, 0 < fte ≤ 1.")
    home_point_id: Id
    skills: Skills
    substitute: Bool = Field(default=False, description="Member of the substitute pool.")


class Absence(_Row):
    """A stretch of days away (annual leave, sickness, training), both ends inclusive."""

    staff_id: Id
    start: Date
    end: Date
    reason: PlainText = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Absence:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class TeamMember(_Row):
    """One named responsible worker (*nimetty vastuutyöntekijä*) on a service point's
    team, as approved for the year (``teams.csv``; ``planner teams approve`` writes it).

    A municipality's named workers for a key process are its points' team members with
    that skill; the monthly plans send only them (and the substitute pool) there."""

    point_id: Id
    staff_id: Id


class LeaveWish(_Row):
    """A summer leave wish (*lomatoive*), ``leave_wishes.csv``: rank 1 is the first wish;
    rank 0 is leave already fixed (decided before planning: held as it is)."""

    staff_id: Id
    start: Date
    end: Date
    rank: Int = Field(ge=0, le=9)

    @model_validator(mode="after")
    def _ends_after_start(self) -> LeaveWish:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (self.end - self.start).days > 120:
            raise ValueError(f"{self.start} to {self.end} is longer than a summer's leave")
        return self


class LeaveHistory(_Row):
    """Last summer's leave of a person (``leave_history.csv``, optional): whoever had the
    least of the most wished weeks last year comes first this year."""

    staff_id: Id
    start: Date
    end: Date

    @model_validator(mode="after")
    def _ends_after_start(self) -> LeaveHistory:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class LeaveEntitlement(_Row):
    """A person's summer leave in working days when it is not ``[leave]``'s default
    (``leave_entitlements.csv``, optional)."""

    staff_id: Id
    working_days: Int = Field(ge=0, le=60)


# --------------------------------------------------------------------------- settings

Criterion = Literal["broad_unemployment", "foreign_language", "labour_force"]
CRITERIA: tuple[str, ...] = ("broad_unemployment", "foreign_language", "labour_force")


FREQUENCIES = ("none", "monthly", "first_third", "biweekly", "weekly", "twice_weekly", "daily")
"""Visit frequencies from the least to the most frequent: the equity floor's order."""


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class RuleSet(_Settings):
    """A statutory meeting rhythm (Act 380/2023 as amended); it drives appointment demand."""

    description: str = ""
    meetings_per_client_year: Float = Field(
        gt=0,
        le=365,
        description="Statutory meetings (initial interview + job-search conversations).",
    )
    initial_interview_working_days: Int = Field(
        gt=0,
        le=60,
        description="A newly registered client's in-person initial interview is due within "
        "this many working days (holidays are not working days).",
    )
    valid_from: Date = Field(description="First day the rules are in force.")
    valid_to: Date | None = Field(
        default=None, description="Last day in force (inclusive); blank = until further notice."
    )
    discussion_interval_months: Float = Field(
        default=3,
        gt=0,
        le=24,
        description="A client's regular job-search discussion (työnhakukeskustelu) is due this "
        "many months after the last one (the client model, planner.clients.book).",
    )
    supplementary_months: Float = Field(
        default=0,
        ge=0,
        le=24,
        description="After the initial interview, supplementary conversations for this many "
        "months (2025 rules: 3), before the regular rhythm starts.",
    )
    supplementary_interval_working_days: Int = Field(
        default=10,
        gt=0,
        le=130,
        description="One supplementary conversation every this many working days (2025: "
        "every 2 weeks).",
    )

    @model_validator(mode="after")
    def _period(self) -> RuleSet:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class DemandSettings(_Settings):
    rule_set: str | None = Field(
        default=None,
        description="Key of [rule_sets] to apply whatever the date (a what-if); by default "
        "each month is planned under the rule set in force on its first day.",
    )
    meeting_minutes: Int = Field(gt=0, le=480)
    face_to_face_share: Float = Field(ge=0, le=1)
    appointments_per_staff_day: Float = Field(ge=0.5, le=50)


class CoverSettings(_Settings):
    central_share: Float = Field(
        ge=0,
        lt=1,
        description="Share of the regular pool kept for central duties (phone service, "
        "start of client relationship, digital services).",
    )
    central_min_per_day: Int = Field(
        ge=0, le=100_000, description="People on central duties every day."
    )
    office_min_per_day: dict[str, Annotated[Int, Field(ge=0, le=100_000)]] = Field(
        default_factory=dict, description="Minimum people at each office every working day."
    )


class AllocationSettings(_Settings):
    step_fte: Float = Field(
        ge=0.05, le=1, description="Allocation granularity, e.g. 0.5 FTE (at least 0.05)."
    )
    outreach_floor_fte: Float = Field(
        ge=0,
        le=100,
        description="Every outreach point keeps at least this, so local service never stops.",
    )
    weighting: str = Field(description="Default weighting of client need.")


class ProcessDemand(_Settings):
    """How often a municipality needs a key process on site (beyond the own coach)."""

    visits_per_month: Int = Field(ge=0, le=31, description="Staff-days with this skill a month.")
    min_clients: Float = Field(
        default=0, ge=0, le=MAX_COUNT, description="Only where the criterion reaches this."
    )
    criterion: Criterion = "broad_unemployment"


class ScheduleSettings(_Settings):
    holiday_policy: Literal["drop", "move"] = Field(
        default="drop",
        description="A visit on a holiday is dropped or moved to the next available working day.",
    )
    equity_floor: Literal["none", "monthly", "first_third", "biweekly", "weekly"] = Field(
        default="biweekly",
        description="No member municipality is visited less often than this.",
    )
    long_trip_minutes: Float = Field(
        default=60,
        ge=0,
        le=1440,
        description="One-way drive that counts as a long trip, to be spread fairly.",
    )


class Penalties(_Settings):
    """Weights of the soft rules; a weight of zero switches the rule off."""

    unmet_visit: Int = Field(default=1000, ge=0, le=MAX_WEIGHT)
    demand_shortfall: Int = Field(default=400, ge=0, le=MAX_WEIGHT)
    excess_staff_day: Int = Field(default=4, ge=0, le=MAX_WEIGHT)
    process_shortfall: Int = Field(default=150, ge=0, le=MAX_WEIGHT)
    office_cover_shortfall: Int = Field(default=600, ge=0, le=MAX_WEIGHT)
    central_cover_shortfall: Int = Field(default=600, ge=0, le=MAX_WEIGHT)
    substitute_day: Int = Field(default=25, ge=0, le=MAX_WEIGHT)
    travel_minute: Int = Field(default=1, ge=0, le=MAX_WEIGHT)
    long_trips_spread: Int = Field(default=10, ge=0, le=MAX_WEIGHT)
    fairness_spread: Int = Field(default=3, ge=0, le=MAX_WEIGHT)
    initial_interview_late: Int = Field(default=300, ge=0, le=MAX_WEIGHT)
    pattern_change: Int = Field(default=100, ge=0, le=MAX_WEIGHT)
    replan_change: Int = Field(default=50, ge=0, le=MAX_WEIGHT)


class TeamSettings(_Settings):
    """Weights of the year's team proposal (``planner teams propose``): what one unit of
    each costs, in minutes of outreach driving a month (the proposal's own unit)."""

    change: Int = Field(
        default=120,
        ge=0,
        le=MAX_WEIGHT,
        description="One named worker added to or taken off a team of the current teams: "
        "an announced change is worth two hours of driving a month.",
    )
    travel_minute: Int = Field(
        default=1, ge=0, le=MAX_WEIGHT, description="One minute of driving a month."
    )
    fairness_day: Int = Field(
        default=60,
        ge=0,
        le=MAX_WEIGHT,
        description="One staff-day a month of outreach above or below a person's share by FTE "
        "within their production area.",
    )
    extra_member: Int = Field(
        default=20,
        ge=0,
        le=MAX_WEIGHT,
        description="One member beyond a team's size (one per 3 outreach days a month, at "
        "least three): teams stay small.",
    )


class LeaveSettings(_Settings):
    """Summer leave planning (``planner leave plan``): the period, the entitlement and the
    weights of its soft rules (points; a week is the unit)."""

    summer_start: str = Field(
        default="05-02",
        pattern=r"^\d\d-\d\d$",
        description="First day of the summer leave period, MM-DD (Annual Holidays Act "
        "162/2005 § 20: 2.5.–30.9.).",
    )
    summer_end: str = Field(default="09-30", pattern=r"^\d\d-\d\d$", description="Last day, MM-DD.")
    entitlement_days: Int = Field(
        default=20,
        ge=0,
        le=60,
        description="Summer leave in working days when leave_entitlements.csv does not "
        "say otherwise; planned in whole weeks (five working days).",
    )
    min_block_weeks: Int = Field(
        default=2,
        ge=1,
        le=8,
        description="One continuous block of at least this many weeks (Annual Holidays Act "
        "§ 20: the summer leave in one period where the work allows).",
    )
    rank_2: Int = Field(default=40, ge=0, le=MAX_WEIGHT, description="Second wish granted.")
    rank_3: Int = Field(default=70, ge=0, le=MAX_WEIGHT, description="Third wish granted.")
    no_wish: Int = Field(
        default=100, ge=0, le=MAX_WEIGHT, description="No wish granted (leave placed)."
    )
    week_away: Int = Field(
        default=5,
        ge=0,
        le=MAX_WEIGHT,
        description="Each week of leave for each week it lies from the nearest wished week.",
    )
    rotation: Int = Field(
        default=50,
        ge=0,
        le=1000,
        description="Percent more a missed wish costs for the person who had the least of "
        "the most wished weeks last summer (leave_history.csv): rotation.",
    )
    split: Int = Field(
        default=10,
        ge=0,
        le=MAX_WEIGHT,
        description="Each block of leave beyond the first: leave stays in one piece unless "
        "the rules or a wish say otherwise.",
    )
    capacity_target: Int = Field(
        default=105,
        ge=100,
        le=300,
        description="Weekly appointment capacity, percent of the meetings owed, that leaves "
        "a margin for sickness and the unforeseen; 100 % is the hard minimum. (At 110 the "
        "Kuopio summer is not proven optimal within a minute; at 105 it is, for 4 of 5 seeds.)",
    )
    capacity_point: Int = Field(
        default=2,
        ge=0,
        le=MAX_WEIGHT,
        description="Each percentage point an area's week falls short of capacity_target.",
    )


class FeedSettings(_Settings):
    """What the published calendars show."""

    staff_day_events: bool = Field(
        default=False, description="Staff feeds also hold office and central-duty days."
    )
    public_names: bool = Field(
        default=False, description="Public service-point feeds name the staff on a visit."
    )
    refresh_minutes: Int = Field(default=60, ge=5, le=1440, description="REFRESH-INTERVAL.")


class CostSettings(_Settings):
    fte_year_eur: Float = Field(
        default=62000,
        gt=0,
        le=10_000_000,
        description="Yearly cost of one FTE with side costs (assumed).",
    )
    model: str | None = Field(
        default=None,
        description="The cost-sharing model reports lead with ('population' or a weighting "
        "name); the others are shown as a range. Blank: the allocation's weighting.",
    )


DAY_MINUTES = 480
"""The longest staff-day the meeting settings may fill (8 h; KVTES office days are shorter)."""


class WorkloadSettings(_Settings):
    """How a worker's time divides between client meetings and everything else, and how
    many clients arrive: the basis of appointment capacity, caseloads and the client-flow
    simulation (:mod:`planner.plan.flow`). No Kuopio time-use study is public: the
    defaults are stated assumptions, and the README shows how the answers move with them.
    """

    working_minutes_per_day: Float = Field(
        default=435,
        ge=60,
        le=DAY_MINUTES,
        description="Paid working time a day (KVTES office work: 7 h 15 min).",
    )
    client_meeting_share: Float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of working time in client meetings (in person, phone or video) "
        "on an office day; an outreach day is a day of appointments at the point.",
    )
    other_tasks: dict[str, Annotated[Float, Field(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="The rest of the time, named (shares of working time); with "
        "client_meeting_share they add up to at most 1.",
    )
    registrations_per_client_month: Float = Field(
        default=0.1,
        ge=0,
        le=2,
        description="New registrations a month per client in the stock (each owes an "
        "initial interview).",
    )
    conversations_by_need_per_client_year: Float = Field(
        default=0,
        ge=0,
        le=52,
        description="Conversations a client a year by need, on top of the rule set's rhythm "
        "(the 2026 rules: 'supplementary conversations by need'; no public figure).",
    )
    outflow_per_client_month: Float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of the client stock that leaves a month (employed, studies, "
        "out of the labour force); equal to registrations keeps the stock steady.",
    )
    booking: Literal["first_come", "interviews_reserved"] = Field(
        default="first_come",
        description="How calendars fill: 'first_come' (each own coach books the next "
        "discussion at the last one, so discussions booked ahead take the slots and an "
        "initial interview finds the first slot left) or 'interviews_reserved' "
        "(reserved_interview_slots a staff-day on site are kept for initial interviews).",
    )
    reserved_interview_slots: Float = Field(
        default=1,
        ge=0,
        le=50,
        description="Under 'interviews_reserved': slots a staff-day on site kept for "
        "initial interviews; a reserved slot no interview claims that day is given to "
        "discussions.",
    )
    source: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _shares_fit(self) -> WorkloadSettings:
        total = self.client_meeting_share + sum(self.other_tasks.values())
        if total > 1 + 1e-9:
            raise ValueError(
                f"workload: client_meeting_share and other_tasks add up to {total:.2f}, "
                "more than all of the working time"
            )
        return self


ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "meeting_share": ("workload", "client_meeting_share"),
    "conversations_by_need": ("workload", "conversations_by_need_per_client_year"),
    "face_to_face": ("demand", "face_to_face_share"),
    "registrations": ("workload", "registrations_per_client_month"),
    "outflow": ("workload", "outflow_per_client_month"),
}
"""Assumptions a manager's answer is banded over: name -> (section, setting). The central
value is the setting itself; ``[assumptions.NAME]`` gives the low and high values."""


class AssumptionRange(_Settings):
    """The plausible range of one assumption, with where the figures come from."""

    low: Float = Field(ge=0, le=52)
    high: Float = Field(ge=0, le=52)
    source: str = Field(default="assumed", max_length=2000)

    @model_validator(mode="after")
    def _ordered(self) -> AssumptionRange:
        if self.high < self.low:
            raise ValueError(f"high {self.high:g} is below low {self.low:g}")
        return self


class NoRuleSetError(ValueError):
    """A month outside every rule set's validity period."""


class Settings(_Settings):
    """The instance's ``instance.toml``."""

    name: PlainText = Field(min_length=1, max_length=200)
    time_zone: str = "Europe/Helsinki"
    include_optional_areas: tuple[str, ...] = ()
    language: Literal["fi", "en"] = Field(
        default="fi",
        description="The language of everything a person reads (desk, calendars, "
        "workbook, reports); machine-facing files keep English identifiers.",
    )
    processes: dict[str, str] = Field(
        description="Key processes (skills) and their descriptions; staff skills use these keys."
    )
    process_words: dict[Literal["fi", "en"], dict[str, PlainText]] = Field(
        default_factory=dict,
        description="Each process as a person says it, per language (fi: coach = "
        '"valmennus"), for calendars and tables; without it, the key itself.',
    )
    rule_sets: dict[str, RuleSet]
    demand: DemandSettings
    cover: CoverSettings
    allocation: AllocationSettings
    weightings: dict[str, dict[Criterion, Annotated[Float, Field(ge=0, le=1000)]]] = Field(
        description="Named weightings of client need: criterion -> weight."
    )
    process_demand: dict[str, ProcessDemand] = Field(default_factory=dict)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    penalties: Penalties = Field(default_factory=Penalties)
    teams: TeamSettings = Field(default_factory=TeamSettings)
    leave: LeaveSettings = Field(default_factory=LeaveSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    costs: CostSettings = Field(default_factory=CostSettings)
    workload: WorkloadSettings = Field(default_factory=WorkloadSettings)
    assumptions: dict[str, AssumptionRange] = Field(
        default_factory=dict,
        description="Low and high values of the assumptions in ASSUMPTIONS (the central "
        "value is the setting): whatif and sweep band their answers over them.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weightings")
    @classmethod
    def _positive_weights(
        cls, value: dict[str, dict[Criterion, float]]
    ) -> dict[str, dict[Criterion, float]]:
        for name, weights in value.items():
            if any(w < 0 for w in weights.values()):
                raise ValueError(f"weighting {name!r} has a negative weight")
            if sum(weights.values()) <= 0:
                raise ValueError(f"weighting {name!r} has no positive weight")
        return value

    @model_validator(mode="after")
    def _references(self) -> Settings:
        for language, names in self.process_words.items():
            unknown = sorted(set(names) - set(self.processes))
            if unknown:
                raise ValueError(
                    f"process_words.{language}: {', '.join(unknown)} not in [processes]"
                )
        if self.demand.rule_set is not None and self.demand.rule_set not in self.rule_sets:
            raise ValueError(
                f"demand.rule_set {self.demand.rule_set!r} is not one of "
                f"[rule_sets]: {', '.join(sorted(self.rule_sets))}"
            )
        spans = sorted(self.rule_sets.items(), key=lambda kv: kv[1].valid_from)
        for (key_a, a), (key_b, b) in itertools.pairwise(spans):
            if a.valid_to is None or a.valid_to >= b.valid_from:
                raise ValueError(
                    f"rule sets {key_a} and {key_b} overlap: {key_a} must end before {b.valid_from}"
                )
        minutes = self.demand.appointments_per_staff_day * self.demand.meeting_minutes
        if minutes > DAY_MINUTES:
            raise ValueError(
                f"demand: {self.demand.appointments_per_staff_day:g} appointments of "
                f"{self.demand.meeting_minutes} min are {minutes:g} min, more than a "
                f"{DAY_MINUTES}-minute staff-day"
            )
        unknown = sorted(set(self.process_demand) - set(self.processes))
        if unknown:
            raise ValueError(f"process_demand names unknown processes: {', '.join(unknown)}")
        if "coach" not in self.processes:
            raise ValueError("processes must include 'coach', the own coach every visit needs")
        model = self.costs.model
        if model is not None and model != "population" and model not in self.weightings:
            raise ValueError(
                f"costs.model {model!r} is not 'population' or one of [weightings]: "
                f"{', '.join(sorted(self.weightings))}"
            )
        for name, band in self.assumptions.items():
            if name not in ASSUMPTIONS:
                raise ValueError(
                    f"assumptions.{name}: unknown assumption (known: {', '.join(ASSUMPTIONS)})"
                )
            section, key = ASSUMPTIONS[name]
            central = getattr(getattr(self, section), key)
            if not band.low <= central <= band.high:
                raise ValueError(
                    f"assumptions.{name}: the setting {section}.{key} = {central:g} is not "
                    f"between low {band.low:g} and high {band.high:g}"
                )
            shares = section == "demand" or key == "client_meeting_share"
            if shares and (band.high > 1 or (key == "client_meeting_share" and band.low <= 0)):
                raise ValueError(f"assumptions.{name}: a share is between 0 and 1")
        if self.allocation.weighting not in self.weightings:
            raise ValueError(
                f"allocation.weighting {self.allocation.weighting!r} is not one of "
                f"[weightings]: {', '.join(sorted(self.weightings))}"
            )
        return self

    def rule_set_for(self, day: dt.date) -> tuple[str, RuleSet]:
        """The rule set (key, rules) in force on ``day``, or the pinned ``demand.rule_set``.

        The law changes on a date (the 2026 rules from 1.1.2026), so a month is planned
        under the rules in force on its first day; months never straddle a change because
        both rule sets of Act 380/2023 start on a first of the month.
        """
        if self.demand.rule_set is not None:
            return self.demand.rule_set, self.rule_sets[self.demand.rule_set]
        for key, rules in sorted(self.rule_sets.items(), key=lambda kv: kv[1].valid_from):
            if rules.in_force(day):
                return key, rules
        spans = ", ".join(
            f"{k} {r.valid_from}–{r.valid_to or ''}" for k, r in sorted(self.rule_sets.items())
        )
        raise NoRuleSetError(f"no rule set in [rule_sets] is in force on {day} ({spans})")


# --------------------------------------------------------------------------- instance


class Instance(BaseModel):
    """A whole employment area, already checked for cross-table consistency."""

    model_config = ConfigDict(frozen=True)

    settings: Settings
    areas: tuple[Area, ...]
    municipalities: tuple[Municipality, ...]
    service_points: tuple[ServicePoint, ...]
    staff: tuple[StaffMember, ...]
    absences: tuple[Absence, ...] = ()
    teams: tuple[TeamMember, ...] = Field(
        default=(),
        description="The approved named teams (teams.csv); empty: each month chooses its own.",
    )
    leave_wishes: tuple[LeaveWish, ...] = ()
    leave_history: tuple[LeaveHistory, ...] = ()
    leave_entitlements: tuple[LeaveEntitlement, ...] = ()
    source_dir: str = Field(
        default="", description="The directory it was read from ('' when made in memory)."
    )
    source_files: dict[str, str] = Field(
        default_factory=dict,
        description="SHA-256 of each file read, so a plan can tell when they changed.",
    )

    def approved_teams(self) -> dict[str, list[str]]:
        """teams.csv as point -> its approved members, sorted (empty: none approved)."""
        teams: dict[str, list[str]] = {}
        for member in self.teams:
            teams.setdefault(member.point_id, []).append(member.staff_id)
        return {point: sorted(members) for point, members in teams.items()}

    def derived(self, **changes: object) -> Instance:
        """A copy with ``changes`` that no longer claims to be the files it was read from."""
        return self.model_copy(update={**changes, "source_dir": "", "source_files": {}})

    def active_area_ids(self) -> list[str]:
        """Areas that are planned: every non-optional one plus the options switched on."""
        chosen = set(self.settings.include_optional_areas)
        return [a.area_id for a in self.areas if not a.optional or a.area_id in chosen]

    def area(self, area_id: str) -> Area:
        return next(a for a in self.areas if a.area_id == area_id)

    def municipality(self, municipality_id: str) -> Municipality:
        return next(m for m in self.municipalities if m.municipality_id == municipality_id)

    def point(self, point_id: str) -> ServicePoint:
        return next(p for p in self.service_points if p.point_id == point_id)

    def area_of_point(self, point_id: str) -> str:
        return self.municipality(self.point(point_id).municipality_id).area_id

    def active_municipalities(self) -> list[Municipality]:
        active = set(self.active_area_ids())
        return [m for m in self.municipalities if m.area_id in active]

    def active_points(self) -> list[ServicePoint]:
        active = {m.municipality_id for m in self.active_municipalities()}
        return [p for p in self.service_points if p.municipality_id in active]

    def staff_by_id(self, staff_id: str) -> StaffMember:
        return next(s for s in self.staff if s.staff_id == staff_id)

    def regular_staff(self) -> list[StaffMember]:
        return [s for s in self.staff if not s.substitute]

    def substitutes(self) -> list[StaffMember]:
        return [s for s in self.staff if s.substitute]
