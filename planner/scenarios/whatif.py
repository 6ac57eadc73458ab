"""Staffing-cut scenarios: what every municipality loses when N FTE go.

A scenario removes people from the instance, then re-allocates and re-plans the
month exactly as ``planner schedule`` does, so a cut of 0 reproduces the
baseline plan. Who goes, by the stated rule of :func:`choose_leavers`:

* by default the cut is spread over the pool: divided between central duties and
  the production areas in proportion to their current allocation (quota method,
  in the instance's steps), and within each, people leave in descending staff-id
  order (a stand-in for "last hired, first to go"; ids are assigned in hiring
  order in the Kuopio instance) until the share is met, whole people only;
* ``--from AREA``: the same order within one production area;
* ``--staff IDS``: the named people.

Other levers (a municipality leaving, an area joining, the rule set, time use, points)
are in :mod:`planner.scenarios.levers`.

KPIs (all from their definitions, per month):

* per municipality: visit days, staff-days, outreach staff-days per 100 clients, unmet
  visits and unmet staff-days of demand; and from the client-flow simulation
  (:mod:`planner.plan.flow`): registrations, initial interviews within the deadline
  (%), mean and worst wait in working days, clients who travel to an office, the share
  of conversations held in person, conversations not held by the month's end;
* per production area: local staff (FTE, central duties left out), caseload (clients
  per local worker), appointment capacity (office days × the [workload] time share,
  outreach days × appointments) against the meetings owed (the rule set's
  conversations and an initial interview per registration), conversations not held
  (%), km driven;
* named-worker cover: every municipality and key process below two;
* substitute-pool days used;
* cost share per municipality of the month's staff cost (FTE × ``costs.fte_year_eur``
  / 12) under the seed's cost-sharing models mapped onto our data (population →
  labour force; VOS1, VOS2, VOS3 and KOMBI4 as the instance's weightings).

A scenario keeps the requirements (:func:`meets_requirements`) when every
municipality has at least :data:`DEADLINE_TARGET_PCT` % of its initial interviews in
time, every area's appointments cover the meetings owed (the month's own; over a run of
months, every :data:`QUARTER`-month window), and the plan has no unmet visit day and no
named-worker or cover shortfall.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from planner.allocation.quota import quota_method
from planner.allocation.staff import CENTRAL, allocate
from planner.clients import municipality_counts, weighted_need
from planner.plan.flow import Flow, simulate
from planner.plan.model import RULE_WORDS
from planner.plan.month import MIN_NAMED
from planner.plan.outputs import report_municipalities
from planner.travel import travel

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.instance import Instance, StaffMember
    from models.plan import Plan
    from planner.plan.model import SolverConfig
    from planner.scenarios.levers import Levers

COST_MODELS = ("population", "VOS1", "VOS2", "VOS3", "KOMBI4")


class ScenarioError(ValueError):
    """A cut that cannot be made as asked (unknown area or person, larger than the pool)."""


def choose_leavers(
    instance: Instance,
    cut: float,
    from_area: str | None = None,
    staff_ids: list[str] | None = None,
) -> list[StaffMember]:
    """The people who leave in the scenario, by the rule in the module docstring."""
    regular = instance.regular_staff()
    if staff_ids:
        known = {s.staff_id: s for s in instance.staff}
        unknown = [s for s in staff_ids if s not in known]
        if unknown:
            raise ScenarioError(f"unknown staff id(s): {', '.join(unknown)}")
        return [known[s] for s in staff_ids]
    if cut <= 0:
        return []
    total = sum(s.fte for s in regular)
    if cut >= total:
        raise ScenarioError(f"a cut of {cut:g} FTE leaves nobody of the {total:g} FTE pool")
    homes = allocate(instance).home_areas
    units: dict[str, list[StaffMember]] = defaultdict(list)
    for person in regular:
        units[homes.get(person.staff_id, CENTRAL)].append(person)
    if from_area is not None:
        if from_area not in units or from_area == CENTRAL:
            raise ScenarioError(
                f"unknown or inactive production area {from_area!r} (known: "
                f"{', '.join(a for a in units if a != CENTRAL)})"
            )
        shares = {from_area: cut}
    else:
        step = instance.settings.allocation.step_fte
        steps = quota_method(
            round(cut / step),
            {u: sum(s.fte for s in people) for u, people in sorted(units.items())},
        )
        shares = {u: n * step for u, n in steps.items() if n}
    leavers: list[StaffMember] = []
    for unit, share in shares.items():
        gone = 0.0
        for person in sorted(units[unit], key=lambda s: s.staff_id, reverse=True):
            if gone >= share - 0.25:
                break
            leavers.append(person)
            gone += person.fte
        if gone < share - 0.25:
            raise ScenarioError(f"{unit} has only {gone:g} FTE to cut, not {share:g}")
    return leavers


def without(instance: Instance, leavers: list[StaffMember]) -> Instance:
    gone = {s.staff_id for s in leavers}
    return instance.derived(
        **{
            "staff": tuple(s for s in instance.staff if s.staff_id not in gone),
            "absences": tuple(a for a in instance.absences if a.staff_id not in gone),
        }
    )


# ----------------------------------------------------------------------------- KPIs

DEADLINE_TARGET_PCT = 99.0
"""Initial interviews within the deadline, mean of the seeded runs, that count as the law
kept: the law asks for every one; one in a hundred late allows for the draw of a busy
day in a simulation that cannot know the real arrivals."""

QUARTER = 3
"""Months a conversation may slip within: the 2026 rules owe one every three months, so a
month short of appointments (summer leave) can be made up in the next two; a month is
judged by its own capacity, a run of months by every three-month window."""


def municipality_kpis(plan: Plan, instance: Instance, flow: Flow) -> pd.DataFrame:
    """Local service and the client flow, per municipality (units in the column names)."""
    table = report_municipalities(plan, instance).set_index("municipality_id")
    unmet_visits = Counter(u.municipality_id for u in plan.unmet if u.rule == "unmet_visit")
    unmet_days: Counter[str] = Counter()
    for u in plan.unmet:
        if u.rule == "demand_shortfall":
            unmet_days[u.municipality_id] += u.amount
    table["unmet_visits"] = [unmet_visits[m] for m in table.index]
    table["unmet_staff_days"] = [round(unmet_days[m], 1) for m in table.index]
    by_muni = {f.municipality_id: f for f in flow.municipalities}
    table["registrations"] = [round(by_muni[m].registrations, 1) for m in table.index]
    table["interviews_in_time_pct"] = [
        round(by_muni[m].within_deadline_pct, 1) for m in table.index
    ]
    table["mean_wait_days"] = [round(by_muni[m].mean_wait, 1) for m in table.index]
    table["worst_wait_days"] = [by_muni[m].worst_wait for m in table.index]
    table["travelled_to_office"] = [round(by_muni[m].travelled, 1) for m in table.index]
    table["conversations_in_person_pct"] = [round(by_muni[m].in_person_pct, 1) for m in table.index]
    table["conversation_backlog"] = [round(by_muni[m].backlog, 1) for m in table.index]
    return table[
        [
            "visit_days",
            "staff_days",
            "staff_days_per_100_clients",
            "unmet_visits",
            "unmet_staff_days",
            "registrations",
            "interviews_in_time_pct",
            "mean_wait_days",
            "worst_wait_days",
            "travelled_to_office",
            "conversations_in_person_pct",
            "conversation_backlog",
        ]
    ]


def area_kpis(plan: Plan, instance: Instance, flow: Flow) -> pd.DataFrame:
    """Caseload, appointment capacity against what the rules and the inflow ask, travel."""
    km: Counter[str] = Counter()
    home_point = {s.staff_id: s.home_point_id for s in instance.staff}
    for visit in plan.visits:
        area = instance.area_of_point(visit.point_id)
        for sid in visit.staff_ids:
            km[area] += 2 * travel(instance, home_point[sid], visit.point_id)[0]
    backlog: Counter[str] = Counter()
    owed: Counter[str] = Counter()
    for f in flow.municipalities:
        area = instance.municipality(f.municipality_id).area_id
        backlog[area] += f.backlog
        owed[area] += f.conversations_due
    rows = []
    for a in flow.areas:
        rows.append(
            {
                "area_id": a.area_id,
                "local_fte": a.local_fte,
                "clients": a.clients,
                "caseload": a.caseload,
                "appointment_capacity": a.appointment_capacity,
                "meetings_required": a.meetings_required,
                "capacity_pct": a.capacity_pct,
                "conversation_backlog_pct": round(100 * backlog[a.area_id] / owed[a.area_id], 1)
                if owed[a.area_id]
                else 0.0,
                "travel_km": round(km[a.area_id]),
            }
        )
    return pd.DataFrame(rows).set_index("area_id")


def named_cover_gaps(plan: Plan, instance: Instance) -> pd.DataFrame:
    """Every municipality and key process with fewer than two named workers, and why."""
    from planner.plan.demand import processes_needed

    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in plan.responsible:
        named[(r.municipality_id, r.process)].add(r.staff_id)
    reasons = {
        (u.municipality_id, u.reason.split("'")[1] if "'" in u.reason else ""): u.reason
        for u in plan.unmet
        if u.rule == "responsible_shortfall"
    }
    rows = []
    for muni, processes in processes_needed(instance).items():
        for process in processes:
            count = len(named[(muni, process)])
            if count < MIN_NAMED:
                rows.append(
                    {
                        "municipality_id": muni,
                        "process": process,
                        "named": count,
                        "reason": reasons.get((muni, process), ""),
                    }
                )
    return pd.DataFrame(rows, columns=["municipality_id", "process", "named", "reason"])


def cost_shares(instance: Instance, fte: float) -> pd.DataFrame:
    """Each municipality's share (EUR a month) of the staff cost under each cost model."""
    counts = municipality_counts(instance)
    monthly = fte * instance.settings.costs.fte_year_eur / 12
    weightings = dict(instance.settings.weightings) | {"population": {"labour_force": 1.0}}
    settings = instance.settings.model_copy(update={"weightings": weightings})
    scoped = instance.model_copy(update={"settings": settings})
    frame = pd.DataFrame(index=sorted(counts))
    for model in COST_MODELS:
        if model not in weightings:
            continue
        need = weighted_need(scoped, counts, model)
        total = sum(need.values())
        frame[f"cost_{model}"] = [round(monthly * need[m] / total) for m in frame.index]
    return frame


@dataclass
class Scenario:
    instance: Instance
    plan: Plan
    leavers: tuple[StaffMember, ...] | list[StaffMember]
    joiners: tuple[StaffMember, ...] = ()
    words: tuple[str, ...] = ()
    seed: int = 0

    @cached_property
    def flow(self) -> Flow:
        return simulate(self.plan, self.instance, seed=self.seed)

    @property
    def fte(self) -> float:
        return sum(s.fte for s in self.instance.regular_staff())

    def municipalities(self) -> pd.DataFrame:
        return municipality_kpis(self.plan, self.instance, self.flow).join(
            cost_shares(self.instance, self.fte)
        )

    def areas(self) -> pd.DataFrame:
        return area_kpis(self.plan, self.instance, self.flow)

    def substitute_days(self) -> int:
        return sum(1 for e in self.plan.schedule if e.substitute_cover)

    def totals(self) -> pd.DataFrame:
        """Whole-area figures, one row ('all')."""
        return pd.DataFrame(
            {
                "fte": [self.fte],
                "substitute_days": [self.substitute_days()],
                "named_cover_gaps": [len(named_cover_gaps(self.plan, self.instance))],
                "objective": [self.plan.stats.objective],
            },
            index=["all"],
        )


def run_scenario(
    instance: Instance,
    month: str,
    leavers: list[StaffMember] | Levers,
    config: SolverConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Scenario:
    """Plan ``month`` without ``leavers`` (or with the levers applied), exactly as
    ``planner schedule`` plans it, and simulate its client flow with the solver's seed."""
    from planner.plan.schedule import plan_month
    from planner.scenarios.levers import Levers, apply_levers

    if isinstance(leavers, Levers):
        applied = apply_levers(instance, leavers)
        changed, gone, joined, words = (
            applied.instance,
            applied.leavers,
            applied.joiners,
            applied.words,
        )
    else:
        changed, gone, joined, words = without(instance, leavers), tuple(leavers), (), ()
    plan = plan_month(changed, month, config=config, progress=progress)
    seed = config.seed if config is not None else 0
    return Scenario(changed, plan, gone, joined, words, seed)


def comparison(base: Scenario, scen: Scenario) -> pd.DataFrame:
    """One row per unit and KPI: baseline, scenario, change (a unit in one of the two
    only, e.g. a municipality that left, has an empty other side)."""
    rows = []

    def add(level: str, frame_b: pd.DataFrame, frame_s: pd.DataFrame) -> None:
        for unit in list(frame_b.index) + [u for u in frame_s.index if u not in frame_b.index]:
            for kpi in frame_b.columns:
                b = frame_b.at[unit, kpi] if unit in frame_b.index else float("nan")
                s = frame_s.at[unit, kpi] if unit in frame_s.index else float("nan")
                rows.append(
                    {
                        "level": level,
                        "id": unit,
                        "kpi": kpi,
                        "baseline": b,
                        "scenario": s,
                        "change": round(float(s) - float(b), 2),
                    }
                )

    add("municipality", base.municipalities(), scen.municipalities())
    add("area", base.areas(), scen.areas())
    add("employment area", base.totals(), scen.totals())
    return pd.DataFrame(rows)


def meets_requirements(scenario: Scenario, *, capacity: bool = True) -> tuple[bool, list[str]]:
    """The law's deadlines and rhythm, the equity floor and named cover: what fails, in
    words a manager reads (the binding figure first). ``capacity=False`` leaves out the
    month's own appointment capacity, for runs of months judged by quarter."""
    failures = []
    names = {m.municipality_id: m.name for m in scenario.instance.municipalities}
    flow = scenario.flow
    for f in sorted(flow.municipalities, key=lambda f: f.within_deadline_pct):
        if f.within_deadline_pct < DEADLINE_TARGET_PCT:
            failures.append(
                f"{names[f.municipality_id]}: {f.within_deadline_pct:.0f} % of initial "
                f"interviews within {flow.deadline} working days (target "
                f"{DEADLINE_TARGET_PCT:g} %)"
            )
    if capacity:
        area_names = {a.area_id: a.name for a in scenario.instance.areas}
        for area_id, row in scenario.areas().iterrows():
            if row["capacity_pct"] < 100:
                failures.append(
                    f"{area_names.get(area_id, area_id)} area: appointments for "
                    f"{row['capacity_pct']:.0f} % of the meetings the rules and the inflow "
                    "ask this month"
                )
    for u in scenario.plan.unmet:
        if u.rule in (
            "unmet_visit",
            "responsible_shortfall",
            "office_cover_shortfall",
            "central_cover_shortfall",
        ):
            where = names.get(u.municipality_id, u.municipality_id) or u.point_id
            failures.append(f"{RULE_WORDS.get(u.rule, u.rule)}: {where} {u.date or ''}".strip())
    return (not failures, failures)
