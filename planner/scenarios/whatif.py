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
  visits and unmet staff-days of demand; and from the client model
  (:mod:`planner.clients.book`, clients carried from month to month): registrations,
  initial interviews within the deadline (%) and late, mean and worst wait in working
  days, clients who travel to an office, discussions due and the share held in person,
  clients overdue for their job-search discussion at the month's end;
* per production area: local staff (FTE, central duties left out), caseload (clients
  per local worker), appointment capacity (office days × the [workload] time share,
  outreach days × appointments) against the meetings owed (the rule set's
  discussions and an initial interview per registration), clients overdue, km driven;
* named-worker cover: every municipality and key process below two;
* substitute-pool days used;
* cost share per municipality of the month's staff cost (FTE × ``costs.fte_year_eur``
  / 12) under the seed's cost-sharing models mapped onto our data (population →
  labour force; VOS1, VOS2, VOS3 and KOMBI4 as the instance's weightings).

A scenario keeps the requirements (:func:`meets_requirements`) when, in every month of
the run, every municipality has at least :data:`DEADLINE_TARGET_PCT` % of its initial
interviews in time and at most :data:`OVERDUE_TARGET_PCT` % of its clients overdue for
their job-search discussion at the month's end (clients carried from month to month, so
a short summer shows in the months after it), and the plan has no unmet visit day and no
named-worker or cover shortfall.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from planner.allocation.quota import quota_method
from planner.allocation.staff import CENTRAL, allocate
from planner.clients import municipality_counts, weighted_need
from planner.clients.book import Flow, simulate
from planner.i18n import N_, Words, words
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


CRITERION_WORDS = {
    "broad_unemployment": N_("broad unemployment"),
    "foreign_language": N_("foreign-language speakers"),
    "labour_force": N_("labour force"),
}


def cost_model_name(model: str, w: Words, instance: Instance | None = None) -> str:
    """A weighting (cost model) as a board reads it. The seed's own names (VOS1…KOMBI4)
    stay; a weighting of one criterion is that criterion's name ('laaja työttömyys');
    with ``instance``, a named one also lists its criteria and weights."""
    if model == "population":
        return w("population")
    weights = instance.settings.weightings.get(model, {}) if instance is not None else {}
    total = sum(weights.values())
    said = [
        f"{w(CRITERION_WORDS[c]) if c in CRITERION_WORDS else c} {w.percent(v / total)}"
        for c, v in weights.items()
        if v > 0
    ]
    if len(said) == 1:
        return said[0].rsplit(" ", 1)[0]
    return f"{model} ({', '.join(said)})" if said else model


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
        people = whole_people(last_hired_first(units[unit]), share)
        gone = sum(s.fte for s in people)
        if gone < share - 0.25:
            raise ScenarioError(f"{unit} has only {gone:g} FTE to cut, not {share:g}")
        leavers += people
    return leavers


def last_hired_first(people: list[StaffMember]) -> list[StaffMember]:
    """The order people leave in: the highest staff id first (ids are given in hiring
    order in the Kuopio instance)."""
    return sorted(people, key=lambda s: s.staff_id, reverse=True)


def whole_people(ordered: list[StaffMember], share: float) -> list[StaffMember]:
    """The first of ``ordered`` until ``share`` FTE is reached, in whole people (within a
    quarter FTE below it)."""
    taken: list[StaffMember] = []
    fte = 0.0
    for person in ordered:
        if fte >= share - 0.25:
            break
        taken.append(person)
        fte += person.fte
    return taken


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


def municipality_kpis(plan: Plan, instance: Instance, flow: Flow) -> pd.DataFrame:
    """Local service and the client model, per municipality (units in the column names)."""
    table = report_municipalities(plan, instance).set_index("municipality_id")
    unmet_visits = Counter(u.municipality_id for u in plan.unmet if u.rule == "unmet_visit")
    unmet_days: Counter[str] = Counter()
    for u in plan.unmet:
        if u.rule == "demand_shortfall":
            unmet_days[u.municipality_id] += u.amount
    table["unmet_visits"] = [unmet_visits[m] for m in table.index]
    table["unmet_staff_days"] = [round(unmet_days[m], 1) for m in table.index]
    f = {x.municipality_id: x for x in flow.municipalities}
    columns = {
        "registrations": lambda x: round(x.registrations, 1),
        "interviews_in_time_pct": lambda x: round(x.within_deadline_pct, 1),
        "late_interviews": lambda x: round(x.late, 1),
        "mean_wait_days": lambda x: round(x.mean_wait, 1),
        "worst_wait_days": lambda x: x.worst_wait,
        "travelled_to_office": lambda x: round(x.travelled, 1),
        "discussions_due": lambda x: round(x.discussions_due, 1),
        "discussions_in_person_pct": lambda x: round(x.in_person_pct, 1),
        "overdue_discussions": lambda x: round(x.overdue, 1),
        "overdue_pct": lambda x: round(x.overdue_pct, 2),
        "longest_overdue_days": lambda x: x.longest_overdue,
    }
    for column, value in columns.items():
        table[column] = [value(f[m]) for m in table.index]
    return table[
        [
            "visit_days",
            "staff_days",
            "staff_days_per_100_clients",
            "unmet_visits",
            "unmet_staff_days",
            *columns,
        ]
    ]


def area_kpis(plan: Plan, instance: Instance, flow: Flow) -> pd.DataFrame:
    """Caseload, appointment capacity against what came due, overdue discussions, travel."""
    km: Counter[str] = Counter()
    home_point = {s.staff_id: s.home_point_id for s in instance.staff}
    for visit in plan.visits:
        area = instance.area_of_point(visit.point_id)
        for sid in visit.staff_ids:
            km[area] += 2 * travel(instance, home_point[sid], visit.point_id)[0]
    overdue: Counter[str] = Counter()
    stock: Counter[str] = Counter()
    for f in flow.municipalities:
        area = instance.municipality(f.municipality_id).area_id
        overdue[area] += f.overdue
        stock[area] += f.clients
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
                "overdue_discussions": round(overdue[a.area_id], 1),
                "overdue_pct": round(100 * overdue[a.area_id] / stock[a.area_id], 2)
                if stock[a.area_id]
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
        (u.municipality_id, u.reason.split("'")[1] if "'" in u.reason else ""): u
        for u in plan.unmet
        if u.rule == "responsible_shortfall"
    }
    rows = []
    for muni, processes in processes_needed(instance).items():
        for process in processes:
            count = len(named[(muni, process)])
            if count < MIN_NAMED:
                declared = reasons.get((muni, process))
                rows.append(
                    {
                        "municipality_id": muni,
                        "process": process,
                        "named": count,
                        "reason": declared.reason if declared else "",
                        "cause": declared.cause if declared else "",
                    }
                )
    return pd.DataFrame(rows, columns=["municipality_id", "process", "named", "reason", "cause"])


def cost_model(instance: Instance) -> str:
    """The cost-sharing model the reports lead with (``costs.model``, else the
    allocation's weighting)."""
    return instance.settings.costs.model or instance.settings.allocation.weighting


def cost_shares(instance: Instance, fte: float) -> pd.DataFrame:
    """Each municipality's share (EUR a month) of the staff cost under each cost model."""
    counts = municipality_counts(instance)
    monthly = fte * instance.settings.costs.fte_year_eur / 12
    weightings = dict(instance.settings.weightings) | {"population": {"labour_force": 1.0}}
    settings = instance.settings.model_copy(update={"weightings": weightings})
    scoped = instance.model_copy(update={"settings": settings})
    frame = pd.DataFrame(index=sorted(counts))
    for model in dict.fromkeys((*COST_MODELS, cost_model(instance))):
        if model not in weightings:
            continue
        need = weighted_need(scoped, counts, model)
        total = sum(need.values())
        frame[f"cost_{model}"] = [round(monthly * need[m] / total) for m in frame.index]
    return frame


@dataclass
class Scenario:
    """One month of one scenario: its instance, its plan and (once carried through the
    run of months by :func:`planner.scenarios.sweep.run_levels`) its client model."""

    instance: Instance
    plan: Plan
    leavers: tuple[StaffMember, ...] | list[StaffMember]
    joiners: tuple[StaffMember, ...] = ()
    words: tuple[str, ...] = ()
    seed: int = 0
    carried: Flow | None = None

    @property
    def flow(self) -> Flow:
        """The month's client model: carried from the month before when a run of months
        set it, else this month alone from the steady state."""
        if self.carried is None:
            self.carried = simulate(self.plan, self.instance, seed=self.seed)
        return self.carried

    @property
    def fte(self) -> float:
        return sum(s.fte for s in self.instance.regular_staff())

    @property
    def wall_clock_stopped(self) -> bool:
        """The solver was stopped by the wall clock, not by proof or its deterministic
        limit: the plan may differ from a run on an idle machine."""
        return not self.plan.stats.deterministic

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
                "fte": [round(self.fte, 2)],
                "substitute_days": [self.substitute_days()],
                "named_cover_gaps": [len(named_cover_gaps(self.plan, self.instance))],
                "stopped_by_wall_clock": [int(self.wall_clock_stopped)],
            },
            index=["all"],
        )


def run_scenario(
    instance: Instance,
    month: str,
    leavers: list[StaffMember] | Levers,
    config: SolverConfig | None = None,
    *,
    preferred: Plan | None = None,
    progress: Callable[[str], None] | None = None,
) -> Scenario:
    """Plan ``month`` without ``leavers`` (or with the levers applied), exactly as
    ``planner schedule`` plans it. ``preferred`` (the baseline's plan of the month) is
    the plan the month starts from and keeps wherever the change allows (the re-plan
    preference of ``schedule --previous`` of the same month): so equally good plans do
    not show up as effects of the change."""
    from planner.plan.month import Previous
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
    previous = Previous.of(preferred, "the baseline's plan") if preferred is not None else None
    plan = plan_month(changed, month, config=config, previous=previous, progress=progress)
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


OVERDUE_TARGET_PCT = 1.0
"""Clients overdue for their job-search discussion at a month's end, as a share of the
municipality's stock, that still count as the rhythm kept: the law asks for every one on
time; one in a hundred allows for the simulation's draws."""


PLAN_FAILURES = {
    "unmet_visit": N_("a visit day nobody could go to"),
    "responsible_shortfall": N_("fewer than two named workers for a key process"),
    "office_cover_shortfall": N_("an office below its minimum cover"),
    "central_cover_shortfall": N_("central duties below their minimum"),
}
"""The plan's unmet items that break a requirement, each as the failure a board reads."""


@dataclass(frozen=True)
class Failure:
    """One requirement a month breaks, in words, with how bad it is for ordering."""

    kind: str
    """'interviews', 'overdue' or 'plan'."""
    municipality_id: str
    month: str
    rank: float
    """Lower is worse: interviews by their share in time, then overdue by share, then the
    plan's items."""
    text: str


def failures(scenario: Scenario) -> list[Failure]:
    """The law's two measures (initial interviews in time, clients overdue for their
    discussion), the equity floor and named cover, this month."""
    out = []
    w = words(scenario.instance.settings.language)
    names = {m.municipality_id: m.name for m in scenario.instance.municipalities}
    points = {p.point_id: p.name for p in scenario.instance.service_points}
    flow = scenario.flow
    month = scenario.plan.month
    said_month = w.month(month)
    for f in flow.municipalities:
        if f.within_deadline_pct < DEADLINE_TARGET_PCT:
            out.append(
                Failure(
                    "interviews",
                    f.municipality_id,
                    month,
                    f.within_deadline_pct,
                    w(
                        "%(name)s, %(month)s: %(share)s of initial interviews within %(days)s "
                        "working days (target %(target)s; %(late)s late)",
                        name=names[f.municipality_id],
                        month=said_month,
                        share=w.percent(f.within_deadline_pct / 100),
                        days=flow.deadline,
                        target=w.percent(DEADLINE_TARGET_PCT / 100),
                        late=w.number(f.late),
                    ),
                )
            )
        if f.overdue_pct > OVERDUE_TARGET_PCT:
            out.append(
                Failure(
                    "overdue",
                    f.municipality_id,
                    month,
                    100 + (100 - f.overdue_pct),
                    w(
                        "%(name)s, %(month)s: %(n)s clients (%(share)s) overdue for their "
                        "job-search discussion at the month's end, the longest by %(days)s "
                        "working days (target at most %(target)s)",
                        name=names[f.municipality_id],
                        month=said_month,
                        n=w.number(f.overdue),
                        share=w.percent(f.overdue_pct / 100, 1),
                        days=w.number(f.longest_overdue),
                        target=w.percent(OVERDUE_TARGET_PCT / 100),
                    ),
                )
            )
    for u in scenario.plan.unmet:
        if u.rule in PLAN_FAILURES:
            where = (
                names.get(u.municipality_id)
                or points.get(u.point_id)
                or (w("central duties") if u.point_id == "central" else u.point_id)
            )
            when = w.date(u.date) if u.date else said_month
            out.append(
                Failure(
                    "plan",
                    u.municipality_id or u.point_id,
                    month,
                    300.0,
                    f"{w(PLAN_FAILURES[u.rule])}: {where}, {when}",
                )
            )
    return sorted(out, key=lambda f: f.rank)


def meets_requirements(scenario: Scenario) -> tuple[bool, list[str]]:
    """This month's :func:`failures` in words, the worst first."""
    found = failures(scenario)
    return (not found, [f.text for f in found])
