"""What the desk does: read a plan folder into views, keep pins and absences, run
re-plans in the background, diff a draft against the published plan, publish.

A re-plan is ``planner schedule`` itself, run as a child process with the desk's pins
(``--pins``), the month's draft as ``--previous`` (so as little as possible changes)
and, when asked, ``--from-day`` (the days before it are frozen as worked). So the
desk's plans are made, checked and written exactly as the command line's are, and a
server restart never leaves a half-written draft: the draft is only switched to a
folder the command finished and checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.check import PlanFilesError, check_plan, instance_changes, read_manifest
from planner.desk import log
from planner.feeds.store import publish
from planner.io import InstanceError, load_instance
from planner.plan.month import prepare
from planner.plan.pins import COLUMNS, RULES, Pin, PinError, check_pins
from planner.plan.workdays import finnish_holidays, month_days, parse_month

if TYPE_CHECKING:
    from models.instance import Instance

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class DeskError(ValueError):
    """Something a planner asked for cannot be done; the message says why, in words."""


@dataclass(frozen=True)
class Desk:
    """Where the desk keeps things and how it plans."""

    db: Path
    instance_dir: Path
    workdir: Path
    time_limit: float = 30.0
    workers: int = 4
    seed: int = 0
    method: str = "auto"

    def instance(self) -> Instance:
        return load_instance(self.instance_dir)


def check_month(month: str) -> str:
    if not MONTH.match(month):
        raise DeskError(f"{month!r} is not a month (YYYY-MM)")
    return month


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- pins and absences -------------------------------------------------------------------


def active_pins(desk: Desk, month: str) -> list[log.Action]:
    return [a for a in log.actions(desk.db, month, "pin") if a.active]


def _pin_of(action: log.Action) -> Pin:
    d = action.detail
    day = dt.date.fromisoformat(d["date"]) if d.get("date") else None
    return Pin(
        action.id,
        d["rule"],
        d.get("staff_id", ""),
        d.get("point_id", ""),
        day,
        d.get("pattern", ""),
    )


def add_pin(desk: Desk, month: str, who: str, form: dict[str, str]) -> int:
    """Store a pin after checking it, with every pin already there, against the month:
    a pin the month cannot keep, or one contradicting another, is refused naming both."""
    rule = form.get("rule", "")
    if rule not in RULES:
        raise DeskError(f"pin: {rule!r} is not one of {', '.join(RULES)}")
    detail = {c: form.get(c, "").strip() for c in COLUMNS}
    if rule != "keeps_pattern":
        try:
            day = dt.date.fromisoformat(detail["date"])
        except ValueError:
            raise DeskError(f"pin: date {detail['date']!r} is not YYYY-MM-DD") from None
        if day.strftime("%Y-%m") != month:
            raise DeskError(f"pin: {day} is not in {month}")
    if rule in ("goes", "does_not_go") and not detail["staff_id"]:
        raise DeskError(f"pin: {rule} needs a person")
    instance = desk.instance()
    data = prepare(instance, month)
    existing = [_pin_of(a) for a in active_pins(desk, month)]
    candidate = Pin(
        0,
        rule,
        detail["staff_id"],
        detail["point_id"],
        dt.date.fromisoformat(detail["date"]) if detail["date"] else None,
        detail["pattern"],
    )
    try:
        check_pins([*existing, candidate], data, "pin")
    except PinError as exc:
        names = {s.staff_id: s.name for s in instance.staff}
        words = "; ".join(exc.problems).replace("pin:0", "the new pin")
        for sid, name in names.items():
            words = re.sub(rf"\b{re.escape(sid)}\b", f"{name} ({sid})", words)
        raise DeskError(words) from None
    return log.record(desk.db, month, who, "pin", detail)


def remove_pin(desk: Desk, month: str, who: str, pin_id: int) -> None:
    gone = log.deactivate(desk.db, pin_id)
    if gone is None or gone.month != month:
        raise DeskError(f"no active pin {pin_id} in {month}")
    log.record(desk.db, month, who, "unpin", {"pin": pin_id, **gone.detail})


def add_absence(desk: Desk, month: str, who: str, form: dict[str, str]) -> None:
    """Append an absence to the instance's absences.csv (the facts about people live in
    the instance, where every later plan and check reads them) and log who added it."""
    instance = desk.instance()
    sid = form.get("staff_id", "").strip()
    if sid not in {s.staff_id for s in instance.staff}:
        raise DeskError(f"absence: unknown person {sid!r}")
    try:
        start = dt.date.fromisoformat(form.get("start", "").strip())
        end = dt.date.fromisoformat((form.get("end") or form.get("start", "")).strip())
    except ValueError:
        raise DeskError("absence: start and end must be dates (YYYY-MM-DD)") from None
    if end < start:
        raise DeskError(f"absence: end {end} is before start {start}")
    reason = " ".join(form.get("reason", "").split())[:150] or "absence"
    reason = f"{reason} (added at the desk by {who})"
    path = desk.instance_dir / "absences.csv"
    old = path.read_bytes() if path.is_file() else b"staff_id,start,end,reason\n"
    if not old.endswith(b"\n"):
        old += b"\n"
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", delete=False, dir=desk.instance_dir, suffix=".tmp"
    ) as handle:
        handle.write(old.decode("utf-8-sig"))
        csv.writer(handle, lineterminator="\n").writerow([sid, start, end, reason])
        staged = Path(handle.name)
    os.chmod(staged, path.stat().st_mode & 0o777 if path.exists() else 0o644)
    os.replace(staged, path)
    try:
        load_instance(desk.instance_dir)
    except InstanceError as exc:
        path.write_bytes(old)
        raise DeskError(f"absence refused by the instance reader: {exc}") from None
    detail = {"staff_id": sid, "start": str(start), "end": str(end), "reason": reason}
    log.record(desk.db, month, who, "absence", detail)


# --- re-plans ------------------------------------------------------------------------------


def request_replan(desk: Desk, month: str, who: str, from_day: str | None) -> int:
    if from_day:
        try:
            day = dt.date.fromisoformat(from_day)
        except ValueError:
            raise DeskError(f"re-plan: {from_day!r} is not a date (YYYY-MM-DD)") from None
        if day.strftime("%Y-%m") != month:
            raise DeskError(f"re-plan: {day} is not in {month}")
        if log.draft(desk.db, month) is None:
            raise DeskError("re-plan: freezing days needs a draft of the month to freeze")
    running = [j for j in log.jobs(desk.db, month) if j.running]
    if running:
        raise DeskError(f"a re-plan of {month} is already under way (job {running[0].id})")
    job = log.queue_job(desk.db, month, who, from_day or None)
    log.record(desk.db, month, who, "replan", {"job": job, "from_day": from_day or ""})
    return job


def run_job(desk: Desk, job: log.Job, stop: threading.Event | None = None) -> None:
    """Run one re-plan to its end: ``planner schedule`` as a child process, its progress
    lines into the job row, the draft switched only when it finished and was checked."""
    folder = desk.workdir / job.month
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"job-{job.id}-{job.attempt}"
    pins = folder / f"job-{job.id}-{job.attempt}-pins.csv"
    with open(pins, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for action in active_pins(desk, job.month):
            writer.writerow({c: action.detail.get(c, "") for c in COLUMNS})
    command = [
        sys.executable,
        "-m",
        "cli",
        "schedule",
        str(desk.instance_dir),
        "--month",
        job.month,
        "--out",
        str(out),
        "--db",
        str(desk.db),
        "--pins",
        str(pins),
        "--time-limit",
        str(desk.time_limit),
        "--workers",
        str(desk.workers),
        "--seed",
        str(desk.seed),
        "--method",
        desk.method,
    ]
    current = log.draft(desk.db, job.month)
    if current is not None:
        command += ["--previous", current[0]]
    if job.from_day:
        command += ["--from-day", job.from_day]
    log.job_progress(
        desk.db,
        job.id,
        "planning with "
        + (
            f"the draft of {current[2]} as the plan to change least"
            if current
            else "no draft yet (a fresh plan)"
        ),
    )
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log.job_progress(desk.db, job.id, line.rstrip())
            if stop is not None and stop.is_set():
                process.terminate()
                process.wait()
                return  # stays 'running': queued again when the server starts
        code = process.wait()
    if stop is not None and stop.is_set():
        return
    log.finish_job(
        desk.db, job.id, "done" if code == 0 else "failed", str(out) if code == 0 else None
    )


class Worker:
    """The one background thread that runs queued re-plans, in order."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="desk-replan", daemon=True)

    def start(self) -> None:
        log.requeue_interrupted(self.desk.db)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)

    def _loop(self) -> None:
        while not self.stop.is_set():
            job = log.take_job(self.desk.db)
            if job is None:
                self.stop.wait(0.3)
                continue
            try:
                run_job(self.desk, job, self.stop)
            except Exception as exc:
                log.job_progress(self.desk.db, job.id, f"the re-plan failed: {exc}")
                log.finish_job(self.desk.db, job.id, "failed", None)


# --- publishing ----------------------------------------------------------------------------


def publish_draft(desk: Desk, month: str, who: str) -> str:
    """Publish the month's draft after the same refusals as ``planner publish``."""
    current = log.draft(desk.db, month)
    if current is None:
        raise DeskError(f"{month} has no draft to publish; re-plan first")
    directory = Path(current[0])
    try:
        manifest = read_manifest(directory)
    except PlanFilesError as exc:
        raise DeskError(str(exc)) from None
    changed = instance_changes(manifest)
    if changed:
        raise DeskError(
            f"the instance changed since this draft was made ({', '.join(changed)}): "
            "re-plan before publishing"
        )
    instance = desk.instance()
    violations = check_plan(directory, instance)
    if violations:
        raise DeskError(f"the draft breaks {len(violations)} hard rule(s): {violations[0]}")
    result = publish(desk.db, directory, instance, log.now())
    log.record(
        desk.db,
        month,
        who,
        "publish",
        {"publication": result.publication_id, "directory": str(directory)},
    )
    return (
        f"published {month} as publication {result.publication_id}: {result.new} new, "
        f"{result.changed} changed, {result.unchanged} unchanged, {result.cancelled} "
        "cancelled calendar entries"
    )


# --- views ---------------------------------------------------------------------------------


@dataclass
class View:
    """Everything a page of the month shows, read from the draft's files."""

    month: str
    instance: Instance
    days: list[dict[str, Any]]
    directory: Path | None
    schedule: list[dict[str, str]] = field(default_factory=list)
    visits: list[dict[str, str]] = field(default_factory=list)
    unmet: list[dict[str, str]] = field(default_factory=list)

    @property
    def names(self) -> dict[str, str]:
        return {s.staff_id: s.name for s in self.instance.staff}


WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def view(desk: Desk, month: str) -> View:
    instance = desk.instance()
    holidays = finnish_holidays(parse_month(month)[0])
    days = [
        {
            "date": d,
            "iso": d.isoformat(),
            "day": d.day,
            "weekday": WEEKDAY[d.weekday()],
            "holiday": holidays.get(d, ""),
            "working": d.weekday() < 5 and d not in holidays,
        }
        for d in month_days(month)
    ]
    current = log.draft(desk.db, month)
    if current is None:
        return View(month, instance, days, None)
    directory = Path(current[0])
    return View(
        month,
        instance,
        days,
        directory,
        _rows(directory / "schedule.csv"),
        _rows(directory / "visits.csv"),
        _rows(directory / "unmet.csv"),
    )


def _pin_marks(desk: Desk, month: str) -> dict[tuple[str, str], list[str]]:
    marks: dict[tuple[str, str], list[str]] = defaultdict(list)
    for action in active_pins(desk, month):
        d = action.detail
        words = {
            "goes": f"pinned: {d['staff_id']} goes",
            "does_not_go": f"pinned: {d['staff_id']} does not go",
            "open": "pinned open",
            "closed": "pinned closed",
        }.get(d["rule"])
        if words:
            marks[(d["point_id"], d["date"])].append(words)
    return marks


def grid(desk: Desk, v: View) -> list[dict[str, Any]]:
    """Rows of the month by service point (outreach points, by area): a cell per day."""
    names = v.names
    visits = {(r["point_id"], r["date"]): r["staff_ids"].split() for r in v.visits}
    marks = _pin_marks(desk, v.month)
    areas = {a.area_id: a.name for a in v.instance.areas}
    area_of = {m.municipality_id: m.area_id for m in v.instance.municipalities}
    active = set(v.instance.active_area_ids())
    rows = []
    for point in sorted(
        v.instance.service_points,
        key=lambda p: (areas.get(area_of.get(p.municipality_id, ""), ""), p.name),
    ):
        area = area_of.get(point.municipality_id, "")
        if point.kind != "outreach" or area not in active:
            continue
        cells = []
        for d in v.days:
            staff = visits.get((point.point_id, d["iso"]), [])
            state = "holiday" if d["holiday"] else "weekend" if d["date"].weekday() >= 5 else ""
            if not state and WEEKDAY[d["date"].weekday()] not in point.weekdays:
                state = "closed"
            cells.append(
                {
                    "names": [names.get(s, s) for s in staff],
                    "ids": staff,
                    "state": "visit" if staff else state,
                    "pins": marks.get((point.point_id, d["iso"]), []),
                }
            )
        rows.append(
            {
                "point": point,
                "area": areas.get(area, area),
                "cells": cells,
                "days": sum(1 for c in cells if c["ids"]),
            }
        )
    return rows


def people(v: View) -> list[dict[str, Any]]:
    """Rows of the month by person: a short label per day (point, office, central, absent)."""
    points = {p.point_id: p.name for p in v.instance.service_points}
    by_person: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for r in v.schedule:
        by_person[r["staff_id"]][r["date"]] = r
    rows = []
    for s in v.instance.staff:
        cells = []
        for d in v.days:
            r = by_person.get(s.staff_id, {}).get(d["iso"])
            activity = r["activity"] if r else ""
            place = points.get(r["place_id"], r["place_id"]) if r else ""
            label = {
                "outreach": place.split()[0] if place else "",
                "office": "office",
                "central": "central",
                "absent": "absent",
                "off": "off",
            }.get(activity, "")
            state = activity or (
                "holiday" if d["holiday"] else "weekend" if not d["working"] else ""
            )
            cells.append({"label": label, "state": state, "title": place})
        outreach = sum(1 for c in cells if c["state"] == "outreach")
        rows.append({"staff": s, "cells": cells, "outreach": outreach})
    return rows


def equity(v: View) -> list[dict[str, Any]]:
    """The municipality panel, from the draft's own tables."""
    if v.directory is None:
        return []
    municipalities = {r["municipality_id"]: r for r in _rows(v.directory / "municipalities.csv")}
    waits = {r["municipality_id"]: r for r in _rows(v.directory / "waits.csv")}
    named: dict[str, Counter[str]] = defaultdict(Counter)
    for r in _rows(v.directory / "responsible.csv"):
        named[r["municipality_id"]][r["process"]] += 1
    visit_dates: dict[str, list[dt.date]] = defaultdict(list)
    for r in v.visits:
        visit_dates[r["municipality_id"]].append(dt.date.fromisoformat(r["date"]))
    rows = []
    for m in v.instance.municipalities:
        row = municipalities.get(m.municipality_id)
        if row is None:
            continue
        dates = sorted(set(visit_dates.get(m.municipality_id, [])))
        gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
        wait = waits.get(m.municipality_id, {})
        processes = named.get(m.municipality_id, Counter())
        rows.append(
            {
                "name": m.name,
                "clients": int(row["clients"]),
                "office": row["office"] == "True",
                "visit_days": int(row["visit_days"]),
                "staff_days": int(row["staff_days"]),
                "demand": float(row["demand_staff_days"]),
                "per_100": float(row["staff_days_per_100_clients"]),
                "longest_gap": max(gaps) if gaps else None,
                "worst_wait": wait.get("worst_wait", ""),
                "mean_wait": wait.get("mean_wait", ""),
                "deadline": wait.get("deadline", ""),
                "late_days": wait.get("late_days", ""),
                "named": sorted(processes.items()),
                "thin": [p for p, n in sorted(processes.items()) if n < 2],
            }
        )
    return rows


def diff(desk: Desk, v: View) -> dict[str, Any]:
    """Who gains or loses which working day, the draft against the published plan."""
    before = log.published_days(desk.db, v.month)
    after = {
        (r["staff_id"], r["date"]): r["place_id"]
        for r in v.schedule
        if r["activity"] in ("outreach", "office", "central")
    }
    points = {p.point_id: p.name for p in v.instance.service_points}
    points["central"] = "central duties"
    idle = {
        (r["staff_id"], r["date"]): "absent" if r["activity"] == "absent" else "day off"
        for r in v.schedule
        if r["activity"] in ("absent", "off")
    }
    names = v.names
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (names.get(k[0], k[0]), k[1])):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        sid, day = key
        changes.append(
            {
                "staff_id": sid,
                "name": names.get(sid, sid),
                "date": day,
                "before": points.get(old, old) if old else "—",
                "after": points.get(new, new) if new else idle.get(key, "not working"),
            }
        )
    remaining = sum(1 for (_, d) in before if d)
    return {
        "published": log.published(desk.db, v.month),
        "changes": changes,
        "person_days": len(before),
        "remaining": remaining,
    }
