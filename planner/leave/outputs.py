"""A leave plan's files, in the instance's language where a person reads them: leave.csv
(each person's leave), service.csv (each area's and municipality's week under the plan
and the two baselines), leave.xlsx (the leave calendar, person × week, and the service),
leave.md (the report) and leave.json (what ``planner leave apply`` checks before it
writes the leave into absences.csv)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.i18n import N_, Words, words
from planner.leave.model import (
    Facts,
    LeaveError,
    LeavePlan,
    Service,
    evaluate,
    first_come,
    first_wishes,
    is_annual_leave,
    why_not_first,
)

if TYPE_CHECKING:
    from models.instance import Instance

RECORD = "leave.json"
WATCHED = ("absences.csv", "staff.csv", "leave_wishes.csv", "teams.csv")
"""Files a leave plan rests on: apply refuses when absences.csv or staff.csv changed."""

RULE_WORDS = {
    "capacity": N_("%(where)s area below 100 %% of the meetings owed"),
    "named_cover": N_("%(where)s: nobody named for %(process)s at work"),
    "office_cover": N_("%(where)s below its minimum cover"),
    "central_cover": N_("central duties below their minimum"),
}


def blocks(weeks: frozenset[int], f: Facts) -> list[tuple[dt.date, dt.date]]:
    """Leave weeks as continuous spans, Monday to Sunday."""
    out: list[tuple[dt.date, dt.date]] = []
    for w in sorted(weeks):
        monday = f.weeks[w].monday
        if out and out[-1][1] + dt.timedelta(days=1) == monday:
            out[-1] = (out[-1][0], monday + dt.timedelta(days=6))
        else:
            out.append((monday, monday + dt.timedelta(days=6)))
    return out


def rule_sentence(rule: str, where: str, instance: Instance, w: Words) -> str:
    """A broken rule in words, names not ids."""
    names = {a.area_id: a.name for a in instance.areas}
    names |= {m.municipality_id: m.name for m in instance.municipalities}
    names |= {p.point_id: p.name for p in instance.service_points}
    said = instance.settings.process_words.get(w.language, {})
    if rule == "named_cover":
        muni, process = where.split(":")
        return w(RULE_WORDS[rule], where=names.get(muni, muni), process=said.get(process, process))
    return w(RULE_WORDS[rule], where=names.get(where, where))


def min_capacity(f: Facts, service: Service) -> dict[str, tuple[float, int]]:
    """Area -> (lowest weekly capacity %, its week number)."""
    out = {}
    for a in sorted({a for a, _ in service.capacity}):
        week = min(f.weeks, key=lambda w: service.capacity[(a, w.index)])
        out[a] = (service.capacity[(a, week.index)], week.number)
    return out


def service_table(f: Facts, cases: dict[str, Service], instance: Instance) -> pd.DataFrame:
    """service.csv: one row per case, week and area or municipality (stable English
    identifiers; the workbook and the report say it in words)."""
    rows = []
    for case, service in cases.items():
        for week in f.weeks:
            for (a, w), pct in service.capacity.items():
                if w == week.index:
                    rows.append(
                        {
                            "case": case,
                            "week": week.number,
                            "monday": week.monday.isoformat(),
                            "level": "area",
                            "id": a,
                            "capacity_pct": round(pct, 1),
                            "missing_processes": "",
                        }
                    )
            for m in instance.active_municipalities():
                missing = service.missing.get((m.municipality_id, week.index), ())
                rows.append(
                    {
                        "case": case,
                        "week": week.number,
                        "monday": week.monday.isoformat(),
                        "level": "municipality",
                        "id": m.municipality_id,
                        "capacity_pct": None,
                        "missing_processes": " ".join(missing),
                    }
                )
    return pd.DataFrame(rows)


def report(
    plan: LeavePlan,
    instance: Instance,
    cases: dict[str, Service],
    baseline_granted: dict[str, int],
) -> str:
    """leave.md in the instance's language."""
    from planner.plan.outputs import _md

    w = words(instance.settings.language)
    f = plan.facts
    staff = {s.staff_id: s for s in instance.staff}
    areas = {a.area_id: a.name for a in instance.areas}
    first, last = f.weeks[0], f.weeks[-1]
    lines = [
        "# " + w("Summer leave %(year)s: plan", year=f.year),
        "",
        w(
            "%(status)s (%(code)s): cost %(objective)s, bound %(bound)s, gap %(gap)s; seed "
            "%(seed)s, %(workers)s workers, %(time)s s. Weeks %(first)s–%(last)s (%(n)s "
            "weeks from %(monday)s); the named teams: %(teams)s.",
            status=w.solver_status(plan.status),
            code=plan.status,
            objective=w.number(plan.objective, 1),
            bound=w.number(plan.best_bound, 1),
            gap=w.percent(plan.gap, 2),
            seed=plan.seed,
            workers=plan.workers,
            time=w.number(plan.wall_time_s, 1),
            first=first.number,
            last=last.number,
            n=len(f.weeks),
            monday=w.date(first.monday),
            teams=w("approved (teams.csv)")
            if f.teams_source == "approved"
            else w("chosen by the monthly rule for June (none approved)"),
        ),
        "",
        "## " + w("Wishes granted"),
        "",
    ]
    planned = Counter(plan.granted.values())
    came = Counter(baseline_granted.values())
    wishers = len(plan.granted)
    rank_words = {
        1: w("first wish"),
        2: w("second wish"),
        3: w("third wish"),
        0: w("none of their wishes"),
    }
    rows = [
        {
            w("Granted"): rank_words[r],
            w("This plan"): planned.get(r, 0),
            w("First come, first served"): came.get(r, 0),
        }
        for r in (1, 2, 3, 0)
    ]
    lines += [
        w("%(n)s people made wishes.", n=wishers),
        "",
        _md(pd.DataFrame(rows)),
        "",
        "## " + w("Lowest weekly capacity of each area"),
        "",
        w(
            "Appointments the people at work hold (the substitute pool lent where short) "
            "against the meetings owed that week, percent; its week number."
        ),
        "",
    ]
    case_words = {
        "plan": w("This plan"),
        "first_wishes": w("Every first wish granted"),
        "first_come": w("First come, first served"),
    }
    lows = {case: min_capacity(f, service) for case, service in cases.items()}
    rows = [
        {w("Production area"): areas.get(a, a)}
        | {
            case_words[case]: w(
                "%(pct)s (week %(week)s)",
                pct=w.percent(lows[case][a][0] / 100),
                week=lows[case][a][1],
            )
            for case in cases
        }
        for a in lows["plan"]
    ]
    lines += [_md(pd.DataFrame(rows)), "", "## " + w("Rules broken"), ""]
    for case, service in cases.items():
        broken = service.breaks()
        kinds = Counter(rule for rule, _, _ in broken)
        lines.append(
            f"- {case_words[case]}: "
            + (
                ", ".join(
                    w("%(rule)s %(n)s week(s)", rule=w(KIND_WORDS[k]), n=n)
                    for k, n in sorted(kinds.items())
                )
                if broken
                else w("none")
            )
        )
    if plan.skipped:
        lines += [
            "",
            w("Weeks where a rule cannot hold even with nobody on leave (left out of it):"),
            "",
        ]
        lines += [
            f"- {w('week %(n)s', n=f.weeks[week].number)}: "
            + rule_sentence(rule, where, instance, w)
            for rule, where, week in plan.skipped
        ]
    lines += ["", "## " + w("Who did not get their first wish, and why"), ""]
    missed = sorted(s for s, r in plan.granted.items() if r != 1 and 1 in f.wishes.get(s, {}))
    if not missed:
        lines.append(w("Everyone who wished got their first wish."))
    for s in missed:
        reasons = why_not_first(f, plan, s, cases["plan"])
        spans = ", ".join(f"{w.date(a)}–{w.date(b)}" for a, b in blocks(plan.leave[s], f))
        got = rank_words[plan.granted.get(s, 0)]
        why = (
            "; ".join(
                w("week %(n)s", n=f.weeks[week].number)
                + ": "
                + rule_sentence(rule, where, instance, w)
                for rule, where, week in reasons[:3]
            )
            if reasons
            else w(
                "no rule alone: the weeks went to others whose wishes cost more to move "
                "(rotation: who had less of last summer's most wished weeks comes first)"
            )
        )
        lines.append(
            "- "
            + w(
                "%(name)s: %(got)s, leave %(spans)s; the first wish would break: %(why)s",
                name=staff[s].name,
                got=got,
                spans=spans,
                why=why,
            )
        )
    return "\n".join(lines) + "\n"


KIND_WORDS = {
    "capacity": N_("an area short of the meetings owed:"),
    "named_cover": N_("a key process without a named worker at work:"),
    "office_cover": N_("an office below its minimum:"),
    "central_cover": N_("central duties below their minimum:"),
}


def workbook(plan: LeavePlan, instance: Instance, cases: dict[str, Service], path: Path) -> None:
    """leave.xlsx: the leave calendar (person × week) and each area's weekly capacity
    under the plan and the baselines."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    w = words(instance.settings.language)
    f = plan.facts
    book = Workbook()
    sheet = book.active
    sheet.title = w("Leave calendar")
    bold = Font(bold=True)
    leave_fill = PatternFill("solid", fgColor="8AA9CF")
    wish_fill = PatternFill("solid", fgColor="E2EAF4")
    header = [w("Person"), w("Role"), w("Granted")] + [
        w("week %(n)s", n=week.number) + f" ({w.weekday_date(week.monday)})" for week in f.weeks
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = bold
    roles = {
        "local": w("production area"),
        "central": w("central duties"),
        "substitute": w("substitute pool"),
    }
    areas = {a.area_id: a.name for a in instance.areas}
    rank_words = {
        1: w("first wish"),
        2: w("second wish"),
        3: w("third wish"),
        0: w("none of their wishes"),
    }
    for s in instance.staff:
        sid = s.staff_id
        role = areas.get(f.area.get(sid, ""), "") or roles[f.role[sid]]
        granted = rank_words.get(plan.granted.get(sid, -1), "–")
        row = [s.name, role, granted] + [
            w("leave") if week.index in plan.leave[sid] else "" for week in f.weeks
        ]
        sheet.append(row)
        wished = f.wishes.get(sid, {}).get(1, frozenset())
        for week in f.weeks:
            cell = sheet.cell(row=sheet.max_row, column=4 + week.index)
            if week.index in plan.leave[sid]:
                cell.fill = leave_fill
            elif week.index in wished:
                cell.fill = wish_fill
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 14
    legend = book.create_sheet(w("Legend"))
    legend.append([w("Dark: leave in this plan; light: the first wish where it was not granted.")])
    service = book.create_sheet(w("Capacity by week"))
    case_words = {
        "plan": w("This plan"),
        "first_wishes": w("Every first wish granted"),
        "first_come": w("First come, first served"),
    }
    service.append(
        [w("Production area"), w("Case")] + [w("week %(n)s", n=week.number) for week in f.weeks]
    )
    for cell in service[1]:
        cell.font = bold
    for a in sorted({a for a, _ in cases["plan"].capacity}):
        for case, s in cases.items():
            service.append(
                [areas.get(a, a), case_words[case]]
                + [round(s.capacity[(a, week.index)]) for week in f.weeks]
            )
    book.save(path)


def compare(plan: LeavePlan) -> tuple[dict[str, Service], dict[str, int]]:
    """The service the plan leaves against its two baselines (every first wish as asked,
    first come first served), and the ranks first come, first served grants."""
    f = plan.facts
    fcfs, granted = first_come(f)
    cases = {
        "plan": evaluate(f, plan.leave),
        "first_wishes": evaluate(f, first_wishes(f, plan.leave)),
        "first_come": evaluate(f, fcfs),
    }
    return cases, granted


def write_plan(
    plan: LeavePlan, instance: Instance, out: Path
) -> tuple[list[Path], dict[str, Service], dict[str, int]]:
    """Every file of the leave plan into ``out`` (made in a folder beside it first)."""
    from planner.check.files import sha256

    f = plan.facts
    cases, fcfs_granted = compare(plan)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        rows = [
            {
                "staff_id": s,
                "start": a.isoformat(),
                "end": b.isoformat(),
                "weeks": (b - a).days // 7 + 1,
                "granted_rank": plan.granted.get(s, ""),
            }
            for s in f.people
            for a, b in blocks(plan.leave[s], f)
        ]
        pd.DataFrame(rows).to_csv(staging / "leave.csv", index=False)
        service_table(f, cases, instance).to_csv(staging / "service.csv", index=False)
        (staging / "leave.md").write_text(
            report(plan, instance, cases, fcfs_granted), encoding="utf-8"
        )
        workbook(plan, instance, cases, staging / "leave.xlsx")
        source = Path(instance.source_dir) if instance.source_dir else None
        record = {
            "year": f.year,
            "status": plan.status,
            "objective": plan.objective,
            "best_bound": plan.best_bound,
            "instance_dir": instance.source_dir,
            "summer": [
                f.weeks[0].monday.isoformat(),
                (f.weeks[-1].monday + dt.timedelta(days=6)).isoformat(),
            ],
            "period": [
                f"{f.year}-{instance.settings.leave.summer_start}",
                f"{f.year}-{instance.settings.leave.summer_end}",
            ],
            "files": {
                name: sha256(source / name)
                for name in WATCHED
                if source is not None and (source / name).is_file()
            },
        }
        (staging / RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for item in sorted(staging.iterdir()):
            os.replace(item, out / item.name)
            written.append(out / item.name)
        return written, cases, fcfs_granted
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_plan(plan_dir: Path, instance_dir: Path) -> tuple[dt.date, dt.date, pd.DataFrame]:
    """A leave plan's summer period and leave, refused when the instance's absences.csv
    or staff.csv are not the files the plan was made from (never silently)."""
    from planner.check.files import sha256

    try:
        record = json.loads((plan_dir / RECORD).read_text(encoding="utf-8"))
        leave = pd.read_csv(plan_dir / "leave.csv", dtype=str)
        first, last = (dt.date.fromisoformat(d) for d in record["period"])
    except (OSError, ValueError, KeyError) as exc:
        raise LeaveError(f"{plan_dir}: not a leave plan ({exc})") from None
    for name in ("absences.csv", "staff.csv"):
        recorded = record.get("files", {}).get(name)
        if recorded is None or not (instance_dir / name).is_file():
            raise LeaveError(f"{instance_dir / name}: the plan did not read it: plan again")
        if sha256(instance_dir / name) != recorded:
            raise LeaveError(
                f"{instance_dir / name} changed since the leave plan: plan again "
                "(planner leave plan)"
            )
    return first, last, leave


def _kept_spans(
    start: dt.date, end: dt.date, reason: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """What stays of an absence when a leave plan's leave replaces the summer's annual
    leave: all of it, unless it is annual leave inside first..last; then only its days
    outside the period."""
    if not (is_annual_leave(reason) and start <= last and end >= first):
        return [(start, end)]
    before = [(start, first - dt.timedelta(days=1))] if start < first else []
    after = [(last + dt.timedelta(days=1), end)] if end > last else []
    return before + after


def with_planned_leave(instance: Instance, plan_dir: Path) -> Instance:
    """The instance with a leave plan's leave in place of the annual leave of its summer
    period (as ``apply`` would write it), in memory: what ``whatif`` and ``sweep`` run
    with ``--leave-plan`` before anyone applies it. Refused when the plan was made from
    other absences or staff than the instance's."""
    from models.instance import Absence

    if not instance.source_dir:
        raise LeaveError(f"{plan_dir}: the instance was not read from files: plan again")
    first, last, leave = _read_plan(plan_dir, Path(instance.source_dir))
    kept = [
        a.model_copy(update={"start": s, "end": e})
        for a in instance.absences
        for s, e in _kept_spans(a.start, a.end, a.reason, first, last)
    ]
    kept += [
        Absence(staff_id=r.staff_id, start=r.start, end=r.end, reason="annual leave")
        for r in leave.itertuples()
    ]
    return instance.model_copy(update={"absences": tuple(kept)})


def apply(plan_dir: Path, instance_dir: Path) -> tuple[int, int]:
    """Write a leave plan's leave into the instance's absences.csv: the annual leave
    inside the summer period is replaced by the plan's (reason 'annual leave'), every
    other absence stays. Refused when absences.csv or staff.csv changed since the plan
    (never silently). Returns (rows removed, rows added)."""
    import csv

    first, last, leave = _read_plan(plan_dir, instance_dir)
    path = instance_dir / "absences.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = reader.fieldnames or ["staff_id", "start", "end", "reason"]
    kept, removed = [], 0
    for row in reader:
        start, end = dt.date.fromisoformat(row["start"]), dt.date.fromisoformat(row["end"])
        spans = _kept_spans(start, end, row.get("reason", ""), first, last)
        removed += spans != [(start, end)]
        kept += [row | {"start": a.isoformat(), "end": b.isoformat()} for a, b in spans]
    added = [
        {"staff_id": r.staff_id, "start": r.start, "end": r.end, "reason": "annual leave"}
        for r in leave.itertuples()
    ]
    rows = sorted(kept + added, key=lambda r: (r["staff_id"], r["start"]))
    fd, tmp = tempfile.mkstemp(dir=instance_dir, prefix=".absences.csv.", suffix=".tmp")
    os.close(fd)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=header, delimiter=delimiter, extrasaction="ignore"
            )
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return removed, len(added)


def summary_lines(
    plan: LeavePlan, instance: Instance, cases: dict[str, Service], came: dict[str, int]
) -> list[str]:
    """What ``planner leave plan`` says when done, in the instance's language."""
    w = words(instance.settings.language)
    granted = Counter(plan.granted.values())
    fcfs = Counter(came.values())
    areas = {a.area_id: a.name for a in instance.areas}
    lines = [
        w(
            "%(status)s (%(code)s), gap %(gap)s, %(time)s s: first wish %(one)s, second "
            "%(two)s, third %(three)s, none %(none)s (first come, first served: %(fone)s, "
            "%(ftwo)s, %(fthree)s, %(fnone)s)",
            status=w.solver_status(plan.status),
            code=plan.status,
            gap=w.percent(plan.gap, 2),
            time=w.number(plan.wall_time_s, 1),
            one=granted.get(1, 0),
            two=granted.get(2, 0),
            three=granted.get(3, 0),
            none=granted.get(0, 0),
            fone=fcfs.get(1, 0),
            ftwo=fcfs.get(2, 0),
            fthree=fcfs.get(3, 0),
            fnone=fcfs.get(0, 0),
        )
    ]
    lows = {case: min_capacity(plan.facts, s) for case, s in cases.items()}
    for a in lows["plan"]:
        lines.append(
            "  "
            + w(
                "%(area)s: lowest weekly capacity %(plan)s (every first wish: %(first)s, first "
                "come: %(come)s)",
                area=areas.get(a, a),
                plan=w.percent(lows["plan"][a][0] / 100),
                first=w.percent(lows["first_wishes"][a][0] / 100),
                come=w.percent(lows["first_come"][a][0] / 100),
            )
        )
    return lines


def applied_line(removed: int, added: int, path: Path, instance: Instance) -> str:
    w = words(instance.settings.language)
    return w(
        "wrote the leave plan into %(path)s: %(removed)s annual leave row(s) of the summer "
        "replaced by %(added)s; every other absence kept",
        path=path,
        removed=removed,
        added=added,
    )
