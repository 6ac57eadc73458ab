"""Outputs of a monthly plan: tables (pure functions of the plan), the report and the workbook."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.check.files import MANIFEST, sha256
from planner.clients import municipality_counts
from planner.i18n import N_, Words, words
from planner.plan.workdays import finnish_holidays, month_days, working_days_in_year
from planner.travel import travel

if TYPE_CHECKING:
    from collections.abc import Callable

    from openpyxl.worksheet.worksheet import Worksheet

    from models.instance import Instance
    from models.plan import Plan


def visits_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "date": v.date.isoformat(),
                "point_id": v.point_id,
                "municipality_id": v.municipality_id,
                "start": v.start.strftime("%H:%M"),
                "end": v.end.strftime("%H:%M"),
                "staff_ids": " ".join(v.staff_ids),
                "processes": " ".join(v.processes),
            }
            for v in plan.visits
        ],
        columns=["date", "point_id", "municipality_id", "start", "end", "staff_ids", "processes"],
    )


def schedule_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "date": e.date.isoformat(),
                "staff_id": e.staff_id,
                "place_id": e.place_id,
                "activity": e.activity,
                "substitute_cover": str(e.substitute_cover).lower(),
            }
            for e in plan.schedule
        ],
        columns=["date", "staff_id", "place_id", "activity", "substitute_cover"],
    )


def responsible_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [r.model_dump() for r in plan.responsible],
        columns=["municipality_id", "process", "staff_id", "point_id"],
    )


def points_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [p.model_dump() for p in plan.points],
        columns=[
            "point_id",
            "municipality_id",
            "pattern",
            "pattern_words",
            "demand_staff_days",
            "planned_staff_days",
            "visit_days",
        ],
    )


def unmet_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [{**u.model_dump(), "date": u.date.isoformat() if u.date else ""} for u in plan.unmet],
        columns=["date", "point_id", "municipality_id", "rule", "amount", "cause", "reason"],
    )


def report_municipalities(plan: Plan, instance: Instance) -> pd.DataFrame:
    """Local service per member municipality: the figures equal service is judged by."""
    counts = municipality_counts(instance)
    days: dict[str, set] = defaultdict(set)
    staff_days: Counter[str] = Counter()
    for visit in plan.visits:
        days[visit.municipality_id].add(visit.date)
        staff_days[visit.municipality_id] += len(visit.staff_ids)
    offices = {p.municipality_id for p in instance.active_points() if p.kind == "office"}
    demand = Counter()
    for point in plan.points:
        demand[point.municipality_id] += point.demand_staff_days
    rows = []
    for muni in instance.active_municipalities():
        mid = muni.municipality_id
        clients = counts[mid]["broad_unemployment"]
        rows.append(
            {
                "municipality_id": mid,
                "name": muni.name,
                "clients": round(clients),
                "office": mid in offices,
                "visit_days": len(days[mid]),
                "staff_days": staff_days[mid],
                "demand_staff_days": round(demand[mid], 1),
                "staff_days_per_100_clients": round(100 * staff_days[mid] / clients, 2)
                if clients
                else 0.0,
                "rhythm": "; ".join(
                    f"{p.point_id}: {p.pattern_words}"
                    for p in plan.points
                    if p.municipality_id == mid
                )
                or "office every working day",
            }
        )
    return pd.DataFrame(rows)


def report_staff(plan: Plan, instance: Instance) -> pd.DataFrame:
    """Travel and outreach load per person: what fairness is judged by."""
    rows = []
    by_person: dict[str, list] = defaultdict(list)
    for entry in plan.schedule:
        if entry.activity == "outreach":
            by_person[entry.staff_id].append(entry.place_id)
    threshold = instance.settings.schedule.long_trip_minutes
    for person in instance.staff:
        places = by_person.get(person.staff_id, [])
        legs = [travel(instance, person.home_point_id, p) for p in places]
        rows.append(
            {
                "staff_id": person.staff_id,
                "fte": person.fte,
                "substitute": person.substitute,
                "outreach_days": len(places),
                "outreach_days_per_fte": round(len(places) / person.fte, 2),
                "km": round(sum(2 * km for km, _ in legs), 1),
                "drive_min": round(sum(2 * m for _, m in legs)),
                "long_trips": sum(1 for _, m in legs if m >= threshold),
            }
        )
    return pd.DataFrame(rows)


def substitute_use(plan: Plan) -> pd.DataFrame:
    """Substitute-pool days used, per working day and duty."""
    counts: dict = {d: Counter() for d in plan.working_days}
    for entry in plan.schedule:
        if entry.substitute_cover:
            counts[entry.date][entry.activity] += 1
    return pd.DataFrame(
        [
            {
                "date": d.isoformat(),
                "outreach": c["outreach"],
                "office": c["office"],
                "central": c["central"],
                "total": sum(c.values()),
            }
            for d, c in counts.items()
        ]
    )


def roles_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [r.model_dump() for r in plan.roles], columns=["staff_id", "role", "area_id"]
    )


def waits_table(plan: Plan) -> pd.DataFrame:
    """Initial-interview waits per municipality served by outreach alone."""
    columns = [
        "municipality_id",
        "registration_days",
        "late_days",
        "worst_wait",
        "mean_wait",
        "deadline",
        "unknown_days",
    ]
    return pd.DataFrame([w.model_dump() for w in plan.waits], columns=columns)


def penalties_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [p.model_dump() for p in plan.penalties],
        columns=["rule", "description", "weight", "amount", "cost"],
    )


def _md(frame: pd.DataFrame, none: str = "_none_") -> str:
    """A Markdown table without the optional 'tabulate' dependency."""
    if frame.empty:
        return none + "\n"
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def municipality_rows(plan: Plan, instance: Instance, w: Words) -> pd.DataFrame:
    """The municipalities table a person reads (workbook and report): names, headers in
    words with units, yes and no, rhythms in words."""
    points = {p.point_id: p for p in instance.service_points}
    rhythms = {p.point_id: p.pattern for p in plan.points}
    rows = []
    for row in report_municipalities(plan, instance).itertuples(index=False):
        mine = [
            f"{points[p].name}: {w.rhythm(key)}"
            for p, key in rhythms.items()
            if points[p].municipality_id == row.municipality_id
        ]
        rows.append(
            {
                w("Municipality"): row.name,
                w("Clients (broad unemployment)"): row.clients,
                w("Office in the municipality"): w.yes(bool(row.office)),
                w("Visit days"): row.visit_days,
                w("Outreach staff-days"): row.staff_days,
                w("Demand, staff-days"): row.demand_staff_days,
                w("Outreach staff-days per 100 clients"): row.staff_days_per_100_clients,
                w("Rhythm"): "; ".join(mine) or w("office every working day"),
            }
        )
    return pd.DataFrame(rows)


def _numbers(frame: pd.DataFrame, w: Words) -> pd.DataFrame:
    """Numbers of a table as the language writes them (1 234,5)."""

    def say(value: object) -> object:
        if isinstance(value, bool):
            return w.yes(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            digits = 0 if float(value).is_integer() else 2 if abs(value) < 1 else 1
            return w.number(float(value), digits)
        return value

    return frame.map(say) if not frame.empty else frame


def unmet_sentence(row: dict[str, str], instance: Instance, w: Words) -> str:
    """One thing the plan could not do, in words, from its rule, amount and verified
    cause (never from the planner's English reason text), with names, not ids."""
    places = {p.point_id: p.name for p in instance.service_points}
    places["central"] = w("central duties")
    munis = {m.municipality_id: m.name for m in instance.municipalities}
    place = places.get(row["point_id"]) or munis.get(row["municipality_id"], "")
    where = f"{place} {w.date(row['date'])}" if row.get("date") else place
    amount = w.value(float(row["amount"]), 1)
    what = {
        "unmet_visit": w("no visit on a day its rhythm opens"),
        "equity_floor": w("visited less often than the equity floor"),
        "initial_interview_late": w(
            "%(n)s registration day(s) without an on-site day within the deadline", n=amount
        ),
        "demand_shortfall": w("%(n)s staff-day(s) short of the demand", n=amount),
        "process_shortfall": w("%(n)s staff-day(s) of key processes missing", n=amount),
        "responsible_shortfall": w("%(n)s named worker(s) missing", n=amount),
        "office_cover_shortfall": w("%(n)s below the office's minimum cover", n=amount),
        "central_cover_shortfall": w("%(n)s below the minimum on central duties", n=amount),
    }.get(row["rule"], row["rule"])
    why = cause_words(row.get("cause", ""), w)
    return f"{where}: {what}" + (f" ({why})" if why else "")


def cause_words(cause: str, w: Words) -> str:
    """An unmet item's verified cause (:data:`models.plan.UNMET_CAUSES`) in words; empty
    when none was declared."""
    return {
        "pinned_closed": w("pinned closed"),
        "nobody_free": w("nobody who could go was free"),
        "search_stopped": w("someone was free, but the solver stopped before it found the plan"),
        "no_weekday_room": w("the room is free on no weekday"),
        "too_few_visits": w("too few visits within the deadline"),
        "room_capacity": w("the rhythm's open days and rooms hold less than the demand"),
        "part_day": w("less than a day: one more whole day would cost more"),
        "too_few_with_skill": w("fewer than two people of the area with the skill work this month"),
    }.get(cause, "")


def flow_section(plan: Plan, instance: Instance, w: Words) -> list[str]:
    """report.md's client-flow section: what the plan means for clients
    (:mod:`planner.clients.book`; the figures whatif and sweep lead with)."""
    from planner.clients.book import booking_words, simulate

    flow = simulate(plan, instance, seed=plan.stats.seed)
    names = {m.municipality_id: m.name for m in instance.municipalities}
    areas_named = {a.area_id: a.name for a in instance.areas}
    work = instance.settings.workload
    munis = pd.DataFrame(
        [
            {
                w("Municipality"): names[f.municipality_id],
                w("Registrations"): round(f.registrations, 1),
                w("Initial interviews in time, %"): round(f.within_deadline_pct, 1),
                w("Mean wait, working days"): round(f.mean_wait, 1),
                w("Worst wait, working days"): f.worst_wait,
                w("Travelled to an office"): round(f.travelled, 1),
                w("Discussions in person, %"): round(f.in_person_pct),
                w("Overdue for their discussion at the month's end"): round(f.overdue, 1),
            }
            for f in flow.municipalities
        ]
    )
    areas = pd.DataFrame(
        [
            {
                w("Production area"): areas_named.get(a.area_id, a.area_id),
                w("Local staff, person-years"): a.local_fte,
                w("Clients per local worker"): a.caseload,
                w("Appointments a month"): a.appointment_capacity,
                w("Meetings owed a month"): a.meetings_required,
                w("Capacity, %"): a.capacity_pct,
            }
            for a in flow.areas
        ]
    )
    return [
        "## " + w("Client flow: what this plan means for clients"),
        "",
        w(
            "The client model (%(runs)s seeded runs), this month alone from a steady state "
            "(planner whatif carries clients through a year): %(new)s new registrations and "
            "%(out)s exits a client a month; each registration is owed an in-person initial "
            "interview within %(deadline)s working days in its own municipality (or, on the "
            "deadline, at the nearest office); every client a job-search discussion on the "
            "rule set's rhythm, and %(extra)s more a year by need (assumed); booking: "
            "%(policy)s; an office day holds %(share)s of %(minutes)s minutes in meetings "
            "(an assumption, instance.toml [workload]), an outreach day %(appointments)s "
            "appointments.",
            runs=flow.runs,
            new=w.number(work.registrations_per_client_month, 3),
            out=w.number(work.outflow_per_client_month, 3),
            deadline=flow.deadline,
            extra=w.number(work.conversations_by_need_per_client_year, 1),
            policy=booking_words(work.booking, work.reserved_interview_slots, w),
            share=w.percent(work.client_meeting_share),
            minutes=w.number(work.working_minutes_per_day),
            appointments=w.number(instance.settings.demand.appointments_per_staff_day, 1),
        ),
        "",
        _md(_numbers(munis, w)),
        _md(_numbers(areas, w)),
    ]


def _context_words(context: str, w: Words) -> str:
    """Where last month's visits came from, in words ('visits of 2026-03 from X')."""
    month, _, source = context.removeprefix("visits of ").partition(" from ")
    if source.startswith("the published plan in "):
        source = w(
            "the published plan in %(store)s", store=source.removeprefix("the published plan in ")
        )
    return w(
        "Last month's end is counted too: the visits of %(month)s from %(source)s.",
        month=w.month(month) if len(month) == 7 else month,
        source=source,
    )


def report_markdown(plan: Plan, instance: Instance) -> str:
    """The plan's report, in the instance's language: service per municipality, what was
    not met and why, penalties in words, travel and fairness, substitute use and solver
    statistics."""
    from planner.plan.model import RULE_WORDS

    settings = instance.settings
    w = words(settings.language)
    s = plan.stats
    staff = report_staff(plan, instance)
    local = staff[~staff["substitute"] & (staff["outreach_days"] > 0)]
    points = {p.point_id: p for p in instance.service_points}
    munis = {m.municipality_id: m.name for m in instance.municipalities}
    holidays = [
        f"{w.date(d)} {n}"
        for d, n in sorted(finnish_holidays(int(plan.month[:4])).items())
        if d.strftime("%Y-%m") == plan.month and d.weekday() < 5
    ]
    subs = substitute_use(plan)
    rules = settings.rule_sets[plan.rule_set]
    waits = pd.DataFrame(
        [
            {
                w("Municipality"): munis.get(x.municipality_id, x.municipality_id),
                w("Registration days"): x.registration_days,
                w("Late days"): x.late_days,
                w("Worst wait, working days"): x.worst_wait,
                w("Mean wait, working days"): x.mean_wait,
                w("Deadline, working days"): x.deadline,
                w("Days not known"): x.unknown_days,
            }
            for x in plan.waits
        ]
    )
    point_rows = pd.DataFrame(
        [
            {
                w("Service point"): points[p.point_id].name if p.point_id in points else p.point_id,
                w("Municipality"): munis.get(p.municipality_id, p.municipality_id),
                w("Rhythm"): w.rhythm(p.pattern),
                w("Demand, staff-days"): p.demand_staff_days,
                w("Planned staff-days"): p.planned_staff_days,
                w("Visit days"): p.visit_days,
            }
            for p in plan.points
        ]
    )
    penalties = pd.DataFrame(
        [
            {
                w("Soft rule"): w(RULE_WORDS.get(p.rule, p.description)),
                w("Weight"): p.weight,
                w("Amount"): p.amount,
                w("Cost, objective points"): p.cost,
            }
            for p in plan.penalties
        ]
    )
    used = subs[subs["total"] > 0].rename(
        columns={
            "date": w("Date"),
            "outreach": w("Outreach"),
            "office": w("Office"),
            "central": w("Central duties"),
            "total": w("Total"),
        }
    )
    if not used.empty:
        used[w("Date")] = [w.date(d) for d in used[w("Date")]]
    unmet = [unmet_sentence(u, instance, w) for u in unmet_table(plan).to_dict("records")]
    lines = [
        "# "
        + w("Monthly plan %(month)s: %(area)s", month=w.month(plan.month), area=plan.instance_name),
        "",
        w(
            "%(days)s working days; %(visits)s outreach visit days with %(staff)s staff-days.",
            days=len(plan.working_days),
            visits=len(plan.visits),
            staff=sum(len(v.staff_ids) for v in plan.visits),
        )
        + (
            " " + w("Holidays on weekdays: %(days)s.", days=", ".join(holidays)) if holidays else ""
        ),
        "",
        "## " + w("Local service by municipality"),
        "",
        w(
            "Rule set in force: %(key)s (%(description)s): %(meetings)s meetings a client a "
            "year, initial interview within %(deadline)s working days. Demand in staff-days "
            "= clients × meetings a client a year × working days of the month / working days "
            "of the year (%(days)s of %(year)s) × face-to-face share (%(share)s) / "
            "appointments a staff-day (%(appointments)s).",
            key=plan.rule_set,
            description=plan.rule_set_description,
            meetings=w.number(rules.meetings_per_client_year, 1),
            deadline=plan.interview_deadline,
            days=len(plan.working_days),
            year=working_days_in_year(int(plan.month[:4])),
            share=w.percent(settings.demand.face_to_face_share),
            appointments=w.number(settings.demand.appointments_per_staff_day, 1),
        ),
        "",
        _md(_numbers(municipality_rows(plan, instance, w), w)),
        w(
            "Rhythms: odd and even weeks are those of the planner's continuous week count "
            "(week 1 is the week of Monday 1 January 2024); they match ISO week numbers "
            "until the end of 2026 and are out of step with them from 2027."
        ),
        "",
        "## " + w("Initial interview: waits for an on-site slot"),
        "",
        w(
            "A client who registers on a working day can meet someone in their own "
            "municipality on the next working day a visit is held; the rules give "
            "%(deadline)s working days. Waits in working days, for every registration day "
            "of the month; next month's first days count the rhythm chosen as carrying on. "
            "Municipalities with an office have service every working day.",
            deadline=plan.interview_deadline,
        )
        + " "
        + (
            _context_words(plan.context, w)
            if plan.context
            else w(
                "No previous plan was given: waits of registrations at last month's end are "
                "not known."
            )
        ),
        "",
        _md(_numbers(waits, w), "_" + w("none") + "_"),
        *flow_section(plan, instance, w),
        "## " + w("Service points"),
        "",
        _md(_numbers(point_rows, w), "_" + w("none") + "_"),
        "## " + w("Unmet demand and why"),
        "",
        "\n".join(f"- {u}" for u in unmet) or w("Everything was met."),
        "",
        "## " + w("Capacity check before solving"),
        "",
        "\n".join(f"- {x}" for x in plan.capacity_warnings) or w("No area or day short of people."),
        "",
        "## " + w("Penalties by rule"),
        "",
        w(
            "Each soft rule's amount and its cost in objective points (weight × amount, "
            "small-place scaling for demand). Hard rules are never broken."
        ),
        "",
        _md(_numbers(penalties, w), "_" + w("none") + "_"),
        "## " + w("Travel and fairness"),
        "",
        "- "
        + w(
            "People on outreach: %(people)s; outreach days per person-year: at most "
            "%(most)s, median %(median)s.",
            people=len(local),
            most=w.number(float(local["outreach_days_per_fte"].max()) if len(local) else 0, 1),
            median=w.number(float(local["outreach_days_per_fte"].median()) if len(local) else 0, 1),
        ),
        "- "
        + w(
            "Driving: %(km)s km, %(hours)s hours; long trips (at least %(minutes)s min one "
            "way): %(trips)s, at most %(most)s for one person.",
            km=w.number(float(staff["km"].sum())),
            hours=w.number(float(staff["drive_min"].sum()) / 60, 1),
            minutes=w.number(settings.schedule.long_trip_minutes),
            trips=int(staff["long_trips"].sum()),
            most=int(staff["long_trips"].max()),
        ),
        "",
        "## " + w("Substitute pool"),
        "",
        w(
            "%(days)s substitute days used, on %(on)s working days.",
            days=int(subs["total"].sum()),
            on=int((subs["total"] > 0).sum()),
        ),
        "",
        _md(_numbers(used, w)) if not used.empty else "",
        "## " + w("Solver"),
        "",
        "- "
        + w(
            "status %(status)s %(given)s; objective %(objective)s; best bound %(bound)s; gap "
            "%(gap)s",
            status=s.status,
            given=teams_words(plan, w),
            objective=w.number(s.objective, 1),
            bound=w.number(s.best_bound, 1),
            gap=w.percent(s.gap, 2),
        ),
        "- "
        + (
            w(
                "the whole month is one model (regular staff and the substitute pool "
                "together): the status, objective and bound are those of that model."
            )
            if s.method == "whole"
            else w(
                "split solve (Lagrangian relaxation of the substitute pool): each round "
                "solves every production area and central duties with the whole pool, each "
                "pool-day at a price; the parts' best bounds summed, minus the prices times "
                "the pool's size, is a lower bound of the whole month's optimum whatever the "
                "prices, and the best round's is the bound shown. The plan is the best of the "
                "rounds' plans: the areas' regular decisions, with the substitutes placed by "
                "the whole model with every regular decision fixed."
            )
        ),
        "- "
        + w(
            "model build %(build)s s; first plan %(first)s s; solve %(solve)s s; seed "
            "%(seed)s, %(workers)s workers (interleaved), time limit %(limit)s deterministic s",
            build=w.number(s.build_time_s, 1),
            first=w.number(s.first_solution_s or 0, 1),
            solve=w.number(s.wall_time_s, 1),
            seed=s.seed,
            workers=s.workers,
            limit=w.number(s.time_limit_s),
        ),
        *[
            "- "
            + w(
                "pass '%(name)s': %(status)s, objective %(objective)s, bound %(bound)s, "
                "solve %(solve)s s (%(deterministic)s deterministic s)",
                name=p.name,
                status=p.status,
                objective=w.number(p.objective, 1) if p.objective == p.objective else "–",
                bound=w.number(p.best_bound, 1) if p.best_bound == p.best_bound else "–",
                solve=w.number(p.solve_s, 1),
                deterministic=w.number(p.deterministic_s, 1),
            )
            for p in s.passes
        ],
        "- "
        + (
            w("reproducible: yes (the same seed and workers give the same plan)")
            if s.deterministic
            else w(
                "reproducible: no: the wall clock stopped the search; another run may give "
                "another plan"
            )
        ),
        "",
    ]
    return "\n".join(lines)


WORKBOOK_FILLS = {
    "header": "DDE4EE",
    "holiday": "D9D9D9",
    "outreach": "C6EFCE",
    "absent": "F2F2F2",
}
"""Cell colours of the planners' workbook: holidays grey, outreach days green."""


def write_workbook(plan: Plan, instance: Instance, path: Path) -> None:
    """The workbook a planner opens, in the instance's language: a sheet per production
    area (then central duties and the substitute pool) with people by day, names first,
    every weekday of the month as a column (holidays shaded and named), outreach days
    coloured, header row and name column frozen; a Visits sheet with real dates and
    names; a Municipalities sheet with headers in words and units. Names, never ids;
    processes and rhythms in words; yes and no, never True and False."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    w = words(instance.settings.language)
    said = instance.settings.process_words.get(w.language, {})
    fill = {k: PatternFill("solid", fgColor=v) for k, v in WORKBOOK_FILLS.items()}
    bold = Font(bold=True)
    points = {p.point_id: p for p in instance.service_points}
    munis = {m.municipality_id: m.name for m in instance.municipalities}
    staff = {s.staff_id: s for s in instance.staff}
    holidays = finnish_holidays(int(plan.month[:4]))
    weekdays = [d for d in month_days(plan.month) if d.weekday() < 5]
    entries = {(e.staff_id, e.date): e for e in plan.schedule}
    roles = {r.staff_id: r for r in plan.roles}
    activity = {
        "office": w("office"),  # their home office (substitutes: the one they cover)
        "central": w("central"),
        "absent": w("absent"),
        "off": w("off"),
    }
    groups: list[tuple[str, list[str]]] = [
        (
            instance.area(area_id).name,
            [s for s, r in roles.items() if r.role == "local" and r.area_id == area_id],
        )
        for area_id in instance.active_area_ids()
    ]
    groups.append((w("Central duties"), [s for s, r in roles.items() if r.role == "central"]))
    groups.append((w("Substitute pool"), [s for s, r in roles.items() if r.role == "substitute"]))
    book = Workbook()
    book.remove(book.active)
    for title, people in groups:
        sheet = book.create_sheet(title[:31])
        header = [w("Name"), w("Person-years")] + [w.weekday_date(d) for d in weekdays]
        sheet.append(header)
        order = sorted(people, key=lambda s: (staff[s].name, s))
        for sid in order:
            row: list[object] = [staff[sid].name, staff[sid].fte]
            for day in weekdays:
                entry = entries.get((sid, day))
                if day in holidays:
                    row.append(holidays[day])
                elif entry is None:
                    row.append("")
                elif entry.activity == "outreach":
                    row.append(points[entry.place_id].name if entry.place_id in points else "")
                else:
                    row.append(activity.get(entry.activity, entry.activity))
            sheet.append(row)
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill["header"]
            cell.alignment = Alignment(horizontal="center")
        for index, day in enumerate(weekdays, start=3):
            column = get_column_letter(index)
            sheet.column_dimensions[column].width = 13
            for cell, sid in zip(sheet[column][1:], order, strict=True):
                entry = entries.get((sid, day))
                if day in holidays:
                    cell.fill = fill["holiday"]
                elif entry is not None and entry.activity == "outreach":
                    cell.fill = fill["outreach"]
                elif entry is not None and entry.activity in ("absent", "off"):
                    cell.fill = fill["absent"]
            if day in holidays:
                sheet[f"{column}1"].fill = fill["holiday"]
        sheet.column_dimensions["A"].width = 22
        sheet.column_dimensions["B"].width = 6
        sheet.freeze_panes = "C2"
        _print_wide(sheet)
    visits = book.create_sheet(w("Visits"))
    visits.append(
        [
            w("Date"),
            w("Weekday"),
            w("Service point"),
            w("Municipality"),
            w("Start"),
            w("End"),
            w("Staff"),
            w("Services"),
        ]
    )
    for visit in plan.visits:
        visits.append(
            [
                visit.date,
                w.weekday(visit.date),
                points[visit.point_id].name if visit.point_id in points else visit.point_id,
                munis.get(visit.municipality_id, visit.municipality_id),
                visit.start.strftime("%H:%M"),
                visit.end.strftime("%H:%M"),
                ", ".join(staff[s].name if s in staff else s for s in visit.staff_ids),
                ", ".join(said.get(q, q) for q in visit.processes),
            ]
        )
    for cell in visits["A"][1:]:
        cell.number_format = "D.M.YYYY"
    municipalities = book.create_sheet(w("Municipalities"))
    table = municipality_rows(plan, instance, w)
    municipalities.append(list(table.columns))
    for values in table.itertuples(index=False):
        municipalities.append(list(values))
    for sheet, widths in (
        (visits, (12, 11, 24, 16, 7, 7, 40, 40)),
        (municipalities, (16, 14, 12, 10, 12, 12, 14, 50)),
    ):
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill["header"]
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        _print_wide(sheet)
    book.save(path)


def _print_wide(sheet: Worksheet) -> None:
    """Printed (or exported to PDF) landscape, the whole month across one page's width,
    the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"


class PlanRejected(RuntimeError):
    """The plan's own check found violations; nothing was written."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__(f"{len(violations)} violation(s) of hard rules")
        self.violations = violations


def write_plan(
    plan: Plan,
    instance: Instance,
    out_dir: Path,
    verify: Callable[[Path], list[str]] | None = None,
) -> list[Path]:
    """Write every output into ``out_dir``, the manifest ``plan.json`` last.

    All files are made first in a temporary folder beside it. ``plan.json`` holds the
    plan, the SHA-256 of every other file and of the instance files the plan was made
    from; it is removed from ``out_dir`` before anything is replaced and put back last,
    so a run killed half-way leaves a folder that ``check`` and ``publish`` refuse.
    ``verify`` (the checker) sees the complete staged plan first; if it finds any
    violation, :class:`PlanRejected` is raised and ``out_dir`` is left as it was."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        tables = {
            "visits.csv": visits_table(plan),
            "schedule.csv": schedule_table(plan),
            "responsible.csv": responsible_table(plan),
            "points.csv": points_table(plan),
            "unmet.csv": unmet_table(plan),
            "roles.csv": roles_table(plan),
            "pins.csv": pd.DataFrame(
                [p.model_dump() for p in plan.pins],
                columns=["rule", "staff_id", "point_id", "date", "pattern"],
            ),
            "municipalities.csv": report_municipalities(plan, instance),
            "staff_load.csv": report_staff(plan, instance),
            "substitutes.csv": substitute_use(plan),
            "penalties.csv": penalties_table(plan),
            "waits.csv": waits_table(plan),
        }
        for name, frame in tables.items():
            frame.to_csv(staging / name, index=False)
        (staging / "report.md").write_text(report_markdown(plan, instance), encoding="utf-8")
        write_workbook(plan, instance, staging / "schedule.xlsx")
        files = {item.name: sha256(item) for item in sorted(staging.iterdir())}
        manifest = json.loads(plan.model_dump_json())
        manifest["source"] = {
            "instance_dir": instance.source_dir,
            "instance_files": instance.source_files,
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if verify is not None:
            violations = verify(staging)
            if violations:
                raise PlanRejected(violations)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / MANIFEST).unlink(missing_ok=True)
        written = []
        for name in [*files, MANIFEST]:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


WHOLE_WORDS = N_("the whole month as one model")
SPLIT_WORDS = N_("bound of a Lagrangian relaxation by production area, valid for the month")


def summary_lines(plan: Plan, instance: Instance, target: Path, rule_count: int) -> list[str]:
    """What ``planner schedule`` says when it is done, in the instance's language: the
    month in figures, the solver's answer, each unmet item, and what was written."""
    w = words(instance.settings.language)
    s = plan.stats
    method = WHOLE_WORDS if s.method == "whole" else SPLIT_WORDS
    lines = [
        w(
            "%(month)s: %(visits)s visit days, %(staff_days)s staff-days, %(unmet)s unmet "
            "item(s); %(status)s %(given)s (%(code)s), objective %(objective)s, bound "
            "%(bound)s, gap %(gap)s (%(method)s), solve %(solve)s s; rule set %(rules)s",
            given=teams_words(plan, w),
            month=w.month(plan.month),
            visits=len(plan.visits),
            staff_days=sum(len(v.staff_ids) for v in plan.visits),
            unmet=len(plan.unmet),
            status=w.solver_status(s.status),
            code=s.status,
            objective=w.number(s.objective, 1),
            bound=w.number(s.best_bound, 1),
            gap=w.percent(s.gap, 2),
            method=w(method),
            solve=w.number(s.wall_time_s, 1),
            rules=plan.rule_set,
        )
        + (
            ""
            if s.deterministic
            else w(
                "; stopped by the wall clock, not by proof or the deterministic limit: "
                "another run may give another plan"
            )
        )
    ]
    for item in plan.unmet:
        row = {
            "rule": item.rule,
            "amount": str(item.amount),
            "cause": item.cause,
            "point_id": item.point_id,
            "municipality_id": item.municipality_id,
            "date": item.date.isoformat() if item.date else "",
        }
        lines.append("  " + w("unmet: %(what)s", what=unmet_sentence(row, instance, w)))
    lines.append(w(WROTE_CHECKED, folder=target, n=rule_count))
    return lines


WROTE_CHECKED = N_(
    "wrote %(folder)s/ (report.md, visits.csv, schedule.csv, responsible.csv, "
    "schedule.xlsx, ...); checked: no violation in the %(n)s families of hard rules"
)
"""schedule's last line: the desk reads a job's end from its start, in either language."""


def wrote_prefix(w: Words) -> str:
    """How schedule's last line starts in ``w``'s language ('wrote ', 'kirjoitettu ')."""
    return w(WROTE_CHECKED, folder="\0", n=0).split("\0")[0]


def teams_words(plan: Plan, w: Words) -> str:
    """Whose teams the plan's optimality is given: every 'optimal' is given its teams."""
    if plan.teams == "approved":
        return w("given the approved teams")
    return w("given this month's teams, chosen by the stated rule (no teams approved)")


def wrote_words(target: Path, files: str, language: str) -> str:
    """The last line of a command that wrote a folder."""
    w = words(language)
    return w("wrote %(folder)s/ (%(files)s)", folder=target, files=files)
