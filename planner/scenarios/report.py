"""What a scenario costs, for a manager and a board: comparison.csv, report.md and one
self-contained HTML page (a Jinja2 template, plots embedded), for a run of months.

The page opens with the money, what is compared and how it is judged, the verdicts over
the run (naming the worst month and municipality), and one paragraph per municipality
(the leaver first); then the run month by month, then each month's wide tables with
municipality names and units, Finnish number style (decimal comma), the people who leave
counted by role, area and home point (never named: a board gets no worker-level data),
and titled plots with labelled reference lines, one of them a map of the service points
sized by visit days.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from planner.scenarios.whatif import (
    COST_MODELS,
    DEADLINE_TARGET_PCT,
    Scenario,
    comparison,
    meets_requirements,
    named_cover_gaps,
)

if TYPE_CHECKING:
    from models.instance import Instance, StaffMember


def fi(value: Any, digits: int = 0, unit: str = "") -> str:
    """A number in Finnish style: decimal comma, narrow no-break space between thousands,
    a minus sign, and its unit after a no-break space."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    text = f"{float(value):,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    text = text.replace("-", "−")
    return f"{text}\u00a0{unit}" if unit else text


templates = Environment(
    loader=PackageLoader("planner.scenarios", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["fi"] = fi


# ----------------------------------------------------------------------------- plots


def _png(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _paired_bars(
    names: list[str], before: list[float], after: list[float], title: str, unit: str
) -> Any:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(9, 3.4))
    x = range(len(names))
    axis.bar([i - 0.2 for i in x], before, width=0.4, label="baseline", color="#8aa9cf")
    axis.bar([i + 0.2 for i in x], after, width=0.4, label="scenario", color="#1f3a5f")
    axis.set_xticks(list(x), names, rotation=40, ha="right")
    axis.set_ylabel(unit)
    axis.set_title(title)
    axis.legend()
    return figure, axis


def plots(base: Scenario, scen: Scenario) -> dict[str, str]:
    """The page's plots, PNG in base64."""
    names = {m.municipality_id: m.name for m in base.instance.municipalities}
    names |= {m.municipality_id: m.name for m in scen.instance.municipalities}
    mb, ms = base.municipalities(), scen.municipalities()
    order = list(mb.index) + [m for m in ms.index if m not in mb.index]
    labels = [names[m] for m in order]

    def col(frame: pd.DataFrame, column: str) -> list[float]:
        return [float(frame.at[m, column]) if m in frame.index else 0.0 for m in order]

    out = {}
    figure, _ = _paired_bars(
        labels,
        col(mb, "visit_days"),
        col(ms, "visit_days"),
        "Outreach visit days this month, by municipality",
        "visit days",
    )
    out["visits"] = _png(figure)
    figure, axis = _paired_bars(
        labels,
        col(mb, "mean_wait_days"),
        col(ms, "mean_wait_days"),
        "Initial interview: mean wait from registration, by municipality",
        "working days",
    )
    deadline = scen.flow.deadline
    axis.axhline(
        deadline,
        color="#a4161a",
        linestyle="--",
        linewidth=1,
        label=f"legal deadline, {deadline} working days",
    )
    axis.legend(fontsize=8)
    axis.set_ylim(0, max(deadline * 1.25, axis.get_ylim()[1]))
    out["waits"] = _png(figure)
    ab, as_ = base.areas(), scen.areas()
    areas = list(ab.index) + [a for a in as_.index if a not in ab.index]
    area_names = {a.area_id: a.name for a in base.instance.areas}
    figure, axis = _paired_bars(
        [area_names.get(a, a) for a in areas],
        [float(ab.at[a, "capacity_pct"]) if a in ab.index else 0.0 for a in areas],
        [float(as_.at[a, "capacity_pct"]) if a in as_.index else 0.0 for a in areas],
        "Appointment capacity against what the rules and the inflow ask",
        "% of meetings required",
    )
    axis.axhline(
        100, color="#a4161a", linestyle="--", linewidth=1, label="100 %: every meeting owed"
    )
    axis.legend(fontsize=8, loc="lower right")
    out["capacity"] = _png(figure)
    out["map"] = _png(_map(base, scen))
    return out


def _map(base: Scenario, scen: Scenario) -> Any:
    """Service points at their coordinates, sized by visit days: baseline rings, scenario
    discs; offices as squares."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 6.5))
    days_b = {p.point_id: p.visit_days for p in base.plan.points}
    days_s = {p.point_id: p.visit_days for p in scen.plan.points}
    points = {}
    for s in (base, scen):
        active = {m.municipality_id for m in s.instance.active_municipalities()}
        points |= {p.point_id: p for p in s.instance.service_points if p.municipality_id in active}
    for p in points.values():
        if p.kind == "office":
            axis.scatter(p.lon, p.lat, marker="s", s=60, color="#6b7a90", zorder=3)
            axis.annotate(
                p.name, (p.lon, p.lat), xytext=(5, -10), textcoords="offset points", fontsize=8
            )
            continue
        b, s = days_b.get(p.point_id, 0), days_s.get(p.point_id, 0)
        axis.scatter(
            p.lon, p.lat, s=25 + 40 * b, facecolors="none", edgecolors="#8aa9cf", linewidths=1.5
        )
        axis.scatter(p.lon, p.lat, s=25 + 40 * s, color="#1f3a5f", alpha=0.6)
        axis.annotate(
            f"{p.name} {b}→{s}",
            (p.lon, p.lat),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    axis.set_title("Service points by visit days (ring: baseline, disc: scenario; square: office)")
    axis.set_xlabel("longitude (°E)")
    axis.set_ylabel("latitude (°N)")
    axis.set_aspect(1 / math.cos(math.radians(63)))
    return figure


# ----------------------------------------------------------------------------- words


CHANGES = (
    ("visit_days", "visit days", 0, "", 0.5),
    ("interviews_in_time_pct", "initial interviews in time", 0, "%", 1.0),
    ("mean_wait_days", "mean wait", 1, "working days", 0.3),
    ("travelled_to_office", "clients who travel to an office", 1, "", 0.5),
    ("discussions_in_person_pct", "discussions in person", 0, "%", 2.0),
    ("overdue_discussions", "clients overdue for their discussion", 0, "", 1.0),
)


@dataclass(frozen=True)
class Summary:
    headline: str
    changes: list[str]
    deadlines: list[str]
    areas: list[str]
    municipalities: list[str]
    verdict: str


def people(staff: list[StaffMember] | tuple[StaffMember, ...], instance: Instance) -> list[dict]:
    """People leaving or joining, counted by role, production area and home point: no
    names or ids (the area gives municipalities no worker-level data)."""
    points = {p.point_id: p for p in instance.service_points}
    areas = {a.area_id: a.name for a in instance.areas}
    groups: dict[tuple[str, str, str], list[float]] = {}
    for s in staff:
        point = points.get(s.home_point_id)
        area = areas.get(instance.area_of_point(s.home_point_id), "") if point else ""
        role = "substitute pool" if s.substitute else "regular staff"
        groups.setdefault((role, area, point.name if point else s.home_point_id), []).append(s.fte)
    return [
        {"role": role, "area": area, "home": home, "people": len(ftes), "fte": sum(ftes)}
        for (role, area, home), ftes in sorted(groups.items())
    ]


def money_headline(base: Scenario, scen: Scenario) -> str:
    """The pool and its cost, a saving written as a saving."""
    fte_b, fte_s = base.fte, scen.fte
    year_cost = base.instance.settings.costs.fte_year_eur
    change = (fte_s - fte_b) * year_cost
    if abs(fte_s - fte_b) < 1e-9:
        money = "staff cost unchanged"
    elif change < 0:
        money = (
            f"saves {fi(-change, 0, '€')} a year ({fi(-change / 12, 0, '€')} a month) in staff cost"
        )
    else:
        money = (
            f"costs {fi(change, 0, '€')} a year ({fi(change / 12, 0, '€')} a month) more in "
            "staff cost"
        )
    return (
        f"Pool {fi(fte_b, 1)} FTE → {fi(fte_s, 1)} FTE: {money} at "
        f"{fi(year_cost, 0, '€')} per FTE-year."
    )


def summary(base: Scenario, scen: Scenario) -> Summary:
    """The top of the report, in sentences."""
    headline = money_headline(base, scen)
    ok, failures = meets_requirements(scen)
    ok_b, _ = meets_requirements(base)
    names = {m.municipality_id: m.name for m in base.instance.municipalities}
    names |= {m.municipality_id: m.name for m in scen.instance.municipalities}
    flow = scen.flow
    deadlines = []
    late = [f for f in flow.municipalities if f.within_deadline_pct < DEADLINE_TARGET_PCT]
    if late:
        deadlines.append(
            f"Initial interview within {flow.deadline} working days: missed in "
            + ", ".join(
                f"{names[f.municipality_id]} ({fi(f.within_deadline_pct)} % in time, worst "
                f"wait {fi(f.worst_wait)} working days)"
                for f in sorted(late, key=lambda f: f.within_deadline_pct)
            )
            + "."
        )
    else:
        deadlines.append(
            f"Initial interview within {flow.deadline} working days: kept in every "
            f"municipality (at least {fi(DEADLINE_TARGET_PCT)} % in time, mean of "
            f"{flow.runs} seeded runs of the client model)."
        )
    travelled = sum(f.travelled for f in flow.municipalities)
    if travelled >= 0.5:
        deadlines.append(
            f"Clients who travel to an office for their initial interview because no local "
            f"slot comes in time: about {fi(travelled)} a month."
        )
    areas = scen.areas()
    area_names = {a.area_id: a.name for a in scen.instance.areas}
    overdue = [f for f in flow.municipalities if f.overdue >= 0.5]
    if not overdue:
        deadlines.append(
            "Job-search discussions every three months: no client overdue at the month's end."
        )
    else:
        deadlines.append(
            "Clients overdue for their job-search discussion at the month's end: "
            + ", ".join(
                f"{names[f.municipality_id]} {fi(f.overdue)} ({fi(f.overdue_pct, 1)} %)"
                for f in sorted(overdue, key=lambda f: -f.overdue_pct)
            )
            + "."
        )
    ab = base.areas()
    area_lines = []
    for a, r in areas.iterrows():
        was = ab.loc[a] if a in ab.index else None
        area_lines.append(
            f"{area_names.get(a, a)} area: clients per local worker "
            + (f"{fi(was['caseload'])} → " if was is not None else "")
            + f"{fi(r['caseload'])}; appointments for "
            + (f"{fi(was['capacity_pct'])} % → " if was is not None else "")
            + f"{fi(r['capacity_pct'])} % of the meetings owed."
        )
    mb, ms = base.municipalities(), scen.municipalities()
    lines = []
    for m in list(mb.index) + [m for m in ms.index if m not in mb.index]:
        if m not in ms.index:
            lines.append(f"{names[m]}: leaves the employment area; no plan for it.")
            continue
        if m not in mb.index:
            lines.append(
                f"{names[m]}: joins; {fi(ms.at[m, 'visit_days'])} visit days, "
                f"{fi(ms.at[m, 'interviews_in_time_pct'])} % of initial interviews in time."
            )
            continue
        parts = []
        for column, words, digits, unit, threshold in CHANGES:
            b, s = float(mb.at[m, column]), float(ms.at[m, column])
            if abs(s - b) >= threshold:
                u = f" {unit}" if unit and unit != "%" else (" %" if unit == "%" else "")
                parts.append(f"{words} {fi(b, digits)} → {fi(s, digits)}{u}")
        if parts:
            lines.append(f"{names[m]}: " + "; ".join(parts) + ".")
    if not lines:
        lines.append(
            "No municipality's local service changes by more than the noise of the simulation."
        )
    verdict = (
        "The initial-interview deadline, the discussions' three-month rhythm, the equity "
        "floor and named cover hold this month."
        if ok
        else f"{len(failures)} requirement(s) break"
        + (" this month (some already in the baseline)" if not ok_b else " this month")
        + ": "
        + "; ".join(failures[:6])
        + (f" (+{len(failures) - 6} more)" if len(failures) > 6 else "")
        + "."
    )
    return Summary(headline, list(scen.words), deadlines, area_lines, lines, verdict)


# ----------------------------------------------------------------------------- tables


MUNICIPALITY_COLUMNS = (
    ("visit_days", "Visit days", 0),
    ("staff_days_per_100_clients", "Outreach staff-days per 100 clients", 2),
    ("interviews_in_time_pct", "Initial interviews in time, %", 0),
    ("mean_wait_days", "Mean wait, working days", 1),
    ("worst_wait_days", "Worst wait, working days", 0),
    ("travelled_to_office", "Travel to an office, clients", 1),
    ("late_interviews", "Late initial interviews", 1),
    ("discussions_in_person_pct", "Discussions in person, %", 0),
    ("overdue_discussions", "Overdue for their discussion at the month's end, clients", 0),
    ("overdue_pct", "Overdue, % of clients", 1),
    ("unmet_visits", "Unmet visit days", 0),
)

AREA_COLUMNS = (
    ("local_fte", "Local staff, FTE", 1),
    ("caseload", "Clients per local worker", 0),
    ("appointment_capacity", "Appointments a month", 0),
    ("meetings_required", "Meetings owed a month", 0),
    ("capacity_pct", "Capacity, % of owed", 0),
    ("overdue_pct", "Overdue for their discussion, % of clients", 1),
    ("travel_km", "Outreach driving, km", 0),
)


def _wide(
    base: pd.DataFrame, scen: pd.DataFrame, columns: tuple, label: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for unit in list(base.index) + [u for u in scen.index if u not in base.index]:
        cells = []
        for column, _, digits in columns:
            b = float(base.at[unit, column]) if unit in base.index else math.nan
            s = float(scen.at[unit, column]) if unit in scen.index else math.nan
            cells.append(
                {
                    "base": fi(b, digits),
                    "scen": fi(s, digits),
                    "changed": fi(b, digits) != fi(s, digits),
                }
            )
        rows.append({"name": label.get(unit, unit), "cells": cells})
    return rows


def context(base: Scenario, scen: Scenario) -> dict[str, Any]:
    """Everything the template shows for one month."""
    names = {m.municipality_id: m.name for m in base.instance.municipalities}
    names |= {m.municipality_id: m.name for m in scen.instance.municipalities}
    area_names = {a.area_id: a.name for a in base.instance.areas}
    points = {p.point_id: p.name for p in base.instance.service_points}
    mb, ms = base.municipalities(), scen.municipalities()
    costs = [c for c in ms.columns if c.startswith("cost_")]
    gaps = named_cover_gaps(scen.plan, scen.instance)
    unmet = [
        {
            "where": points.get(u.point_id, names.get(u.municipality_id, u.municipality_id)),
            "date": u.date,
            "what": u.rule.replace("_", " "),
            "amount": fi(u.amount, 1),
            "reason": u.reason,
        }
        for u in scen.plan.unmet
    ]
    return {
        "month": scen.plan.month,
        "summary": summary(base, scen),
        "municipality_columns": [c[1] for c in MUNICIPALITY_COLUMNS],
        "municipalities": _wide(mb, ms, MUNICIPALITY_COLUMNS, names),
        "area_columns": [c[1] for c in AREA_COLUMNS],
        "areas": _wide(base.areas(), scen.areas(), AREA_COLUMNS, area_names),
        "cost_columns": [c.removeprefix("cost_") for c in costs],
        "costs": _wide(mb, ms, tuple((c, c, 0) for c in costs), names),
        "leavers": people(scen.leavers, base.instance),
        "joiners": people(scen.joiners, scen.instance),
        "flow_start": scen.flow.start,
        "policy": scen.flow.policy,
        "gaps": [
            {
                "municipality": names.get(r.municipality_id, r.municipality_id),
                "process": r.process,
                "named": r.named,
                "reason": r.reason,
            }
            for r in gaps.itertuples()
        ],
        "unmet": unmet,
        "plots": plots(base, scen),
        "deadline": scen.flow.deadline,
        "runs": scen.flow.runs,
        "status": f"{scen.plan.stats.status}, gap {scen.plan.stats.gap:.1%}",
        "base_status": f"{base.plan.stats.status}, gap {base.plan.stats.gap:.1%}",
        "workload": scen.instance.settings.workload,
        "demand": scen.instance.settings.demand,
        "targets": {"deadline": DEADLINE_TARGET_PCT},
    }


def whatif_report(
    months: list[tuple[Scenario, Scenario]], title: str
) -> tuple[pd.DataFrame, str, str]:
    """comparison.csv's table, report.md and report.html for a run of months."""
    tables = []
    for base, scen in months:
        table = comparison(base, scen)
        table.insert(0, "month", scen.plan.month)
        tables.append(table)
    contexts = [context(base, scen) for base, scen in months]
    run = run_summary(months)
    page = templates.get_template("report.html").render(title=title, months=contexts, run=run)
    markdown = _markdown(title, contexts, run)
    return pd.concat(tables, ignore_index=True), markdown, page


def run_verdicts(months: list[tuple[Scenario, Scenario]]) -> list[dict[str, Any]]:
    """The run's verdicts, baseline and scenario, each naming its worst month and
    municipality: what the CLI prints and the report's first screen shows."""
    from planner.scenarios.sweep import verdict

    out = []
    for side, k in (("Baseline", 0), ("Scenario", 1)):
        v = verdict([pair[k] for pair in months])
        text = (
            "every requirement kept in every month and municipality."
            if v.ok
            else f"{v.failing} failing municipality-month(s) and plan item(s); the worst: "
            f"{v.worst}."
        )
        out.append({"ok": v.ok, "text": f"{side}: {text}"})
    return out


def year_verdicts(months: list[tuple[Scenario, Scenario]]) -> list[str]:
    """The CLI's lines: the money, then the run's verdicts."""
    return [money_headline(*months[0])] + [v["text"] for v in run_verdicts(months)]


def _sum(frames: list[pd.DataFrame], m: str, column: str) -> float:
    return sum(float(f.at[m, column]) for f in frames if m in f.index)


def _peak(frames: list[pd.DataFrame], months: list[str], m: str, column: str) -> tuple[float, str]:
    best = (0.0, "")
    for f, month in zip(frames, months, strict=True):
        if m in f.index and float(f.at[m, column]) > best[0]:
            best = (float(f.at[m, column]), month)
    return best


def paragraphs(months: list[tuple[Scenario, Scenario]]) -> list[dict[str, str]]:
    """One paragraph per municipality over the run: the leaver first, then every member.
    Visit days, outreach staff-days, waits, late interviews, overdue discussions, and the
    cost share a year (under the allocation weighting; the range over the seed's cost
    models)."""
    base_frames = [b.municipalities() for b, _ in months]
    scen_frames = [s.municipalities() for _, s in months]
    labels = [s.plan.month for _, s in months]
    names: dict[str, str] = {}
    for b, s in months:
        names |= {m.municipality_id: m.name for m in b.instance.active_municipalities()}
        names |= {m.municipality_id: m.name for m in s.instance.active_municipalities()}
    from planner.scenarios.whatif import cost_model

    weighting = cost_model(months[0][0].instance)
    n = len(months)
    scale = 12 / n

    def cost(frames: list[pd.DataFrame], m: str) -> tuple[float, float, float]:
        own = _sum(frames, m, f"cost_{weighting}") * scale
        models = [
            _sum(frames, m, f"cost_{c}") * scale
            for c in COST_MODELS
            if f"cost_{c}" in frames[0].columns
        ]
        return own, min(models), max(models)

    def money(value: tuple[float, float, float]) -> str:
        own, low, high = value
        return (
            f"{fi(own, 0, '€')} a year under {weighting} ({fi(low, 0)}–{fi(high, 0, '€')} "
            "over the seed's cost models)"
        )

    span = "the month" if n == 1 else f"the {n} months"
    order = [m for m in names if not any(m in f.index for f in scen_frames)]
    order += [m for m in base_frames[0].index if m not in order]
    order += [m for m in scen_frames[0].index if m not in order]
    out = []
    for m in order:
        in_base = any(m in f.index for f in base_frames)
        in_scen = any(m in f.index for f in scen_frames)
        if in_base and not in_scen:
            text = (
                f"{names[m]} leaves the employment area. Over {span} it loses its "
                f"{fi(_sum(base_frames, m, 'visit_days'))} visit days and "
                f"{fi(_sum(base_frames, m, 'staff_days'))} outreach staff-days from the area "
                f"(its own service is then its own to arrange) and no longer pays its share of "
                f"the area's staff cost: {money(cost(base_frames, m))} at today's staff."
            )
            out.append({"name": names[m], "text": text, "kind": "leaves"})
            continue
        parts = []
        if in_base:
            pairs = [
                ("visit days", "visit_days", 0, _sum),
                ("outreach staff-days", "staff_days", 0, _sum),
                ("late initial interviews", "late_interviews", 0, _sum),
            ]
            for words, column, digits, how in pairs:
                b, s = how(base_frames, m, column), how(scen_frames, m, column)
                parts.append(f"{words} {fi(b, digits)} → {fi(s, digits)}")
            wb = max(float(f.at[m, "worst_wait_days"]) for f in base_frames if m in f.index)
            ws = max(float(f.at[m, "worst_wait_days"]) for f in scen_frames if m in f.index)
            parts.append(f"worst wait for an initial interview {fi(wb)} → {fi(ws)} working days")
            ob, mb = _peak(base_frames, labels, m, "overdue_discussions")
            os_, ms = _peak(scen_frames, labels, m, "overdue_discussions")
            parts.append(
                "clients overdue for their discussion at the worst month's end "
                f"{fi(ob)}{f' ({mb})' if ob >= 0.5 else ''} → "
                f"{fi(os_)}{f' ({ms})' if os_ >= 0.5 else ''}"
            )
            cb, cs = cost(base_frames, m), cost(scen_frames, m)
            if abs(cs[0] - cb[0]) < 0.5:
                parts.append(f"cost share {money(cb)}, unchanged")
            else:
                verb = "pays" if cs[0] > cb[0] else "saves"
                parts.append(
                    f"cost share {money(cb)} → {fi(cs[0], 0, '€')} ({verb} "
                    f"{fi(abs(cs[0] - cb[0]), 0, '€')} a year{' more' if verb == 'pays' else ''})"
                )
            if cs[0] > cb[0] + 0.5:
                parts.append(_why_more(months, m, weighting))
            text = f"{names[m]} over {span}: " + "; ".join(parts) + "."
            kind = "member"
        else:
            text = (
                f"{names[m]} joins: {fi(_sum(scen_frames, m, 'visit_days'))} visit days and "
                f"{fi(_sum(scen_frames, m, 'staff_days'))} outreach staff-days over {span}; "
                f"its cost share {money(cost(scen_frames, m))}."
            )
            kind = "joins"
        out.append({"name": names[m], "text": text, "kind": kind})
    return out


def _why_more(months: list[tuple[Scenario, Scenario]], m: str, weighting: str) -> str:
    """Why a member pays more: the pool grew, or its share of the weighted need grew."""
    from planner.clients import municipality_counts, weighted_need

    base, scen = months[0]

    def share(instance: Instance) -> float:
        need = weighted_need(instance, municipality_counts(instance), weighting)
        return need.get(m, 0.0) / sum(need.values()) if need else 0.0

    sb, ss = share(base.instance), share(scen.instance)
    return (
        f"it pays more because the pool's cost grows by "
        f"{fi((scen.fte - base.fte) * base.instance.settings.costs.fte_year_eur, 0, '€')} a year "
        f"while its share of the weighted client need goes {fi(100 * sb, 1)} % → "
        f"{fi(100 * ss, 1)} %"
    )


def run_summary(months: list[tuple[Scenario, Scenario]]) -> dict[str, Any]:
    """The report's first screen and the run month by month."""

    first_b, first_s = months[0]
    rows = []
    for base, scen in months:
        fb, fs = base.flow, scen.flow
        ok, failures = meets_requirements(scen)
        rows.append(
            {
                "month": scen.plan.month,
                "fte": f"{fi(base.fte, 1)} → {fi(scen.fte, 1)}",
                "visit_days": f"{len(base.plan.visits)} → {len(scen.plan.visits)}",
                "in_time": f"{fi(min(f.within_deadline_pct for f in fb.municipalities))} → "
                f"{fi(min(f.within_deadline_pct for f in fs.municipalities))}",
                "late": f"{fi(sum(f.late for f in fb.municipalities))} → "
                f"{fi(sum(f.late for f in fs.municipalities))}",
                "overdue": f"{fi(sum(f.overdue for f in fb.municipalities))} → "
                f"{fi(sum(f.overdue for f in fs.municipalities))}",
                "travelled": f"{fi(sum(f.travelled for f in fb.municipalities))} → "
                f"{fi(sum(f.travelled for f in fs.municipalities))}",
                "stopped": "stopped by the wall clock"
                if base.wall_clock_stopped or scen.wall_clock_stopped
                else "",
                "verdict": "kept" if ok else failures[0],
            }
        )
    verdicts = run_verdicts(months)
    w = first_s.instance.settings.workload
    n = len(months)
    what = (
        f"Clients carried from month to month through {n} month(s) from {first_s.flow.start}: "
        f"{fi(w.registrations_per_client_month, 2)} new registrations and "
        f"{fi(w.outflow_per_client_month, 2)} exits a client a month, a job-search discussion "
        f"on the rule set's rhythm and {fi(w.conversations_by_need_per_client_year, 1)} more a "
        f"year by need, {fi(w.client_meeting_share, 2)} of an office day in client meetings "
        f"(assumptions: instance.toml). Booking: {first_s.flow.policy}. Judged in every month "
        f"and municipality: at least {fi(DEADLINE_TARGET_PCT)} % of initial interviews within "
        "the deadline and at most 1 % of clients overdue for their discussion at the month's "
        "end, no unmet visit day, named and office cover kept."
    )
    warning = (
        "One month alone cannot judge a cut: it starts from a steady state and hides what it "
        "leaves to the next month (summer's shortfall shows in the months after it). Run the "
        "year (the default of planner whatif) before deciding."
        if n == 1
        else ""
    )
    stopped = sum(b.wall_clock_stopped + s.wall_clock_stopped for b, s in months)
    ab, as_ = first_b.areas(), first_s.areas()
    area_names = {a.area_id: a.name for a in first_b.instance.areas}
    moved = [
        f"{area_names.get(a, a)} {fi(ab.at[a, 'local_fte'], 1)} → "
        f"{fi(as_.at[a, 'local_fte'], 1) if a in as_.index else '–'}"
        for a in ab.index
    ] + [
        f"{area_names.get(a, a)} – → {fi(as_.at[a, 'local_fte'], 1)}"
        for a in as_.index
        if a not in ab.index
    ]
    allocation = (
        "Local staff by production area after the allocation re-divides the pool by client "
        "need (FTE, central duties and substitutes left out): " + "; ".join(moved) + "."
    )
    return {
        "allocation": allocation,
        "headline": money_headline(first_b, first_s),
        "changes": list(first_s.words),
        "what": what,
        "warning": warning,
        "verdicts": verdicts,
        "paragraphs": paragraphs(months),
        "months": rows,
        "stopped": stopped,
        "plot": _png(_run_plot(months)) if n > 1 else None,
        "leavers": people(first_s.leavers, first_b.instance),
        "joiners": people(first_s.joiners, first_s.instance),
    }


def _run_plot(months: list[tuple[Scenario, Scenario]]) -> Any:
    """Month by month, baseline and scenario: the lowest share of interviews in time and
    the highest share overdue, the law's lines drawn."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    labels = [s.plan.month[2:] for _, s in months]
    x = list(range(len(months)))
    for k, (side, colour) in enumerate((("baseline", "#8aa9cf"), ("scenario", "#1f3a5f"))):
        flows = [pair[k].flow for pair in months]
        axes[0].plot(
            x,
            [min(f.within_deadline_pct for f in fl.municipalities) for fl in flows],
            marker="o",
            color=colour,
            label=side,
        )
        axes[1].plot(
            x,
            [max(f.overdue_pct for f in fl.municipalities) for fl in flows],
            marker="o",
            color=colour,
            label=side,
        )
    for axis, ref, text in (
        (axes[0], DEADLINE_TARGET_PCT, "law: every initial interview in time"),
        (axes[1], 1.0, "law: a discussion every 3 months (1 % tolerance)"),
    ):
        axis.axhline(ref, color="#a4161a", linestyle="--", linewidth=1)
        axis.annotate(
            text, (0, ref), xytext=(4, 4), textcoords="offset points", color="#a4161a", fontsize=8
        )
        axis.set_xticks(x, labels, rotation=45)
        axis.legend(fontsize=8)
    axes[0].set_title("Initial interviews in time, lowest municipality, %", fontsize=10)
    axes[1].set_title(
        "Overdue for their discussion at the month's end, highest municipality, %", fontsize=10
    )
    figure.tight_layout()
    return figure


def _markdown(title: str, contexts: list[dict[str, Any]], run: dict[str, Any]) -> str:
    lines = [f"# {title}", "", run["headline"], ""]
    lines += [f"- Change: {w}" for w in run["changes"]]
    lines += ["", run["allocation"], "", run["what"], ""]
    if run["warning"]:
        lines += [f"**{run['warning']}**", ""]
    lines += [f"- {v['text']}" for v in run["verdicts"]]
    if run["stopped"]:
        lines.append(
            f"- {run['stopped']} month plan(s) were stopped by the wall clock on a loaded "
            "machine (not by proof or the deterministic limit): marked in the table below."
        )
    lines += ["", "## Each municipality", ""]
    lines += [f"- {p['text']}" for p in run["paragraphs"]]
    if run["leavers"]:
        lines += ["", "People leaving, by role, area and home point (no names):", ""]
        lines += [
            f"- {p['people']} ({fi(p['fte'], 1)} FTE), {p['role']}, {p['area']}, based at "
            f"{p['home']}"
            for p in run["leavers"]
        ]
    lines += [
        "",
        "## Month by month (baseline → scenario)",
        "",
        "| month | FTE | visit days | lowest in time % | late interviews | overdue clients "
        "| travelled | solver | requirements |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        "| "
        + " | ".join(
            r[k] for k in ("month", "fte", "visit_days", "in_time", "late", "overdue", "travelled")
        )
        + f" | {r['stopped'] or 'ok'} | {r['verdict']} |"
        for r in run["months"]
    ]
    lines.append("")
    for c in contexts:
        s = c["summary"]
        lines += [f"## {c['month']}", "", s.headline, ""]
        lines += [f"- {d}" for d in s.deadlines]
        lines += [f"- {a}" for a in s.areas]
        lines += ["", s.verdict, ""]
        lines += [f"- {m}" for m in s.municipalities]
        lines.append("")
        header = ["Municipality"] + c["municipality_columns"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in c["municipalities"]:
            cells = [
                f"{x['base']} → {x['scen']}" if x["changed"] else x["scen"] for x in row["cells"]
            ]
            lines.append("| " + " | ".join([row["name"], *cells]) + " |")
        lines.append("")
    return "\n".join(lines)


def sweep_markdown(ladder: Any, findings: list[str]) -> str:
    """The sweep's report.md: the findings, the band, the board table, wall-clock stops."""
    from planner.scenarios.sweep import band_table, board_table

    months = ladder.months
    span = months[0] if len(months) == 1 else f"{months[0]}…{months[-1]}"
    lines = [f"# Sweep of {ladder.lever}, {span}", ""]
    lines += [f"- {f}" for f in findings]
    band = band_table(ladder)
    lines += ["", "## The answer under each assumption (band.csv)", ""]
    lines += [
        "The band re-runs the client model on the same plans; the face-to-face share moves "
        "only the share of discussions held in person (the plans' outreach demand stays at "
        "the central share).",
        "",
        "| case | months today's staff keep | smallest staff keeping every requirement in "
        "every month, FTE | smallest staff no worse than today's, FTE |",
        "|---|---|---|---|",
    ]

    def staff(value: Any) -> str:
        return fi(value, 1) if pd.notna(value) else "no level"

    for r in band.itertuples():
        lines.append(
            f"| {r.case} | {r.months_today_keeps} | {staff(r.smallest_staff_fte)} | "
            f"{staff(r.smallest_staff_no_worse_fte)} |"
        )
    board = board_table(ladder)
    lines += [
        "",
        "## Board table per municipality (board.csv)",
        "",
        "| staff, FTE | municipality | cost € a year | visit days | outreach staff-days per 100 "
        "clients | overdue clients, worst month | late initial interviews | named-cover gaps |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in board.itertuples():
        lines.append(
            f"| {fi(r.pool_fte, 1)} | {r.municipality} | {fi(r.cost_year_eur)} | "
            f"{fi(r.visit_days)} | {fi(r.staff_days_per_100_clients, 1)} | "
            f"{fi(r.overdue_discussions_peak)} {r.overdue_peak_month} | {fi(r.late_interviews)} | "
            f"{r.named_cover_gaps} |"
        )
    stopped = [
        f"{s.plan.month} at {v:g}"
        for v, run in ladder.levels.items()
        for s in run
        if s.wall_clock_stopped
    ]
    lines += ["", "Plans stopped by the wall clock: " + (", ".join(stopped) or "none") + "."]
    return "\n".join(lines) + "\n"
