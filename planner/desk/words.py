"""How the desk writes dates, times and numbers for Finnish planners, by Babel's Finnish
locale rather than hand-made formats: 1.12.2026, ti 1.12., 1 234,5."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "fi"
"""Numbers and date patterns: the Finnish way."""
NAMES = "en"
"""Weekday names: in the language the desk's pages are written in (English until the
pages are translated), so no Finnish 'to' (torstai) reads as an English word."""
ZONE = ZoneInfo("Europe/Helsinki")


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def day(value: dt.date | str) -> str:
    """A date as Finnish planners write it: 1.12.2026."""
    if not value:
        return ""
    return format_date(_date(value), "d.M.yyyy", locale=LOCALE)


def weekday_day(value: dt.date | str) -> str:
    """A date with its weekday, short: Tue 1.12."""
    if not value:
        return ""
    return format_date(_date(value), "EEE d.M.", locale=NAMES)


def when(text: str) -> str:
    """A stored UTC time (2026-11-30T12:00:00Z) as Finnish local time: 30.11.2026 14.00."""
    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return format_datetime(moment.astimezone(ZONE), "d.M.yyyy HH.mm", locale=LOCALE)


def month_label(month: str) -> str:
    """2026-12 as 12/2026, the way a Finnish form writes a month."""
    first = dt.date.fromisoformat(f"{month}-01")
    return format_date(first, "L/yyyy", locale=LOCALE)


def decimal(value: float, digits: int = 1) -> str:
    """1 234,5: decimal comma, a space between thousands."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)
