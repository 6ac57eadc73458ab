"""Writing the feeds into a CalDAV server's calendars (Nextcloud, Radicale and the like).

For areas that run their own calendar server: each feed becomes a calendar (its
id is the feed key, e.g. ``planner-staff-s001``); each visit is stored as its own
object under its UID, replaced only when its SEQUENCE or DTSTAMP changed, and
objects whose UID left the feed (cancelled or re-assigned visits) are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from icalendar import Calendar

from planner.feeds.render import all_feed_keys, feed_title, render_feed
from planner.feeds.store import connect

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@dataclass
class PushResult:
    calendars: int = 0
    written: int = 0
    unchanged: int = 0
    deleted: int = 0


def calendar_id(feed: str) -> str:
    return "planner-" + feed.replace("/", "-")


def _single(feed_cal: Calendar, event: object) -> bytes:
    """One VCALENDAR holding the feed's VTIMEZONE and one VEVENT, as CalDAV stores them."""
    one = Calendar()
    for key in ("prodid", "version", "calscale"):
        one.add(key, feed_cal[key])
    for tz in feed_cal.walk("VTIMEZONE"):
        one.add_component(tz)
    one.add_component(event)  # type: ignore[arg-type]
    return one.to_ical()


def push(
    db: Path | str,
    url: str,
    username: str | None = None,
    password: str | None = None,
    feeds: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> PushResult:
    import caldav

    result = PushResult()
    with connect(db) as con:
        keys = feeds or all_feed_keys(con)
        rendered = {key: (feed_title(con, key), render_feed(con, key)) for key in keys}
    with caldav.DAVClient(url=url, username=username, password=password) as client:
        principal = client.principal()
        existing = {c.url.path.rstrip("/").rsplit("/", 1)[-1]: c for c in principal.calendars()}
        for key, (title, body) in rendered.items():
            cid = calendar_id(key)
            target = existing.get(cid) or principal.make_calendar(name=title, cal_id=cid)
            result.calendars += 1
            feed_cal = Calendar.from_ical(body)
            wanted = {str(e["UID"]): e for e in feed_cal.walk("VEVENT")}
            stored = {}
            for obj in target.events():
                component = obj.icalendar_component
                stored[str(component["UID"])] = (obj, component)
            for uid, event in wanted.items():
                old = stored.get(uid)
                if (
                    old is not None
                    and int(old[1].get("SEQUENCE", 0)) == int(event.get("SEQUENCE", 0))
                    and old[1].get("DTSTAMP").to_ical() == event["DTSTAMP"].to_ical()
                ):
                    result.unchanged += 1
                    continue
                target.save_event(_single(feed_cal, event).decode(), increase_seqno=False)
                result.written += 1
            for uid, (obj, _) in stored.items():
                if uid not in wanted:
                    obj.delete()
                    result.deleted += 1
            if progress is not None:
                progress(f"{cid}: {len(wanted)} events")
    return result
