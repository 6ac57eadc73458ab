"""The year's named teams (*nimetyt vastuutyöntekijät*): who of the area is named for
each service point, proposed for a year by one CP-SAT model, approved into the instance
(``teams.csv``) and then held by every month's plan.

Named teams are an organisational decision: announced to the municipalities and kept for
months (the 2025 answer to Rautavaara: never only one person per key process). A month's
plan is optimal only *given* its teams, so choosing them month by month with a greedy
rule leaves outreach to the rule's choices. This model chooses them for the year.

**The units.** Every active outreach point with outreach demand, and the office of every
municipality served only by an office (as :func:`planner.plan.month.choose_teams` has
them). A unit's demand is its mean outreach staff-days a month over the period; its
*size* is the greedy rule's: one member per ``TEAM_DAYS`` staff-days, at least three.

**Who may be named** for a unit (hard): regular staff whom the allocation places in the
unit's production area (the production area rule), with at least one key process the
municipality needs, and at work some day of the period; for an office unit, the people
based at that office when there are any.

**Hard rules** (each in its own function below):

- every unit has at least its size in members (or everyone who may be named, if fewer);
- every key process its municipality needs has at least ``MIN_NAMED`` members with the
  skill (or all who have it, if fewer: the proposal then names the shortfall).

**Soft rules** (weights in ``[teams]`` of instance.toml, all in minutes of outreach
driving a month, the proposal's unit):

- *driving*: each member drives to the point for the unit's demand divided by its size,
  there and back from their home point (``travel_minute``);
- *fairness*: each person's expected outreach staff-days a month against their share of
  their area's outreach by FTE and presence (``fairness_day`` per staff-day off);
- *continuity*: each named worker added to or taken off the current teams (``change``);
- *small teams*: each member beyond the size (``extra_member``).

The current teams are the approved ones (``teams.csv``) when there are any, else the
teams the greedy rule picks for the period's first month: what the monthly plans use
today. The proposal states every change and what it buys against the current teams,
evaluated on the same objective.
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from ortools.sat.python import cp_model

from planner.allocation.staff import CENTRAL, AllocationError, allocate
from planner.i18n import N_
from planner.plan.demand import point_demand, processes_needed
from planner.plan.month import MIN_NAMED, TEAM_DAYS, absent_days, office_teams
from planner.plan.workdays import working_days
from planner.travel import travel

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.instance import Instance
    from planner.plan.model import SolverConfig

SCALE = 10
"""Objective points per minute of driving a month: tenths, so little is rounded."""
SCALED = ("travel_minute", "fairness_day")
"""Soft rules whose amounts are counted in tenths (minutes, staff-days)."""


class TeamsError(ValueError):
    """A proposal that cannot be made (no allocation, no month in the period)."""


@dataclass(frozen=True)
class Unit:
    """One team: a service point, its municipality and area, and who may be on it."""

    point_id: str
    municipality_id: str
    area_id: str
    staff_days: float
    """Mean outreach staff-days a month over the period (0 for an office unit)."""
    size: int
    needed: tuple[str, ...]
    pool: tuple[str, ...]
    """Staff ids who may be named (see the module docstring)."""

    def per_member(self) -> float:
        """Outreach staff-days a month one member is counted on for."""
        return self.staff_days / self.size if self.size else 0.0


@dataclass(frozen=True)
class Facts:
    """What the proposal rests on, derived from the instance and the period."""

    months: tuple[str, ...]
    units: tuple[Unit, ...]
    area: dict[str, str]
    """Staff id -> production area, for regular staff placed locally by the allocation."""
    presence: dict[str, float]
    """Staff id -> share of the period's working days at work (FTE × days not absent)."""
    minutes: dict[tuple[str, str], float]
    """(staff id, point id) -> minutes driven there and back from the home point."""

    def unit(self, point_id: str) -> Unit:
        return next(u for u in self.units if u.point_id == point_id)


def period(year: int, first: str | None = None) -> tuple[str, ...]:
    """The months a proposal covers: ``first`` (YYYY-MM) or January to December."""
    start = int(first[5:7]) if first else 1
    if first and int(first[:4]) != year:
        raise TeamsError(f"--from {first} is not in {year}")
    return tuple(f"{year}-{m:02d}" for m in range(start, 13))


def facts(instance: Instance, months: tuple[str, ...]) -> Facts:
    """The units, who may be named where, presence and driving over ``months``."""
    if not months:
        raise TeamsError("no month to plan teams for")
    try:
        homes = allocate(instance).home_areas
    except AllocationError as exc:
        raise TeamsError(f"the staff cannot be allocated: {exc}") from None
    area = {
        s.staff_id: homes[s.staff_id]
        for s in instance.regular_staff()
        if homes.get(s.staff_id, CENTRAL) != CENTRAL
    }
    days = [d for m in months for d in working_days(m)]
    away = absent_days(instance, days)
    presence = {
        s.staff_id: s.fte * (len(days) - len(away[s.staff_id])) / len(days) for s in instance.staff
    }
    demand: dict[str, list[float]] = defaultdict(list)
    municipality: dict[str, str] = {}
    for month in months:
        for point_id, d in point_demand(instance, month).items():
            demand[point_id].append(d.staff_days)
            municipality[point_id] = d.municipality_id
    needed = processes_needed(instance)
    for office in office_teams(instance, needed, set(municipality.values())):
        demand[office] = [0.0]
        municipality[office] = instance.point(office).municipality_id
    people = sorted(area)
    staff = {s.staff_id: s for s in instance.staff}
    units = []
    for point_id in sorted(demand, key=lambda p: (-sum(demand[p]) / len(demand[p]), p)):
        muni = municipality[point_id]
        if muni not in needed:
            continue
        area_id = instance.municipality(muni).area_id
        point = instance.point(point_id)
        pool = [
            s
            for s in people
            if area[s] == area_id and presence[s] > 0 and staff[s].skills & set(needed[muni])
        ]
        if point.kind == "office":
            pool = [s for s in pool if staff[s].home_point_id == point_id] or pool
        days = sum(demand[point_id]) / len(demand[point_id])
        units.append(
            Unit(
                point_id=point_id,
                municipality_id=muni,
                area_id=area_id,
                staff_days=days,
                size=max(3, math.ceil(days / TEAM_DAYS)),
                needed=tuple(needed[muni]),
                pool=tuple(pool),
            )
        )
    minutes = {}
    for u in units:
        for s in u.pool:
            _, one_way = travel(instance, staff[s].home_point_id, u.point_id)
            minutes[(s, u.point_id)] = 2 * one_way
    return Facts(tuple(months), tuple(units), area, presence, minutes)


def current_teams(instance: Instance, months: tuple[str, ...]) -> tuple[dict[str, list[str]], str]:
    """The teams a proposal is compared with, and where they come from: the approved
    ones, else what the greedy rule picks for the period's first month."""
    if instance.teams:
        return instance.approved_teams(), "approved"
    from planner.plan.month import prepare

    return prepare(instance, months[0]).teams, "greedy"


# ----------------------------------------------------------------------------- the model


@dataclass
class TeamModel:
    model: cp_model.CpModel
    y: dict[tuple[str, str], cp_model.IntVar]
    """(staff id, point id) -> named on the point's team."""
    terms: dict[str, list[tuple[cp_model.LinearExprT, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Soft rule -> (amount, objective points per unit) terms."""
    shortfalls: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(point, process, people who may be named with it, MIN_NAMED) where too few exist."""
    hard: bool = True
    """False: the hard rules left out, to price teams that break them (the current ones)."""


def add_team_size(f: Facts, tm: TeamModel, weight: int) -> None:
    """Hard: every unit has at least its size in members (everyone who may be named, if
    fewer). Soft: each member beyond the size costs ``extra_member``."""
    for u in f.units:
        members = [tm.y[(s, u.point_id)] for s in u.pool]
        if tm.hard:
            tm.model.add(sum(members) >= min(u.size, len(members)))
        extra = tm.model.new_int_var(0, len(members), f"extra[{u.point_id}]")
        tm.model.add(extra >= sum(members) - u.size)
        tm.terms["extra_member"].append((extra, weight * SCALE))


def add_key_processes(f: Facts, tm: TeamModel, skills: dict[str, frozenset[str]]) -> None:
    """Hard: every key process the municipality needs has at least ``MIN_NAMED`` members
    with the skill: never one person (or all who have it, when fewer exist; the proposal
    names that shortfall)."""
    for u in f.units:
        for q in u.needed:
            able = [tm.y[(s, u.point_id)] for s in u.pool if q in skills[s]]
            if tm.hard:
                tm.model.add(sum(able) >= min(MIN_NAMED, len(able)))
            if len(able) < MIN_NAMED:
                tm.shortfalls.append((u.point_id, q, len(able), MIN_NAMED))


def add_driving(f: Facts, tm: TeamModel, weight: int) -> None:
    """Soft: each member drives to the point for the unit's demand divided by its size,
    there and back from their home point, ``travel_minute`` a minute a month."""
    for u in f.units:
        for s in u.pool:
            minutes = round(SCALE * u.per_member() * f.minutes[(s, u.point_id)])
            if minutes:
                tm.terms["travel_minute"].append((tm.y[(s, u.point_id)] * minutes, weight))


def loads(f: Facts) -> tuple[dict[str, list[tuple[str, int]]], dict[str, int]]:
    """Each person's (point, tenths of a staff-day a month) as a member, and their
    target in tenths: their area's outreach shared by FTE and presence among everyone
    who may be named somewhere in the area."""
    per: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for u in f.units:
        for s in u.pool:
            per[s].append((u.point_id, round(SCALE * u.per_member())))
    target = {}
    for area_id in {u.area_id for u in f.units}:
        units = [u for u in f.units if u.area_id == area_id]
        people = sorted({s for u in units for s in u.pool})
        outreach = sum(u.staff_days for u in units)
        weight = sum(f.presence[s] for s in people)
        for s in people:
            target[s] = round(SCALE * outreach * f.presence[s] / weight) if weight else 0
    return per, target


def add_fairness(f: Facts, tm: TeamModel, weight: int) -> None:
    """Soft: each person's expected outreach staff-days a month (the sum, over their
    teams, of the unit's demand divided by its size) against their share of their area's
    outreach by FTE and presence, ``fairness_day`` per staff-day above or below."""
    per, target = loads(f)
    for s, parts in per.items():
        load = sum(tm.y[(s, p)] * tenths for p, tenths in parts)
        top = sum(tenths for _, tenths in parts) + target[s]
        off = tm.model.new_int_var(0, top, f"off[{s}]")
        tm.model.add(off >= load - target[s])
        tm.model.add(off >= target[s] - load)
        tm.terms["fairness_day"].append((off, weight))


def add_continuity(f: Facts, tm: TeamModel, current: dict[str, list[str]], weight: int) -> None:
    """Soft: each named worker added to or taken off the current teams costs ``change``
    (a current member who may no longer be named counts as taken off)."""
    for u in f.units:
        was = set(current.get(u.point_id, ()))
        for s in u.pool:
            y = tm.y[(s, u.point_id)]
            tm.terms["change"].append(((1 - y) if s in was else y, weight * SCALE))


def build(
    instance: Instance, f: Facts, current: dict[str, list[str]], hard: bool = True
) -> TeamModel:
    weights = instance.settings.teams
    model = cp_model.CpModel()
    y = {
        (s, u.point_id): model.new_bool_var(f"y[{s},{u.point_id}]") for u in f.units for s in u.pool
    }
    tm = TeamModel(model, y, hard=hard)
    skills = {s.staff_id: s.skills for s in instance.staff}
    add_team_size(f, tm, weights.extra_member)
    add_key_processes(f, tm, skills)
    add_driving(f, tm, weights.travel_minute)
    add_fairness(f, tm, weights.fairness_day)
    add_continuity(f, tm, current, weights.change)
    model.minimize(sum(amount * points for terms in tm.terms.values() for amount, points in terms))
    for key, var in y.items():
        model.add_hint(var, int(key[0] in current.get(key[1], ())))
    return tm


@dataclass(frozen=True)
class Proposal:
    """The proposed teams with the solver's answer and what they change."""

    months: tuple[str, ...]
    teams: dict[str, list[str]]
    status: str
    objective: float
    """In points: the soft rules' sum, each priced in minutes of driving a month."""
    best_bound: float
    gap: float
    wall_time_s: float
    seed: int
    workers: int
    terms: dict[str, tuple[float, float]]
    """Soft rule -> (amount, cost in minutes a month) of the proposal."""
    current: dict[str, list[str]]
    current_source: str
    current_terms: dict[str, tuple[float, float]]
    """The same for the current teams."""
    current_breaks: tuple[tuple[str, str, str], ...]
    """The hard rules of this period the current teams break (:func:`hard_breaks`)."""
    shortfalls: tuple[tuple[str, str, int, int], ...]
    facts: Facts

    def changes(self) -> list[tuple[str, str, str]]:
        """(point, staff, 'added' | 'removed') against the current teams."""
        out = []
        for u in self.facts.units:
            now, was = set(self.teams.get(u.point_id, ())), set(self.current.get(u.point_id, ()))
            out += [(u.point_id, s, "added") for s in sorted(now - was)]
            out += [(u.point_id, s, "removed") for s in sorted(was - now)]
        return out


UNIT_OF = {
    "travel_minute": "minutes",
    "fairness_day": "staff-days",
    "change": "changes",
    "extra_member": "members",
}
"""What each soft rule's amount counts (:data:`SCALE` tenths where it is a duration)."""


def _terms(tm: TeamModel, value: Callable[..., int]) -> dict[str, tuple[float, float]]:
    """Each soft rule's amount (minutes, staff-days, changes, members) and its cost in
    minutes of driving a month."""
    out = {}
    for rule, terms in tm.terms.items():
        raw = sum(value(expr) for expr, _ in terms)
        cost = sum(value(expr) * points for expr, points in terms) / SCALE
        out[rule] = (raw / SCALE if rule in SCALED else raw, cost)
    return out


def hard_breaks(
    instance: Instance, f: Facts, teams: dict[str, list[str]]
) -> list[tuple[str, str, str]]:
    """(point, rule, detail) for every hard rule ``teams`` break on this period's facts:
    a member who may not be named there, a team below its size, a key process with fewer
    than two named (where two could be)."""
    skills = {s.staff_id: s.skills for s in instance.staff}
    out = []
    for u in f.units:
        members = set(teams.get(u.point_id, ()))
        out += [(u.point_id, "may_not_be_named", s) for s in sorted(members - set(u.pool))]
        named = members & set(u.pool)
        if len(named) < min(u.size, len(u.pool)):
            out.append((u.point_id, "below_size", f"{len(named)} < {u.size}"))
        for q in u.needed:
            able = [s for s in u.pool if q in skills[s]]
            have = sum(q in skills[s] for s in named)
            if have < min(MIN_NAMED, len(able)):
                out.append((u.point_id, "too_few_named", q))
    return out


BREAK_WORDS = {
    "may_not_be_named": N_("%(detail)s may not be named here (another area or no needed skill)"),
    "below_size": N_("the team is below its size (%(detail)s)"),
    "too_few_named": N_("fewer than two named for %(detail)s"),
}
"""The hard rules :func:`hard_breaks` finds, in words."""


def _evaluate_current(
    instance: Instance, f: Facts, current: dict[str, list[str]]
) -> tuple[dict[str, tuple[float, float]], list[tuple[str, str, str]]]:
    """The current teams priced on this proposal's objective, and the hard rules of this
    period they break (a month's greedy teams are sized for that month alone)."""
    tm = build(instance, f, current, hard=False)
    for u in f.units:
        was = set(current.get(u.point_id, ()))
        for s in u.pool:
            tm.model.add(tm.y[(s, u.point_id)] == int(s in was))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(tm.model)
    assert status == cp_model.OPTIMAL  # every variable is fixed
    return _terms(tm, solver.value), hard_breaks(instance, f, current)


def propose(instance: Instance, months: tuple[str, ...], config: SolverConfig) -> Proposal:
    """The proposed teams for ``months``: see the module docstring."""
    from planner.plan.model import _parameters

    f = facts(instance, months)
    current, source = current_teams(instance, months)
    tm = build(instance, f, current)
    solver = cp_model.CpSolver()
    _parameters(solver, config)
    started = time.perf_counter()
    status = solver.solve(tm.model)
    wall = time.perf_counter() - started
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TeamsError(f"no team proposal found ({name}) in the time given")
    teams: dict[str, list[str]] = defaultdict(list)
    for (s, p), var in tm.y.items():
        if solver.value(var):
            teams[p].append(s)
    objective = solver.objective_value / SCALE
    bound = solver.best_objective_bound / SCALE
    current_terms, breaks = _evaluate_current(instance, f, current)
    return Proposal(
        months=months,
        teams={p: sorted(s) for p, s in teams.items()},
        status=name,
        objective=objective,
        best_bound=bound,
        gap=abs(objective - bound) / max(1.0, abs(objective)),
        wall_time_s=wall,
        seed=config.seed,
        workers=config.workers,
        terms=_terms(tm, solver.value),
        current=current,
        current_source=source,
        current_terms=current_terms,
        current_breaks=tuple(breaks),
        shortfalls=tuple(tm.shortfalls),
        facts=f,
    )


# ----------------------------------------------------------------------------- outputs

PROPOSAL = "proposal.json"
TEAMS_FILE = "teams.csv"


def _load_per_person(f: Facts, teams: dict[str, list[str]]) -> dict[str, float]:
    """Expected outreach staff-days a month of each person under ``teams``."""
    load: dict[str, float] = defaultdict(float)
    for u in f.units:
        for s in teams.get(u.point_id, ()):
            if s in u.pool:
                load[s] += u.per_member()
    return load


def report(proposal: Proposal, instance: Instance) -> str:
    """teams.md: the proposal in the instance's language: the solver's answer, what it
    buys against the current teams, every change with its facts, each team."""
    from planner.i18n import words
    from planner.plan.outputs import _md

    w = words(instance.settings.language)
    f = proposal.facts
    staff = {s.staff_id: s for s in instance.staff}
    points = {p.point_id: p.name for p in instance.service_points}
    munis = {m.municipality_id: m.name for m in instance.municipalities}
    said = instance.settings.process_words.get(w.language, {})
    _, target = loads(f)
    now_load = _load_per_person(f, proposal.teams)
    was_load = _load_per_person(f, proposal.current)
    span = (
        w.month(proposal.months[0])
        if len(proposal.months) == 1
        else f"{w.month(proposal.months[0])}–{w.month(proposal.months[-1])}"
    )
    source = (
        w("the approved teams (teams.csv)")
        if proposal.current_source == "approved"
        else w("the teams the stated rule picks for %(month)s", month=w.month(proposal.months[0]))
    )
    lines = [
        "# " + w("Named teams for %(span)s: proposal", span=span),
        "",
        w(
            "%(status)s (%(code)s): cost %(objective)s points (a point: what a minute of "
            "driving a month costs), bound %(bound)s, gap %(gap)s; seed %(seed)s, %(workers)s "
            "workers, %(time)s s.",
            status=w.solver_status(proposal.status),
            code=proposal.status,
            objective=w.number(proposal.objective, 1),
            bound=w.number(proposal.best_bound, 1),
            gap=w.percent(proposal.gap, 2),
            seed=proposal.seed,
            workers=proposal.workers,
            time=w.number(proposal.wall_time_s, 1),
        ),
        "",
        w(
            "Compared with %(source)s: %(changes)s named workers change.",
            source=source,
            changes=len(proposal.changes()),
        ),
        "",
    ]
    rule_words = {
        "travel_minute": w("Driving to outreach, minutes a month"),
        "fairness_day": w("Outreach off each person's share by FTE, staff-days a month"),
        "extra_member": w("Members beyond the teams' sizes"),
        "change": w("Named workers changed"),
    }
    rows = [
        {
            w("Soft rule"): rule_words[rule],
            w("Current teams"): w.number(
                proposal.current_terms.get(rule, (0, 0))[0], 1 if rule in SCALED else 0
            ),
            w("Proposal"): w.number(amount, 1 if rule in SCALED else 0),
            w("Cost, minutes a month"): w.number(cost, 1),
        }
        for rule, (amount, cost) in proposal.terms.items()
    ]
    lines += [_md(pd.DataFrame(rows)), ""]
    if proposal.current_breaks:
        lines += [w("The current teams break these rules for the period:"), ""]
        lines += [
            f"- {points.get(p, p)}: "
            + w(
                BREAK_WORDS[rule],
                detail=said.get(detail, staff[detail].name if detail in staff else detail),
            )
            for p, rule, detail in proposal.current_breaks
        ]
        lines.append("")
    lines += ["## " + w("Changes"), ""]
    if not proposal.changes():
        lines += [w("None: the current teams are kept."), ""]
    for point_id, s, kind in proposal.changes():
        person = staff[s]
        skills = ", ".join(said.get(q, q) for q in sorted(person.skills))
        facts_line = w(
            "skills %(skills)s; drives %(minutes)s min there and back; outreach %(was)s → "
            "%(now)s staff-days a month against a share of %(target)s",
            skills=skills,
            minutes=w.number(f.minutes.get((s, point_id), 0)),
            was=w.number(was_load.get(s, 0), 1),
            now=w.number(now_load.get(s, 0), 1),
            target=w.number(target.get(s, 0) / SCALE, 1),
        )
        lines.append(
            "- "
            + (
                w(
                    "%(point)s: %(name)s added (%(facts)s)",
                    point=points[point_id],
                    name=person.name,
                    facts=facts_line,
                )
                if kind == "added"
                else w(
                    "%(point)s: %(name)s taken off (%(facts)s)",
                    point=points[point_id],
                    name=person.name,
                    facts=facts_line,
                )
            )
        )
    lines += ["", "## " + w("Teams"), ""]
    for u in f.units:
        members = proposal.teams.get(u.point_id, [])
        where = points[u.point_id]
        if munis[u.municipality_id] not in where:
            where += f" ({munis[u.municipality_id]})"
        lines.append(
            "### "
            + w(
                "%(point)s: %(n)s named, size %(size)s for %(days)s outreach staff-days a month",
                point=where,
                n=len(members),
                size=u.size,
                days=w.number(u.staff_days, 1),
            )
        )
        lines.append("")
        for q in u.needed:
            named = [staff[s].name for s in members if q in staff[s].skills]
            lines.append(f"- {said.get(q, q)}: {', '.join(named) or '–'}")
        lines.append("")
    for point_id, q, have, need in proposal.shortfalls:
        lines.append(
            w(
                "%(point)s: only %(have)s people of the area have %(process)s; %(need)s "
                "should be named.",
                point=points[point_id],
                have=have,
                process=said.get(q, q),
                need=need,
            )
        )
    return "\n".join(lines) + "\n"


def write_proposal(proposal: Proposal, instance: Instance, out: Path) -> list[Path]:
    """The proposal folder: teams.csv (what ``approve`` puts in the instance),
    teams.md and proposal.json (the figures and the instance files it was made from)."""
    import json

    from planner.check.files import fingerprint

    out.mkdir(parents=True, exist_ok=True)
    rows = sorted((p, s) for p, members in proposal.teams.items() for s in members)
    frame = pd.DataFrame(rows, columns=["point_id", "staff_id"])
    staged = {
        TEAMS_FILE: frame.to_csv(index=False),
        "teams.md": report(proposal, instance),
        PROPOSAL: json.dumps(
            {
                "months": list(proposal.months),
                "status": proposal.status,
                "objective_minutes": proposal.objective,
                "best_bound_minutes": proposal.best_bound,
                "gap": proposal.gap,
                "seed": proposal.seed,
                "workers": proposal.workers,
                "terms": proposal.terms,
                "current_source": proposal.current_source,
                "current_terms": proposal.current_terms,
                "changes": [list(c) for c in proposal.changes()],
                "instance_dir": instance.source_dir,
                "instance_files": {
                    k: v
                    for k, v in (
                        fingerprint(Path(instance.source_dir)) if instance.source_dir else {}
                    ).items()
                    if k != TEAMS_FILE
                },
            },
            indent=1,
        ),
    }
    written = []
    for name, text in staged.items():
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out / name)
        written.append(out / name)
    return written


def approve(proposal_dir: Path, instance_dir: Path) -> tuple[int, list[str]]:
    """Put a proposal's teams.csv (as proposed, or as a planner edited it) into the
    instance. Refused, with the reasons, when the instance's other files changed since the
    proposal, when teams.csv is not valid there (FILE:LINE), or when the teams break a
    hard rule for the proposal's months. Returns (members, changes against the teams
    approved before)."""
    import json
    import shutil
    import tempfile

    from planner.check.files import fingerprint
    from planner.io import InstanceError, load_instance

    try:
        recorded = json.loads((proposal_dir / PROPOSAL).read_text(encoding="utf-8"))
        months = tuple(recorded["months"])
        files = recorded["instance_files"]
    except (OSError, ValueError, KeyError) as exc:
        raise TeamsError(f"{proposal_dir / PROPOSAL}: not a team proposal ({exc})") from None
    source = proposal_dir / TEAMS_FILE
    if not source.is_file():
        raise TeamsError(f"{source}: no such file")
    now = {k: v for k, v in fingerprint(instance_dir).items() if k != TEAMS_FILE}
    changed = sorted(k for k in set(now) | set(files) if now.get(k) != files.get(k))
    if changed:
        raise TeamsError(
            f"{instance_dir} changed since the proposal ({', '.join(changed)}): propose again"
        )
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "instance"
        shutil.copytree(instance_dir, trial)
        shutil.copyfile(source, trial / TEAMS_FILE)
        try:
            instance = load_instance(trial)
        except InstanceError as exc:
            raise TeamsError(
                "\n".join(
                    str(p).replace(str(trial / TEAMS_FILE), str(source)) for p in exc.problems
                )
            ) from None
    breaks = hard_breaks(instance, facts(instance, months), instance.approved_teams())
    if breaks:
        from planner.i18n import words

        w = words("en")  # the command line's errors are English (README)
        names = {s.staff_id: s.name for s in instance.staff}
        raise TeamsError(
            "\n".join(
                f"{source}: {instance.point(p).name}: "
                + w(BREAK_WORDS[rule], detail=names.get(detail, detail))
                for p, rule, detail in breaks
            )
        )
    before = {(m.point_id, m.staff_id) for m in load_instance(instance_dir).teams}
    after = {(m.point_id, m.staff_id) for m in instance.teams}
    tmp = instance_dir / f".{TEAMS_FILE}.tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, instance_dir / TEAMS_FILE)
    return len(after), len(before ^ after)


def summary_line(proposal: Proposal, instance: Instance) -> str:
    """What ``planner teams propose`` says when done, in the instance's language."""
    from planner.i18n import words

    w = words(instance.settings.language)
    return w(
        "%(status)s (%(code)s): %(members)s named workers on %(teams)s teams; %(changes)s "
        "change(s) against the current teams; cost %(objective)s points, bound %(bound)s (a "
        "point: what a minute of driving a month costs)",
        status=w.solver_status(proposal.status),
        code=proposal.status,
        members=sum(len(m) for m in proposal.teams.values()),
        teams=len(proposal.teams),
        changes=len(proposal.changes()),
        objective=w.number(proposal.objective, 1),
        bound=w.number(proposal.best_bound, 1),
    )


def approved_line(members: int, changes: int, path: Path, instance: Instance) -> str:
    """What ``planner teams approve`` says when done."""
    from planner.i18n import words

    w = words(instance.settings.language)
    return w(
        "approved %(members)s named workers into %(path)s (%(changes)s change(s) against the "
        "teams approved before); the monthly plans hold them from now on",
        members=members,
        path=path,
        changes=changes,
    )
