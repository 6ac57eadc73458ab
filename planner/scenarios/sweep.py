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
    BACKLOG_TARGET_PCT,
    DEADLINE_TARGET_PCT,
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
    areas = scenario.areas()
    munis = scenario.municipalities()
    flow = scenario.flow
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
                "local_fte": row["local_fte"],
                "caseload": row["caseload"],
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


def findings(frame: pd.DataFrame) -> list[str]:
    """The level the requirements stop holding at, and the figure that breaks first."""
    lever = frame["lever"].iloc[0]
    months = sorted(frame["month"].unique())
    span = months[0] if len(months) == 1 else f"{months[0]}…{months[-1]}"
    by_value = frame.groupby("value").agg(
        pool=("pool_fte", "min"), ok=("meets_requirements", "all")
    )
    lines = []
    kept = by_value[by_value["ok"]]
    if lever == "cut":
        if kept.empty:
            lines.append(
                f"No level keeps every requirement in {span}, not even the first: "
                + _first_failure(frame, by_value.index.min())
            )
        else:
            holding = kept.index.max()
            broken = by_value[(~by_value["ok"]) & (by_value.index > holding)]
            pool = kept.at[holding, "pool"]
            text = (
                f"Smallest staff that keeps the initial-interview deadline (≥ "
                f"{DEADLINE_TARGET_PCT:g} % in time in every municipality), the conversation "
                f"rhythm (≤ {BACKLOG_TARGET_PCT:g} % not held), the equity floor and named "
                f"cover in {span}: {pool:g} FTE (a cut of {holding:g} FTE)."
            )
            if not broken.empty:
                nxt = broken.index.min()
                text += f" At a cut of {nxt:g} FTE the first to break: " + _first_failure(
                    frame, nxt
                )
            else:
                text += " Every level tried keeps them."
            if (~by_value.loc[by_value.index < holding, "ok"]).any():
                text += (
                    " (Some smaller cuts break a requirement: see the table; the plans differ "
                    "level by level.)"
                )
            lines.append(text)
    else:
        for value, row in by_value.iterrows():
            lines.append(
                f"{lever} = {value:g}: "
                + ("every requirement kept" if row["ok"] else _first_failure(frame, value))
            )
    for area_id, part in frame.groupby("area_id"):
        ordered = part.groupby("value").agg(
            caseload=("caseload", "mean"),
            in_time=("lowest_in_time_pct", "min"),
            wait=("mean_wait_days", "mean"),
            capacity=("capacity_pct", "mean"),
        )
        first, last = ordered.iloc[0], ordered.iloc[-1]
        lines.append(
            f"{area_id}: caseload {first['caseload']:.0f} → {last['caseload']:.0f} clients per "
            f"local worker (anchor {CASELOAD_ANCHOR}); capacity {first['capacity']:.0f} % → "
            f"{last['capacity']:.0f} %; lowest share in time {first['in_time']:.0f} % → "
            f"{last['in_time']:.0f} %; mean wait {first['wait']:.1f} → {last['wait']:.1f} "
            "working days."
        )
    return lines


def _first_failure(frame: pd.DataFrame, value: float) -> str:
    part = frame[(frame["value"] == value) & (~frame["meets_requirements"])]
    if part.empty:
        return "nothing"
    row = part.sort_values("month").iloc[0]
    return f"{row['first_failure']} ({row['month']}; {int(row['failures'])} requirement(s) in all)"


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
        for area_id, part in frame.groupby("area_id"):
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
