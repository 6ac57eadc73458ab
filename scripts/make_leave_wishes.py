"""Plausible, SYNTHETIC summer leave wishes and last summer's leave for an instance.

    python scripts/make_leave_wishes.py instances/kuopio --year 2026 --seed 2026

No real wishes of Kuopio's staff are public; these are made up from a stated
distribution, seeded, so a leave plan can be tried and measured:

- every person (the substitute pool too) wishes one block of their entitlement
  (``[leave] entitlement_days`` / 5 weeks) as the first wish, starting on a Monday:
  55 % in the first two weeks of July (most people want July), 20 % in the last two
  weeks of June, 15 % in the last week of July or the first two of August, 10 % on any
  Monday of the period where the block fits;
- 70 % give a second wish, the first moved two weeks earlier or later (one of the two,
  at random, where it fits); 40 % of those a third, moved four weeks the other way;
- the rows come in a random order: the order the wishes "came in" (first come);
- last summer's leave (leave_history.csv): one block of the same length, drawn from the
  same distribution a year earlier.

Writes leave_wishes.csv and leave_history.csv into the instance and says they are
synthetic. Existing files are replaced only with --force.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.io import load_instance  # noqa: E402
from planner.leave.model import summer_weeks  # noqa: E402


def mondays(instance, year: int) -> list[dt.date]:  # type: ignore[no-untyped-def]
    return [w.monday for w in summer_weeks(instance, year)]


def first_start(rng: random.Random, weeks: list[dt.date], length: int) -> int:
    """Index of the first wish's first week (the distribution in the module docstring)."""
    fits = list(range(len(weeks) - length + 1))
    july = [i for i in fits if weeks[i].month == 7 and weeks[i].day <= 14]
    june = [i for i in fits if weeks[i].month == 6 and weeks[i].day >= 15]
    late = [
        i
        for i in fits
        if (weeks[i].month == 7 and weeks[i].day >= 22)
        or (weeks[i].month == 8 and weeks[i].day <= 14)
    ]
    draw = rng.random()
    for share, choices in ((0.55, july), (0.75, june), (0.90, late)):
        if draw < share and choices:
            return rng.choice(choices)
    return rng.choice(fits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    instance = load_instance(args.instance)
    targets = [args.instance / "leave_wishes.csv", args.instance / "leave_history.csv"]
    if any(t.exists() for t in targets) and not args.force:
        sys.exit(f"{targets[0]} or {targets[1]} exists: give --force to replace them")
    rng = random.Random(args.seed)
    weeks = mondays(instance, args.year)
    last_year = mondays(instance, args.year - 1)
    length = round(instance.settings.leave.entitlement_days / 5)
    wishes, history = [], []
    for person in instance.staff:
        start = first_start(rng, weeks, length)
        rows = [(start, 1)]
        if rng.random() < 0.7:
            step = rng.choice((-2, 2))
            second = start + step if 0 <= start + step <= len(weeks) - length else start - step
            rows.append((second, 2))
            if rng.random() < 0.4:
                third = start - 2 * step
                if 0 <= third <= len(weeks) - length:
                    rows.append((third, 3))
        for first, rank in rows:
            end = weeks[first + length - 1] + dt.timedelta(days=4)
            wishes.append((person.staff_id, weeks[first], end, rank))
        before = first_start(rng, last_year, length)
        history.append(
            (
                person.staff_id,
                last_year[before],
                last_year[before + length - 1] + dt.timedelta(days=4),
            )
        )
    rng.shuffle(wishes)
    wishes.sort(key=lambda r: r[3] != 1)  # first wishes come in first, in random order
    with open(targets[0], "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["staff_id", "start", "end", "rank"])
        writer.writerows((s, a.isoformat(), b.isoformat(), r) for s, a, b, r in wishes)
    with open(targets[1], "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["staff_id", "start", "end"])
        writer.writerows((s, a.isoformat(), b.isoformat()) for s, a, b in history)
    print(
        f"wrote {len(wishes)} SYNTHETIC wishes of {len(instance.staff)} people and their "
        f"synthetic last summers to {targets[0]} and {targets[1]} (seed {args.seed}; the "
        "distribution is in this script's docstring)"
    )


if __name__ == "__main__":
    main()
