"""What a scenario costs, for a manager and a board: comparison.csv, report.md and one
self-contained HTML page (a Jinja2 template, plots embedded), for a run of months.

The page opens with the money, what is compared and how it is judged, the verdicts over
the run (naming the worst month and municipality), and one paragraph per municipality
(the leaver first); then the run month by month, then each month's wide tables with
municipality names and units, the people who leave counted by role, area and home point
(never named: a board gets no worker-level data), and titled plots with labelled
reference lines, one of them a map of the service points sized by visit days.

Everything a person reads is in the instance's language (``language``; ``--language``
overrides it): messages through the gettext catalogs, numbers, percentages and money by
Babel (:mod:`planner.i18n`). comparison.csv keeps stable English identifiers.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.clients.book import booking_words
from planner.i18n import N_, Words, pages, words
from planner.plan.outputs import cause_words, teams_words, unmet_sentence
from planner.scenarios.whatif import (
    COST_MODELS,
    DEADLINE_TARGET_PCT,
    OVERDUE_TARGET_PCT,
    Scenario,
    comparison,
    cost_model_name,
    meets_requirements,
    named_cover_gaps,
)

if TYPE_CHECKING:
    from jinja2 import Environment

    from models.instance import Instance, StaffMember


def say(scenario: Scenario) -> Words:
    """The words of a scenario's reader: its instance's language."""
    return words(scenario.instance.settings.language)


@functools.cache
def templates(language: str) -> Environment:
    """The report page in one language (:func:`planner.i18n.pages`)."""
    return pages("planner.scenarios", language)


def policy(scenario: Scenario, w: Words) -> str:
    """The booking policy the client model followed, in ``w``'s words."""
    load = scenario.instance.settings.workload
    return booking_words(load.booking, load.reserved_interview_slots, w)


def scenario_title(levers: Any, instance: Instance, months: list[str]) -> str:
    """The report's title: the months and the change in a few words."""
    from planner.scenarios.levers import title

    w = words(instance.settings.language)
    span = w.month(months[0]) if len(months) == 1 else f"{w.month(months[0])}–{w.month(months[-1])}"
    return w("Scenario %(span)s: %(change)s", span=span, change=title(levers, instance))


def progress_words(instance: Instance, months: int, levels: int | None = None) -> str:
    """The progress bar's label of whatif (``levels`` None) and sweep."""
    w = words(instance.settings.language)
    if levels is None:
        return w("planning %(n)s month(s), baseline and scenario", n=months)
    return w(
        "planning the baseline and %(levels)s level(s) x %(n)s month(s)", levels=levels, n=months
    )


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


def number_ticks(axis: Any, w: Words) -> None:
    """The y axis's numbers as the reader writes them (99,5 in Finnish, not 99.5)."""
    from matplotlib.ticker import FuncFormatter

    axis.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: w.number(v, 0 if float(v).is_integer() else 1))
    )


def _paired_bars(
    names: list[str], before: list[float], after: list[float], title: str, unit: str, w: Words
) -> Any:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(9, 3.4))
    x = range(len(names))
    axis.bar([i - 0.2 for i in x], before, width=0.4, label=w("baseline"), color="#8aa9cf")
    axis.bar([i + 0.2 for i in x], after, width=0.4, label=w("scenario"), color="#1f3a5f")
    axis.set_xticks(list(x), names, rotation=40, ha="right")
    axis.set_ylabel(unit)
    axis.set_title(title)
    axis.legend()
    number_ticks(axis, w)
    return figure, axis


def plots(base: Scenario, scen: Scenario) -> dict[str, str]:
    """The page's plots, PNG in base64, titled and labelled in the reader's language."""
    w = say(scen)
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
        w("Outreach visit days this month, by municipality"),
        w("visit days"),
        w,
    )
    out["visits"] = _png(figure)
    figure, axis = _paired_bars(
        labels,
        col(mb, "mean_wait_days"),
        col(ms, "mean_wait_days"),
        w("Initial interview: mean wait from registration, by municipality"),
        w("working days"),
        w,
    )
    deadline = scen.flow.deadline
    axis.axhline(
        deadline,
        color="#a4161a",
        linestyle="--",
        linewidth=1,
        label=w("legal deadline, %(days)s working days", days=deadline),
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
        w("Appointment capacity against what the rules and the inflow ask"),
        w("% of meetings required"),
        w,
    )
    axis.axhline(
        100,
        color="#a4161a",
        linestyle="--",
        linewidth=1,
        label=w("%(share)s: every meeting owed", share=w.percent(1)),
    )
    axis.legend(fontsize=8, loc="lower right")
    out["capacity"] = _png(figure)
    out["map"] = _png(_map(base, scen, w))
    return out


def _map(base: Scenario, scen: Scenario, w: Words) -> Any:
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
    axis.set_title(
        w("Service points by visit days (ring: baseline, disc: scenario; square: office)")
    )
    axis.set_xlabel(w("longitude (°E)"))
    axis.set_ylabel(w("latitude (°N)"))
    axis.set_aspect(1 / math.cos(math.radians(63)))
    return figure


# ----------------------------------------------------------------------------- words


CHANGES = (
    ("visit_days", N_("visit days %(was)s → %(now)s"), 0, 0.5),
    ("interviews_in_time_pct", N_("initial interviews in time %(was)s → %(now)s %%"), 0, 1.0),
    ("mean_wait_days", N_("mean wait %(was)s → %(now)s working days"), 1, 0.3),
    ("travelled_to_office", N_("clients who travel to an office %(was)s → %(now)s"), 1, 0.5),
    ("discussions_in_person_pct", N_("discussions in person %(was)s → %(now)s %%"), 0, 2.0),
    (
        "overdue_discussions",
        N_("clients overdue for their discussion %(was)s → %(now)s"),
        0,
        1.0,
    ),
)
"""What a municipality's month line names when it changes by more than the noise."""


@dataclass(frozen=True)
class Summary:
    headline: str
    changes: list[str]
    deadlines: list[str]
    areas: list[str]
    municipalities: list[str]
    verdict: str
    ok: bool


def people(
    staff: list[StaffMember] | tuple[StaffMember, ...], instance: Instance, w: Words
) -> list[dict]:
    """People leaving or joining, counted by role, production area and home point: no
    names or ids (the area gives municipalities no worker-level data)."""
    points = {p.point_id: p for p in instance.service_points}
    areas = {a.area_id: a.name for a in instance.areas}
    groups: dict[tuple[str, str, str], list[float]] = {}
    for s in staff:
        point = points.get(s.home_point_id)
        area = areas.get(instance.area_of_point(s.home_point_id), "") if point else ""
        role = w("substitute pool") if s.substitute else w("regular staff")
        groups.setdefault((role, area, point.name if point else s.home_point_id), []).append(s.fte)
    return [
        {"role": role, "area": area, "home": home, "people": len(ftes), "fte": sum(ftes)}
        for (role, area, home), ftes in sorted(groups.items())
    ]


def money_headline(base: Scenario, scen: Scenario) -> str:
    """The pool and its cost, a saving written as a saving."""
    w = say(scen)
    fte_b, fte_s = base.fte, scen.fte
    year_cost = base.instance.settings.costs.fte_year_eur
    change = (fte_s - fte_b) * year_cost
    if abs(fte_s - fte_b) < 1e-9:
        money = w("staff cost unchanged")
    elif change < 0:
        money = w(
            "saves %(year)s a year (%(month)s a month) in staff cost",
            year=w.money(-change),
            month=w.money(-change / 12),
        )
    else:
        money = w(
            "costs %(year)s a year (%(month)s a month) more in staff cost",
            year=w.money(change),
            month=w.money(change / 12),
        )
    return w(
        "Pool %(was)s FTE → %(now)s FTE: %(money)s at %(cost)s per FTE-year.",
        was=w.number(fte_b, 1),
        now=w.number(fte_s, 1),
        money=money,
        cost=w.money(year_cost),
    )


def summary(base: Scenario, scen: Scenario) -> Summary:
    """The top of a month's section, in sentences."""
    w = say(scen)
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
            w(
                "Initial interview within %(days)s working days: missed in %(where)s.",
                days=flow.deadline,
                where=", ".join(
                    [
                        w(
                            "%(name)s (%(share)s in time, worst wait %(wait)s working days)",
                            name=names[f.municipality_id],
                            share=w.percent(f.within_deadline_pct / 100),
                            wait=w.number(f.worst_wait),
                        )
                        for f in sorted(late, key=lambda f: f.within_deadline_pct)
                    ],
                ),
            )
        )
    else:
        deadlines.append(
            w(
                "Initial interview within %(days)s working days: kept in every municipality "
                "(at least %(target)s in time, mean of %(runs)s seeded runs of the client "
                "model).",
                days=flow.deadline,
                target=w.percent(DEADLINE_TARGET_PCT / 100),
                runs=flow.runs,
            )
        )
    travelled = sum(f.travelled for f in flow.municipalities)
    if travelled >= 0.5:
        deadlines.append(
            w(
                "Clients who travel to an office for their initial interview because no "
                "local slot comes in time: about %(n)s a month.",
                n=w.number(travelled),
            )
        )
    areas = scen.areas()
    area_names = {a.area_id: a.name for a in scen.instance.areas}
    overdue = [f for f in flow.municipalities if f.overdue >= 0.5]
    if not overdue:
        deadlines.append(
            w("Job-search discussions every three months: no client overdue at the month's end.")
        )
    else:
        deadlines.append(
            w(
                "Clients overdue for their job-search discussion at the month's end: %(where)s.",
                where=", ".join(
                    [
                        f"{names[f.municipality_id]} {w.number(f.overdue)} "
                        f"({w.percent(f.overdue_pct / 100, 1)})"
                        for f in sorted(overdue, key=lambda f: -f.overdue_pct)
                    ],
                ),
            )
        )
    ab = base.areas()
    area_lines = []
    for a, r in areas.iterrows():
        was = ab.loc[a] if a in ab.index else None
        caseload = (f"{w.number(was['caseload'])} → " if was is not None else "") + w.number(
            r["caseload"]
        )
        capacity = (
            f"{w.percent(was['capacity_pct'] / 100)} → " if was is not None else ""
        ) + w.percent(r["capacity_pct"] / 100)
        area_lines.append(
            w(
                "%(area)s area: clients per local worker %(caseload)s; appointments for "
                "%(capacity)s of the meetings owed.",
                area=area_names.get(a, a),
                caseload=caseload,
                capacity=capacity,
            )
        )
    mb, ms = base.municipalities(), scen.municipalities()
    lines = []
    for m in list(mb.index) + [m for m in ms.index if m not in mb.index]:
        if m not in ms.index:
            lines.append(w("%(name)s: leaves the employment area; no plan for it.", name=names[m]))
            continue
        if m not in mb.index:
            lines.append(
                w(
                    "%(name)s: joins; %(days)s visit days, %(share)s of initial interviews in "
                    "time.",
                    name=names[m],
                    days=w.number(ms.at[m, "visit_days"]),
                    share=w.percent(ms.at[m, "interviews_in_time_pct"] / 100),
                )
            )
            continue
        parts = []
        for column, message, digits, threshold in CHANGES:
            b, s = float(mb.at[m, column]), float(ms.at[m, column])
            if abs(s - b) >= threshold:
                parts.append(w(message, was=w.number(b, digits), now=w.number(s, digits)))
        if parts:
            lines.append(f"{names[m]}: " + "; ".join(parts) + ".")
    if not lines:
        lines.append(
            w("No municipality's local service changes by more than the noise of the simulation.")
        )
    if ok:
        verdict = w(
            "The initial-interview deadline, the discussions' three-month rhythm, the equity "
            "floor and named cover hold this month."
        )
    else:
        shown = "; ".join(failures[:6]) + (
            w(" (+%(n)s more)", n=len(failures) - 6) if len(failures) > 6 else ""
        )
        verdict = (
            w(
                "%(n)s requirement(s) break this month (some already in the baseline): %(which)s.",
                n=len(failures),
                which=shown,
            )
            if not ok_b
            else w(
                "%(n)s requirement(s) break this month: %(which)s.", n=len(failures), which=shown
            )
        )
    return Summary(headline, list(scen.words), deadlines, area_lines, lines, verdict, ok)


# ----------------------------------------------------------------------------- tables


MUNICIPALITY_COLUMNS = (
    ("visit_days", N_("Visit days"), 0),
    ("staff_days_per_100_clients", N_("Outreach staff-days per 100 clients"), 2),
    ("interviews_in_time_pct", N_("Initial interviews in time, %"), 0),
    ("mean_wait_days", N_("Mean wait, working days"), 1),
    ("worst_wait_days", N_("Worst wait, working days"), 0),
    ("travelled_to_office", N_("Travel to an office, clients"), 1),
    ("late_interviews", N_("Late initial interviews"), 1),
    ("discussions_in_person_pct", N_("Discussions in person, %"), 0),
    ("overdue_discussions", N_("Overdue for their discussion at the month's end, clients"), 0),
    ("overdue_pct", N_("Overdue, % of clients"), 1),
    ("unmet_visits", N_("Unmet visit days"), 0),
)

AREA_COLUMNS = (
    ("local_fte", N_("Local staff, FTE"), 1),
    ("caseload", N_("Clients per local worker"), 0),
    ("appointment_capacity", N_("Appointments a month"), 0),
    ("meetings_required", N_("Meetings owed a month"), 0),
    ("capacity_pct", N_("Capacity, % of owed"), 0),
    ("overdue_pct", N_("Overdue for their discussion, % of clients"), 1),
    ("travel_km", N_("Outreach driving, km"), 0),
)


def _wide(
    base: pd.DataFrame, scen: pd.DataFrame, columns: tuple, label: dict[str, str], w: Words
) -> list[dict[str, Any]]:
    rows = []
    for unit in list(base.index) + [u for u in scen.index if u not in base.index]:
        cells = []
        for column, _, digits in columns:
            b = float(base.at[unit, column]) if unit in base.index else math.nan
            s = float(scen.at[unit, column]) if unit in scen.index else math.nan
            was, now = w.number(b, digits), w.number(s, digits)
            cells.append({"base": was, "scen": now, "changed": was != now})
        rows.append({"name": label.get(unit, unit), "cells": cells})
    return rows


def _status(plan: Any, w: Words) -> str:
    return w(
        "%(status)s %(given)s, gap %(gap)s",
        status=w.solver_status(plan.stats.status),
        given=teams_words(plan, w),
        gap=w.percent(plan.stats.gap, 1),
    )


def context(base: Scenario, scen: Scenario) -> dict[str, Any]:
    """Everything the template shows for one month."""
    w = say(scen)
    names = {m.municipality_id: m.name for m in base.instance.municipalities}
    names |= {m.municipality_id: m.name for m in scen.instance.municipalities}
    area_names = {a.area_id: a.name for a in base.instance.areas}
    mb, ms = base.municipalities(), scen.municipalities()
    costs = [c for c in ms.columns if c.startswith("cost_")]
    gaps = named_cover_gaps(scen.plan, scen.instance)
    process_names = scen.instance.settings.process_words.get(w.language, {})
    unmet = [
        unmet_sentence(
            {
                "rule": u.rule,
                "amount": str(u.amount),
                "cause": u.cause,
                "point_id": u.point_id,
                "municipality_id": u.municipality_id,
                "date": u.date.isoformat() if u.date else "",
            },
            scen.instance,
            w,
        )
        for u in scen.plan.unmet
    ]
    return {
        "month": scen.plan.month,
        "month_label": w.month(scen.plan.month),
        "summary": summary(base, scen),
        "municipality_columns": [w(c[1]) for c in MUNICIPALITY_COLUMNS],
        "municipalities": _wide(mb, ms, MUNICIPALITY_COLUMNS, names, w),
        "area_columns": [w(c[1]) for c in AREA_COLUMNS],
        "areas": _wide(base.areas(), scen.areas(), AREA_COLUMNS, area_names, w),
        "cost_columns": [cost_model_name(c.removeprefix("cost_"), w, scen.instance) for c in costs],
        "costs": _wide(mb, ms, tuple((c, c, 0) for c in costs), names, w),
        "flow_start": w(scen.flow.start),
        "policy": policy(scen, w),
        "gaps": [
            {
                "municipality": names.get(r.municipality_id, r.municipality_id),
                "process": process_names.get(r.process, r.process),
                "named": r.named,
                "reason": cause_words(r.cause, w),
            }
            for r in gaps.itertuples()
        ],
        "unmet": unmet,
        "plots": plots(base, scen),
        "deadline": scen.flow.deadline,
        "runs": scen.flow.runs,
        "status": _status(scen.plan, w),
        "base_status": _status(base.plan, w),
        "workload": scen.instance.settings.workload,
        "demand": scen.instance.settings.demand,
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
    w = say(months[0][1])
    page = (
        templates(w.language)
        .get_template("report.html")
        .render(title=title, months=contexts, run=run)
    )
    markdown = _markdown(title, contexts, run, w)
    return pd.concat(tables, ignore_index=True), markdown, page


def run_verdicts(months: list[tuple[Scenario, Scenario]]) -> list[dict[str, Any]]:
    """The run's verdicts, baseline and scenario, each naming its worst month and
    municipality: what the CLI prints and the report's first screen shows."""
    from planner.scenarios.sweep import verdict

    w = say(months[0][1])
    out = []
    for side, k in ((w("Baseline"), 0), (w("Scenario"), 1)):
        v = verdict([pair[k] for pair in months])
        text = (
            w("every requirement kept in every month and municipality.")
            if v.ok
            else w(
                "%(n)s failing municipality-month(s) and plan item(s); the worst: %(worst)s.",
                n=v.failing,
                worst=v.worst,
            )
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
    w = say(months[0][1])
    base_frames = [b.municipalities() for b, _ in months]
    scen_frames = [s.municipalities() for _, s in months]
    labels = [w.month(s.plan.month) for _, s in months]
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
        return w(
            "%(own)s a year under %(model)s (%(low)s–%(high)s over the seed's cost models)",
            own=w.money(own),
            model=cost_model_name(weighting, w, months[0][0].instance),
            low=w.number(low),
            high=w.money(high),
        )

    span = w("over the month") if n == 1 else w("over the %(n)s months", n=n)
    order = [m for m in names if not any(m in f.index for f in scen_frames)]
    order += [m for m in base_frames[0].index if m not in order]
    order += [m for m in scen_frames[0].index if m not in order]
    out = []
    for m in order:
        in_base = any(m in f.index for f in base_frames)
        in_scen = any(m in f.index for f in scen_frames)
        if in_base and not in_scen:
            text = w(
                "%(name)s leaves the employment area. It loses %(days)s visit days and "
                "%(staff)s outreach staff-days from the area %(span)s (its own service is then "
                "its own to arrange) and no longer pays its share of the area's staff cost: "
                "%(money)s at today's staff.",
                name=names[m],
                span=span,
                days=w.number(_sum(base_frames, m, "visit_days")),
                staff=w.number(_sum(base_frames, m, "staff_days")),
                money=money(cost(base_frames, m)),
            )
            out.append({"name": names[m], "text": text, "kind": "leaves"})
            continue
        parts = []
        if in_base:
            pairs = [
                (N_("visit days %(was)s → %(now)s"), "visit_days"),
                (N_("outreach staff-days %(was)s → %(now)s"), "staff_days"),
                (N_("late initial interviews %(was)s → %(now)s"), "late_interviews"),
            ]
            for message, column in pairs:
                b, s = _sum(base_frames, m, column), _sum(scen_frames, m, column)
                parts.append(w(message, was=w.number(b), now=w.number(s)))
            wb = max(float(f.at[m, "worst_wait_days"]) for f in base_frames if m in f.index)
            ws = max(float(f.at[m, "worst_wait_days"]) for f in scen_frames if m in f.index)
            parts.append(
                w(
                    "worst wait for an initial interview %(was)s → %(now)s working days",
                    was=w.number(wb),
                    now=w.number(ws),
                )
            )
            ob, mb = _peak(base_frames, labels, m, "overdue_discussions")
            os_, ms = _peak(scen_frames, labels, m, "overdue_discussions")
            parts.append(
                w(
                    "clients overdue for their discussion at the worst month's end %(was)s → "
                    "%(now)s",
                    was=w.number(ob) + (f" ({mb})" if ob >= 0.5 else ""),
                    now=w.number(os_) + (f" ({ms})" if os_ >= 0.5 else ""),
                )
            )
            cb, cs = cost(base_frames, m), cost(scen_frames, m)
            if abs(cs[0] - cb[0]) < 0.5:
                parts.append(w("cost share %(money)s, unchanged", money=money(cb)))
            else:
                parts.append(
                    w(
                        "cost share %(money)s → %(now)s (pays %(change)s a year more)",
                        money=money(cb),
                        now=w.money(cs[0]),
                        change=w.money(abs(cs[0] - cb[0])),
                    )
                    if cs[0] > cb[0]
                    else w(
                        "cost share %(money)s → %(now)s (saves %(change)s a year)",
                        money=money(cb),
                        now=w.money(cs[0]),
                        change=w.money(abs(cs[0] - cb[0])),
                    )
                )
            if cs[0] > cb[0] + 0.5:
                parts.append(_why_more(months, m, weighting, w))
            text = w(
                "%(name)s %(span)s: %(parts)s.",
                name=names[m],
                span=span,
                parts="; ".join(parts),
            )
            kind = "member"
        else:
            text = w(
                "%(name)s joins: %(days)s visit days and %(staff)s outreach staff-days "
                "%(span)s; its cost share %(money)s.",
                name=names[m],
                days=w.number(_sum(scen_frames, m, "visit_days")),
                staff=w.number(_sum(scen_frames, m, "staff_days")),
                span=span,
                money=money(cost(scen_frames, m)),
            )
            kind = "joins"
        out.append({"name": names[m], "text": text, "kind": kind})
    return out


def _why_more(months: list[tuple[Scenario, Scenario]], m: str, weighting: str, w: Words) -> str:
    """Why a member pays more: the pool grew, or its share of the weighted need grew."""
    from planner.clients import municipality_counts, weighted_need

    base, scen = months[0]

    def share(instance: Instance) -> float:
        need = weighted_need(instance, municipality_counts(instance), weighting)
        return need.get(m, 0.0) / sum(need.values()) if need else 0.0

    sb, ss = share(base.instance), share(scen.instance)
    return w(
        "it pays more because the pool's cost grows by %(money)s a year while its share of "
        "the weighted client need goes %(was)s → %(now)s",
        money=w.money((scen.fte - base.fte) * base.instance.settings.costs.fte_year_eur),
        was=w.percent(sb, 1),
        now=w.percent(ss, 1),
    )


def run_summary(months: list[tuple[Scenario, Scenario]]) -> dict[str, Any]:
    """The report's first screen and the run month by month."""

    first_b, first_s = months[0]
    w = say(first_s)
    rows = []

    def pair(was: float, now: float, digits: int = 0) -> str:
        return f"{w.number(was, digits)} → {w.number(now, digits)}"

    for base, scen in months:
        fb, fs = base.flow, scen.flow
        ok, failures = meets_requirements(scen)
        rows.append(
            {
                "month": w.month(scen.plan.month),
                "fte": pair(base.fte, scen.fte, 1),
                "visit_days": pair(len(base.plan.visits), len(scen.plan.visits)),
                "in_time": pair(
                    min(f.within_deadline_pct for f in fb.municipalities),
                    min(f.within_deadline_pct for f in fs.municipalities),
                ),
                "late": pair(
                    sum(f.late for f in fb.municipalities), sum(f.late for f in fs.municipalities)
                ),
                "overdue": pair(
                    sum(f.overdue for f in fb.municipalities),
                    sum(f.overdue for f in fs.municipalities),
                ),
                "travelled": pair(
                    sum(f.travelled for f in fb.municipalities),
                    sum(f.travelled for f in fs.municipalities),
                ),
                "stopped": w("stopped by the wall clock")
                if base.wall_clock_stopped or scen.wall_clock_stopped
                else "",
                "verdict": w("kept") if ok else failures[0],
            }
        )
    verdicts = run_verdicts(months)
    load = first_s.instance.settings.workload
    n = len(months)
    what = w(
        "Clients carried from month to month through %(n)s month(s), starting from "
        "%(start)s: "
        "%(registrations)s new registrations and %(exits)s exits a client a month, a "
        "job-search discussion on the rule set's rhythm and %(by_need)s more a year by need, "
        "%(share)s of an office day in client meetings (assumptions: instance.toml). "
        "Booking: %(policy)s. Judged in every month and municipality: at least %(target)s of "
        "initial interviews within the deadline and at most %(overdue)s of clients overdue "
        "for their discussion at the month's end, no unmet visit day, named and office cover "
        "kept.",
        n=n,
        start=w(first_s.flow.start),
        registrations=w.number(load.registrations_per_client_month, 2),
        exits=w.number(load.outflow_per_client_month, 2),
        by_need=w.number(load.conversations_by_need_per_client_year, 1),
        share=w.number(load.client_meeting_share, 2),
        policy=policy(first_s, w),
        target=w.percent(DEADLINE_TARGET_PCT / 100),
        overdue=w.percent(OVERDUE_TARGET_PCT / 100),
    )
    warning = (
        w(
            "One month alone cannot judge a cut: it starts from a steady state and hides what "
            "it leaves to the next month (summer's shortfall shows in the months after it). "
            "Run the year (the default of planner whatif) before deciding."
        )
        if n == 1
        else ""
    )
    stopped = sum(b.wall_clock_stopped + s.wall_clock_stopped for b, s in months)
    ab, as_ = first_b.areas(), first_s.areas()
    area_names = {a.area_id: a.name for a in first_b.instance.areas}
    moved = [
        f"{area_names.get(a, a)} {w.number(ab.at[a, 'local_fte'], 1)} → "
        f"{w.number(as_.at[a, 'local_fte'], 1) if a in as_.index else '–'}"
        for a in ab.index
    ] + [
        f"{area_names.get(a, a)} – → {w.number(as_.at[a, 'local_fte'], 1)}"
        for a in as_.index
        if a not in ab.index
    ]
    allocation = w(
        "Local staff by production area after the allocation re-divides the pool by client "
        "need (FTE, central duties and substitutes left out): %(moved)s.",
        moved="; ".join(moved),
    )
    return {
        "headers": [
            w("Month"),
            w("Pool, FTE"),
            w("Visit days"),
            w("Lowest share of initial interviews in time, %"),
            w("Late initial interviews"),
            w("Clients overdue for their discussion at the month's end"),
            w("Clients who travel to an office"),
            w("Solver"),
            w("Requirements in the scenario"),
        ],
        "allocation": allocation,
        "headline": money_headline(first_b, first_s),
        "changes": list(first_s.words),
        "what": what,
        "warning": warning,
        "verdicts": verdicts,
        "paragraphs": paragraphs(months),
        "months": rows,
        "stopped": stopped,
        "stopped_words": w(
            "%(n)s month plan(s) were stopped by the wall clock on a loaded machine, not by "
            "proof or the deterministic limit: marked in the table below.",
            n=stopped,
        ),
        "plot": _png(_run_plot(months, w)) if n > 1 else None,
        "leavers": people(first_s.leavers, first_b.instance, w),
        "joiners": people(first_s.joiners, first_s.instance, w),
    }


def _run_plot(months: list[tuple[Scenario, Scenario]], w: Words) -> Any:
    """Month by month, baseline and scenario: the lowest share of interviews in time and
    the highest share overdue, the law's lines drawn."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    labels = [s.plan.month[2:] for _, s in months]
    x = list(range(len(months)))
    for k, (side, colour) in enumerate(((w("baseline"), "#8aa9cf"), (w("scenario"), "#1f3a5f"))):
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
        (axes[0], DEADLINE_TARGET_PCT, w("law: every initial interview in time")),
        (
            axes[1],
            OVERDUE_TARGET_PCT,
            w(
                "law: a discussion every 3 months (%(share)s tolerance)",
                share=w.percent(OVERDUE_TARGET_PCT / 100),
            ),
        ),
    ):
        axis.axhline(ref, color="#a4161a", linestyle="--", linewidth=1)
        axis.annotate(
            text, (0, ref), xytext=(4, 4), textcoords="offset points", color="#a4161a", fontsize=8
        )
        axis.set_xticks(x, labels, rotation=45)
        axis.legend(fontsize=8)
        number_ticks(axis, w)
    axes[0].set_title(w("Initial interviews in time, lowest municipality, %"), fontsize=10)
    axes[1].set_title(
        w("Overdue for their discussion at the month's end, highest municipality, %"),
        fontsize=10,
    )
    figure.tight_layout()
    return figure


def _markdown(title: str, contexts: list[dict[str, Any]], run: dict[str, Any], w: Words) -> str:
    change = w("Change: %(what)s", what="%s")
    lines = [f"# {title}", "", run["headline"], ""]
    lines += ["- " + change % c for c in run["changes"]]
    lines += ["", run["allocation"], "", run["what"], ""]
    if run["warning"]:
        lines += [f"**{run['warning']}**", ""]
    lines += [f"- {v['text']}" for v in run["verdicts"]]
    if run["stopped"]:
        lines.append(f"- {run['stopped_words']}")
    lines += ["", "## " + w("Each municipality"), ""]
    lines += [f"- {p['text']}" for p in run["paragraphs"]]
    if run["leavers"]:
        lines += ["", w("People leaving, by role, area and home point (no names):"), ""]
        lines += [
            "- "
            + w(
                "%(people)s (%(fte)s FTE), %(role)s, %(area)s, based at %(home)s",
                people=p["people"],
                fte=w.number(p["fte"], 1),
                role=p["role"],
                area=p["area"],
                home=p["home"],
            )
            for p in run["leavers"]
        ]
    header = run["headers"]
    lines += [
        "",
        "## " + w("Month by month (baseline → scenario)"),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += [
        "| "
        + " | ".join(
            r[k] for k in ("month", "fte", "visit_days", "in_time", "late", "overdue", "travelled")
        )
        + f" | {r['stopped'] or w('ok')} | {r['verdict']} |"
        for r in run["months"]
    ]
    lines.append("")
    for c in contexts:
        s = c["summary"]
        lines += [f"## {c['month_label']}", "", s.headline, ""]
        lines += [f"- {d}" for d in s.deadlines]
        lines += [f"- {a}" for a in s.areas]
        lines += ["", s.verdict, ""]
        lines += [f"- {m}" for m in s.municipalities]
        lines.append("")
        header = [w("Municipality"), *c["municipality_columns"]]
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
    from planner.clients import assumptions as band_words
    from planner.scenarios.sweep import band_table, board_table, lever_name

    w = say(ladder.baseline[0])
    months = ladder.months
    span = w.month(months[0]) if len(months) == 1 else f"{w.month(months[0])}–{w.month(months[-1])}"
    lines = [w("# Sweep of %(lever)s, %(span)s", lever=lever_name(ladder.lever, w), span=span), ""]
    lines += [f"- {f}" for f in findings]
    band = band_table(ladder)
    header = [
        w("Case"),
        w("Months today's staff keep"),
        w("Smallest staff keeping every requirement in every month, FTE"),
        w("Smallest staff no worse than today's, FTE"),
    ]
    lines += [
        "",
        "## " + w("The answer under each assumption (band.csv)"),
        "",
        w(
            "The band re-runs the client model on the same plans; the face-to-face share "
            "moves only the share of discussions held in person (the plans' outreach demand "
            "stays at the central share)."
        ),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]

    def staff(value: Any) -> str:
        return w.number(value, 1) if pd.notna(value) else w("no level")

    for r in band.itertuples():
        lines.append(
            f"| {band_words.case_words(r.assumption, r.side, r.value, w)} | "
            f"{r.months_today_keeps} | {staff(r.smallest_staff_fte)} | "
            f"{staff(r.smallest_staff_no_worse_fte)} |"
        )
    board = board_table(ladder)
    header = [
        w("Staff, FTE"),
        w("Municipality"),
        w("Cost, € a year"),
        w("Visit days"),
        w("Outreach staff-days per 100 clients"),
        w("Overdue clients, worst month"),
        w("Late initial interviews"),
        w("Named-cover gaps"),
    ]
    lines += [
        "",
        "## " + w("Board table per municipality (board.csv)"),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for r in board.itertuples():
        peak = w.month(r.overdue_peak_month) if r.overdue_peak_month else ""
        lines.append(
            f"| {w.number(r.pool_fte, 1)} | {r.municipality} | {w.number(r.cost_year_eur)} | "
            f"{w.number(r.visit_days)} | {w.number(r.staff_days_per_100_clients, 1)} | "
            f"{w.number(r.overdue_discussions_peak)} {peak} | {w.number(r.late_interviews)} | "
            f"{r.named_cover_gaps} |"
        )
    stopped = [
        w("%(month)s at %(level)s", month=w.month(s.plan.month), level=f"{v:g}")
        for v, run in ladder.levels.items()
        for s in run
        if s.wall_clock_stopped
    ]
    lines += [
        "",
        w("Plans stopped by the wall clock: %(which)s.", which=", ".join(stopped) or w("none")),
    ]
    return "\n".join(lines) + "\n"
