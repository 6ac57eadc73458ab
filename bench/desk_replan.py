"""What a one-day absence costs a month published from the command line, re-planned from
the absence's day at the desk.

    python bench/desk_replan.py                     # March 2026, seeds 1 2 3
    python bench/desk_replan.py --month 2026-12 --seeds 1 2 3 4 5

For each seed: the month is planned and published as ``planner schedule`` and
``planner publish`` do (the same workflow functions); the desk then starts from the
published plan; a one-day absence is added for the first person on an outreach visit on
or after the middle of the month (substitutes aside); the month is re-planned from that
day with the published plan as the plan to change least, as the desk's re-plan does.
Prints, per seed and as the median, the person-days that changed (activity or place),
those before the day (must be 0), the people affected and the re-plan's wall time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.desk import log  # noqa: E402
from planner.desk.service import Desk, add_absence, basis  # noqa: E402
from planner.io import load_instance  # noqa: E402
from planner.plan.model import SolverConfig  # noqa: E402
from planner.plan.workflow import (  # noqa: E402
    earlier_plan,
    month_pins,
    plan_and_write,
    publish_checked,
)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def one(month: str, seed: int, time_limit: float) -> dict[str, float]:
    site = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    try:
        shutil.copytree(ROOT / "instances" / "kuopio", site / "kuopio")
        instance = load_instance(site / "kuopio")
        config = SolverConfig(time_limit=time_limit, seed=seed)
        out = site / "out" / month
        plan_and_write(instance, month, out, config, earlier_plan(month, None, None), [], "", None)
        publish_checked(site / "planner.db", out, instance, log.now())
        shutil.rmtree(site / "out")  # the desk must not need the command line's folder
        desk = Desk(site / "planner.db", site / "kuopio", site / "drafts", time_limit, seed=seed)
        log.open_desk(desk.db)
        published = basis(desk, month)
        assert published is not None and published.kind == "published"
        before = {
            (r["staff_id"], r["date"]): r for r in _rows(published.directory / "schedule.csv")
        }
        substitutes = {s.staff_id for s in instance.staff if s.substitute}
        middle = f"{month}-15"
        sick, day = next(
            (sid, v["date"])
            for v in sorted(_rows(published.directory / "visits.csv"), key=lambda v: v["date"])
            if v["date"] >= middle
            for sid in v["staff_ids"].split()
            if sid not in substitutes
        )
        add_absence(desk, month, "bench", {"staff_id": sick, "start": day, "reason": "flu"})
        instance = desk.instance()
        earlier = earlier_plan(month, published.directory, None)
        pins = month_pins(month, earlier, None, dt.date.fromisoformat(day))
        started = time.perf_counter()
        draft = site / "drafts" / "replan"
        plan_and_write(instance, month, draft, config, earlier, pins, "", published.directory)
        seconds = time.perf_counter() - started
        after = {(r["staff_id"], r["date"]): r for r in _rows(draft / "schedule.csv")}
        changed = [
            k
            for k in set(before) | set(after)
            if (before.get(k) or {}).get("activity") != (after.get(k) or {}).get("activity")
            or (before.get(k) or {}).get("place_id") != (after.get(k) or {}).get("place_id")
        ]
        return {
            "changed": len(changed),
            "before_day": sum(1 for _, d in changed if d < day),
            "people": len({s for s, _ in changed}),
            "seconds": seconds,
            "day": day,  # type: ignore[dict-item]
        }
    finally:
        shutil.rmtree(site, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--month", default="2026-03")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--time-limit", type=float, default=15.0)
    args = parser.parse_args()
    results = []
    for seed in args.seeds:
        r = one(args.month, seed, args.time_limit)
        results.append(r)
        print(
            f"seed {seed}: absence on {r['day']}: {r['changed']} person-days changed "
            f"({r['before_day']} before the day) for {r['people']} "
            f"{'person' if r['people'] == 1 else 'people'}; "
            f"re-plan {r['seconds']:.1f} s",
            flush=True,
        )
    print(
        f"median of {len(results)} seeds: "
        f"{statistics.median(r['changed'] for r in results):g} person-days changed, "
        f"{max(r['before_day'] for r in results)} before the absence's day at most, "
        f"re-plan {statistics.median(r['seconds'] for r in results):.1f} s"
    )


if __name__ == "__main__":
    main()
