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
import io
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from planner.check import PlanFilesError, instance_changes, read_manifest
from planner.desk import log
from planner.feeds.store import publish as record_publication
from planner.feeds.store import published_files
from planner.i18n import Words, words
from planner.io import InstanceError, load_instance, spreadsheet_safe
from planner.plan.month import prepare
from planner.plan.outputs import wrote_prefix
from planner.plan.pins import COLUMNS, RULES, Pin, PinError, check_pins
from planner.plan.workdays import (
    finnish_holidays,
    month_days,
    parse_month,
    shift_month,
    upcoming_month,
)
from planner.plan.workflow import WorkflowError, publish_checked

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
    wall_limit: float | None = None
    language: str | None = None
    """The desk's language (``serve --language``); by default the instance's."""

    def instance(self) -> Instance:
        return load_instance(self.instance_dir)

    @property
    def words(self) -> Words:
        return words(self.language or self.instance().settings.language)

    def lock(self) -> FileLock:
        """One lock for every write the desk makes (absences into the instance, pins and
        drafts into the store): requests of one server and of several servers on the
        same files take turns, so a read-modify-write never loses another's row."""
        return FileLock(str(self.instance_dir / ".desk.lock"), timeout=60)


def check_month(month: str, w: Words | None = None) -> str:
    if not MONTH.match(month):
        w = w or words("en")
        raise DeskError(w("%(month)s is not a month (YYYY-MM).", month=repr(month)))
    return month


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- where the month stands -------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """The plan the desk shows and works on: the month's draft, or, when there is none
    newer than the last publication, the published plan itself."""

    directory: Path
    kind: str
    """'draft' or 'published'."""
    publication: int | None = None
    note: str = ""


def basis(desk: Desk, month: str) -> Basis | None:
    draft = log.draft(desk.db, month)
    published = log.published(desk.db, month)
    if draft is not None and (published is None or draft[2] >= published[1]):
        return Basis(Path(draft[0]), "draft")
    if published is None:
        return None
    w = desk.words
    note = (
        w(
            "The draft of %(when)s is older than publication %(number)s: the desk works on "
            "the published plan.",
            when=w.moment(log.local(draft[2])),
            number=published[0],
        )
        if draft is not None
        else ""
    )
    return Basis(published_folder(desk, month, published[0]), "published", published[0], note)


def published_folder(desk: Desk, month: str, publication: int) -> Path:
    """The month's latest publication as a plan folder, written from the files the store
    keeps (once; a checked folder is reused), wherever the plan was published from."""
    folder = desk.workdir / month / f"published-{publication}"
    try:
        read_manifest(folder)
        return folder
    except PlanFilesError:
        pass
    kept = published_files(desk.db, month)
    if kept is None or kept[0] != publication:
        w = desk.words
        raise DeskError(
            w(
                "Publication %(number)s of %(month)s was made before the store kept plan "
                "files: re-plan the month to make a draft.",
                number=publication,
                month=w.month(month),
            )
        )
    (desk.workdir / month).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=desk.workdir / month, prefix=".published-"))
    for name, body in kept[1].items():
        (staging / name).write_bytes(body)
    if folder.exists():  # a folder left incomplete (a crash while it was written)
        shutil.rmtree(folder, ignore_errors=True)
    try:
        os.replace(staging, folder)
    except OSError:  # another request wrote it first
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def month_choices(desk: Desk, month: str) -> dict[str, Any]:
    """The months a planner can open (with a draft or a publication, next month first),
    and the previous and next month of ``month``."""
    upcoming = upcoming_month()
    known = set(log.months(desk.db)) | {upcoming, month}
    ordered = [upcoming, *sorted((m for m in known if m != upcoming), reverse=True)]
    return {
        "choices": ordered,
        "upcoming": upcoming,
        "previous_month": shift_month(month, -1),
        "next_month": shift_month(month, 1),
    }


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
    a pin the month cannot keep, or one contradicting another, is refused naming both.
    The check and the store are one step under the desk's lock, so two pins posted at
    once are checked against each other too."""
    w = desk.words
    rule = form.get("rule", "")
    if rule not in RULES:
        raise DeskError(w("Pin: %(rule)s is no pin rule.", rule=repr(rule)))
    detail = {c: form.get(c, "").strip() for c in COLUMNS}
    if rule != "keeps_pattern":
        try:
            day = dt.date.fromisoformat(detail["date"])
        except ValueError:
            raise DeskError(w("Pin: choose the day.")) from None
        if day.strftime("%Y-%m") != month:
            raise DeskError(
                w("Pin: %(day)s is not in %(month)s.", day=w.date(day), month=w.month(month))
            )
    instance = desk.instance()
    if rule in ("goes", "does_not_go") and detail["staff_id"] not in {
        s.staff_id for s in instance.staff
    }:
        raise DeskError(w("Pin: choose the person."))
    known = {p.point_id for p in instance.active_points() if p.kind == "outreach"}
    if detail["point_id"] not in known:
        raise DeskError(w("Pin: choose an outreach point that is planned."))
    data = prepare(instance, month)
    with desk.lock():
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
            check_pins([*existing, candidate], data, "pin", w)
        except PinError as exc:
            text = "; ".join(exc.problems).replace("pin:0", w("the new pin"))
            raise DeskError(named(text, instance, w)) from None
        return log.record(desk.db, month, who, "pin", detail)


def named(text: str, instance: Instance, w: Words) -> str:
    """Ids in a message replaced by the names a planner knows (people, points,
    municipalities)."""
    names = {s.staff_id: s.name for s in instance.staff}
    names |= {p.point_id: p.name for p in instance.service_points}
    names |= {m.municipality_id: m.name for m in instance.municipalities}
    for ident in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", names[ident], text)
    return re.sub(r"\b(\d{4}-\d{2}-\d{2})\b", lambda m: w.date(m.group(1)), text)


def remove_pin(desk: Desk, month: str, who: str, pin_id: int) -> None:
    with desk.lock():
        gone = log.deactivate(desk.db, pin_id)
        if gone is None or gone.month != month:
            w = desk.words
            raise DeskError(w("That pin is no longer there: the page was out of date."))
        log.record(desk.db, month, who, "unpin", {"pin": pin_id, **gone.detail})


def replace_instance_file(desk: Desk, name: str, text: str) -> None:
    """Replace one file of the instance (the caller holds the desk's lock): staged beside
    it and moved in at once, with the old file's permissions; if the instance no longer
    reads, the old file is put back (or the new one removed) and InstanceError raised."""
    path = desk.instance_dir / name
    old = path.read_bytes() if path.is_file() else None
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", delete=False, dir=desk.instance_dir, suffix=".tmp"
    ) as handle:
        handle.write(text)
        staged = Path(handle.name)
    os.chmod(staged, path.stat().st_mode & 0o777 if old is not None else 0o644)
    os.replace(staged, path)
    try:
        load_instance(desk.instance_dir)
    except InstanceError:
        if old is None:
            path.unlink()
        else:
            path.write_bytes(old)
        raise


def add_absence(desk: Desk, month: str, who: str, form: dict[str, str]) -> None:
    """Append an absence to the instance's absences.csv (the facts about people live in
    the instance, where every later plan and check reads them) and log who added it.

    The person is named explicitly (the form has no default), the range is sane (within
    the planning year and the next, at most 366 days), the reason is cut to one line and
    made safe for a spreadsheet, and the file is read, extended and replaced under the
    desk's lock."""
    instance = desk.instance()
    w = desk.words
    sid = form.get("staff_id", "").strip()
    if sid not in {s.staff_id for s in instance.staff}:
        raise DeskError(w("Absence: choose the person who is away."))
    try:
        start = dt.date.fromisoformat(form.get("start", "").strip())
        end = dt.date.fromisoformat((form.get("end") or form.get("start", "")).strip())
    except ValueError:
        raise DeskError(w("Absence: the first and last day must be dates.")) from None
    if end < start:
        raise DeskError(
            w(
                "Absence: the last day %(end)s is before the first, %(start)s.",
                end=w.date(end),
                start=w.date(start),
            )
        )
    year = int(month[:4])
    if start < dt.date(year, 1, 1) or end > dt.date(year + 1, 12, 31) or (end - start).days > 365:
        raise DeskError(
            w(
                "Absence: %(start)s–%(end)s refused: an absence lies between 1.1.%(year)s "
                "and 31.12.%(next)s and lasts at most 366 days.",
                start=w.date(start),
                end=w.date(end),
                year=year,
                next=year + 1,
            )
        )
    reason = " ".join(form.get("reason", "").split())[:150] or w("absence")
    reason = spreadsheet_safe(
        w("%(reason)s (added at the desk by %(who)s)", reason=reason, who=who)
    )
    path = desk.instance_dir / "absences.csv"
    with desk.lock():
        old = path.read_text("utf-8-sig") if path.is_file() else "staff_id,start,end,reason\n"
        row = io.StringIO()
        csv.writer(row, lineterminator="\n").writerow([sid, start, end, reason])
        text = (old if old.endswith("\n") else old + "\n") + row.getvalue()
        try:
            replace_instance_file(desk, "absences.csv", text)
        except InstanceError as exc:
            raise DeskError(w("Absence refused by the instance reader: %(why)s", why=exc)) from None
        detail = {"staff_id": sid, "start": str(start), "end": str(end), "reason": reason}
        log.record(desk.db, month, who, "absence", detail)


# --- re-plans ------------------------------------------------------------------------------


def request_replan(desk: Desk, month: str, who: str, from_day: str | None) -> int:
    w = desk.words
    if from_day:
        try:
            day = dt.date.fromisoformat(from_day)
        except ValueError:
            raise DeskError(w("Re-plan: the day to keep up to is not a date.")) from None
        if day.strftime("%Y-%m") != month:
            raise DeskError(
                w("Re-plan: %(day)s is not in %(month)s.", day=w.date(day), month=w.month(month))
            )
        if basis(desk, month) is None:
            raise DeskError(
                w(
                    "Re-plan: %(month)s has neither a draft nor a published plan, so there "
                    "are no days to keep; re-plan the whole month first.",
                    month=w.month(month),
                )
            )
    with desk.lock():
        running = [j for j in log.jobs(desk.db, month) if j.running]
        if running:
            raise DeskError(
                w(
                    "A re-plan of %(month)s is already under way (re-plan %(number)s).",
                    month=w.month(month),
                    number=running[0].id,
                )
            )
        job = log.queue_job(desk.db, month, who, from_day or None)
        log.record(desk.db, month, who, "replan", {"job": job, "from_day": from_day or ""})
    return job


PLAN_LINE = re.compile(
    r"plan (\d+): objective ([\d,.]+), bound ([\d,.]+), gap ([\d.]+)%, ([\d.]+) s"
)


def plain_progress(line: str, w: Words) -> str | None:
    """A solver progress line in words a planner reads at a glance, or None for a line
    that only belongs in the full log."""
    text = line.strip()
    if text.startswith("solving"):
        return w("Planning the month.")
    found = PLAN_LINE.search(text)
    if found:
        number, _, _, gap, seconds = found.groups()
        return w(
            "Planning: plan %(number)s found after %(seconds)s s, at most %(gap)s from the "
            "best possible.",
            number=number,
            seconds=w.number(float(seconds), 1),
            gap=w.percent(float(gap) / 100, 1),
        )
    if text.startswith("optimal in"):
        return w("The best possible plan for the named teams is found; writing and checking it.")
    if text.startswith(("stopped", "time limit")):
        return w("The time limit was reached; writing and checking the best plan found.")
    if text.startswith("context:"):
        return w("Reading the earlier month's visits.")
    if text.startswith(("wrote ", wrote_prefix(w))):
        return w("Written and checked: no hard rule is broken.")
    if text.startswith("error:"):
        return text
    return None


def clean_log(text: str, desk: Desk) -> str:
    """The full log without the machine's paths (they say nothing to a planner and tell
    an onlooker where the server keeps things)."""
    for path, name in (
        (str(desk.workdir), "drafts"),
        (str(desk.instance_dir), "instance"),
        (str(desk.db), "store"),
    ):
        text = text.replace(path, name)
    return re.sub(r"(?<![\w.])/(?:[\w.-]+/)+([\w.-]+)", r"…/\1", text)


def run_job(desk: Desk, job: log.Job, stop: threading.Event | None = None) -> None:
    """Run one re-plan to its end: ``planner schedule`` as a child process, its progress
    lines into the job row, the draft switched only when it finished and was checked.

    The plan changed least is the month's draft, or the published plan when there is
    no newer draft: a month published from the command line is re-planned from what
    was published, and its days before ``from_day`` are the published days."""
    folder = desk.workdir / job.month
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"job-{job.id}-{job.attempt}"
    pins = folder / f"job-{job.id}-{job.attempt}-pins.csv"
    with open(pins, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for action in active_pins(desk, job.month):
            writer.writerow({c: spreadsheet_safe(action.detail.get(c, "")) for c in COLUMNS})
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
    if desk.wall_limit is not None:
        command += ["--wall-limit", str(desk.wall_limit)]
    # The draft's report and workbook in the desk's language, and its last line too.
    command += ["--language", desk.words.language]
    try:
        current = basis(desk, job.month)
    except DeskError as exc:
        log.job_progress(desk.db, job.id, str(exc))
        current = None
    if current is not None:
        command += ["--previous", str(current.directory)]
    if job.from_day:
        command += ["--from-day", job.from_day]
    w = desk.words
    start = (
        w("Starting from the draft.")
        if current is not None and current.kind == "draft"
        else w(
            "Starting from the published plan (publication %(number)s).",
            number=current.publication,
        )
        if current is not None
        else w("Starting from nothing: a fresh plan of the month.")
    )
    if job.from_day:
        start += " " + w("Every day before %(day)s is kept.", day=w.date(job.from_day))
    log.job_progress(desk.db, job.id, start)
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log.job_progress(desk.db, job.id, line.rstrip(), plain_progress(line, w))
            if stop is not None and stop.is_set():
                process.terminate()
                process.wait()
                return  # stays 'running': queued again when the server starts
        code = process.wait()
    if stop is not None and stop.is_set():
        return
    with desk.lock():
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
                w = self.desk.words
                log.job_progress(self.desk.db, job.id, w("The re-plan failed: %(why)s", why=exc))
                log.finish_job(self.desk.db, job.id, "failed", None)


# --- publishing ----------------------------------------------------------------------------


def _draft_to_publish(desk: Desk, month: str) -> Path:
    w = desk.words
    current = basis(desk, month)
    if current is None:
        raise DeskError(
            w("%(month)s has no draft to publish; re-plan first.", month=w.month(month))
        )
    if current.kind != "draft":
        raise DeskError(
            w(
                "Nothing to publish: the desk shows publication %(number)s as it was "
                "published; re-plan to make a draft.",
                number=current.publication,
            )
        )
    try:
        manifest = read_manifest(current.directory)
    except PlanFilesError as exc:
        raise DeskError(str(exc)) from None
    changed = instance_changes(manifest)
    if changed:
        raise DeskError(
            w(
                "The instance changed since this draft was made (%(files)s): re-plan before "
                "publishing.",
                files=", ".join(changed),
            )
        )
    _pins_unchanged_since(desk, month, current.directory)
    return current.directory


def _pins_unchanged_since(desk: Desk, month: str, directory: Path) -> None:
    """Refuse a draft made before a pin was added or removed at the desk: it would
    publish a month that does not keep what the planner holds now."""

    def key(d: dict[str, str]) -> tuple[str, ...]:
        return tuple((d.get(c) or "").strip() for c in COLUMNS)

    held = {key(a.detail): a.detail for a in active_pins(desk, month)}
    kept = {key(r): r for r in _rows(directory / "pins.csv")}
    missing = [d for k, d in held.items() if k not in kept]
    dropped = [
        d
        for k, d in kept.items()
        if k not in held and d["rule"] in ("goes", "does_not_go", "open", "closed")
    ]
    if missing or dropped:
        v = view_of_instance(desk, month)
        w = v.w
        raise DeskError(
            w(
                "A pin was added since this draft was made (%(pin)s): re-plan before publishing.",
                pin=pin_words(missing[0], v),
            )
            if missing
            else w(
                "A pin was removed since this draft was made (%(pin)s): re-plan before publishing.",
                pin=pin_words(dropped[0], v),
            )
        )


def view_of_instance(desk: Desk, month: str) -> View:
    """A view with no plan, for naming things in a message."""
    return View(month, desk.instance(), [], None, desk.words)


def publish_preview(desk: Desk, month: str) -> dict[str, int]:
    """What publishing the draft would do to the calendar feeds, stored nowhere."""
    directory = _draft_to_publish(desk, month)
    result = record_publication(desk.db, directory, desk.instance(), log.now(), dry_run=True)
    return {
        "new": result.new,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "cancelled": result.cancelled,
    }


def publish_draft(desk: Desk, month: str, who: str) -> str:
    """Publish the month's draft after the same refusals as ``planner publish``."""
    with desk.lock():
        directory = _draft_to_publish(desk, month)
        try:
            held = [
                {c: str(a.detail.get(c, "")) for c in COLUMNS} for a in active_pins(desk, month)
            ]
            result = publish_checked(desk.db, directory, desk.instance(), log.now(), held)
        except WorkflowError as exc:
            text = str(exc).replace(str(directory), desk.words("the draft"))
            raise DeskError(named(text, desk.instance(), desk.words)) from None
        log.record(
            desk.db,
            month,
            who,
            "publish",
            {"publication": result.publication_id},
        )
    w = desk.words
    return w(
        "Published %(month)s as publication %(number)s: %(new)s new, %(changed)s changed, "
        "%(unchanged)s unchanged and %(cancelled)s cancelled calendar entries.",
        month=w.month(month),
        number=result.publication_id,
        new=result.new,
        changed=result.changed,
        unchanged=result.unchanged,
        cancelled=result.cancelled,
    )


# --- views ---------------------------------------------------------------------------------


@dataclass
class View:
    """Everything a page of the month shows, read from the plan the desk works on."""

    month: str
    instance: Instance
    days: list[dict[str, Any]]
    basis: Basis | None
    w: Words
    schedule: list[dict[str, str]] = field(default_factory=list)
    visits: list[dict[str, str]] = field(default_factory=list)
    unmet: list[dict[str, str]] = field(default_factory=list)
    responsible: list[dict[str, str]] = field(default_factory=list)

    @property
    def directory(self) -> Path | None:
        return None if self.basis is None else self.basis.directory

    @property
    def names(self) -> dict[str, str]:
        return {s.staff_id: s.name for s in self.instance.staff}

    @property
    def places(self) -> dict[str, str]:
        places = {p.point_id: p.name for p in self.instance.service_points}
        places["central"] = self.w("central duties")
        return places


def view(desk: Desk, month: str) -> View:
    instance = desk.instance()
    w = desk.words
    holidays = finnish_holidays(parse_month(month)[0])
    days = [
        {
            "date": d,
            "iso": d.isoformat(),
            "day": d.day,
            "weekday": w.weekday(d),
            "holiday": holidays.get(d, ""),
            "working": d.weekday() < 5 and d not in holidays,
        }
        for d in month_days(month)
    ]
    current = basis(desk, month)
    if current is None:
        return View(month, instance, days, None, w)
    directory = current.directory
    return View(
        month,
        instance,
        days,
        current,
        w,
        _rows(directory / "schedule.csv"),
        _rows(directory / "visits.csv"),
        _rows(directory / "unmet.csv"),
        _rows(directory / "responsible.csv"),
    )


def pin_words(detail: dict[str, Any], v: View) -> str:
    """A pin as a sentence: 'Aino V. goes to Kaavi on 9.3.2026'."""
    w = v.w
    person = v.names.get(detail.get("staff_id", ""), detail.get("staff_id", ""))
    point = v.places.get(detail.get("point_id", ""), detail.get("point_id", ""))
    day = w.date(detail["date"]) if detail.get("date") else ""
    rule = detail.get("rule", "")
    if rule == "goes":
        return w("%(person)s goes to %(point)s on %(day)s", person=person, point=point, day=day)
    if rule == "does_not_go":
        return w(
            "%(person)s does not go to %(point)s on %(day)s", person=person, point=point, day=day
        )
    if rule == "open":
        return w("%(point)s is open on %(day)s", point=point, day=day)
    if rule == "closed":
        return w("%(point)s is closed on %(day)s", point=point, day=day)
    if rule == "keeps_pattern":
        return w("%(point)s keeps its rhythm", point=point)
    return str(rule)


def action_words(action: log.Action, v: View) -> str:
    """One line of the history in words."""
    w = v.w
    d = action.detail
    if action.kind == "pin":
        text = w("pinned: %(pin)s", pin=pin_words(d, v))
        return text if action.active else text + " " + w("(removed since)")
    if action.kind == "unpin":
        return w("removed the pin: %(pin)s", pin=pin_words(d, v))
    if action.kind == "absence":
        span = w.date(d["start"]) + (
            f"–{w.date(d['end'])}" if d.get("end") and d["end"] != d["start"] else ""
        )
        person = v.names.get(d["staff_id"], d["staff_id"])
        return w("absence of %(person)s %(span)s", person=person, span=span)
    if action.kind == "replan":
        if d.get("from_day"):
            return w(
                "asked for re-plan %(number)s, every day before %(day)s kept",
                number=d.get("job", ""),
                day=w.date(d["from_day"]),
            )
        return w("asked for re-plan %(number)s", number=d.get("job", ""))
    if action.kind == "publish":
        return w("published (publication %(number)s)", number=d.get("publication", ""))
    if action.kind == "leave_fixed":
        return w(
            "fixed the leave of %(person)s %(start)s–%(end)s",
            person=v.names.get(d["staff_id"], d["staff_id"]),
            start=w.date(d["start"]),
            end=w.date(d["end"]),
        )
    return action.kind


def unmet_words(row: dict[str, str], v: View) -> str:
    """One thing the plan could not do, in the desk's language (the report's words)."""
    from planner.plan.outputs import unmet_sentence

    return unmet_sentence(row, v.instance, v.w)


def _pin_marks(desk: Desk, v: View) -> dict[tuple[str, str], list[str]]:
    marks: dict[tuple[str, str], list[str]] = defaultdict(list)
    for action in active_pins(desk, v.month):
        d = action.detail
        if d["rule"] in ("goes", "does_not_go", "open", "closed"):
            marks[(d["point_id"], d["date"])].append(v.w("pinned: %(pin)s", pin=pin_words(d, v)))
    return marks


def outreach_points(instance: Instance) -> list[Any]:
    """The outreach points that are planned (an optional area switched off has none)."""
    return sorted(
        (p for p in instance.active_points() if p.kind == "outreach"), key=lambda p: p.name
    )


def grid(desk: Desk, v: View) -> list[dict[str, Any]]:
    """Rows of the month by service point (outreach points, by area): a cell per day.

    A day is 'room not free' only when the point's room is not available on that
    weekday (the instance's ``weekdays``), so a planner sees where an extra visit could
    go."""
    names = v.names
    visits = {(r["point_id"], r["date"]): r["staff_ids"].split() for r in v.visits}
    marks = _pin_marks(desk, v)
    areas = {a.area_id: a.name for a in v.instance.areas}
    area_of = {m.municipality_id: m.area_id for m in v.instance.municipalities}
    rows = []
    for point in sorted(
        outreach_points(v.instance),
        key=lambda p: (areas.get(area_of.get(p.municipality_id, ""), ""), p.name),
    ):
        area = area_of.get(point.municipality_id, "")
        cells = []
        for d in v.days:
            staff = visits.get((point.point_id, d["iso"]), [])
            state = "holiday" if d["holiday"] else "weekend" if d["date"].weekday() >= 5 else ""
            if not state and d["date"].weekday() not in point.weekdays:
                state = "closed"
            cells.append(
                {
                    "names": [names.get(s, s) for s in staff],
                    "ids": staff,
                    "state": "visit" if staff else state or "free",
                    "pins": marks.get((point.point_id, d["iso"]), []),
                    "link": not state or bool(staff),
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


def cell(desk: Desk, v: View, point_id: str, day: str) -> dict[str, Any]:
    """One point on one day: who goes, and who could, the point's named team first.

    Candidates are the people of the point's production area who may visit it (their
    role and skills), marked as named for the point's municipality or not; a person
    absent or off that day is shown as such."""
    w = v.w
    point = next((p for p in outreach_points(v.instance) if p.point_id == point_id), None)
    if point is None:
        raise DeskError(w("No such outreach point is planned."))
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise DeskError(w("No such day.")) from None
    if date.strftime("%Y-%m") != v.month:
        raise DeskError(w("%(day)s is not in %(month)s.", day=w.date(date), month=w.month(v.month)))
    data = prepare(v.instance, v.month)
    index = {d: i for i, d in enumerate(data.days)}
    team = {r["staff_id"] for r in v.responsible if r["point_id"] == point_id}
    going = next(
        (
            r["staff_ids"].split()
            for r in v.visits
            if r["point_id"] == point_id and r["date"] == day
        ),
        [],
    )
    doing = {r["staff_id"]: r for r in v.schedule if r["date"] == day}
    people = []
    for s in v.instance.staff:
        if not data.may_visit(s.staff_id, point_id):
            continue
        free = date in index and data.available[s.staff_id][index[date]]
        row = doing.get(s.staff_id)
        people.append(
            {
                "staff": s,
                "team": s.staff_id in team,
                "going": s.staff_id in going,
                "free": free,
                "now": (
                    w("not working (absent or off)")
                    if not free
                    else v.places.get(row["place_id"], row["place_id"])
                    if row and row["activity"] in ("outreach", "office", "central")
                    else row["activity"]
                    if row
                    else ""
                ),
            }
        )
    people.sort(key=lambda p: (not p["team"], not p["free"], p["staff"].name))
    return {
        "point": point,
        "date": date,
        "iso": day,
        "going": [v.names.get(s, s) for s in going],
        "people": people,
        "room_free": date.weekday() in point.weekdays,
        "pins": _pin_marks(desk, v).get((point_id, day), []),
    }


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
                "office": v.w("office"),
                "central": v.w("central"),
                "absent": v.w("absent"),
                "off": v.w("off"),
            }.get(activity, "")
            state = activity or (
                "holiday" if d["holiday"] else "weekend" if not d["working"] else ""
            )
            cells.append({"label": label, "state": state, "title": place})
        outreach = sum(1 for c in cells if c["state"] == "outreach")
        rows.append({"staff": s, "cells": cells, "outreach": outreach})
    return rows


def equity(v: View) -> list[dict[str, Any]]:
    """The municipality panel, from the plan's own tables."""
    if v.directory is None:
        return []
    municipalities = {r["municipality_id"]: r for r in _rows(v.directory / "municipalities.csv")}
    waits = {r["municipality_id"]: r for r in _rows(v.directory / "waits.csv")}
    named_workers: dict[str, Counter[str]] = defaultdict(Counter)
    for r in v.responsible:
        named_workers[r["municipality_id"]][r["process"]] += 1
    visit_dates: dict[str, list[dt.date]] = defaultdict(list)
    for r in v.visits:
        visit_dates[r["municipality_id"]].append(dt.date.fromisoformat(r["date"]))
    said = v.instance.settings.process_words.get(v.w.language, {})
    rows = []
    for m in v.instance.municipalities:
        row = municipalities.get(m.municipality_id)
        if row is None:
            continue
        dates = sorted(set(visit_dates.get(m.municipality_id, [])))
        gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
        wait = waits.get(m.municipality_id, {})
        processes = named_workers.get(m.municipality_id, Counter())
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
                "named": sorted((said.get(p, p), n) for p, n in processes.items()),
                "thin": [said.get(p, p) for p, n in sorted(processes.items()) if n < 2],
            }
        )
    return rows


def diff(desk: Desk, v: View) -> dict[str, Any]:
    """The draft against the published plan: a summary first (people affected,
    person-days changed, by point and by day), then who gains or loses which day."""
    published = log.published(desk.db, v.month)
    empty = {"published": published, "changes": [], "summary": None}
    if v.basis is None or v.basis.kind != "draft" or published is None:
        return empty
    before = log.published_days(desk.db, v.month)
    after = {
        (r["staff_id"], r["date"]): r["place_id"]
        for r in v.schedule
        if r["activity"] in ("outreach", "office", "central")
    }
    w = v.w
    idle = {
        (r["staff_id"], r["date"]): w("absent") if r["activity"] == "absent" else w("day off")
        for r in v.schedule
        if r["activity"] in ("absent", "off")
    }
    names, places = v.names, v.places
    changes = []
    by_point: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
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
                "day": w.weekday_date(day),
                "before": places.get(old, old) if old else "—",
                "after": places.get(new, new) if new else idle.get(key, w("not working")),
            }
        )
        by_day[day] += 1
        for place in {old, new} - {None}:
            if place in {p.point_id for p in v.instance.service_points if p.kind == "outreach"}:
                by_point[places.get(place, place)] += 1
    summary = {
        "people": len({c["staff_id"] for c in changes}),
        "person_days": len(changes),
        "published_days": len(before),
        "by_point": by_point.most_common(),
        "by_day": [(w.weekday_date(d), n) for d, n in sorted(by_day.items())],
        "first_day": w.date(min(by_day)) if by_day else "",
    }
    return {"published": published, "changes": changes, "summary": summary}
