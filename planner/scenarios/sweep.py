"""Ladders of a lever over a run of months (a year by default): planned in parallel, the
clients carried from month to month, judged by the law's own measures in every month and
municipality, and banded over the assumptions.

How a ladder is planned (:func:`run_ladder`):

1. the **baseline** of every month (no lever; the assumption levers given apply);
2. every **level** of every month, exactly as ``planner schedule`` plans a month, with
   the baseline's plan of that month as its preferred plan (hint and re-plan
   preference), so a level differs from the baseline only where its lever acts and
   equally good plans do not show up as effects; a level equal to the baseline is the
   baseline;
3. the **client model** (:mod:`planner.clients.book`) through each level's months, at
   the central assumptions and at each assumption's low and high end
   (:mod:`planner.clients.assumptions`), in parallel.

Work runs in local processes, or on a Dask distributed scheduler (``scheduler``, the
optional extra ``planner[cluster]``): the same tasks, the same table.
"""

from __future__ import annotations

import contextlib
import io
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.clients import assumptions as band
from planner.i18n import N_, Words, words
from planner.scenarios.levers import ASSUMPTION_LEVERS, Levers
from planner.scenarios.whatif import (
    COST_MODELS,
    DEADLINE_TARGET_PCT,
    OVERDUE_TARGET_PCT,
    Scenario,
    cost_model,
    cost_shares,
    failures,
    named_cover_gaps,
    run_scenario,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from models.instance import Instance
    from models.plan import Plan
    from planner.clients.book import Flow
    from planner.plan.model import SolverConfig

BASELINE = -1.0
"""The baseline's key among a ladder's levels in :attr:`Ladder.banded`."""

RELATIVE_TOLERANCE = {"in_time": 1.0, "overdue": 0.5}
"""How much worse than the baseline a municipality-month may be and still count as 'no
worse than today' (percentage points: in-time share of interviews, overdue share): the
simulation's own spread between seeds."""


# ----------------------------------------------------------------------------- running


class ClusterError(RuntimeError):
    """A Dask scheduler that cannot be used: not installed, or not reachable."""


CONNECT_TIMEOUT_S = 20
"""How long to wait for a Dask scheduler to answer before saying it cannot be reached."""


@contextlib.contextmanager
def executor(jobs: int, scheduler: str | None = None) -> Iterator[Any]:
    """Where tasks run: a Dask distributed scheduler when an address is given, else
    ``jobs`` local processes ('spawn', not 'fork': the parent may hold CP-SAT's threads,
    and forking a threaded process can deadlock)."""
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError(
                "--scheduler needs Dask distributed: pip install 'planner[cluster]'"
            ) from None
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client.get_executor(pure=False)
        return
    if jobs <= 1:
        yield _Inline()
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        yield pool


class _Inline:
    """Runs each task when it is submitted, in this process (one job: no process to start)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # handed to whoever asks for the result, as a pool does
            future.set_exception(exc)
        return future


def _plan(
    instance: Instance,
    month: str,
    levers: Levers,
    config: SolverConfig,
    preferred: Plan | None,
) -> Scenario:
    return run_scenario(instance, month, levers, config, preferred=preferred)


def _simulate(
    plans: list[Plan], instance: Instance, cases: list[band.Case], seed: int
) -> list[list[Flow]]:
    """The client model through ``plans`` under each case of the band."""
    from planner.clients.book import simulate_run

    return [simulate_run(plans, band.apply(instance, case), seed=seed) for case in cases]


@dataclass
class Ladder:
    """A planned ladder: the baseline's months and every level's, with their client model
    at the central assumptions (``Scenario.flow``) and under each case of the band."""

    months: list[str]
    lever: str
    values: list[float]
    baseline: list[Scenario]
    levels: dict[float, list[Scenario]]
    cases: list[band.Case]
    banded: dict[tuple[float, str, str], list[Scenario]]
    """(value, case name, side) -> the level's months with that case's client model
    (value :data:`BASELINE`: the baseline's)."""


def run_ladder(
    instance: Instance,
    months: list[str],
    lever: str,
    values: list[float],
    *,
    base: Levers | None = None,
    jobs: int,
    config: SolverConfig,
    scheduler: str | None = None,
    with_band: bool = True,
    on_done: Callable[[str], None] | None = None,
) -> Ladder:
    """Plan the baseline and every level of ``lever`` over ``months`` (see the module
    docstring); ``base`` holds the other levers. The baseline is today's organisation
    under ``base``'s assumption levers: an action in ``base`` (a municipality leaving)
    is part of every level, not of the baseline."""
    base = base or Levers()
    return run_levels(
        instance,
        months,
        {v: base.with_value(lever, v) for v in values},
        base.assumptions(),
        lever=lever,
        jobs=jobs,
        config=config,
        scheduler=scheduler,
        with_band=with_band,
        on_done=on_done,
    )


def run_levels(
    instance: Instance,
    months: list[str],
    level_levers: dict[float, Levers],
    baseline_levers: Levers,
    *,
    lever: str,
    jobs: int,
    config: SolverConfig,
    scheduler: str | None = None,
    with_band: bool = True,
    on_done: Callable[[str], None] | None = None,
) -> Ladder:
    """The baseline under ``baseline_levers`` and each level's levers over ``months``."""
    values = list(level_levers)
    done = on_done or (lambda _: None)
    baseline: dict[str, Scenario] = {}
    levels: dict[float, dict[str, Scenario]] = defaultdict(dict)
    skip = (lever,) if lever in ASSUMPTION_LEVERS else ()
    cases = band.cases(instance, skip) if with_band else [band.Case("central", "central")]
    simulated: dict[Any, float | None] = {}

    def complete(v: float | None) -> list[Scenario] | None:
        got = baseline if v is None else levels[v]
        return [got[m] for m in months] if len(got) == len(months) else None

    with executor(jobs, scheduler) as pool:

        def simulate(v: float | None, run: list[Scenario]) -> None:
            """A run of months is planned: its client model under every case, at once, so
            the simulations fill the cores the last plans leave idle (one task a run: its
            plans travel to a process once, not once a case)."""
            future = pool.submit(
                _simulate, [s.plan for s in run], run[0].instance, cases, config.seed
            )
            simulated[future] = v

        pending = {
            pool.submit(_plan, instance, m, baseline_levers, config, None): ("base", m, None)
            for m in months
        }
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                kind, month, value = pending.pop(future)
                scenario = future.result()
                done(month)
                if kind == "level":
                    levels[value][month] = scenario
                    run = complete(value)
                    if run is not None:
                        simulate(value, run)
                    continue
                baseline[month] = scenario
                for v, levers in level_levers.items():
                    if levers == baseline_levers:
                        levels[v][month] = scenario
                        continue
                    task = pool.submit(_plan, instance, month, levers, config, scenario.plan)
                    pending[task] = ("level", month, v)
                if complete(None) is not None:
                    simulate(None, complete(None) or [])
                    for v, levers in level_levers.items():
                        if levers == baseline_levers:
                            simulate(v, complete(v) or [])
        base_run = [baseline[m] for m in months]
        runs = {v: [levels[v][m] for m in months] for v in values}
        banded: dict[tuple[float, str, str], list[Scenario]] = {}
        for future, v in simulated.items():
            run = base_run if v is None else runs[v]
            for case, flows in zip(cases, future.result(), strict=True):
                inst = band.apply(run[0].instance, case)
                if case.name == "central":
                    for scenario, flow in zip(run, flows, strict=True):
                        scenario.carried = flow
                key = (BASELINE if v is None else v, case.name, case.side)
                banded[key] = [
                    replace(s, instance=inst, carried=f) for s, f in zip(run, flows, strict=True)
                ]
    return Ladder(months, lever, values, base_run, runs, cases, banded)


# ----------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class Verdict:
    ok: bool
    worst: str
    """The worst failure in words: municipality, month and figure."""
    failing: int
    """Municipality-months (and plan items) that fail."""


def verdict(run: list[Scenario]) -> Verdict:
    """Every month of a run: the law's two measures in every municipality, the equity
    floor and named cover (:func:`planner.scenarios.whatif.failures`)."""
    found = [f for s in run for f in failures(s)]
    if not found:
        return Verdict(True, "", 0)
    worst = min(found, key=lambda f: f.rank)
    return Verdict(False, worst.text, len(found))


def no_worse(run: list[Scenario], baseline: list[Scenario]) -> Verdict:
    """Whether a run is no worse than the baseline in any municipality and month (within
    :data:`RELATIVE_TOLERANCE`), and no plan item fails that the baseline keeps."""
    worse = []
    for scen, base in zip(run, baseline, strict=True):
        was = {f.municipality_id: f for f in base.flow.municipalities}
        names = {m.municipality_id: m.name for m in scen.instance.municipalities}
        for f in scen.flow.municipalities:
            b = was.get(f.municipality_id)
            if b is None:
                continue
            w = words(scen.instance.settings.language)
            where = f"{names[f.municipality_id]}, {w.month(scen.plan.month)}"
            # (how much worse, its tolerance, the words): the share of interviews in time
            # falling, the share of clients overdue rising.
            for change, limit, said in (
                (
                    b.within_deadline_pct - f.within_deadline_pct,
                    RELATIVE_TOLERANCE["in_time"],
                    w(
                        "initial interviews in time %(was)s → %(now)s",
                        was=w.percent(b.within_deadline_pct / 100),
                        now=w.percent(f.within_deadline_pct / 100),
                    ),
                ),
                (
                    f.overdue_pct - b.overdue_pct,
                    RELATIVE_TOLERANCE["overdue"],
                    w(
                        "overdue for their discussion %(was)s → %(now)s of clients",
                        was=w.percent(b.overdue_pct / 100, 1),
                        now=w.percent(f.overdue_pct / 100, 1),
                    ),
                ),
            ):
                if change > limit:
                    worse.append((-change, f"{where}: {said}"))
        kept = {(f.kind, f.municipality_id) for f in failures(base) if f.kind == "plan"}
        for f in failures(scen):
            if f.kind == "plan" and (f.kind, f.municipality_id) not in kept:
                worse.append((0.0, f.text))
    if not worse:
        return Verdict(True, "", 0)
    return Verdict(False, min(worse)[1], len(worse))


def kept_months(ladder: Ladder, case: tuple[str, str] = ("central", "central")) -> list[str]:
    """The months in which today's staff keep every requirement under ``case``."""
    run = ladder.banded[(BASELINE, *case)]
    return [s.plan.month for s in run if verdict([s]).ok]


def smallest(ladder: Ladder, case: tuple[str, str] = ("central", "central")) -> float | None:
    """The largest cut (or, for another lever, the level) whose every month keeps every
    requirement under ``case``; None when none does."""
    kept = [v for v in ladder.values if verdict(ladder.banded[(v, *case)]).ok]
    return max(kept) if kept else None


# ----------------------------------------------------------------------------- tables


def rows(scenario: Scenario, lever: str, value: float) -> list[dict[str, Any]]:
    """One row per production area of one planned level and month (sweep.csv)."""
    month_failures = failures(scenario)  # the worst first
    areas = scenario.areas()
    munis = scenario.municipalities()
    flow = scenario.flow
    names = {a.area_id: a.name for a in scenario.instance.areas}
    gaps = len(named_cover_gaps(scenario.plan, scenario.instance))
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
                "overdue_discussions": round(sum(f.overdue for f in fl), 1),
                "highest_overdue_pct": round(max((f.overdue_pct for f in fl), default=0.0), 2),
                "lowest_in_time_pct": round(
                    min((f.within_deadline_pct for f in fl), default=100.0), 1
                ),
                "late_interviews": round(sum(f.late for f in fl), 1),
                "mean_wait_days": round(sum(f.mean_wait * f.counted for f in fl) / counted, 2)
                if counted
                else 0.0,
                "worst_wait_days": max((f.worst_wait for f in fl), default=0),
                "travelled_to_office": round(sum(f.travelled for f in fl), 1),
                "visit_days": int(munis.loc[mine, "visit_days"].sum()),
                "unmet_visits": int(munis.loc[mine, "unmet_visits"].sum()),
                "unmet_staff_days": round(float(munis.loc[mine, "unmet_staff_days"].sum()), 1),
                "named_cover_gaps": gaps,
                "substitute_days": scenario.substitute_days(),
                "solver_status": scenario.plan.stats.status,
                "objective": scenario.plan.stats.objective,
                "stopped_by_wall_clock": scenario.wall_clock_stopped,
                "month_meets_requirements": not month_failures,
                "month_failures": len(month_failures),
                "first_failure": month_failures[0].text if month_failures else "",
            }
        )
    return out


def sweep_table(ladder: Ladder) -> pd.DataFrame:
    """sweep.csv: one row per level, month and production area (central assumptions)."""
    table = []
    for v in ladder.values:
        for scenario in ladder.levels[v]:
            table += rows(scenario, ladder.lever, v)
    return pd.DataFrame(table)


def board_table(ladder: Ladder) -> pd.DataFrame:
    """What a board sees per municipality and level over the run: cost a year and a month,
    visit days, staff-days per 100 clients, overdue discussions at the worst month's
    end, late initial interviews, named-cover gaps. No staff names or ids."""
    out = []
    for v in ladder.values:
        run = ladder.levels[v]
        names = {m.municipality_id: m.name for m in run[0].instance.municipalities}
        per: dict[str, dict[str, Any]] = {}
        for scenario in run:
            munis = scenario.municipalities()
            gaps = named_cover_gaps(scenario.plan, scenario.instance)
            costs = cost_shares(scenario.instance, scenario.fte)
            weighting = cost_model(scenario.instance)
            for m, row in munis.iterrows():
                p = per.setdefault(
                    str(m),
                    defaultdict(float) | {"overdue_peak": 0.0, "overdue_peak_month": ""},
                )
                cost_cols = [f"cost_{c}" for c in COST_MODELS if f"cost_{c}" in costs.columns]
                here = costs.loc[m] if m in costs.index else None
                own = f"cost_{weighting}" if f"cost_{weighting}" in costs.columns else None
                p["cost_year_eur"] += float(here[own]) if here is not None and own else 0.0
                for c in cost_cols:
                    p[f"year_{c}"] += float(here[c]) if here is not None else 0.0
                p["visit_days"] += float(row["visit_days"])
                p["staff_days"] += float(row["staff_days"])
                p["late_interviews"] += float(row["late_interviews"])
                if float(row["overdue_discussions"]) > p["overdue_peak"]:
                    p["overdue_peak"] = float(row["overdue_discussions"])
                    p["overdue_peak_month"] = scenario.plan.month
                p["named_cover_gaps"] = max(
                    p["named_cover_gaps"], float((gaps["municipality_id"] == m).sum())
                )
                p["clients"] = float(scenario.flow.municipality(str(m)).clients)
        months = len(run)
        for m, p in per.items():
            model_costs = [p[k] for k in p if str(k).startswith("year_cost_")]
            out.append(
                {
                    "value": v,
                    "pool_fte": round(run[0].fte, 1),
                    "municipality_id": m,
                    "municipality": names.get(m, m),
                    "months": months,
                    "cost_year_eur": round(p["cost_year_eur"] * 12 / months),
                    "cost_month_eur": round(p["cost_year_eur"] / months),
                    "cost_year_eur_lowest_model": round(min(model_costs) * 12 / months)
                    if model_costs
                    else None,
                    "cost_year_eur_highest_model": round(max(model_costs) * 12 / months)
                    if model_costs
                    else None,
                    "visit_days": round(p["visit_days"]),
                    "staff_days_per_100_clients": round(100 * p["staff_days"] / p["clients"], 1)
                    if p["clients"]
                    else 0.0,
                    "overdue_discussions_peak": round(p["overdue_peak"], 1),
                    "overdue_peak_month": p["overdue_peak_month"],
                    "late_interviews": round(p["late_interviews"], 1),
                    "named_cover_gaps": int(p["named_cover_gaps"]),
                }
            )
    return pd.DataFrame(out)


def band_table(ladder: Ladder) -> pd.DataFrame:
    """band.csv: the answer under every case of the band (the tornado's data): the
    smallest staff keeping every requirement in every month, and the smallest no worse
    than today's staff under the same assumptions."""
    out = []
    pool = {v: round(ladder.levels[v][0].fte, 1) for v in ladder.values}
    for case in ladder.cases:
        key = (case.name, case.side)
        best = smallest(ladder, key)
        same = smallest_no_worse(ladder, key)
        out.append(
            {
                "assumption": case.name,
                "side": case.side,
                "value": case.value,
                "case": case.label,
                "months_today_keeps": len(kept_months(ladder, key)),
                "holding_level": best,
                "smallest_staff_fte": pool[best] if best is not None else None,
                "no_worse_level": same,
                "smallest_staff_no_worse_fte": pool[same] if same is not None else None,
            }
        )
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- words


LEVER_WORDS = {
    "cut": N_("staff cut, FTE"),
    "meeting_share": N_("share of an office day in client meetings"),
    "face_to_face": N_("share of discussions face to face"),
    "registrations": N_("new registrations a client a month"),
    "outflow": N_("clients leaving a month (share)"),
    "conversations_by_need": N_("conversations by need a client a year"),
    "join_fte": N_("FTE an area joining brings"),
}
"""Each numeric lever as a reader names it."""


def lever_name(lever: str, w: Words) -> str:
    return w(LEVER_WORDS[lever]) if lever in LEVER_WORDS else lever


def _w(ladder: Ladder) -> Words:
    return words(ladder.baseline[0].instance.settings.language)


def _level_words(ladder: Ladder, v: float, short: bool = False) -> str:
    """A level of the ladder as the reader says it (``short``: without the parenthesis,
    for a plot's legend)."""
    w = _w(ladder)
    fte = ladder.levels[v][0].fte
    if ladder.lever == "cut":
        cut = ladder.baseline[0].fte - fte
        staff = w("%(fte)s FTE", fte=w.number(fte, 1))
        if short:
            return staff
        if cut < 0.05:
            return w("%(staff)s (today's staff: no cut)", staff=staff)
        if abs(cut - v) < 0.05:
            return w(
                "%(staff)s (a cut of %(cut)s FTE: whole people)",
                staff=staff,
                cut=w.number(cut, 1),
            )
        return w(
            "%(staff)s (a cut of %(cut)s FTE: whole people, asked %(asked)s)",
            staff=staff,
            cut=w.number(cut, 1),
            asked=f"{v:g}",
        )
    return f"{lever_name(ladder.lever, w)} = {w.number(v, 2)}"


def _span(months: list[str], w: Words) -> str:
    return w.month(months[0]) if len(months) == 1 else f"{w.month(months[0])}–{w.month(months[-1])}"


def findings(ladder: Ladder) -> list[str]:
    """The answer in words: what is judged, the smallest staff (or level) that keeps
    every requirement in every month as a range over the assumptions, the smallest no
    worse than today's, and each area's figures at the ends of the ladder."""
    from planner.scenarios.report import policy

    w = _w(ladder)
    months = ladder.months
    lines = [
        w(
            "Judged over %(span)s (%(n)s month(s), clients carried from month to month; "
            "booking: %(policy)s): in every month and municipality at least %(target)s of "
            "initial interviews within the deadline, at most %(overdue)s of clients overdue "
            "for their job-search discussion at the month's end, no unmet visit day, named "
            "cover and office cover kept.",
            span=_span(months, w),
            n=len(months),
            policy=policy(ladder.baseline[0], w),
            target=w.percent(DEADLINE_TARGET_PCT / 100),
            overdue=w.percent(OVERDUE_TARGET_PCT / 100),
        )
    ]
    if len(months) == 1:
        lines.append(
            w(
                "One month alone cannot judge a cut: it starts from a steady state and hides "
                "what it leaves to the next (summer's shortfall shows in the months after). "
                "Run the year (the default) before deciding."
            )
        )
    base_verdict = verdict(ladder.baseline)
    failing = [w.month(m) for m in months if m not in kept_months(ladder)]
    if failing:
        base_verdict = replace(
            base_verdict,
            worst=w(
                "in %(months)s; the worst: %(worst)s",
                months=", ".join(failing),
                worst=base_verdict.worst,
            ),
        )
    lines.append(
        w("Today's staff: every requirement kept.")
        if base_verdict.ok
        else w(
            "Today's staff: already fails: %(worst)s (%(n)s failing municipality-months and "
            "plan items in all).",
            worst=base_verdict.worst,
            n=base_verdict.failing,
        )
    )
    central = smallest(ladder)
    if central is not None:
        text = w(
            "Smallest staff that keeps every requirement: %(level)s",
            level=_level_words(ladder, central),
        )
    else:
        worst = verdict(ladder.levels[ladder.values[0]])
        text = w(
            "No level keeps every requirement in every month at the central assumptions, not "
            "even the first; the worst: %(worst)s",
            worst=worst.worst,
        )
    if len(ladder.cases) > 1:
        held = [smallest(ladder, (c.name, c.side)) for c in ladder.cases]
        fte = [ladder.levels[v][0].fte for v in held if v is not None]
        text += (
            w(
                "; over the assumptions' band %(low)s–%(high)s FTE (%(n)s of %(cases)s cases "
                "hold at some level)",
                low=w.number(min(fte), 1),
                high=w.number(max(fte), 1),
                n=len(fte),
                cases=len(ladder.cases),
            )
            if fte
            else w("; no case of the assumptions' band holds at any level either")
        )
    lines.append(text + ".")
    if ladder.lever == "cut":
        v = smallest_no_worse(ladder)
        text = w(
            "Smallest staff no worse than today's in any municipality and month (within "
            "%(in_time)s percentage points of interviews in time and %(overdue)s of clients "
            "overdue): %(level)s",
            in_time=w.number(RELATIVE_TOLERANCE["in_time"], 1),
            overdue=w.number(RELATIVE_TOLERANCE["overdue"], 1),
            level=_level_words(ladder, v) if v is not None else w("none of the levels"),
        )
        if len(ladder.cases) > 1:
            held = [smallest_no_worse(ladder, (c.name, c.side)) for c in ladder.cases]
            fte = [ladder.levels[u][0].fte for u in held if u is not None]
            if fte and min(fte) == max(fte):
                text += w(
                    "; the same, %(fte)s FTE, in every one of the %(n)s cases of the "
                    "assumptions' band (each against today's staff under its assumptions)",
                    fte=w.number(min(fte), 1),
                    n=len(fte),
                )
            elif fte:
                text += w(
                    "; over the assumptions' band %(low)s–%(high)s FTE, each case against "
                    "today's staff under the same assumptions",
                    low=w.number(min(fte), 1),
                    high=w.number(max(fte), 1),
                )
        lines.append(text + ".")
        broken = [u for u in ladder.values if not no_worse(ladder.levels[u], ladder.baseline).ok]
        if broken:
            lines.append(
                w(
                    "At %(level)s service first gets worse: %(worst)s.",
                    level=_level_words(ladder, broken[0]),
                    worst=no_worse(ladder.levels[broken[0]], ladder.baseline).worst,
                )
            )
    stopped = sum(s.wall_clock_stopped for run in ladder.levels.values() for s in run)
    if stopped:
        lines.append(
            w(
                "%(n)s month-level plan(s) were stopped by the wall clock on a loaded machine, "
                "not by proof or the deterministic limit: see stopped_by_wall_clock in "
                "sweep.csv; their figures may differ from an idle machine's.",
                n=stopped,
            )
        )
    return lines


def smallest_no_worse(
    ladder: Ladder, case: tuple[str, str] = ("central", "central")
) -> float | None:
    """The largest cut (or level) no worse than today's staff in any municipality and
    month under ``case`` (:func:`no_worse`, the baseline under the same case)."""
    base = ladder.banded[(BASELINE, *case)]
    kept = [v for v in ladder.values if no_worse(ladder.banded[(v, *case)], base).ok]
    return max(kept) if kept else None


def answer(ladder: Ladder, case: tuple[str, str] = ("central", "central")) -> float | None:
    """The tornado's measure: the level that keeps every requirement in every month when
    any level does at the central assumptions, else the level no worse than today's."""
    if smallest(ladder) is not None:
        return smallest(ladder, case)
    return smallest_no_worse(ladder, case)


def tornado(ladder: Ladder) -> list[tuple[str, float | None, float | None]]:
    """(assumption, staff FTE of :func:`answer` at its low end, at its high end)."""
    out = []
    for name in dict.fromkeys(c.name for c in ladder.cases if c.name != "central"):
        ends = []
        for side in ("low", "high"):
            v = answer(ladder, (name, side))
            ends.append(ladder.levels[v][0].fte if v is not None else None)
        out.append((name, ends[0], ends[1]))
    return out


# ----------------------------------------------------------------------------- plots


def sweep_plot(ladder: Ladder) -> bytes:
    """Month by month (the summer dip visible), one line per level, the law's lines drawn:
    lowest share of interviews in time, highest share overdue, capacity against what
    came due; and the tornado of the assumptions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from planner.scenarios.report import number_ticks

    w = _w(ladder)
    figure, axes = plt.subplots(2, 2, figsize=(13, 8))
    months = ladder.months
    x = list(range(len(months)))
    for v in ladder.values:
        run = ladder.levels[v]
        label = _level_words(ladder, v, short=True)
        in_time = [min(f.within_deadline_pct for f in s.flow.municipalities) for s in run]
        overdue = [max(f.overdue_pct for f in s.flow.municipalities) for s in run]
        capacity = [min(a.capacity_pct for a in s.flow.areas) for s in run]
        axes[0][0].plot(x, in_time, marker="o", label=label)
        axes[0][1].plot(x, overdue, marker="o", label=label)
        axes[1][0].plot(x, capacity, marker="o", label=label)
    refs = [
        (
            axes[0][0],
            DEADLINE_TARGET_PCT,
            w(
                "law: every interview in time (target %(target)s)",
                target=w.percent(DEADLINE_TARGET_PCT / 100),
            ),
        ),
        (
            axes[0][1],
            OVERDUE_TARGET_PCT,
            w(
                "law: a discussion every 3 months (at most %(share)s overdue)",
                share=w.percent(OVERDUE_TARGET_PCT / 100),
            ),
        ),
        (axes[1][0], 100, w("%(share)s: every meeting that came due", share=w.percent(1))),
    ]
    for axis, ref, text in refs:
        axis.axhline(ref, color="#a4161a", linestyle="--", linewidth=1)
        axis.annotate(
            text, (0, ref), xytext=(4, 4), textcoords="offset points", color="#a4161a", fontsize=8
        )
        axis.set_xticks(x, [m[2:] for m in months], rotation=45)
        number_ticks(axis, w)
    axes[0][0].set_title(w("Initial interviews in time, lowest municipality (%)"), fontsize=10)
    axes[0][1].set_title(
        w("Clients overdue for their discussion at the month's end, highest municipality (%)"),
        fontsize=10,
    )
    axes[1][0].set_title(
        w("Appointments against meetings due, lowest production area (%)"), fontsize=10
    )
    axes[0][0].legend(
        fontsize=7, title=w("staff") if ladder.lever == "cut" else lever_name(ladder.lever, w)
    )
    _tornado_axis(axes[1][1], ladder, w)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _tornado_axis(axis: Any, ladder: Ladder, w: Words) -> None:
    central_v = answer(ladder)
    centre = ladder.levels[central_v][0].fte if central_v is not None else None
    bars = tornado(ladder)
    top = ladder.levels[ladder.values[0]][0].fte
    base = centre if centre is not None else top
    for k, (_name, low, high) in enumerate(bars):
        for end, colour, offset in ((low, "#8aa9cf", -0.17), (high, "#1f3a5f", 0.17)):
            value = end if end is not None else top
            axis.barh(
                k + offset,
                value - base,
                left=base,
                color=colour,
                height=0.3,
                hatch=None if end is not None else "//",
                edgecolor=colour,
            )
            axis.annotate(
                w("no level") if end is None else w.number(end, 1),
                (value, k + offset),
                xytext=(4 if value >= base else -4, 0),
                textcoords="offset points",
                ha="left" if value >= base else "right",
                va="center",
                fontsize=7,
            )
    ends = [e for _, low, high in bars for e in (low, high) if e is not None]
    axis.set_xlim(min([*ends, base]) - 4, top + 4)
    axis.set_yticks(
        range(len(bars)),
        [w(band.WORDS[n]) if n in band.WORDS else n for n, _, _ in bars],
        fontsize=8,
    )
    if centre is not None:
        axis.axvline(centre, color="black", linewidth=1)
    axis.set_xlabel(
        w("smallest staff keeping every requirement in every month, FTE; hatched: no level")
        if smallest(ladder) is not None
        else w(
            "smallest staff no worse than today's (no level keeps every requirement), FTE; "
            "hatched: no level"
        ),
        fontsize=8,
    )
    axis.set_title(
        w("Which assumption moves the answer (light: low end, dark: high end)"), fontsize=10
    )
