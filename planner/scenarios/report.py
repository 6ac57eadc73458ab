"""Outputs of staffing-cut scenarios: comparison tables, Markdown and one self-contained HTML."""

from __future__ import annotations

import base64
import html
import io
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import TYPE_CHECKING

import pandas as pd

from planner.plan.outputs import _md
from planner.scenarios.whatif import (
    Scenario,
    choose_leavers,
    comparison,
    meets_requirements,
    named_cover_gaps,
    run_scenario,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.instance import Instance
    from planner.plan.model import SolverConfig


STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
    "table{border-collapse:collapse;font-size:13px}"
    "td,th{border:1px solid #ccc;padding:2px 6px}"
)
"""The report's styles: a plain string, so its braces are single (they were doubled, as
an f-string needs, and browsers ignored every rule)."""


def _png(figure: object) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[arg-type]
    return base64.b64encode(buffer.getvalue()).decode()


def _bars(frame: pd.DataFrame, column: str, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3.2))
    frame[[f"{column}_baseline", f"{column}_scenario"]].plot.bar(ax=axis, rot=45)
    axis.set_title(title)
    axis.legend(["baseline", "scenario"])
    return _png(figure)


def whatif_report(base: Scenario, scen: Scenario, cut_words: str) -> tuple[pd.DataFrame, str, str]:
    """comparison.csv's table, report.md and report.html for one scenario."""
    table = comparison(base, scen)
    munis = table[table["level"] == "municipality"].pivot(
        index="id", columns="kpi", values=["baseline", "scenario"]
    )
    munis.columns = [f"{k}_{v}" for v, k in munis.columns]
    areas = table[table["level"] == "area"].pivot(
        index="id", columns="kpi", values=["baseline", "scenario"]
    )
    areas.columns = [f"{k}_{v}" for v, k in areas.columns]
    gaps = named_cover_gaps(scen.plan, scen.instance)
    ok, failures = meets_requirements(scen)
    unmet = pd.DataFrame(
        [u.model_dump() for u in scen.plan.unmet if u.rule in ("unmet_visit", "demand_shortfall")],
        columns=["date", "point_id", "municipality_id", "rule", "amount", "reason"],
    )
    service = [
        "visit_days",
        "staff_days",
        "staff_days_per_100_clients",
        "unmet_visits",
        "unmet_staff_days",
    ]
    show_m = table[(table["level"] == "municipality") & table["kpi"].isin(service)]
    show_a = table[table["level"] == "area"]
    costs = table[(table["level"] == "municipality") & table["kpi"].str.startswith("cost_")]
    leavers = ", ".join(f"{s.staff_id} ({s.fte:g})" for s in scen.leavers) or "nobody"
    summary = [
        f"# Staffing-cut scenario {scen.plan.month}: {cut_words}",
        "",
        f"Pool {base.fte:g} FTE → {scen.fte:g} FTE. Leaving: {leavers}.",
        f"Statutory requirements and equity floor: {'met' if ok else 'NOT met'}"
        + (
            ""
            if ok
            else ": "
            + "; ".join(failures[:12])
            + (f" (+{len(failures) - 12} more)" if len(failures) > 12 else "")
        )
        + ".",
        f"Substitute-pool days: {base.substitute_days()} → {scen.substitute_days()}.",
        "",
    ]
    sections = [
        ("Local service by municipality", show_m),
        ("Production areas: caseload, statutory meeting capacity, travel", show_a),
        ("Named-worker cover below two", gaps),
        ("Unmet visits and demand, with reasons", unmet),
        ("Cost share per municipality (EUR a month; population = labour force)", costs),
    ]
    markdown = "\n".join(summary) + "\n".join(f"\n## {t}\n\n{_md(f)}" for t, f in sections)
    service = _bars(munis, "staff_days_per_100_clients", "Staff-days per 100 clients")
    capacity = _bars(areas, "meeting_capacity_pct", "Statutory meeting capacity (%)")
    body = "".join(
        f"<h2>{html.escape(t)}</h2>{f.to_html(index=False, na_rep='')}" for t, f in sections
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(summary[0][2:])}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(summary[0][2:])}</h1>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in summary[2:5])
        + f"<img alt='staff-days per 100 clients' src='data:image/png;base64,{service}'>"
        + f"<img alt='statutory meeting capacity' src='data:image/png;base64,{capacity}'>"
        + body
        + "</body></html>"
    )
    return table, markdown, page


# ----------------------------------------------------------------------------- sweep


def _one_cut(args: tuple[Instance, str, float, SolverConfig]) -> dict:
    instance, month, cut, config = args
    leavers = choose_leavers(instance, cut)
    scen = run_scenario(instance, month, leavers, config)
    ok, failures = meets_requirements(scen)
    areas = scen.areas()
    munis = scen.municipalities()
    rows = []
    for area_id, row in areas.iterrows():
        mine = [m.municipality_id for m in instance.active_municipalities() if m.area_id == area_id]
        visits = munis.loc[munis.index.isin(mine)]
        rows.append(
            {
                "cut_fte": cut,
                "pool_fte": round(scen.fte, 2),
                "area_id": area_id,
                "area_fte": row["fte"],
                "clients_per_fte": row["clients_per_fte"],
                "meeting_capacity_pct": row["meeting_capacity_pct"],
                "appointment_capacity": row["appointment_capacity"],
                "staff_days": int(visits["staff_days"].sum()),
                "unmet_visits": int(visits["unmet_visits"].sum()),
                "unmet_staff_days": round(float(visits["unmet_staff_days"].sum()), 1),
                "named_cover_gaps": len(named_cover_gaps(scen.plan, scen.instance)),
                "substitute_days": scen.substitute_days(),
                "objective": scen.plan.stats.objective,
                "solver_status": scen.plan.stats.status,
                "meets_requirements": ok,
                "failures": "; ".join(failures[:5]),
            }
        )
    return {"cut": cut, "rows": rows}


def run_sweep(
    instance: Instance,
    month: str,
    cuts: list[float],
    *,
    jobs: int,
    config: SolverConfig,
    on_done: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Every cut level, in parallel processes; one row per cut and production area."""
    tasks = [(instance, month, cut, config) for cut in cuts]
    results = []
    # 'spawn', not 'fork': the parent may hold CP-SAT's threads, and forking a threaded
    # process can deadlock.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_one_cut, task) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_done is not None:
                on_done(result["cut"])
    rows = [row for r in sorted(results, key=lambda r: r["cut"]) for row in r["rows"]]
    return pd.DataFrame(rows)


def sweep_findings(frame: pd.DataFrame) -> list[str]:
    """The smallest staff meeting every requirement, and each area's marginal FTE."""
    lines = []
    by_cut = frame.groupby("cut_fte").agg(
        pool=("pool_fte", "first"), ok=("meets_requirements", "all")
    )
    meeting = by_cut[by_cut["ok"]]
    if meeting.empty:
        lines.append("No cut level meets every statutory requirement and the equity floor.")
    else:
        best = meeting["pool"].min()
        cut = meeting["pool"].idxmin()
        failing = by_cut[(~by_cut["ok"]) & (by_cut.index > cut)]
        lines.append(
            f"Smallest staff that still meets every statutory requirement and the "
            f"equity floor: {best:g} FTE (a cut of {cut:g} FTE)"
            + (
                f"; the next level ({failing.index.min():g} FTE cut) fails."
                if not failing.empty
                else "; every level tried meets them."
            )
        )
    for area_id, rows in frame.groupby("area_id"):
        rows = rows.sort_values("area_fte")
        fte = rows["area_fte"].astype(float)
        if fte.nunique() < 2:
            lines.append(f"{area_id}: its FTE did not change over the ladder.")
            continue
        span = fte.iloc[-1] - fte.iloc[0]
        points = rows["meeting_capacity_pct"].iloc[-1] - rows["meeting_capacity_pct"].iloc[0]
        appointments = rows["appointment_capacity"].iloc[-1] - rows["appointment_capacity"].iloc[0]
        lines.append(
            f"{area_id}: one FTE holds about {appointments / span:.0f} appointments a "
            f"month, {points / span:.1f} percentage points of its statutory meeting "
            "capacity."
        )
    return lines


def sweep_plot(frame: pd.DataFrame) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for area_id, rows in frame.groupby("area_id"):
        rows = rows.sort_values("cut_fte")
        axes[0].plot(rows["cut_fte"], rows["meeting_capacity_pct"], marker="o", label=area_id)
        axes[1].plot(rows["cut_fte"], rows["clients_per_fte"], marker="o", label=area_id)
        axes[2].plot(rows["cut_fte"], rows["unmet_staff_days"], marker="o", label=area_id)
    axes[0].axhline(100, color="grey", linestyle="--", linewidth=1)
    for axis, title in zip(
        axes,
        ("Statutory meeting capacity (%)", "Clients per FTE", "Unmet local demand (staff-days)"),
        strict=True,
    ):
        axis.set_title(title)
        axis.set_xlabel("FTE cut")
    axes[0].legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
