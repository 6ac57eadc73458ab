"""iCalendar feeds rendered from the publication store.

One VEVENT per visit day (no RRULE or EXDATE: each day can move or change on its
own), timed in the area's zone with a static, rule-based VTIMEZONE (Outlook
misreads the RDATE lists that generators produce), every date-time zoned or UTC,
never floating. Everything that could vary between renders (DTSTAMP, UIDs,
order) comes from the store, so unchanged data gives byte-identical feeds.

Feeds (``feed`` keys): ``staff/ID`` (private: that person's visit days, with
colleagues and travel), ``point/ID`` (public: opening hours and processes on
offer, no personal data unless ``feeds.public_names``), ``area/ID`` and ``all``
(private, for planners).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from icalendar.prop import vDuration

from planner.feeds.store import parse_utc
from planner.i18n import Words, words

if TYPE_CHECKING:
    import sqlite3

PRODID = "-//planner//employment area outreach calendars//EN"

# The EU rule Finland follows: summer time from the last Sunday of March 03:00 to the
# last Sunday of October 04:00 local time. Rule-based, so it holds for every year.
HELSINKI_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Helsinki
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
TZNAME:EEST
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
TZNAME:EET
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def vtimezone(tzid: str) -> Timezone:
    if tzid == "Europe/Helsinki":
        return Timezone.from_ical(HELSINKI_VTIMEZONE.replace("\n", "\r\n"))
    return Timezone.from_tzid(tzid)  # other zones: icalendar's own, by date lists


def _settings(con: sqlite3.Connection) -> dict[str, str]:
    return {r["key"]: r["value"] for r in con.execute("SELECT key, value FROM settings")}


def all_feed_keys(con: sqlite3.Connection) -> list[str]:
    staff = [
        f"staff/{r['staff_id']}"
        for r in con.execute("SELECT staff_id FROM staff ORDER BY staff_id")
    ]
    points = [
        f"point/{r['point_id']}"
        for r in con.execute(
            "SELECT point_id FROM points WHERE kind = 'outreach' ORDER BY point_id"
        )
    ]
    areas = [
        f"area/{r['area_id']}"
        for r in con.execute("SELECT DISTINCT area_id FROM points ORDER BY area_id")
    ]
    return [*staff, *points, *areas, "all"]


def feed_exists(con: sqlite3.Connection, feed: str) -> bool:
    return feed in all_feed_keys(con)


def _entries(con: sqlite3.Connection, feed: str, settings: dict[str, str]) -> list[sqlite3.Row]:
    rows = con.execute("SELECT * FROM entries WHERE cancelled = 0 ORDER BY date, start, uid")
    kind, _, ident = feed.partition("/")
    points = {r["point_id"]: r for r in con.execute("SELECT * FROM points")}
    chosen = []
    for row in rows:
        if row["kind"] == "leave":
            # Leave is personal: in the person's own feed only.
            if kind == "staff" and row["key"] == ident:
                chosen.append(row)
            continue
        if row["kind"] == "day":
            if (
                kind == "staff"
                and row["key"] == ident
                and settings.get("staff_day_events") == "true"
            ):
                chosen.append(row)
            continue
        if (
            (kind == "staff" and ident in row["staff_ids"].split())
            or (kind == "point" and row["point_id"] == ident)
            or (
                kind == "area"
                and points.get(row["point_id"], {"area_id": None})["area_id"] == ident
            )
            or kind == "all"
        ):
            chosen.append(row)
    return chosen


def _words(settings: dict[str, str]) -> Words:
    """The published instance's language (English for a store from before it was kept)."""
    return words(settings.get("language", "en"))


def process_names(settings: dict[str, str]) -> dict[str, str]:
    """Each process as a person says it in the feed's language: the instance's
    ``process_words``, else its description, else the key."""
    language = settings.get("language", "en")
    described = json.loads(settings.get("processes", "{}"))
    said = json.loads(settings.get("process_words", "{}")).get(language, {})
    return {key: said.get(key) or described.get(key) or key for key in described} | said


def feed_title(con: sqlite3.Connection, feed: str, language: str | None = None) -> str:
    settings = _settings(con) | ({"language": language} if language else {})
    w = _words(settings)
    kind, _, ident = feed.partition("/")
    area_name = settings.get("name", w("Employment area"))
    if kind == "staff":
        row = con.execute("SELECT name FROM staff WHERE staff_id = ?", (ident,)).fetchone()
        return w(
            "%(area)s: outreach days of %(person)s",
            area=area_name,
            person=row["name"] if row else ident,
        )
    if kind == "point":
        row = con.execute("SELECT name FROM points WHERE point_id = ?", (ident,)).fetchone()
        return w("%(point)s: open days", point=row["name"] if row else ident)
    if kind == "area":
        row = con.execute("SELECT area_name FROM points WHERE area_id = ?", (ident,)).fetchone()
        return w(
            "%(area)s: outreach days in %(part)s",
            area=area_name,
            part=row["area_name"] if row else ident,
        )
    return w("%(area)s: all outreach days", area=area_name)


def location(point: sqlite3.Row | None, place: str) -> str:
    """Where to go, as a map app reads it: the point's name and street address when the
    instance gives one, else its name and municipality, never the town twice."""
    if point is None:
        return place
    address = _column(point, "address")
    town = point["municipality"]
    parts = [place, address] if address else [place]
    if not address and town and town.lower() not in place.lower():
        parts.append(town)
    return ", ".join(parts)


def _column(row: sqlite3.Row | None, name: str) -> str:
    """A column that older stores may lack, as text ('' when missing or empty)."""
    if row is None or name not in row.keys():  # noqa: SIM118 (sqlite3.Row)
        return ""
    return row[name] or ""


def _sentence(text: str) -> str:
    """A full stop at the end, unless the text ends with one (a name like 'Elli N.')."""
    return text if text.endswith(".") else text + "."


def _leave_event(row: sqlite3.Row, w: Words) -> Event:
    """A span of annual leave: an all-day event from its first day to its last (DTEND the
    day after, as RFC 5545 has all-day ends), free time, in the person's own feed."""
    stamp = parse_utc(row["last_modified"])
    first = dt.date.fromisoformat(row["date"])
    last = dt.date.fromisoformat(row["end"])
    return Event.new(
        uid=row["uid"],
        stamp=stamp,
        last_modified=stamp,
        created=parse_utc(row["created"]),
        sequence=int(row["sequence"]),
        start=first,
        end=last + dt.timedelta(days=1),
        summary=w("Annual leave"),
        description=w(
            "Annual leave %(first)s–%(last)s (the published plan of the month).",
            first=w.date(first),
            last=w.date(last),
        ),
        status="CONFIRMED",
        transparency="TRANSPARENT",
    )


def render_feed(con: sqlite3.Connection, feed: str, language: str | None = None) -> bytes:
    """The feed as bytes (CRLF, folded at 75 octets by icalendar), in the published
    instance's language or in ``language`` when given."""
    settings = _settings(con) | ({"language": language} if language else {})
    tzid = settings.get("tz", "Europe/Helsinki")
    zone = ZoneInfo(tzid)
    points = {r["point_id"]: r for r in con.execute("SELECT * FROM points")}
    staff = {r["staff_id"]: r for r in con.execute("SELECT * FROM staff")}
    staff_skills = {sid: set(_column(row, "skills").split()) for sid, row in staff.items()}
    travel = {(r["home_point_id"], r["point_id"]): r for r in con.execute("SELECT * FROM travel")}
    kind, _, ident = feed.partition("/")
    refresh = dt.timedelta(minutes=int(settings.get("refresh_minutes", "60")))
    title = feed_title(con, feed, language)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", tzid)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    cal.add_component(vtimezone(tzid))
    w = _words(settings)
    names = process_names(settings)
    for row in _entries(con, feed, settings):
        point = points.get(row["point_id"])
        place = (
            point["name"]
            if point
            else (w("Central duties") if row["point_id"] == "central" else row["point_id"])
        )
        day = dt.date.fromisoformat(row["date"])
        if row["kind"] == "leave":
            cal.add_component(_leave_event(row, w))
            continue
        start = dt.datetime.combine(day, dt.time.fromisoformat(row["start"]), zone)
        end = dt.datetime.combine(day, dt.time.fromisoformat(row["end"]), zone)
        people = row["staff_ids"].split()
        lines = []
        booking = _column(point, "booking")
        if row["kind"] == "visit":
            offered = [names.get(p, p) for p in row["processes"].split()]
            if kind == "staff":
                # What the counsellor is there for comes first; then who else is there,
                # and the drive. The services on offer are not listed again.
                mine = [
                    names.get(p, p)
                    for p in row["processes"].split()
                    if p in staff_skills.get(ident, ())
                ]
                if mine:
                    lines.append(_sentence(w("You are there for: %(what)s", what=", ".join(mine))))
                others = [staff[s]["name"] for s in people if s != ident and s in staff]
                lines.append(
                    _sentence(
                        w("Also there: %(names)s", names=", ".join(others))
                        if others
                        else w("You are there alone")
                    )
                )
                home = staff[ident]["home_point_id"] if ident in staff else ""
                leg = travel.get((home, row["point_id"]))
                if leg is not None and leg["minutes"] > 0:
                    lines.append(
                        w(
                            "Drive from %(home)s: about %(minutes)s min (%(km)s km) each way.",
                            home=points[home]["name"] if home in points else home,
                            minutes=w.number(leg["minutes"]),
                            km=w.number(leg["km"]),
                        )
                    )
            else:
                opening = w(
                    "Open %(start)s–%(end)s",
                    start=row["start"].replace(":", ".") if w.language == "fi" else row["start"],
                    end=row["end"].replace(":", ".") if w.language == "fi" else row["end"],
                )
                lines.append(_sentence(opening))
                if offered:
                    lines.append(_sentence(w("Services: %(what)s", what=", ".join(offered))))
                if kind != "point" or settings.get("public_names") == "true":
                    lines.append(
                        _sentence(
                            w(
                                "Staff: %(names)s",
                                names=", ".join(
                                    staff[s]["name"] if s in staff else s for s in people
                                ),
                            )
                        )
                    )
            if booking:
                # How to book only when the instance says how: never an empty promise.
                lines.append(_sentence(w("Book an appointment: %(how)s", how=booking)))
            summary = (
                w("%(place)s: outreach day", place=place)
                if kind == "staff"
                else w("%(place)s: open by appointment", place=place)
                if booking
                else w("%(place)s: service point open", place=place)
            )
        else:
            summary = {
                "office": w("%(place)s: office day", place=place),
                "central": w("%(place)s: central duties", place=place),
            }.get(row["activity"], f"{place}: {row['activity']}")
        stamp = parse_utc(row["last_modified"])
        event = Event.new(
            uid=row["uid"],
            stamp=stamp,
            last_modified=stamp,
            created=parse_utc(row["created"]),
            sequence=int(row["sequence"]),
            start=start,
            end=end,
            summary=summary,
            description="\n".join(lines) or None,
            location=location(point, place),
            status="CONFIRMED",
            transparency="OPAQUE",
        )
        if point is not None:
            event.add("geo", (point["lat"], point["lon"]))
            if _column(point, "booking").startswith("https://"):
                event.add("url", _column(point, "booking"))
        cal.add_component(event)
    return cal.to_ical()
