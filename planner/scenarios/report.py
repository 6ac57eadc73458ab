"""What a scenario costs, for a manager: comparison.csv, report.md and one self-contained
HTML page (a Jinja2 template, plots embedded), month by month and for the year.

The page opens with a plain-language summary — what changes, which legal deadlines are
missed and where, what each municipality loses — then one wide table per level with
municipality names and units, Finnish number style (decimal comma), the leavers by name
and home point, and titled plots with labelled reference lines, one of them a map of
the service points sized by visit days.
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
    ("conversations_in_person_pct", "conversations in person", 0, "%", 2.0),
    ("conversation_backlog", "conversations not held", 0, "", 1.0),
)


@dataclass(frozen=True)
class Summary:
    headline: str
    changes: list[str]
    deadlines: list[str]
    areas: list[str]
    municipalities: list[str]
    verdict: str


def _person(s: StaffMember, instance: Instance) -> dict[str, Any]:
    home = next(
        (p.name for p in instance.service_points if p.point_id == s.home_point_id), s.home_point_id
    )
    return {
        "name": s.name,
        "id": s.staff_id,
        "home": home,
        "fte": s.fte,
        "skills": ", ".join(sorted(s.skills)),
    }


def summary(base: Scenario, scen: Scenario) -> Summary:
    """The top of the report, in sentences."""
    fte_b, fte_s = base.fte, scen.fte
    year_cost = base.instance.settings.costs.fte_year_eur
    headline = (
        f"Pool {fi(fte_b, 1)} FTE → {fi(fte_s, 1)} FTE ({fi(fte_s - fte_b, 1)} FTE; staff cost "
        f"{fi((fte_s - fte_b) * year_cost / 12, 0, '€')} a month at {fi(year_cost, 0, '€')} "
        "per FTE-year)."
    )
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
            f"{flow.runs} simulated months)."
        )
    travelled = sum(f.travelled for f in flow.municipalities)
    if travelled >= 0.5:
        deadlines.append(
            f"Clients who travel to an office for their initial interview because no local "
            f"slot comes in time: about {fi(travelled)} a month."
        )
    areas = scen.areas()
    area_names = {a.area_id: a.name for a in scen.instance.areas}
    short = areas[areas["capacity_pct"] < 100]
    if short.empty:
        deadlines.append(
            "The appointments cover the conversations the rules owe and the initial "
            "interviews (phone and video included)."
        )
    else:
        deadlines.append(
            "Appointments short of what the rules and the inflow ask: "
            + ", ".join(
                f"{area_names.get(a, a)} area {fi(r['capacity_pct'])} % of the meetings owed "
                f"({fi(r['conversation_backlog_pct'])} % of conversations not held by the "
                "month's end)"
                for a, r in short.iterrows()
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
        "The initial-interview deadline, appointments for every meeting owed, the equity "
        "floor and named cover hold."
        if ok
        else f"{len(failures)} requirement(s) break"
        + (" (some already in the baseline)" if not ok_b else "")
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
    ("conversations_in_person_pct", "Conversations in person, %", 0),
    ("conversation_backlog", "Conversations not held", 0),
    ("unmet_visits", "Unmet visit days", 0),
)

AREA_COLUMNS = (
    ("local_fte", "Local staff, FTE", 1),
    ("caseload", "Clients per local worker", 0),
    ("appointment_capacity", "Appointments a month", 0),
    ("meetings_required", "Meetings owed a month", 0),
    ("capacity_pct", "Capacity, % of owed", 0),
    ("conversation_backlog_pct", "Conversations not held, %", 1),
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
        "leavers": [_person(s, base.instance) for s in scen.leavers],
        "joiners": [_person(s, scen.instance) for s in scen.joiners],
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
    """comparison.csv's table, report.md and report.html for one or more months."""
    tables = []
    for base, scen in months:
        table = comparison(base, scen)
        table.insert(0, "month", scen.plan.month)
        tables.append(table)
    contexts = [context(base, scen) for base, scen in months]
    year = _year(months) if len(months) > 1 else None
    page = templates.get_template("report.html").render(title=title, months=contexts, year=year)
    markdown = _markdown(title, contexts, year)
    return pd.concat(tables, ignore_index=True), markdown, page


def _year(months: list[tuple[Scenario, Scenario]]) -> dict[str, Any]:
    """Month by month, then each municipality over the months."""
    rows = []
    for base, scen in months:
        ok, failures = meets_requirements(scen)
        flow_b, flow_s = base.flow, scen.flow
        rows.append(
            {
                "month": scen.plan.month,
                "fte": f"{fi(base.fte, 1)} → {fi(scen.fte, 1)}",
                "visit_days": f"{len(base.plan.visits)} → {len(scen.plan.visits)}",
                "in_time": f"{fi(min(f.within_deadline_pct for f in flow_b.municipalities))} → "
                f"{fi(min(f.within_deadline_pct for f in flow_s.municipalities))}",
                "worst": f"{fi(max(f.worst_wait for f in flow_b.municipalities))} → "
                f"{fi(max(f.worst_wait for f in flow_s.municipalities))}",
                "travelled": f"{fi(sum(f.travelled for f in flow_b.municipalities))} → "
                f"{fi(sum(f.travelled for f in flow_s.municipalities))}",
                "backlog": f"{fi(sum(f.backlog for f in flow_b.municipalities))} → "
                f"{fi(sum(f.backlog for f in flow_s.municipalities))}",
                "verdict": "kept" if ok else failures[0],
            }
        )
    names: dict[str, str] = {}
    totals: dict[str, dict[str, list[float]]] = {}
    for base, scen in months:
        for side, s in (("base", base), ("scen", scen)):
            names |= {m.municipality_id: m.name for m in s.instance.municipalities}
            frame = s.municipalities()
            for m in frame.index:
                t = totals.setdefault(m, {})
                t.setdefault(f"visits_{side}", []).append(float(frame.at[m, "visit_days"]))
                t.setdefault(f"in_time_{side}", []).append(
                    float(frame.at[m, "interviews_in_time_pct"])
                )
                t.setdefault(f"worst_{side}", []).append(float(frame.at[m, "worst_wait_days"]))
                t.setdefault(f"travelled_{side}", []).append(
                    float(frame.at[m, "travelled_to_office"])
                )
    municipalities = []
    for m, t in totals.items():

        def pair(key: str, how: Any, digits: int = 0, t: dict = t) -> str:
            b, s = t.get(f"{key}_base"), t.get(f"{key}_scen")
            return f"{fi(how(b), digits) if b else '–'} → {fi(how(s), digits) if s else '–'}"

        municipalities.append(
            {
                "name": names.get(m, m),
                "visits": pair("visits", sum),
                "in_time": pair("in_time", min),
                "worst": pair("worst", max),
                "travelled": pair("travelled", sum),
            }
        )
    from planner.scenarios.sweep import judge
    from planner.scenarios.sweep import rows as level_rows

    verdicts = []
    for side, k in (("baseline", 0), ("scenario", 1)):
        frame = pd.DataFrame([r for pair in months for r in level_rows(pair[k], side, k)])
        ok, why = judge(frame, k)
        verdicts.append(f"{side}: " + ("every requirement kept" if ok else why))
    return {"months": rows, "municipalities": municipalities, "verdicts": verdicts}


def _markdown(title: str, contexts: list[dict[str, Any]], year: dict[str, Any] | None) -> str:
    lines = [f"# {title}", ""]
    if year is not None:
        lines += [
            "## The year, month by month",
            "",
            "| month | FTE | visit days | lowest in time % | worst wait | travelled "
            "| conversations not held | requirements |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            "| "
            + " | ".join(
                r[k]
                for k in ("month", "fte", "visit_days", "in_time", "worst", "travelled", "backlog")
            )
            + f" | {r['verdict']} |"
            for r in year["months"]
        ]
        lines += [
            "Over the months (deadlines, floor and cover every month; appointments "
            "over every three-month window): " + "; ".join(year["verdicts"]) + ".",
            "",
        ]
    for c in contexts:
        s = c["summary"]
        lines += [f"## {c['month']}", "", s.headline, ""]
        lines += [f"- Change: {w}" for w in s.changes]
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
        if c["leavers"]:
            lines.append(
                "Leaving: "
                + ", ".join(
                    f"{p['name']} ({p['home']}, {fi(p['fte'], 1)} FTE)" for p in c["leavers"]
                )
                + "."
            )
            lines.append("")
    return "\n".join(lines)
