"""The desk's year pages: the named teams a month holds, and the summer's leave calendar
with a planner fixing a person's leave and planning the rest again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import threading
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from planner.desk import log
from planner.desk.service import DeskError, replace_instance_file
from planner.io import InstanceError
from planner.leave.model import summer_weeks

if TYPE_CHECKING:
    from pathlib import Path

    from planner.desk.service import Desk, View


def teams(v: View) -> dict[str, Any]:
    """Each municipality's named workers by key process, as the month's plan holds them,
    and whose teams they are (approved, or chosen for the month)."""
    w = v.w
    said = v.instance.settings.process_words.get(w.language, {})
    munis = {m.municipality_id: m.name for m in v.instance.municipalities}
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in v.responsible:
        name = v.names.get(r["staff_id"], r["staff_id"])
        if name not in named[(r["municipality_id"], r["process"])]:
            named[(r["municipality_id"], r["process"])].append(name)
    rows = [
        {
            "municipality": munis.get(m, m),
            "process": said.get(q, q),
            "names": sorted(names),
            "alone": len(names) < 2,
        }
        for (m, q), names in sorted(named.items(), key=lambda k: (munis.get(k[0][0], ""), k[0][1]))
    ]
    return {"rows": rows, "approved": bool(v.instance.teams)}


def leave_folder(desk: Desk, year: int) -> Path:
    return desk.workdir / f"leave-{year}"


def _running(desk: Desk, year: int) -> Path:
    return desk.workdir / f".leave-{year}.running"


def leave_view(desk: Desk, year: int) -> dict[str, Any]:
    """The summer's leave calendar from the desk's latest leave plan of the year."""
    w = desk.words
    instance = desk.instance()
    weeks = summer_weeks(instance, year)
    folder = leave_folder(desk, year)
    record: dict[str, Any] = {}
    leave: dict[str, set[int]] = defaultdict(set)
    granted: dict[str, str] = {}
    by_monday = {wk.monday: wk.index for wk in weeks}
    if (folder / "leave.json").is_file() and (folder / "leave.csv").is_file():
        record = json.loads((folder / "leave.json").read_text(encoding="utf-8"))
        with open(folder / "leave.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                start, end = dt.date.fromisoformat(row["start"]), dt.date.fromisoformat(row["end"])
                for monday, index in by_monday.items():
                    if start <= monday <= end:
                        leave[row["staff_id"]].add(index)
                granted[row["staff_id"]] = row.get("granted_rank", "")
    first: dict[str, set[int]] = defaultdict(set)
    fixed: dict[str, set[int]] = defaultdict(set)
    for wish in instance.leave_wishes:
        target = first if wish.rank == 1 else fixed if wish.rank == 0 else None
        if target is None:
            continue
        for monday, index in by_monday.items():
            if wish.start <= monday <= wish.end:
                target[wish.staff_id].add(index)
    rank_words = {
        "1": w("first wish"),
        "2": w("second wish"),
        "3": w("third wish"),
        "0": w("none of their wishes"),
    }
    rows = []
    for s in sorted(instance.staff, key=lambda s: s.name):
        cells = []
        for wk in weeks:
            state = (
                "fixed"
                if wk.index in fixed.get(s.staff_id, set())
                else "leave"
                if wk.index in leave.get(s.staff_id, set())
                else "wished"
                if wk.index in first.get(s.staff_id, set())
                else ""
            )
            cells.append(state)
        rows.append(
            {
                "staff": s,
                "cells": cells,
                "granted": rank_words.get(granted.get(s.staff_id, ""), ""),
            }
        )
    return {
        "year": year,
        "weeks": weeks,
        "rows": rows,
        "record": record,
        "leave_status": w.solver_status(record["status"]) if record else "",
        "planned": bool(record),
        "running": _running(desk, year).exists(),
        "staff": sorted(instance.staff, key=lambda s: s.name),
    }


def fix_leave(desk: Desk, year: int, who: str, form: dict[str, str]) -> str:
    """A planner fixes a person's leave: a rank 0 row (leave already fixed) in the
    instance's leave_wishes.csv, replacing the person's earlier fixed rows of the summer;
    the next leave plan holds it and plans the rest around it."""
    w = desk.words
    instance = desk.instance()
    sid = form.get("staff_id", "").strip()
    names = {s.staff_id: s.name for s in instance.staff}
    if sid not in names:
        raise DeskError(w("Leave: choose the person."))
    weeks = summer_weeks(instance, year)
    try:
        monday = dt.date.fromisoformat(form.get("monday", "").strip())
        count = int(form.get("weeks", "").strip())
    except ValueError:
        raise DeskError(w("Leave: choose the first week and the number of weeks.")) from None
    start = next((wk for wk in weeks if wk.monday == monday), None)
    if start is None or not 1 <= count <= 8 or start.index + count > len(weeks):
        raise DeskError(w("Leave: the weeks must lie inside the summer period."))
    end = weeks[start.index + count - 1].monday + dt.timedelta(days=6)
    path = desk.instance_dir / "leave_wishes.csv"
    with desk.lock():
        old = path.read_text("utf-8-sig") if path.is_file() else ""
        rows: list[list[str]] = []
        if old:
            reader = csv.reader(old.splitlines())
            header = next(reader)
            for row in reader:
                record = dict(zip(header, row, strict=False))
                summer = record.get("start", "")[:4] == str(year)
                if record.get("staff_id") == sid and record.get("rank") == "0" and summer:
                    continue  # the person's fixed leave of this summer is replaced
                rows.append([record.get(c, "") for c in ("staff_id", "start", "end", "rank")])
        rows.append([sid, monday.isoformat(), end.isoformat(), "0"])
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["staff_id", "start", "end", "rank"])
        writer.writerows(rows)
        try:
            replace_instance_file(desk, "leave_wishes.csv", text.getvalue())
        except InstanceError as exc:
            raise DeskError(w("Leave refused by the instance reader: %(why)s", why=exc)) from None
        log.record(
            desk.db,
            f"{year}-06",
            who,
            "leave_fixed",
            {"staff_id": sid, "start": monday.isoformat(), "end": end.isoformat()},
        )
    return w(
        "%(name)s's leave %(start)s–%(end)s is fixed; plan the leave again to plan the rest "
        "around it.",
        name=names[sid],
        start=w.date(monday),
        end=w.date(end),
    )


def start_leave_plan(desk: Desk, year: int) -> str:
    """Plan the summer's leave in the background (``planner leave plan``, about a minute
    for Kuopio): the page says it is running; the calendar shows the new plan when done."""
    w = desk.words
    marker = _running(desk, year)
    desk.workdir.mkdir(parents=True, exist_ok=True)
    with desk.lock():
        if marker.exists():
            raise DeskError(w("The leave is being planned already."))
        marker.write_text(log.now().isoformat(), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "cli",
        "leave",
        "plan",
        str(desk.instance_dir),
        "--year",
        str(year),
        "--out",
        str(leave_folder(desk, year)),
        "--seed",
        str(desk.seed),
        "--workers",
        str(desk.workers),
        "--language",
        w.language,
    ]

    def run() -> None:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            (desk.workdir / f"leave-{year}.log").write_text(
                done.stdout + done.stderr, encoding="utf-8"
            )
        finally:
            marker.unlink(missing_ok=True)

    threading.Thread(target=run, daemon=True).start()
    return w("Planning the leave: the calendar shows the new plan in about a minute.")
