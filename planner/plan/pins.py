"""Pins: what a planner already knows, fixed before the solver plans around it.

A pins file is a CSV a planner writes by hand (or a desk writes for them), one pin a
row, columns ``rule, staff_id, point_id, date, pattern``:

=================  ===========================================================
``goes``           staff_id goes to point_id on date
``does_not_go``    staff_id does not go to point_id on date ("Aino cannot drive
                   to Keitele on the 12th")
``open``           point_id is open (a visit is held) on date
``closed``         point_id is closed on date
``keeps_pattern``  point_id keeps pattern (e.g. ``biweekly:Wed:odd``) this month
=================  ===========================================================

Pins are hard rules of the month's model (:func:`planner.plan.model.add_pins`) and of the
checker. They are read against the month before solving, so a pin the month cannot
keep (the person is absent, the point is closed by every rhythm that day) or two pins
that contradict each other are refused with the lines that say so, never as an
INFEASIBLE solver status. The file is copied into the plan folder (``pins.csv``, in
its manifest), so the plan says which pins it kept.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.i18n import N_, Words, words

if TYPE_CHECKING:
    from pathlib import Path

    from planner.plan.month import MonthData

RULES = ("goes", "does_not_go", "open", "closed", "keeps_pattern")
FROZEN = ("outreach", "office", "central", "absent", "off")
"""``frozen:<activity>`` pins (written by ``--from-day``, not by hand): the person's day is
exactly what the plan being re-planned said, at ``point_id`` (a point, 'central' or '')."""
COLUMNS = ("rule", "staff_id", "point_id", "date", "pattern")


class PinError(ValueError):
    """Pins that cannot be kept; one line each, naming the file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Pin:
    line: int
    rule: str
    staff_id: str = ""
    point_id: str = ""
    date: dt.date | None = None
    pattern: str = ""

    def words(self, w: Words | None = None) -> str:
        """The pin as a sentence, in ``w``'s language (English by default: files and the
        command line); ids and ISO dates, which a caller may replace by names."""
        w = w or words("en")
        values = {
            "person": self.staff_id,
            "point": self.point_id,
            "day": str(self.date),
            "pattern": self.pattern,
        }
        if self.rule.startswith("frozen:"):
            return w(
                "%(person)s on %(day)s stays as planned (frozen)",
                person=self.staff_id,
                day=str(self.date),
            )
        what = {
            "goes": N_("%(person)s goes to %(point)s on %(day)s"),
            "does_not_go": N_("%(person)s does not go to %(point)s on %(day)s"),
            "open": N_("%(point)s is open on %(day)s"),
            "closed": N_("%(point)s is closed on %(day)s"),
            "keeps_pattern": N_("%(point)s keeps the rhythm %(pattern)s"),
        }
        return w(what[self.rule], **values)


def read_pins(path: Path) -> list[Pin]:
    """Pins of a file, each row checked for its own form; PinError lists every problem."""
    problems: list[str] = []
    pins: list[Pin] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ("rule", "point_id") if c not in (reader.fieldnames or [])]
            if missing:
                raise PinError([f"{path}:1: no column {', '.join(missing)}"])
            for row in reader:
                line = reader.line_num
                rule = (row.get("rule") or "").strip()
                values = {c: (row.get(c) or "").strip() for c in COLUMNS}
                if rule not in RULES and rule.removeprefix("frozen:") not in FROZEN:
                    problems.append(
                        f"{path}:{line}: rule {rule!r} is not one of {', '.join(RULES)}"
                    )
                    continue
                day = None
                if rule != "keeps_pattern":
                    try:
                        day = dt.date.fromisoformat(values["date"])
                    except ValueError:
                        problems.append(f"{path}:{line}: date {values['date']!r} is not YYYY-MM-DD")
                        continue
                if (rule in ("goes", "does_not_go") or rule.startswith("frozen:")) and not values[
                    "staff_id"
                ]:
                    problems.append(f"{path}:{line}: {rule} needs a staff_id")
                    continue
                if rule == "keeps_pattern" and not values["pattern"]:
                    problems.append(f"{path}:{line}: keeps_pattern needs a pattern")
                    continue
                pins.append(
                    Pin(line, rule, values["staff_id"], values["point_id"], day, values["pattern"])
                )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PinError([f"{path}: cannot be read ({exc})"]) from None
    if problems:
        raise PinError(problems)
    return pins


def pin_rows(pins: list[Pin]) -> list[dict[str, str]]:
    """Pins as the rows of a plan's pins.csv, for the checker (which reads rows)."""
    return [
        {
            "rule": p.rule,
            "staff_id": p.staff_id,
            "point_id": p.point_id,
            "date": p.date.isoformat() if p.date else "",
            "pattern": p.pattern,
        }
        for p in pins
    ]


def frozen_before(previous_days: tuple, day: dt.date) -> list[Pin]:
    """Pins that keep every person-day before ``day`` as the plan being re-planned had it
    (``--from-day``): what was worked stays worked, where it was."""
    return [
        Pin(0, f"frozen:{activity}", sid, place, date, "cover" if cover else "")
        for sid, date, activity, place, cover in previous_days
        if date < day
    ]


def check_pins(pins: list[Pin], data: MonthData, source: str, w: Words | None = None) -> None:
    """Refuse pins the month cannot keep, or that contradict each other (naming both), in
    ``w``'s language (English by default)."""
    w = w or words("en")
    problems: list[str] = []
    index = {d: i for i, d in enumerate(data.days)}
    staff = {s.staff_id for s in data.instance.staff}
    at = f"{source}:"
    seen: dict[tuple, Pin] = {}
    for pin in pins:
        where = f"{at}{pin.line}: {pin.words(w)}"
        if pin.rule.startswith("frozen:"):
            if pin.staff_id not in staff or pin.date not in index:
                problems.append(f"{where}: " + w("unknown person or not a working day"))
                continue
            day = index[pin.date]
            absent = not data.available[pin.staff_id][day]
            if absent != (pin.rule == "frozen:absent"):
                problems.append(
                    f"{where}: "
                    + (
                        w("the absences say absent that day; a day before it cannot change")
                        if absent
                        else w("the absences say at work that day; a day before it cannot change")
                    )
                )
            elif pin.rule == "frozen:outreach" and not (
                pin.point_id in data.patterns
                and day in data.possible_days(pin.point_id)
                and data.may_visit(pin.staff_id, pin.point_id)
            ):
                problems.append(f"{where}: " + w("that visit is no longer possible"))
            continue
        if pin.point_id not in data.patterns:
            problems.append(f"{where}: " + w("not an outreach point planned this month"))
            continue
        if pin.rule == "keeps_pattern":
            keys = [p.key for p in data.patterns[pin.point_id]]
            if pin.pattern not in keys:
                problems.append(f"{where}: " + w("not a rhythm allowed there"))
            key = ("pattern", pin.point_id)
            if key in seen and seen[key].pattern != pin.pattern:
                other = f"{at}{seen[key].line} ({seen[key].words(w)})"
                problems.append(f"{where}: " + w("contradicts %(other)s", other=other))
            seen[key] = pin
            continue
        if pin.date not in index:
            problems.append(f"{where}: " + w("not a working day of the month"))
            continue
        day = index[pin.date]
        if pin.rule in ("goes", "open") and day not in data.possible_days(pin.point_id):
            problems.append(f"{where}: " + w("no rhythm allowed there opens it that day"))
            continue
        if pin.rule in ("goes", "does_not_go"):
            if pin.staff_id not in staff:
                problems.append(f"{where}: " + w("unknown person"))
                continue
            if pin.rule == "goes" and not data.available[pin.staff_id][day]:
                problems.append(
                    f"{where}: " + w("%(person)s is absent that day", person=pin.staff_id)
                )
                continue
            if pin.rule == "goes" and not data.may_visit(pin.staff_id, pin.point_id):
                problems.append(
                    f"{where}: "
                    + w("%(person)s is not on its team (nor a substitute)", person=pin.staff_id)
                )
                continue
        opposite = {
            "goes": "does_not_go",
            "does_not_go": "goes",
            "open": "closed",
            "closed": "open",
        }
        person = pin.staff_id if pin.rule in ("goes", "does_not_go") else ""
        mine = (person, pin.point_id, pin.date)
        clash = seen.get((opposite[pin.rule], *mine))
        if clash is not None:
            other = f"{at}{clash.line} ({clash.words(w)})"
            problems.append(f"{where}: " + w("contradicts %(other)s", other=other))
        if pin.rule == "goes":
            closed = seen.get(("closed", "", pin.point_id, pin.date))
            if closed is not None:
                other = f"{at}{closed.line} ({closed.words(w)})"
                problems.append(f"{where}: " + w("contradicts %(other)s", other=other))
            elsewhere = seen.get(("goes-day", pin.staff_id, pin.date))
            if elsewhere is not None and elsewhere.point_id != pin.point_id:
                other = f"{at}{elsewhere.line} ({elsewhere.words(w)})"
                problems.append(
                    f"{where}: " + w("contradicts %(other)s: one place a day", other=other)
                )
            seen[("goes-day", pin.staff_id, pin.date)] = pin
        if pin.rule == "closed":
            for key, earlier in list(seen.items()):
                if key[0] == "goes" and key[2:] == (pin.point_id, pin.date):
                    other = f"{at}{earlier.line} ({earlier.words(w)})"
                    problems.append(f"{where}: " + w("contradicts %(other)s", other=other))
        seen[(pin.rule, *mine)] = pin
    if problems:
        raise PinError(problems)
