"""The year's named teams against the month's greedy teams and against free assignment.

    python bench/teams.py                          # March 2026, year 2026
    python bench/teams.py --months 2026-03 2026-06 2026-10 --time-limit 30

1. ``planner teams propose`` for the year (one CP-SAT model): its status, objective,
   bound, time, and how many named workers change against the teams the greedy rule
   picks for January (what the monthly plans used before teams were approved).
2. Each month planned three ways, the same seed and limits, whole-month model:
   - *greedy*: no teams approved, the month's own rule picks them (:func:`choose_teams`);
   - *proposed*: the proposal approved (teams.csv), held by the month;
   - *free*: every person of the area who may be named on every team, i.e. any worker of
     the area may go anywhere in it (the month's optimum without named teams).
   Prints each month's objective (points of the monthly model, lower is better), its
   status and gap, and the people who go on outreach.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.io import load_instance  # noqa: E402
from planner.plan.model import SolverConfig  # noqa: E402
from planner.plan.schedule import plan_month  # noqa: E402
from planner.plan.teams import facts, period, propose, write_proposal  # noqa: E402


def with_teams(source: Path, target: Path, rows: list[tuple[str, str]]) -> Path:
    shutil.copytree(source, target)
    lines = ["point_id,staff_id", *(f"{p},{s}" for p, s in sorted(set(rows)))]
    (target / "teams.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=ROOT / "instances" / "kuopio")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--months", nargs="+", default=["2026-03"])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = SolverConfig(
        time_limit=args.time_limit, workers=args.workers, seed=args.seed, method="whole"
    )
    base = load_instance(args.instance)
    started = time.perf_counter()
    proposal = propose(base, period(args.year), config)
    took = time.perf_counter() - started
    print(
        f"proposal {args.year}: {proposal.status}, objective {proposal.objective:,.1f} "
        f"points (a minute of driving a month each), bound {proposal.best_bound:,.1f}, "
        f"{took:.1f} s wall; "
        f"{sum(len(m) for m in proposal.teams.values())} named on {len(proposal.teams)} "
        f"teams; {len(proposal.changes())} change(s) against the current teams "
        f"({proposal.current_source})"
    )
    for rule, (amount, cost) in proposal.terms.items():
        was = proposal.current_terms.get(rule, (0.0, 0.0))[0]
        print(f"  {rule:15s} current {was:10,.1f}  proposed {amount:10,.1f}  cost {cost:9,.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_proposal(proposal, base, folder / "proposal")
        proposed = with_teams(
            args.instance,
            folder / "proposed",
            [(p, s) for p, members in proposal.teams.items() for s in members],
        )
        every = facts(base, period(args.year))
        free = with_teams(
            args.instance, folder / "free", [(u.point_id, s) for u in every.units for s in u.pool]
        )
        cases = {
            "greedy": base,
            "proposed": load_instance(proposed),
            "free": load_instance(free),
        }
        header = f"{'case':9s} {'objective':>11s} {'status':9s} {'gap':>6s} outreach people  s"
        print(f"\nmonth    {header}")
        for month in args.months:
            for name, instance in cases.items():
                started = time.perf_counter()
                plan = plan_month(instance, month, config=config)
                took = time.perf_counter() - started
                people = len({s for v in plan.visits for s in v.staff_ids})
                print(
                    f"{month}  {name:9s} {plan.stats.objective:11,.1f} {plan.stats.status:9s} "
                    f"{plan.stats.gap:6.2%} {people:15d} {took:4.1f}"
                )


if __name__ == "__main__":
    main()
