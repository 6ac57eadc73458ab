"""The desk's own tables in the publication store: sessions, actions, re-plan jobs, drafts.

Everything a planner does at the desk is a row here with who and when, in the same
SQLite file as the publications, so a server restart loses nothing: a re-plan that
was running is queued again on start (its inputs, the pins and the absences, are
all here or in the instance), and the draft of each month is the folder the last
finished re-plan wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.feeds.store import PLANNER_PREFIX, connect, utc_text

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS desk_sessions (
    session_hash TEXT PRIMARY KEY, who TEXT NOT NULL, created TEXT NOT NULL,
    expires TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS desk_actions (
    id INTEGER PRIMARY KEY, month TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL,
    kind TEXT NOT NULL, detail TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS desk_jobs (
    id INTEGER PRIMARY KEY, month TEXT NOT NULL, who TEXT NOT NULL,
    requested_at TEXT NOT NULL, from_day TEXT, status TEXT NOT NULL,
    started_at TEXT, finished_at TEXT, attempt INTEGER NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '', log TEXT NOT NULL DEFAULT '', directory TEXT);
CREATE TABLE IF NOT EXISTS desk_drafts (
    month TEXT PRIMARY KEY, directory TEXT NOT NULL, job_id INTEGER NOT NULL,
    at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS desk_links (
    link_hash TEXT PRIMARY KEY, who TEXT NOT NULL, created TEXT NOT NULL,
    expires TEXT NOT NULL, used TEXT);
CREATE TABLE IF NOT EXISTS desk_flash (
    id INTEGER PRIMARY KEY, session_hash TEXT NOT NULL, kind TEXT NOT NULL,
    text TEXT NOT NULL);
"""

SESSION_HOURS = 12
"""A desk session lasts a working day; after it, the planner asks for a new sign-in link."""

LINK_MINUTES = 30
"""A sign-in link is good for one use within this time (it travels by e-mail or chat)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def local(text: str) -> dt.datetime:
    """A stored UTC time as Finnish local time (Europe/Helsinki)."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo("Europe/Helsinki"))


def open_desk(db: Path) -> None:
    """Create the desk's tables (and the store, owner-only, if it is new)."""
    with connect(db, create=True) as con:
        con.executescript(SCHEMA)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_signin_link(db: Path, who: str) -> str:
    """A single-use, short-lived secret that opens one desk session for planner ``who``.

    It is not the planner's calendar URL: a calendar URL ends up stored in calendar
    services and phones, so it must never be a way in. Only its hash is stored."""
    secret = secrets.token_urlsafe(24)
    moment = now()
    open_desk(db)
    with connect(db) as con:
        con.execute(
            "INSERT INTO desk_links VALUES (?, ?, ?, ?, NULL)",
            (
                _hash(secret),
                who,
                utc_text(moment),
                utc_text(moment + dt.timedelta(minutes=LINK_MINUTES)),
            ),
        )
    return secret


def use_signin_link(db: Path, secret: str) -> tuple[str, str] | None:
    """Exchange a sign-in link for a new session: (who, session secret), or None when the
    link is unknown, used, expired or its planner's access was revoked since. The link
    is marked used in the same transaction, so two clicks cannot make two sessions."""
    moment = utc_text(now())
    with connect(db) as con:
        con.isolation_level = None
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(
                "SELECT who FROM desk_links WHERE link_hash = ? AND used IS NULL AND expires > ?",
                (_hash(secret), moment),
            ).fetchone()
            if row is None or not _may_enter(con, str(row["who"])):
                con.execute("COMMIT")
                return None
            con.execute(
                "UPDATE desk_links SET used = ? WHERE link_hash = ?", (moment, _hash(secret))
            )
            session = secrets.token_urlsafe(32)
            con.execute(
                "INSERT INTO desk_sessions VALUES (?, ?, ?, ?)",
                (
                    _hash(session),
                    row["who"],
                    moment,
                    utc_text(now() + dt.timedelta(hours=SESSION_HOURS)),
                ),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return str(row["who"]), session


def _may_enter(con: sqlite3.Connection, who: str) -> bool:
    """A planner may use the desk while they hold an active (unrevoked) planner token."""
    return (
        con.execute(
            "SELECT 1 FROM tokens WHERE subject = ? AND revoked IS NULL", (PLANNER_PREFIX + who,)
        ).fetchone()
        is not None
    )


def session_who(db: Path, secret: str | None) -> str | None:
    """Who holds this session, or None (unknown, expired, or the planner was revoked:
    revoking or rotating a planner also deletes their sessions, and this check makes
    the refusal immediate even for a session made in the same instant)."""
    if not secret:
        return None
    with connect(db) as con:
        row = con.execute(
            "SELECT who FROM desk_sessions WHERE session_hash = ? AND expires > ?",
            (_hash(secret), utc_text(now())),
        ).fetchone()
        if row is None or not _may_enter(con, str(row["who"])):
            return None
    return str(row["who"])


def end_session(db: Path, secret: str) -> None:
    with connect(db) as con:
        con.execute("DELETE FROM desk_sessions WHERE session_hash = ?", (_hash(secret),))
        con.execute("DELETE FROM desk_flash WHERE session_hash = ?", (_hash(secret),))


def csrf_token(secret: str) -> str:
    """The session's form token: derived from the session secret (so nothing more is
    stored), and useless without the HttpOnly cookie it comes from."""
    return hashlib.sha256(f"desk-form:{secret}".encode()).hexdigest()[:40]


def flash(db: Path, secret: str, kind: str, text: str) -> None:
    """A message for the session's next page (never carried in a URL, where another
    site could write it)."""
    with connect(db) as con:
        con.execute(
            "INSERT INTO desk_flash (session_hash, kind, text) VALUES (?, ?, ?)",
            (_hash(secret), kind, text),
        )


def take_flash(db: Path, secret: str) -> dict[str, str]:
    """The session's waiting messages by kind ('message', 'error'), removed as read."""
    with connect(db) as con:
        rows = con.execute(
            "SELECT id, kind, text FROM desk_flash WHERE session_hash = ? ORDER BY id",
            (_hash(secret),),
        ).fetchall()
        con.execute("DELETE FROM desk_flash WHERE session_hash = ?", (_hash(secret),))
    out: dict[str, str] = {}
    for r in rows:
        out[r["kind"]] = r["text"]
    return out


@dataclass(frozen=True)
class Action:
    id: int
    month: str
    at: str
    who: str
    kind: str
    detail: dict[str, Any]
    active: bool


def record(db: Path, month: str, who: str, kind: str, detail: dict[str, Any]) -> int:
    """Store one thing a person did (pin, unpin, absence, replan, publish)."""
    with connect(db) as con:
        cur = con.execute(
            "INSERT INTO desk_actions (month, at, who, kind, detail) VALUES (?, ?, ?, ?, ?)",
            (month, utc_text(now()), who, kind, json.dumps(detail, sort_keys=True)),
        )
        return int(cur.lastrowid or 0)


def _action(row: sqlite3.Row) -> Action:
    return Action(
        row["id"],
        row["month"],
        row["at"],
        row["who"],
        row["kind"],
        json.loads(row["detail"]),
        bool(row["active"]),
    )


def actions(db: Path, month: str, kind: str | None = None) -> list[Action]:
    query = "SELECT * FROM desk_actions WHERE month = ?"
    args: tuple[str, ...] = (month,)
    if kind is not None:
        query += " AND kind = ?"
        args += (kind,)
    with connect(db) as con:
        return [_action(r) for r in con.execute(query + " ORDER BY id", args)]


def deactivate(db: Path, action_id: int) -> Action | None:
    """Switch a pin off (it stays in the log, inactive)."""
    with connect(db) as con:
        row = con.execute(
            "SELECT * FROM desk_actions WHERE id = ? AND active = 1", (action_id,)
        ).fetchone()
        if row is None:
            return None
        con.execute("UPDATE desk_actions SET active = 0 WHERE id = ?", (action_id,))
    return _action(row)


@dataclass(frozen=True)
class Job:
    id: int
    month: str
    who: str
    requested_at: str
    from_day: str | None
    status: str
    started_at: str | None
    finished_at: str | None
    attempt: int
    progress: str
    log: str
    directory: str | None

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")


def _job(row: sqlite3.Row) -> Job:
    return Job(**{k: row[k] for k in row.keys()})  # noqa: SIM118 (sqlite3.Row)


def queue_job(db: Path, month: str, who: str, from_day: str | None) -> int:
    with connect(db) as con:
        cur = con.execute(
            "INSERT INTO desk_jobs (month, who, requested_at, from_day, status) "
            "VALUES (?, ?, ?, ?, 'queued')",
            (month, who, utc_text(now()), from_day),
        )
        return int(cur.lastrowid or 0)


def job(db: Path, job_id: int) -> Job | None:
    with connect(db) as con:
        row = con.execute("SELECT * FROM desk_jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else _job(row)


def jobs(db: Path, month: str, limit: int = 5) -> list[Job]:
    with connect(db) as con:
        rows = con.execute(
            "SELECT * FROM desk_jobs WHERE month = ? ORDER BY id DESC LIMIT ?", (month, limit)
        ).fetchall()
    return [_job(r) for r in rows]


def take_job(db: Path) -> Job | None:
    """The oldest queued job, marked running (one worker takes jobs, in order)."""
    with connect(db) as con:
        row = con.execute(
            "SELECT * FROM desk_jobs WHERE status = 'queued' ORDER BY id LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        con.execute(
            "UPDATE desk_jobs SET status = 'running', started_at = ?, attempt = attempt + 1, "
            "progress = 'starting', log = '' WHERE id = ?",
            (utc_text(now()), row["id"]),
        )
        row = con.execute("SELECT * FROM desk_jobs WHERE id = ?", (row["id"],)).fetchone()
    return _job(row)


def job_progress(db: Path, job_id: int, line: str, plain: str | None = "") -> None:
    """Append ``line`` to the job's log; the progress a planner sees becomes ``plain``
    (the line itself when not given; unchanged when None: a line only for the log)."""
    with connect(db) as con:
        if plain is None:
            con.execute(
                "UPDATE desk_jobs SET log = log || ? || char(10) WHERE id = ?", (line, job_id)
            )
        else:
            con.execute(
                "UPDATE desk_jobs SET progress = ?, log = log || ? || char(10) WHERE id = ?",
                (plain or line, line, job_id),
            )


def finish_job(db: Path, job_id: int, status: str, directory: str | None) -> None:
    with connect(db) as con:
        con.execute(
            "UPDATE desk_jobs SET status = ?, finished_at = ?, directory = ? WHERE id = ?",
            (status, utc_text(now()), directory, job_id),
        )
        if status == "done" and directory:
            month = con.execute("SELECT month FROM desk_jobs WHERE id = ?", (job_id,)).fetchone()
            con.execute(
                "INSERT OR REPLACE INTO desk_drafts VALUES (?, ?, ?, ?)",
                (month["month"], directory, job_id, utc_text(now())),
            )


def requeue_interrupted(db: Path) -> int:
    """Jobs a stopped server left running go back to the queue (their inputs are kept)."""
    with connect(db) as con:
        cur = con.execute(
            "UPDATE desk_jobs SET status = 'queued', progress = 'queued again: the server "
            "stopped while it ran' WHERE status = 'running'"
        )
        return cur.rowcount


def draft(db: Path, month: str) -> tuple[str, int, str] | None:
    """(folder, job id, time) of the month's draft plan, if the desk has made one."""
    with connect(db) as con:
        row = con.execute("SELECT * FROM desk_drafts WHERE month = ?", (month,)).fetchone()
    return None if row is None else (row["directory"], row["job_id"], row["at"])


def published(db: Path, month: str) -> tuple[int, str] | None:
    """(publication id, time) of the month's latest publication."""
    with connect(db) as con:
        row = con.execute(
            "SELECT id, published_at FROM publications WHERE month = ? ORDER BY id DESC LIMIT 1",
            (month,),
        ).fetchone()
    return None if row is None else (row["id"], row["published_at"])


def published_days(db: Path, month: str) -> dict[tuple[str, str], str]:
    """(staff id, date) → place of every published working day of the month."""
    days: dict[tuple[str, str], str] = {}
    with connect(db) as con:
        rows = con.execute(
            "SELECT kind, point_id, date, staff_ids, activity FROM entries "
            "WHERE month = ? AND cancelled = 0 AND kind IN ('visit', 'day')",
            (month,),
        ).fetchall()
    for row in rows:
        for sid in row["staff_ids"].split():
            days[(sid, row["date"])] = row["point_id"] or row["activity"]
    return days


def months(db: Path) -> list[str]:
    """Months with a draft or a publication."""
    with connect(db) as con:
        rows = con.execute(
            "SELECT month FROM desk_drafts UNION SELECT month FROM publications"
        ).fetchall()
    return sorted(str(r["month"]) for r in rows)
