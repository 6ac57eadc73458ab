"""The year answer's cost: a year × a ladder of cuts, and what the baseline's plan as each
level's preferred plan saves per plan.

    python bench/year.py                       # the year sweep, cuts 0:60:10, band on
    python bench/year.py --cuts 0:30:10 --no-band
    python bench/year.py --preference          # one level solved with and without it

Prints the wall time (perf_counter around the `planner sweep` process), the peak memory
of the processes it started (getrusage), the plans solved and their statuses from
sweep.csv, and the target: no more wall time than issue 11's 12 × 4 sweep (259 s on
2 cores).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 259.0
"""Issue 11's year sweep (12 months × 4 levels, 48 plans) on this machine kind."""


def sweep(cuts: str, band: bool, jobs: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="bench-year-"))
    command = [
        "planner",
        "sweep",
        "--month",
        "2026-01",
        "--cuts",
        cuts,
        "--time-limit",
        "15",
        "--seed",
        "1",
        "--jobs",
        str(jobs),
        "--out",
        str(out),
        "--band" if band else "--no-band",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"planner sweep failed ({done.returncode}):\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    import pandas as pd

    frame = pd.read_csv(out / "sweep.csv")
    plans = frame.drop_duplicates(["value", "month"])
    levels = plans["value"].nunique()
    solved = len(plans) + 12 - (12 if 0.0 in set(plans["value"]) else 0)
    print(f"{' '.join(command[:8])} ... --jobs {jobs} {'--band' if band else '--no-band'}")
    stopped = int(plans["stopped_by_wall_clock"].sum())
    verdict = "met" if wall <= TARGET_S else "NOT met"
    print(f"  levels {levels} x 12 months; plans solved {solved} (a level equal to the baseline")
    print("  is the baseline's plan)")
    print(f"  statuses {dict(plans['solver_status'].value_counts())}; wall-clock stops {stopped}")
    print(
        f"  wall {wall:.0f} s ({wall / solved:.2f} s a plan); target {TARGET_S:.0f} s: "
        f"{verdict} ({wall / TARGET_S:.2f}x)"
    )
    print(f"  peak memory of one child process {peak:.0f} MB")
    for line in done.stdout.splitlines():
        print(f"  | {line}")


def preference(cut: float) -> None:
    from planner.io import load_instance
    from planner.plan.model import SolverConfig
    from planner.plan.schedule import plan_month
    from planner.scenarios.levers import Levers
    from planner.scenarios.whatif import run_scenario

    instance = load_instance("instances/kuopio")
    config = SolverConfig(time_limit=15, seed=1)
    free, kept = [], []
    for month in ("2026-03", "2026-07", "2026-10"):
        base = plan_month(instance, month, config=config)
        for pref, times in ((None, free), (base, kept)):
            start = time.perf_counter()
            scen = run_scenario(instance, month, Levers(cut=cut), config, preferred=pref)
            times.append(time.perf_counter() - start)
            print(
                f"  {month} cut {cut:g}: {'baseline preferred' if pref else 'from nothing':18} "
                f"{times[-1]:5.1f} s {scen.plan.stats.status}"
            )
    print(
        f"median {statistics.median(free):.1f} s from nothing, "
        f"{statistics.median(kept):.1f} s with the baseline preferred "
        f"({statistics.median(kept) / statistics.median(free):.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", default="0:60:10")
    parser.add_argument("--band", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--preference", action="store_true")
    parser.add_argument("--cut", type=float, default=30)
    args = parser.parse_args()
    if args.preference:
        preference(args.cut)
    else:
        sweep(args.cuts, args.band, args.jobs)


if __name__ == "__main__":
    main()
