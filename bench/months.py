"""Every month of a year through the real command, and the month boundaries (issue 8).

    python bench/months.py                    # 2026-01 .. 2026-12, seed 1, --time-limit 15
    python bench/months.py --months 2026-03 2026-06 --repeat 3
    python bench/months.py --boundaries       # 2025-12 -> 2026-01 and 2026-12 -> 2027-01

Each month runs `planner schedule --month M --time-limit 15 --seed 1 --quiet` twice in
fresh processes, timed by the wall clock around the process; the solve time is the
one the plan reports (plan.json). The two runs' visits.csv and schedule.csv are
compared byte for byte. `--boundaries` plans a month and then the next one with
`--previous`, and without it, and measures, for every municipality served by outreach
alone, the gap across the boundary (from the last visit of the first month to the first
of the second) in working days and calendar days, with each plan's unmet items.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import filecmp
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def schedule(month: str, out: Path, extra: list[str], limit: float, seed: int) -> dict:
    command = [
        sys.executable,
        str(ROOT / "cli.py"),
        "schedule",
        str(ROOT / "instances" / "kuopio"),
        "--month",
        month,
        "--out",
        str(out),
        "--time-limit",
        str(limit),
        "--seed",
        str(seed),
        "--db",
        str(out.parent / "no-store.db"),
        "--quiet",
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    stats = plan["stats"]
    return {
        "month": month,
        "status": stats["status"],
        "objective": stats["objective"],
        "bound": round(stats["best_bound"], 1),
        "gap_pct": round(100 * stats["gap"], 3),
        "solve_s": round(stats["wall_time_s"], 2),
        "wall_s": round(wall, 2),
        "unmet": len(plan["unmet"]),
        "late_days": sum(w["late_days"] for w in plan["waits"]),
        "rule_set": plan["rule_set"],
    }


def held(out: Path) -> dict[str, list[dt.date]]:
    with open(out / "visits.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_muni: dict[str, list[dt.date]] = {}
    for row in rows:
        by_muni.setdefault(row["municipality_id"], []).append(dt.date.fromisoformat(row["date"]))
    return {m: sorted(days) for m, days in by_muni.items()}


def boundary(first: str, second: str, limit: float, seed: int, tmp: Path) -> list[dict]:
    from planner.plan.workdays import is_working_day

    a, b, free = tmp / first, tmp / f"{second}-prev", tmp / f"{second}-free"
    rows = [schedule(first, a, [], limit, seed)]
    rows.append(schedule(second, b, ["--previous", str(a)], limit, seed) | {"with": "previous"})
    rows.append(schedule(second, free, [], limit, seed) | {"with": "nothing"})
    print(_table(rows))
    gaps = []
    before = held(a)
    for label, after_dir in (("with --previous", b), ("without", free)):
        after = held(after_dir)
        for muni in sorted(before):
            if muni in ("kuopio", "siilinjarvi") or muni not in after:
                continue
            last, nxt = before[muni][-1], after[muni][0]
            working = sum(
                is_working_day(last + dt.timedelta(days=k)) for k in range(1, (nxt - last).days + 1)
            )
            gaps.append(
                {
                    "boundary": f"{first}->{second}",
                    "second_month": label,
                    "municipality": muni,
                    "last": str(last),
                    "next": str(nxt),
                    "working_days": working,
                    "calendar_days": (nxt - last).days,
                }
            )
    return gaps


def _table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    widths = {k: max(len(k), *(len(str(r.get(k, ""))) for r in rows)) for k in keys}
    lines = ["  ".join(k.rjust(widths[k]) for k in keys)]
    lines += ["  ".join(str(r.get(k, "")).rjust(widths[k]) for k in keys) for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", nargs="+", default=[f"2026-{m:02d}" for m in range(1, 13)])
    parser.add_argument("--time-limit", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--boundaries", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.boundaries:
            gaps = []
            for first, second in (("2025-12", "2026-01"), ("2026-12", "2027-01")):
                gaps += boundary(first, second, args.time_limit, args.seed, tmp)
            print()
            print(_table(gaps))
            return 0
        rows = []
        for month in args.months:
            print(f"planning {month} twice ...", file=sys.stderr, flush=True)
            one = schedule(month, tmp / f"{month}-a", [], args.time_limit, args.seed)
            two = schedule(month, tmp / f"{month}-b", [], args.time_limit, args.seed)
            same = all(
                filecmp.cmp(tmp / f"{month}-a" / f, tmp / f"{month}-b" / f, shallow=False)
                for f in ("visits.csv", "schedule.csv")
            )
            rows.append(one | {"wall_s_2nd": two["wall_s"], "identical": same})
        print(_table(rows))
        solve = [r["solve_s"] for r in rows]
        wall = [r["wall_s"] for r in rows] + [r["wall_s_2nd"] for r in rows]
        print(
            f"\n{sum(r['status'] == 'OPTIMAL' for r in rows)}/{len(rows)} optimal; solve "
            f"{min(solve)}-{max(solve)} s, median {statistics.median(solve):.2f} s; command wall "
            f"{min(wall)}-{max(wall)} s, median {statistics.median(wall):.2f} s; "
            f"{sum(r['identical'] for r in rows)}/{len(rows)} byte-identical reruns"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
