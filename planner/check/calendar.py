"""The checker's own reading of the calendar: holidays, working days, weeks and patterns.

Deliberately written again here rather than imported from the planning side
(:mod:`planner.plan.workdays`): a mistake there must not hide itself by being repeated
in the check. Holidays come straight from the ``holidays`` package; odd and even
weeks are read as the README defines them (weeks counted from Monday 1 January 2024,
week 1 odd, never restarting); patterns are read from their own text in points.csv.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache

import holidays

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FIRST_WEEK = dt.date(2024, 1, 1)
RANK = ("none", "monthly", "first_third", "biweekly", "weekly", "twice_weekly", "daily")
"""Frequencies from the least to the most frequent, as the README's equity floor ranks them."""


@cache
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("FI", years=[year]))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def month_days(month: str) -> list[dt.date]:
    year, mon = int(month[:4]), int(month[5:7])
    return [dt.date(year, mon, d) for d in range(1, calendar.monthrange(year, mon)[1] + 1)]


def working_days(month: str) -> list[dt.date]:
    return [d for d in month_days(month) if is_working_day(d)]


def next_month(month: str, step: int = 1) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def odd_week(day: dt.date) -> bool:
    """Week 1 (the week of Monday 1 January 2024) is odd; the count never restarts."""
    return ((day - FIRST_WEEK).days // 7) % 2 == 0


class PatternText:
    """A pattern as points.csv writes it: ``frequency[:Day(+Day)][:odd|even]``."""

    def __init__(self, text: str) -> None:
        parts = text.split(":")
        if parts[0] not in RANK or len(parts) > 3:
            raise ValueError(f"pattern {text!r} is not a known rhythm")
        self.text = text
        self.frequency = parts[0]
        names = parts[1].split("+") if len(parts) > 1 and parts[1] else []
        unknown = [n for n in names if n not in WEEKDAYS]
        if unknown:
            raise ValueError(f"pattern {text!r}: {' '.join(unknown)} is not a weekday")
        self.weekdays = tuple(WEEKDAYS.index(n) for n in names)
        self.parity = parts[2] if len(parts) > 2 else None
        if (self.parity is not None) != (self.frequency == "biweekly") or self.parity not in (
            None,
            "odd",
            "even",
        ):
            raise ValueError(f"pattern {text!r}: odd/even weeks go with biweekly only")
        if self.frequency != "none" and not self.weekdays:
            raise ValueError(f"pattern {text!r} names no weekday")

    def falls_on(self, month: str) -> list[dt.date]:
        """Calendar days of the month the rhythm falls on, holidays included."""
        days = [d for d in month_days(month) if d.weekday() in self.weekdays]
        if self.frequency == "none":
            return []
        if self.frequency == "biweekly":
            return [d for d in days if odd_week(d) == (self.parity == "odd")]
        if self.frequency == "first_third":
            return [d for d in days if (d.day - 1) // 7 in (0, 2)]
        if self.frequency == "monthly":
            return [d for d in days if d.day <= 7]
        return days

    def open_days(self, month: str, room: set[int], policy: str) -> set[dt.date]:
        """Days the point is open: a holiday drops the day, or (policy 'move') moves it to
        the next working day of the month the room is free and not already open."""
        result: set[dt.date] = set()
        last = month_days(month)[-1]
        for day in self.falls_on(month):
            if is_working_day(day):
                result.add(day)
            elif policy == "move":
                moved = day + dt.timedelta(days=1)
                while moved <= last and not (
                    is_working_day(moved) and moved.weekday() in room and moved not in result
                ):
                    moved += dt.timedelta(days=1)
                if moved <= last:
                    result.add(moved)
        return result
