"""The publication store: published plans, stable visit identities and feed tokens (SQLite).

Subscribers keep a calendar for months and see every change, so each visit keeps
one opaque UID (a random UUID kept here, never derived from names or ids) for
its whole life: when a plan is re-published, a visit at the same point on the
same day, or moved to another day of the month, keeps its UID and its SEQUENCE
rises if anything a subscriber sees changed; a visit no longer in the plan is
cancelled and leaves the feeds. DTSTAMP and LAST-MODIFIED are the time of the
last change, kept here, so unchanged data renders byte-identical feeds. Every
publication is kept with the version of each visit it produced.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.travel import travel

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from models.instance import Instance
    from planner.plan.month import Previous

DEFAULT_DB = "planner.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS publications (
    id INTEGER PRIMARY KEY, month TEXT NOT NULL, published_at TEXT NOT NULL,
    source TEXT NOT NULL, instance_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    uid TEXT PRIMARY KEY, kind TEXT NOT NULL, month TEXT NOT NULL, key TEXT NOT NULL,
    point_id TEXT NOT NULL, date TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
    staff_ids TEXT NOT NULL, processes TEXT NOT NULL, activity TEXT NOT NULL,
    sequence INTEGER NOT NULL, created TEXT NOT NULL, last_modified TEXT NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0, publication_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_month ON entries (month, kind);
CREATE TABLE IF NOT EXISTS entry_versions (
    uid TEXT NOT NULL, publication_id INTEGER NOT NULL, sequence INTEGER NOT NULL,
    point_id TEXT NOT NULL, date TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
    staff_ids TEXT NOT NULL, cancelled INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    point_id TEXT PRIMARY KEY, name TEXT NOT NULL, municipality TEXT NOT NULL,
    area_id TEXT NOT NULL, area_name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
    kind TEXT NOT NULL, address TEXT, booking TEXT);
CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, home_point_id TEXT NOT NULL, skills TEXT);
CREATE TABLE IF NOT EXISTS travel (
    home_point_id TEXT NOT NULL, point_id TEXT NOT NULL, minutes REAL NOT NULL,
    km REAL NOT NULL, PRIMARY KEY (home_point_id, point_id));
CREATE TABLE IF NOT EXISTS feeds (
    feed TEXT PRIMARY KEY, etag TEXT NOT NULL, changed_at TEXT NOT NULL, body BLOB);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, subject TEXT NOT NULL, created TEXT NOT NULL,
    revoked TEXT);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS publication_files (
    publication_id INTEGER NOT NULL, name TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (publication_id, name));
"""

CHANGE_FIELDS = ("point_id", "date", "start", "end", "staff_ids", "processes", "activity")


class StoreError(RuntimeError):
    """The store cannot be read or written, or a request does not fit what it holds."""


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


@contextmanager
def connect(path: Path | str, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    """Open the store; a missing file is an error unless ``create`` (publishing) asks for it."""
    from pathlib import Path as _Path

    if not create and not _Path(path).exists():
        raise StoreError(f"no publication store at {path} (run 'planner publish' first)")
    if create:
        # The store holds token hashes and everyone's visits: owner only, from the first
        # byte (SQLite gives its journal files the database file's permissions).
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
    try:
        connection = sqlite3.connect(str(path), timeout=10)
        connection.row_factory = sqlite3.Row
        if create:
            # WAL: the feed server's readers see the last committed publication while a
            # new one is written, never a half-written one, and never wait for it.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            columns = {r["name"] for r in connection.execute("PRAGMA table_info(feeds)")}
            if "body" not in columns:  # a store from before bodies were kept
                connection.execute("ALTER TABLE feeds ADD COLUMN body BLOB")
            columns = {r["name"] for r in connection.execute("PRAGMA table_info(points)")}
            for column in ("address", "booking"):  # a store from before they were shown
                if column not in columns:
                    connection.execute(f"ALTER TABLE points ADD COLUMN {column} TEXT")
            columns = {r["name"] for r in connection.execute("PRAGMA table_info(staff)")}
            if "skills" not in columns:
                connection.execute("ALTER TABLE staff ADD COLUMN skills TEXT")
        yield connection
        connection.commit()
    except sqlite3.Error as exc:
        raise StoreError(f"store {path}: {exc}") from exc
    finally:
        if "connection" in locals():
            connection.close()


@dataclass(frozen=True)
class PublishResult:
    publication_id: int
    month: str
    new: int
    changed: int
    unchanged: int
    cancelled: int


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _plan_entries(directory: Path, instance: Instance) -> tuple[str, list[dict[str, str]]]:
    """Visits and staff days of a plan folder, as rows for the entries table."""
    visits = _read_csv(directory / "visits.csv")
    schedule = _read_csv(directory / "schedule.csv")
    if not schedule:
        raise StoreError(f"{directory}/schedule.csv has no rows")
    month = schedule[0]["date"][:7]
    rows = []
    for v in visits:
        rows.append(
            {
                "kind": "visit",
                "key": v["point_id"],
                "point_id": v["point_id"],
                "date": v["date"],
                "start": v["start"],
                "end": v["end"],
                "staff_ids": v["staff_ids"],
                "processes": v["processes"],
                "activity": "outreach",
            }
        )
    offices = {p.point_id: p for p in instance.service_points}
    for e in schedule:
        if e["activity"] not in ("office", "central"):
            continue
        point = offices.get(e["place_id"])
        start, end = (
            (point.open.strftime("%H:%M"), point.close.strftime("%H:%M"))
            if point is not None
            else ("08:00", "16:00")
        )
        rows.append(
            {
                "kind": "day",
                "key": e["staff_id"],
                "point_id": e["place_id"],
                "date": e["date"],
                "start": start,
                "end": end,
                "staff_ids": e["staff_id"],
                "processes": "",
                "activity": e["activity"],
            }
        )
    rows += _leave_entries(instance, month)
    return month, rows


def _leave_entries(instance: Instance, month: str) -> list[dict[str, str]]:
    """Each person's annual leave in the month (absences.csv, reason 'annual leave' or
    'vuosiloma': a leave plan applied, or leave entered by hand), one all-day entry per
    span, clipped to the month: it goes in the person's own feed only."""
    import datetime as dt

    from planner.leave.model import is_annual_leave
    from planner.plan.workdays import month_days

    days = month_days(month)
    first, last = days[0], days[-1]
    spans: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for a in sorted(instance.absences, key=lambda a: (a.staff_id, a.start)):
        if not is_annual_leave(a.reason) or a.end < first or a.start > last:
            continue
        start, end = max(a.start, first), min(a.end, last)
        mine = spans.setdefault(a.staff_id, [])
        if mine and mine[-1][1] + dt.timedelta(days=1) >= start:
            mine[-1] = (mine[-1][0], max(mine[-1][1], end))
        else:
            mine.append((start, end))
    return [
        {
            "kind": "leave",
            "key": staff_id,
            "point_id": "",
            "date": start.isoformat(),
            "start": "00:00",
            "end": end.isoformat(),
            "staff_ids": staff_id,
            "processes": "",
            "activity": "annual_leave",
        }
        for staff_id, mine in spans.items()
        for start, end in mine
    ]


def _pair(
    old: list[sqlite3.Row], new: list[dict[str, str]]
) -> tuple[list[tuple[sqlite3.Row, dict[str, str]]], list[sqlite3.Row], list[dict[str, str]]]:
    """Match one point's (or person's) published entries to the new plan's.

    Same day first (a re-assigned visit); then the rest in date order (a moved visit);
    what is left over is cancelled (old) or new.
    """
    pairs = []
    by_date = {o["date"]: o for o in old}
    rest_new = []
    for row in sorted(new, key=lambda r: r["date"]):
        match = by_date.pop(row["date"], None)
        if match is not None:
            pairs.append((match, row))
        else:
            rest_new.append(row)
    rest_old = sorted(by_date.values(), key=lambda o: o["date"])
    pairs += list(zip(rest_old, rest_new, strict=False))
    return pairs, rest_old[len(rest_new) :], rest_new[len(rest_old) :]


def publish(
    db: Path | str,
    directory: Path,
    instance: Instance,
    now: dt.datetime,
    *,
    dry_run: bool = False,
) -> PublishResult:
    """Record the plan in ``directory`` as the published plan for its month.

    ``dry_run`` answers what publishing would do (the counts of calendar entries new,
    changed, unchanged and cancelled, by the same matching) and stores nothing: the
    desk states it before a planner confirms."""
    from collections import defaultdict

    month, rows = _plan_entries(directory, instance)
    stamp = utc_text(now)
    counts = {"new": 0, "changed": 0, "unchanged": 0, "cancelled": 0}
    with connect(db, create=True) as con:
        _snapshot(con, instance)
        cur = con.execute(
            "INSERT INTO publications (month, published_at, source, instance_name) "
            "VALUES (?, ?, ?, ?)",
            (month, stamp, str(directory), instance.settings.name),
        )
        publication = int(cur.lastrowid or 0)
        if not dry_run:
            _keep_files(con, publication, directory)
        for kind in ("visit", "day", "leave"):
            current = con.execute(
                "SELECT * FROM entries WHERE month = ? AND kind = ? AND cancelled = 0",
                (month, kind),
            ).fetchall()
            old_by_key: dict[str, list[sqlite3.Row]] = defaultdict(list)
            for row in current:
                old_by_key[row["key"]].append(row)
            new_by_key: dict[str, list[dict[str, str]]] = defaultdict(list)
            for row in rows:
                if row["kind"] == kind:
                    new_by_key[row["key"]].append(row)
            for key in sorted(set(old_by_key) | set(new_by_key)):
                pairs, gone, fresh = _pair(old_by_key[key], new_by_key[key])
                for old, row in pairs:
                    if all(old[f] == row[f] for f in CHANGE_FIELDS):
                        counts["unchanged"] += 1
                        continue
                    counts["changed"] += 1
                    con.execute(
                        "UPDATE entries SET point_id=?, date=?, start=?, end=?, staff_ids=?, "
                        "processes=?, activity=?, sequence=sequence+1, last_modified=?, "
                        "publication_id=? WHERE uid=?",
                        (*(row[f] for f in CHANGE_FIELDS), stamp, publication, old["uid"]),
                    )
                    _version(con, old["uid"], publication)
                for old in gone:
                    counts["cancelled"] += 1
                    con.execute(
                        "UPDATE entries SET cancelled=1, sequence=sequence+1, "
                        "last_modified=?, publication_id=? WHERE uid=?",
                        (stamp, publication, old["uid"]),
                    )
                    _version(con, old["uid"], publication)
                for row in fresh:
                    counts["new"] += 1
                    uid = str(uuid.uuid4())
                    con.execute(
                        "INSERT INTO entries (uid, kind, month, key, point_id, date, start, end, "
                        "staff_ids, processes, activity, sequence, created, last_modified, "
                        "cancelled, publication_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?,0,?)",
                        (
                            uid,
                            kind,
                            month,
                            key,
                            *(row[f] for f in CHANGE_FIELDS),
                            stamp,
                            stamp,
                            publication,
                        ),
                    )
                    _version(con, uid, publication)
        if dry_run:
            con.rollback()
        else:
            _record_feed_changes(con, stamp)
    return PublishResult(
        publication,
        month,
        counts["new"],
        counts["changed"],
        counts["unchanged"],
        counts["cancelled"],
    )


def _keep_files(con: sqlite3.Connection, publication: int, directory: Path) -> None:
    """The published plan's own files (its manifest and every file the manifest lists), so
    the desk can start from what was published wherever the folder was, and after it is
    gone: a plan published from the command line is the desk's month as it stands."""
    from planner.check.files import MANIFEST

    if not (directory / MANIFEST).is_file():
        return  # not a checked plan folder (only the store's own tests publish such)
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    for name in [*sorted(manifest["source"]["files"]), MANIFEST]:
        con.execute(
            "INSERT INTO publication_files VALUES (?, ?, ?)",
            (publication, name, (directory / name).read_bytes()),
        )


def published_files(db: Path | str, month: str) -> tuple[int, dict[str, bytes]] | None:
    """(publication id, files) of the month's latest publication, or None when it was
    never published or was published before the store kept files."""
    with connect(db) as con:
        row = con.execute(
            "SELECT id FROM publications WHERE month = ? ORDER BY id DESC LIMIT 1", (month,)
        ).fetchone()
        if row is None:
            return None
        try:
            files = {
                r["name"]: bytes(r["body"])
                for r in con.execute(
                    "SELECT name, body FROM publication_files WHERE publication_id = ?",
                    (row["id"],),
                )
            }
        except sqlite3.OperationalError:
            files = {}  # a store from before the files were kept
    return (int(row["id"]), files) if files else None


def _version(con: sqlite3.Connection, uid: str, publication: int) -> None:
    con.execute(
        "INSERT INTO entry_versions (uid, publication_id, sequence, point_id, date, start, end, "
        "staff_ids, cancelled) SELECT uid, ?, sequence, point_id, date, start, end, staff_ids, "
        "cancelled FROM entries WHERE uid = ?",
        (publication, uid),
    )


def _snapshot(con: sqlite3.Connection, instance: Instance) -> None:
    """Names, places and travel as published, so feeds render without the instance files."""
    # Only what is planned: points of an optional area that is switched off get no feed.
    active = instance.active_points()
    con.execute(
        f"DELETE FROM points WHERE point_id NOT IN ({','.join('?' * len(active))})",
        [p.point_id for p in active],
    )
    for p in active:
        area = instance.area(instance.municipality(p.municipality_id).area_id)
        con.execute(
            "INSERT OR REPLACE INTO points (point_id, name, municipality, area_id, area_name, "
            "lat, lon, kind, address, booking) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                p.point_id,
                p.name,
                instance.municipality(p.municipality_id).name,
                area.area_id,
                area.name,
                p.lat,
                p.lon,
                p.kind,
                p.address,
                p.booking,
            ),
        )
    for s in instance.staff:
        con.execute(
            "INSERT OR REPLACE INTO staff (staff_id, name, home_point_id, skills) VALUES (?,?,?,?)",
            (s.staff_id, s.name, s.home_point_id, " ".join(sorted(s.skills))),
        )
    # Someone no longer in staff.csv has no feed: their token stops working at once.
    present = [s.staff_id for s in instance.staff]
    con.execute(
        f"DELETE FROM staff WHERE staff_id NOT IN ({','.join('?' * len(present))})", present
    )
    homes = {s.home_point_id for s in instance.staff}
    for home in homes:
        for p in instance.service_points:
            km, minutes = travel(instance, home, p.point_id)
            con.execute(
                "INSERT OR REPLACE INTO travel VALUES (?,?,?,?)", (home, p.point_id, minutes, km)
            )
    feeds = instance.settings.feeds
    for key, value in (
        ("tz", instance.settings.time_zone),
        ("name", instance.settings.name),
        ("staff_day_events", str(feeds.staff_day_events).lower()),
        ("public_names", str(feeds.public_names).lower()),
        ("refresh_minutes", str(feeds.refresh_minutes)),
        ("processes", json.dumps(instance.settings.processes)),
        ("language", instance.settings.language),
        ("process_words", json.dumps(instance.settings.process_words)),
    ):
        con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))


def feed_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _record_feed_changes(con: sqlite3.Connection, stamp: str) -> None:
    """Render every feed once, here, and keep its bytes, validator and the time they last
    changed (this publication's, if they did), in the same transaction as the entries:
    the server then only reads, and a body never goes out with another body's ETag."""
    from planner.feeds.render import all_feed_keys, render_feed

    keys = all_feed_keys(con)
    for feed in keys:
        body = render_feed(con, feed)
        etag = feed_etag(body)
        row = con.execute("SELECT etag, changed_at FROM feeds WHERE feed = ?", (feed,)).fetchone()
        changed = row["changed_at"] if row is not None and row["etag"] == etag else stamp
        con.execute(
            "INSERT OR REPLACE INTO feeds (feed, etag, changed_at, body) VALUES (?, ?, ?, ?)",
            (feed, etag, changed, body),
        )
    con.execute(f"DELETE FROM feeds WHERE feed NOT IN ({','.join('?' * len(keys))})", keys)


# ----------------------------------------------------------------------------- tokens

PLANNER_PREFIX = "planner:"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Path | str, subject: str, now: dt.datetime, *, rotate: bool = False) -> str:
    """A new secret for a person's (or, 'planner:NAME', a planner's) private feed.

    192 random bits, URL-safe; only its SHA-256 is stored. ``rotate`` revokes the
    subject's current token first; without it, a subject that has one is refused.
    """
    if subject.startswith(PLANNER_PREFIX):
        name = subject.removeprefix(PLANNER_PREFIX)
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", name):
            raise StoreError(
                f"planner name {name!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'"
            )
    # A planner may need the desk before anything is published: their token makes the store.
    with connect(db, create=subject.startswith(PLANNER_PREFIX)) as con:
        if not subject.startswith(PLANNER_PREFIX):
            known = con.execute("SELECT 1 FROM staff WHERE staff_id = ?", (subject,)).fetchone()
            if known is None:
                raise StoreError(f"unknown staff id {subject!r} in the published plans")
        active = con.execute(
            "SELECT token_hash FROM tokens WHERE subject = ? AND revoked IS NULL", (subject,)
        ).fetchall()
        if active and not rotate:
            raise StoreError(f"{subject} already has a feed token; use 'planner token rotate'")
        con.execute(
            "UPDATE tokens SET revoked = ? WHERE subject = ? AND revoked IS NULL",
            (utc_text(now), subject),
        )
        if rotate:
            _close_desk(con, subject)
        token = secrets.token_urlsafe(24)
        con.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, NULL)", (_hash(token), subject, utc_text(now))
        )
    return token


def revoke_token(db: Path | str, subject: str, now: dt.datetime) -> int:
    """Stop a subject's feed URL at once; for a planner, also close every desk session
    and unused sign-in link they hold (their next click at the desk is refused)."""
    with connect(db) as con:
        cur = con.execute(
            "UPDATE tokens SET revoked = ? WHERE subject = ? AND revoked IS NULL",
            (utc_text(now), subject),
        )
        _close_desk(con, subject)
        return cur.rowcount


def _close_desk(con: sqlite3.Connection, subject: str) -> None:
    """A revoked or rotated planner's desk sessions and sign-in links end now."""
    if not subject.startswith(PLANNER_PREFIX):
        return
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    who = subject.removeprefix(PLANNER_PREFIX)
    if "desk_sessions" in tables:
        con.execute("DELETE FROM desk_sessions WHERE who = ?", (who,))
    if "desk_links" in tables:
        con.execute("DELETE FROM desk_links WHERE who = ? AND used IS NULL", (who,))


def subject_of(con: sqlite3.Connection, token: str) -> str | None:
    """Whose feed a token opens, or None; the stored hash is compared in constant time."""
    digest = _hash(token)
    row = con.execute(
        "SELECT token_hash, subject FROM tokens WHERE token_hash = ? AND revoked IS NULL", (digest,)
    ).fetchone()
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        return None
    return str(row["subject"])


def published_previous(db: Path | str, month: str) -> Previous | None:
    """The visits of ``month`` as last published, as a :class:`planner.plan.month.Previous`
    context for the next month's deadlines (no rhythms or names: the store holds visits
    only), or None when that month was never published."""
    from planner.plan.month import Previous

    with connect(db) as con:
        try:
            rows = con.execute(
                "SELECT point_id, date, staff_ids FROM entries "
                "WHERE kind = 'visit' AND month = ? AND cancelled = 0",
                (month,),
            ).fetchall()
        except sqlite3.OperationalError:
            return None  # an empty or foreign database: nothing published
    if not rows:
        return None
    visits = frozenset(
        (sid, row["point_id"], dt.date.fromisoformat(row["date"]))
        for row in rows
        for sid in row["staff_ids"].split()
    )
    return Previous(month=month, visits=visits, source=f"the published plan in {db}")
