"""Ladders of a lever over one month or many: planned in parallel processes, one row per
month, lever value and production area, and the findings in words.

Every level is planned exactly as ``planner schedule`` plans a month (one solver
configuration), so the level that changes nothing is the schedule's own plan.
"""

from __future__ import annotations

import io
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.scenarios.levers import Levers
from planner.scenarios.whatif import (
    DEADLINE_TARGET_PCT,
    QUARTER,
    Scenario,
    meets_requirements,
    named_cover_gaps,
    run_scenario,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.instance import Instance
    from planner.plan.model import SolverConfig

CASELOAD_ANCHOR = 136
"""Uusimaa 2018: about 136 unemployed jobseekers per counsellor (the only public anchor)."""


def run_months(
    instance: Instance,
    tasks: list[tuple[str, Levers]],
    *,
    jobs: int,
    config: SolverConfig,
    on_done: Callable[[str], None] | None = None,
) -> list[Scenario]:
    """Plan every (month, levers) in parallel processes, in the order given."""
    results: dict[int, Scenario] = {}
    if jobs <= 1 or len(tasks) == 1:
        for k, task in enumerate(tasks):
            results[k] = _plan(instance, task, config)
            if on_done is not None:
                on_done(task[0])
        return [results[k] for k in range(len(tasks))]
    # 'spawn', not 'fork': the parent may hold CP-SAT's threads, and forking a threaded
    # process can deadlock.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_plan, instance, task, config): k for k, task in enumerate(tasks)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_done is not None:
                on_done(tasks[futures[future]][0])
    return [results[k] for k in range(len(tasks))]


def _plan(instance: Instance, task: tuple[str, Levers], config: SolverConfig) -> Scenario:
    month, levers = task
    scenario = run_scenario(instance, month, levers, config)
    _ = scenario.flow  # simulated in the worker process, carried back with the plan
    return scenario


def rows(scenario: Scenario, lever: str, value: float) -> list[dict[str, Any]]:
    """One row per production area of one planned level."""
    ok, failures = meets_requirements(scenario)
    ok_other, other = meets_requirements(scenario, capacity=False)
    areas = scenario.areas()
    munis = scenario.municipalities()
    flow = scenario.flow
    names = {a.area_id: a.name for a in scenario.instance.areas}
    out = []
    for area_id, row in areas.iterrows():
        mine = [
            m.municipality_id
            for m in scenario.instance.active_municipalities()
            if m.area_id == area_id and m.municipality_id in munis.index
        ]
        fl = [f for f in flow.municipalities if f.municipality_id in mine]
        counted = sum(f.counted for f in fl)
        out.append(
            {
                "month": scenario.plan.month,
                "lever": lever,
                "value": value,
                "pool_fte": round(scenario.fte, 2),
                "area_id": area_id,
                "area": names.get(area_id, area_id),
                "local_fte": row["local_fte"],
                "caseload": row["caseload"],
                "appointment_capacity": row["appointment_capacity"],
                "meetings_required": row["meetings_required"],
                "capacity_pct": row["capacity_pct"],
                "conversation_backlog_pct": row["conversation_backlog_pct"],
                "lowest_in_time_pct": round(
                    min((f.within_deadline_pct for f in fl), default=100.0), 1
                ),
                "mean_wait_days": round(sum(f.mean_wait * f.counted for f in fl) / counted, 2)
                if counted
                else 0.0,
                "worst_wait_days": max((f.worst_wait for f in fl), default=0),
                "travelled_to_office": round(sum(f.travelled for f in fl), 1),
                "visit_days": int(munis.loc[mine, "visit_days"].sum()),
                "unmet_visits": int(munis.loc[mine, "unmet_visits"].sum()),
                "unmet_staff_days": round(float(munis.loc[mine, "unmet_staff_days"].sum()), 1),
                "named_cover_gaps": len(named_cover_gaps(scenario.plan, scenario.instance)),
                "substitute_days": scenario.substitute_days(),
                "objective": scenario.plan.stats.objective,
                "solver_status": scenario.plan.stats.status,
                "meets_requirements": ok,
                "first_failure": failures[0] if failures else "",
                "failures": len(failures),
                "meets_other": ok_other,
                "first_other_failure": other[0] if other else "",
            }
        )
    return out


def run_sweep(
    instance: Instance,
    months: list[str],
    lever: str,
    values: list[float],
    *,
    base: Levers | None = None,
    jobs: int,
    config: SolverConfig,
    on_done: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Every value of ``lever`` in every month; the other levers as in ``base``."""
    base = base or Levers()
    tasks = [(month, base.with_value(lever, v)) for month in months for v in values]
    scenarios = run_months(instance, tasks, jobs=jobs, config=config, on_done=on_done)
    table = []
    for (_, levers), scenario in zip(tasks, scenarios, strict=True):
        table += rows(scenario, lever, getattr(levers, lever))
    return pd.DataFrame(table)


def judge(frame: pd.DataFrame, value: float) -> tuple[bool, str]:
    """Whether one level keeps the requirements, and the first that breaks, in words.

    One month: its own capacity, deadlines, floor and cover. A run of months: the
    deadlines, floor and cover every month, and the appointments of every
    :data:`QUARTER`-month window against what it owes (a conversation may slip within the
    rhythm, so summer's shortfall may be made up after it, but not forever)."""
    part = frame[frame["value"] == value].sort_values("month")
    months = sorted(part["month"].unique())
    if len(months) == 1:
        bad = part[~part["meets_requirements"]]
        if bad.empty:
            return True, ""
        row = bad.iloc[0]
        return False, f"{row['first_failure']} ({int(row['failures'])} requirement(s) in all)"
    bad = part[~part["meets_other"]]
    if not bad.empty:
        row = bad.iloc[0]
        return False, f"{row['first_other_failure']} ({row['month']})"
    width = min(QUARTER, len(months))
    worst: tuple[float, str, str] | None = None
    for area_id, rows_ in part.groupby("area"):
        by_month = rows_.set_index("month")
        for k in range(len(months) - width + 1):
            window = months[k : k + width]
            held = by_month.loc[window, "appointment_capacity"].sum()
            owed = by_month.loc[window, "meetings_required"].sum()
            pct = 100 * held / owed if owed else 100.0
            if worst is None or pct < worst[0]:
                worst = (pct, str(area_id), f"{window[0]}…{window[-1]}")
    if worst is None or worst[0] >= 100:
        return True, ""
    return False, (
        f"{worst[1]} area: appointments for {worst[0]:.0f} % of the meetings owed in {worst[2]}"
    )


def findings(frame: pd.DataFrame) -> list[str]:
    """The level the requirements stop holding at, and the figure that breaks first."""
    lever = frame["lever"].iloc[0]
    months = sorted(frame["month"].unique())
    span = months[0] if len(months) == 1 else f"{months[0]}…{months[-1]}"
    values = sorted(frame["value"].unique())
    verdicts = {v: judge(frame, v) for v in values}
    pool = frame.groupby("value")["pool_fte"].min()
    rhythm = (
        "appointments for every meeting owed"
        if len(months) == 1
        else f"appointments for every meeting owed in every {QUARTER}-month window"
    )
    lines = []
    if lever == "cut":
        kept = [v for v in values if verdicts[v][0]]
        if not kept:
            lines.append(
                f"No level keeps every requirement in {span}, not even the first: "
                + verdicts[values[0]][1]
            )
        else:
            holding = max(kept)
            text = (
                f"Smallest staff that keeps the initial-interview deadline (≥ "
                f"{DEADLINE_TARGET_PCT:g} % in time in every municipality), {rhythm}, the "
                f"equity floor and named cover in {span}: {pool[holding]:g} FTE (a cut of "
                f"{holding:g} FTE)."
            )
            broken = [v for v in values if v > holding]
            if broken:
                text += f" At a cut of {broken[0]:g} FTE the first to break: "
                text += verdicts[broken[0]][1]
            else:
                text += " Every level tried keeps them."
            if any(not verdicts[v][0] for v in values if v < holding):
                text += (
                    " (Some smaller cuts break a requirement: see the table; the plans differ "
                    "level by level.)"
                )
            lines.append(text)
    else:
        for value in values:
            ok, why = verdicts[value]
            lines.append(f"{lever} = {value:g}: " + ("every requirement kept" if ok else why))
    for area_id, part in frame.groupby("area"):
        ordered = part.groupby("value").agg(
            caseload=("caseload", "mean"),
            in_time=("lowest_in_time_pct", "min"),
            wait=("mean_wait_days", "mean"),
            capacity=("capacity_pct", "mean"),
        )
        first, last = ordered.iloc[0], ordered.iloc[-1]
        lines.append(
            f"{area_id} area: caseload {first['caseload']:.0f} → {last['caseload']:.0f} "
            f"clients per local worker (anchor {CASELOAD_ANCHOR}); capacity "
            f"{first['capacity']:.0f} % → "
            f"{last['capacity']:.0f} %; lowest share in time {first['in_time']:.0f} % → "
            f"{last['in_time']:.0f} %; mean wait {first['wait']:.1f} → {last['wait']:.1f} "
            "working days."
        )
    return lines


def sweep_plot(frame: pd.DataFrame) -> bytes:
    """Four panels against the lever, one line per area, reference lines labelled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lever = frame["lever"].iloc[0]
    unit = {"cut": "FTE cut"}.get(lever, lever.replace("_", " "))
    figure, axes = plt.subplots(2, 2, figsize=(12, 7.5))
    panels = [
        (
            "lowest_in_time_pct",
            "Initial interviews in time (lowest municipality), %",
            "min",
            DEADLINE_TARGET_PCT,
            f"target {DEADLINE_TARGET_PCT:g} %",
        ),
        ("mean_wait_days", "Initial interview: mean wait, working days", "mean", None, ""),
        (
            "caseload",
            "Clients per local worker",
            "mean",
            CASELOAD_ANCHOR,
            f"Uusimaa 2018: {CASELOAD_ANCHOR}",
        ),
        (
            "capacity_pct",
            "Appointment capacity, % of meetings owed",
            "mean",
            100,
            "100 %: every meeting owed",
        ),
    ]
    months = frame["month"].nunique()
    for axis, (column, title, how, ref, label) in zip(axes.flat, panels, strict=True):
        for area_id, part in frame.groupby("area"):
            series = part.groupby("value")[column].agg(how)
            axis.plot(series.index, series.values, marker="o", label=area_id)
        if ref is not None:
            axis.axhline(ref, color="#a4161a", linestyle="--", linewidth=1)
            axis.annotate(
                label,
                (axis.get_xlim()[0], ref),
                xytext=(4, 4),
                textcoords="offset points",
                color="#a4161a",
                fontsize=9,
            )
        axis.set_title(title + (f" ({how} of {months} months)" if months > 1 else ""), fontsize=10)
        axis.set_xlabel(unit)
    axes[0][0].legend(title="production area")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
