"""Working days and visit patterns.

A visit pattern says on which days of a month a service point is open. Patterns
are data (:class:`Pattern`), so the solver can choose between them and a report
can name them. Every-other-week patterns are anchored on the planner's own
**continuous week count** (odd and even weeks counted from Monday 1 January
2024, see :func:`week_parity`), not on the month and not on ISO week numbers, so
a biweekly Wednesday keeps its rhythm across month and year boundaries
(Rautavaara: every other Wednesday, whatever the month or year).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from typing import Literal

import holidays

from models.instance import FREQUENCIES, Weekday

Frequency = Literal["daily", "twice_weekly", "weekly", "biweekly", "first_third", "monthly"]

VISITS_PER_MONTH: dict[str, float] = {
    # Nominal visit days a month, used to rank patterns against demand and the equity floor.
    "daily": 0.0,  # filled per point: (number of room weekdays) x 52/12
    "twice_weekly": 2 * 52 / 12,
    "weekly": 52 / 12,
    "biweekly": 26 / 12,
    "first_third": 2.0,
    "monthly": 1.0,
    "none": 0.0,
}


@cache
def finnish_holidays(year: int) -> dict[dt.date, str]:
    """Finnish public holidays; the ``holidays`` package includes Midsummer and Christmas Eve."""
    return dict(holidays.country_holidays("FI", years=[year]).items())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in finnish_holidays(day.year)


def month_days(month: str) -> list[dt.date]:
    """Every calendar day of ``YYYY-MM``."""
    year, mon = parse_month(month)
    return [dt.date(year, mon, d) for d in range(1, _calendar.monthrange(year, mon)[1] + 1)]


def working_days(month: str) -> list[dt.date]:
    """Weekdays of the month that are not Finnish public holidays."""
    return [d for d in month_days(month) if is_working_day(d)]


def working_days_in_year(year: int) -> int:
    """Working days of a calendar year: statutory meetings are spread over these."""
    return sum(len(working_days(f"{year}-{m:02d}")) for m in range(1, 13))


def shift_month(month: str, delta: int) -> str:
    """``YYYY-MM`` moved by ``delta`` months (-1: the previous month)."""
    year, mon = parse_month(month)
    index = year * 12 + mon - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def upcoming_month(today: dt.date | None = None) -> str:
    """Next month (YYYY-MM): the one planners are working on, every command's default."""
    today = today or dt.date.today()
    return shift_month(today.strftime("%Y-%m"), 1)


def parse_month(month: str) -> tuple[int, int]:
    try:
        year, mon = (int(part) for part in month.split("-"))
        dt.date(year, mon, 1)
    except ValueError as exc:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM") from exc
    return year, mon


WEEK_EPOCH = dt.date(2024, 1, 1)
"""Monday 1 January 2024, week 1 (odd) of the planner's continuous week count."""


def week_parity(day: dt.date) -> int:
    """0 for 'even' weeks, 1 for 'odd' ones of the continuous week count.

    Plain ISO week numbers break an every-other-week rhythm after a 53-week year
    (2026 ends in week 53 and 2027 starts in week 1: two odd weeks in a row). So
    weeks are counted from :data:`WEEK_EPOCH` and never restart: 'odd' and 'even'
    agree with ISO week numbers from 2024 to the end of 2026 and are out of step
    with them from 2027 on (ISO week 1 of 2027 is an 'even' week here).
    """
    return ((day - WEEK_EPOCH).days // 7 + 1) % 2


@dataclass(frozen=True, order=True)
class Pattern:
    """A visit rhythm: which weekdays, how often, and (biweekly) odd or even weeks of the
    continuous week count (:func:`week_parity`)."""

    frequency: Frequency | Literal["none"]
    weekdays: tuple[Weekday, ...] = ()
    parity: int | None = None

    @property
    def key(self) -> str:
        """A stable text form, e.g. ``biweekly:Wed:odd``, used in files and --previous."""
        days = "+".join(d.label for d in self.weekdays)
        parts = [self.frequency, days] if days else [self.frequency]
        if self.parity is not None:
            parts.append("even" if self.parity == 0 else "odd")
        return ":".join(parts)

    @classmethod
    def from_key(cls, key: str) -> Pattern:
        parts = key.split(":")
        frequency = parts[0]
        days = tuple(Weekday[d.upper()] for d in parts[1].split("+")) if len(parts) > 1 else ()
        parity = None if len(parts) < 3 else (0 if parts[2] == "even" else 1)
        return cls(frequency, days, parity)  # type: ignore[arg-type]

    def describe(self) -> str:
        """Words for a report: 'every other Wednesday (odd weeks)'; odd and even weeks are
        those of the continuous week count, explained in every report."""
        names = " and ".join(_LONG[d] for d in self.weekdays)
        match self.frequency:
            case "none":
                return "not open this month"
            case "daily" | "twice_weekly" | "weekly":
                return f"every {names}"
            case "biweekly":
                return f"every other {names} ({'even' if self.parity == 0 else 'odd'} weeks)"
            case "first_third":
                return f"1st and 3rd {names} of the month"
            case _:
                return f"1st {names} of the month"

    def nominal_visits(self) -> float:
        if self.frequency == "daily":
            return len(self.weekdays) * 52 / 12
        return VISITS_PER_MONTH[self.frequency]

    def scheduled_days(self, month: str) -> list[dt.date]:
        """Days the pattern falls on in the month, holidays included (before the holiday rule)."""
        days = [d for d in month_days(month) if d.weekday() in self.weekdays]
        match self.frequency:
            case "none":
                return []
            case "biweekly":
                return [d for d in days if week_parity(d) == self.parity]
            case "first_third":
                return [d for d in days if (d.day - 1) // 7 in (0, 2)]
            case "monthly":
                return [d for d in days if (d.day - 1) // 7 == 0]
            case _:
                return days

    def open_days(
        self, month: str, room_days: frozenset[Weekday], holiday_policy: str = "drop"
    ) -> list[dt.date]:
        """Days the point is open: holidays dropped, or moved to the next available working day."""
        result: list[dt.date] = []
        month_set = set(month_days(month))
        for day in self.scheduled_days(month):
            if is_working_day(day):
                result.append(day)
                continue
            if holiday_policy != "move":
                continue
            moved = day + dt.timedelta(days=1)
            while moved in month_set and not (
                is_working_day(moved) and moved.weekday() in room_days and moved not in result
            ):
                moved += dt.timedelta(days=1)
            if moved in month_set:
                result.append(moved)
        return sorted(set(result))


_LONG = {
    d: name
    for d, name in zip(
        Weekday,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
}

FLOOR_ORDER = list(FREQUENCIES)


def candidate_patterns(room_days: frozenset[Weekday], floor: str = "none") -> list[Pattern]:
    """Every pattern the room allows, at least as frequent as ``floor``."""
    days = sorted(d for d in room_days if d < Weekday.SAT)
    found: list[Pattern] = [Pattern("none")]
    for day in days:
        found += [
            Pattern("monthly", (day,)),
            Pattern("first_third", (day,)),
            Pattern("biweekly", (day,), 0),
            Pattern("biweekly", (day,), 1),
            Pattern("weekly", (day,)),
        ]
    found += [Pattern("twice_weekly", pair) for pair in combinations(days, 2)]
    if len(days) > 2:
        found.append(Pattern("daily", tuple(days)))
    rank = FLOOR_ORDER.index(floor)
    return [p for p in found if FLOOR_ORDER.index(p.frequency) >= rank]
