"""Summer leave for Kuopio: the plan against every first wish granted and against first
come, first served; proof or gap, time and memory.

    python bench/leave.py                       # 2026, the instance's wishes, seed 0
    python bench/leave.py --seeds 0 1 2 3 4     # the solver's seeds (medians printed)

The Kuopio instance's wishes are SYNTHETIC (scripts/make_leave_wishes.py, seed 2026;
its docstring states the distribution: most people want July).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.io import load_instance  # noqa: E402
from planner.leave.model import plan_leave  # noqa: E402
from planner.leave.outputs import compare, min_capacity  # noqa: E402
from planner.plan.model import SolverConfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=ROOT / "instances" / "kuopio")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--time-limit", type=float, default=40.0)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    instance = load_instance(args.instance)
    times = []
    for seed in args.seeds:
        config = SolverConfig(time_limit=args.time_limit, workers=args.workers, seed=seed)
        started = time.perf_counter()
        plan = plan_leave(instance, args.year, config)
        took = time.perf_counter() - started
        times.append(took)
        f = plan.facts
        cases, came = compare(plan)
        print(
            f"seed {seed}: {plan.status}, objective {plan.objective:,.1f}, bound "
            f"{plan.best_bound:,.1f}, gap {plan.gap:.2%}, {took:.1f} s wall "
            f"({len(f.people)} people x {len(f.weeks)} weeks)"
        )
        got, fc = Counter(plan.granted.values()), Counter(came.values())
        print("  wish granted    plan  first-come")
        for rank, name in ((1, "first"), (2, "second"), (3, "third"), (0, "none")):
            print(f"  {name:14s} {got.get(rank, 0):5d} {fc.get(rank, 0):11d}")
        print("  lowest weekly capacity per area (% of meetings owed, week number)")
        for case, service in cases.items():
            lows = min_capacity(f, service)
            text = ", ".join(f"{a} {pct:.0f} % (wk {wk})" for a, (pct, wk) in lows.items())
            broken = Counter(rule for rule, _, _ in service.breaks())
            target = instance.settings.leave.capacity_target
            below = sum(pct < target for pct in service.capacity.values())
            print(
                f"    {case:13s} {text}; area-weeks below {target} %: {below}; rules broken: "
                f"{dict(broken) or 'none'}"
            )
        if plan.skipped:
            print(f"  weeks left out of a rule (cannot hold with nobody on leave): {plan.skipped}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"median wall {statistics.median(times):.1f} s; peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
