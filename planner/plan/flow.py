"""Client flow through a month's plan: an appointment-book simulation (a plain day loop).

The plan says who is where on every working day; this module asks what that means for
clients. Seeded, so a figure can be reproduced; run several times (``runs``) and
summarised by the mean (counts, shares, mean waits) and the median (worst waits), so a
figure moves with the plan, not with one draw.

Each working day, in every municipality:

* **Capacity.** A person at an outreach point holds ``appointments_per_staff_day``
  in-person appointments there (the day is a day of appointments). A person at an
  office holds ``working_minutes_per_day × client_meeting_share / meeting_minutes``
  meetings ([workload]); central duties hold none (phone service, start of the client
  relationship and digital onboarding are theirs, outside this count).
* **Registrations** arrive (Poisson, mean ``clients × registrations_per_client_month``
  a month, spread evenly over its working days). Each owes an **initial interview in
  person** within the rule set's working days (2026: 10), in its own municipality — at
  an outreach visit or an office there — from the next working day on, first come
  first served. On its last allowed day a client still waiting goes to the nearest
  office if it has a free slot (*travelled*, in time); otherwise they wait on (late).
* **Conversations**: every client in the stock is owed ``meetings_per_client_year / 12``
  a month (the rule set), spread over the working days. The face-to-face share of them
  is held in person in the municipality if a slot is left after the initial interviews
  (*in person %*); the rest, and what found no slot in person that day, is held by phone
  or video by anyone of the production area with a slot left. What is not held by the
  month's end is the **backlog**.

A month starts with empty queues (no backlog carried in: the figures are what this
month's plan can do by itself); registrations whose deadline falls after the month's
last working day are not counted in the deadline figures (*pending*).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.allocation.staff import CENTRAL, AllocationError, allocate
from planner.clients import municipality_counts
from planner.plan.workdays import parse_month
from planner.travel import travel

if TYPE_CHECKING:
    from models.instance import Instance
    from models.plan import Plan

RUNS = 20
"""Seeded runs per month: the spread of the figures between runs is shown with them."""


@dataclass(frozen=True)
class MunicipalityFlow:
    """One municipality's month, summarised over the runs."""

    municipality_id: str
    clients: int
    registrations: float
    counted: float
    within_deadline_pct: float
    within_deadline_min_pct: float
    mean_wait: float
    worst_wait: float
    travelled: float
    late: float
    conversations_due: float
    backlog: float
    in_person_pct: float
    in_person_slots: float


@dataclass(frozen=True)
class AreaFlow:
    """One production area: capacity against what the rules and the inflow require."""

    area_id: str
    local_fte: float
    clients: int
    caseload: float
    appointment_capacity: float
    meetings_required: float
    capacity_pct: float


@dataclass(frozen=True)
class Flow:
    month: str
    deadline: int
    runs: int
    municipalities: tuple[MunicipalityFlow, ...]
    areas: tuple[AreaFlow, ...]

    def municipality(self, municipality_id: str) -> MunicipalityFlow:
        return next(m for m in self.municipalities if m.municipality_id == municipality_id)


def office_slots(instance: Instance) -> float:
    """Meetings one person holds on an office day."""
    w, d = instance.settings.workload, instance.settings.demand
    return w.working_minutes_per_day * w.client_meeting_share / d.meeting_minutes


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only (a municipality's registrations in a day)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _nearest_office(instance: Instance, municipality_id: str) -> str | None:
    offices = [p for p in instance.service_points if p.kind == "office"]
    own = [p for p in offices if p.municipality_id == municipality_id]
    if own:
        return own[0].point_id
    points = [p for p in instance.service_points if p.municipality_id == municipality_id]
    if not points or not offices:
        return None
    home = max(points, key=lambda p: p.client_share).point_id
    return min(offices, key=lambda o: travel(instance, home, o.point_id)[1]).point_id


def simulate(plan: Plan, instance: Instance, *, seed: int = 0, runs: int = RUNS) -> Flow:
    """The client flow of ``plan``'s month, over ``runs`` seeded runs."""
    settings = instance.settings
    year, mon = parse_month(plan.month)
    _, rules = settings.rule_set_for(dt.date(year, mon, 1))
    deadline = rules.initial_interview_working_days
    days = list(plan.working_days)
    index = {d: i for i, d in enumerate(days)}
    counts = municipality_counts(instance)
    munis = [
        m.municipality_id for m in instance.active_municipalities() if m.municipality_id in counts
    ]
    clients = {m: counts[m]["broad_unemployment"] for m in munis}
    area_of = {m.municipality_id: m.area_id for m in instance.municipalities}
    point_muni = {p.point_id: p.municipality_id for p in instance.service_points}
    office = office_slots(instance)
    outreach = settings.demand.appointments_per_staff_day

    # In-person slots a day, by municipality (its outreach points and its offices).
    local = [defaultdict(float) for _ in days]
    for entry in plan.schedule:
        i = index.get(entry.date)
        muni = point_muni.get(entry.place_id)
        if i is None or muni is None:
            continue
        if entry.activity == "outreach":
            local[i][muni] += outreach
        elif entry.activity == "office":
            local[i][muni] += office
    nearest = {m: _nearest_office(instance, m) for m in munis}
    office_muni = {
        p.point_id: p.municipality_id for p in instance.service_points if p.kind == "office"
    }

    n = len(days)
    register = {m: clients[m] * settings.workload.registrations_per_client_month / n for m in munis}
    conversations = {m: clients[m] * rules.meetings_per_client_year / 12 / n for m in munis}
    face = settings.demand.face_to_face_share

    results: dict[str, list[dict[str, float]]] = defaultdict(list)
    for run in range(runs):
        rng = random.Random(f"{seed}:{run}:{plan.month}")
        queue: dict[str, deque[int]] = {m: deque() for m in munis}
        waits: dict[str, list[int]] = defaultdict(list)
        travelled: dict[str, int] = defaultdict(int)
        arrived: dict[str, int] = defaultdict(int)
        in_person = dict.fromkeys(munis, 0.0)
        remote_due = dict.fromkeys(munis, 0.0)
        for i in range(n):
            slots = dict(local[i])
            # Initial interviews first, in person, first come first served.
            for m in munis:
                q = queue[m]
                while q and slots.get(m, 0.0) >= 1:
                    waits[m].append(i - q.popleft())
                    slots[m] -= 1
            # At the deadline (or past it), the nearest office if it has a slot left.
            for m in munis:
                oid = nearest[m]
                if oid is None or office_muni[oid] == m:
                    continue
                om, q = office_muni[oid], queue[m]
                while q and i - q[0] >= deadline and slots.get(om, 0.0) >= 1:
                    waits[m].append(i - q.popleft())
                    travelled[m] += 1
                    slots[om] -= 1
            # Conversations: the face-to-face share in person, the rest from the area.
            for m in munis:
                wanted = conversations[m] * face
                held = min(wanted, max(0.0, slots.get(m, 0.0)))
                in_person[m] += held
                slots[m] = slots.get(m, 0.0) - held
                # What cannot be held in person today is held by phone or video instead.
                remote_due[m] += conversations[m] - held
            pool: dict[str, float] = defaultdict(float)
            for m, left in slots.items():
                if left > 0 and m in area_of:
                    pool[area_of[m]] += left
            by_area: dict[str, list[str]] = defaultdict(list)
            for m in munis:
                by_area[area_of[m]].append(m)
            for area, members in by_area.items():
                due = sum(remote_due[m] for m in members)
                if due <= 0:
                    continue
                share = min(1.0, pool.get(area, 0.0) / due)
                for m in members:
                    remote_due[m] -= remote_due[m] * share
            # Today's registrations join the queue (their interview is from tomorrow on).
            for m in munis:
                k = _poisson(rng, register[m])
                arrived[m] += k
                queue[m].extend([i] * k)
        for m in munis:
            counted = waits[m]
            # Registrations still waiting: late if their deadline passed in the month.
            late_open = [n - 1 - r for r in queue[m] if n - 1 - r >= deadline]
            pending = sum(1 for r in queue[m] if n - 1 - r < deadline)
            # Served ones whose registration deadline lies after the month end count too
            # (served in time); only the unresolved are pending.
            all_waits = counted + late_open
            within = sum(1 for w in counted if w <= deadline)
            total = len(all_waits)
            results[m].append(
                {
                    "registrations": arrived[m],
                    "counted": total,
                    "within": within,
                    "pct": 100.0 * within / total if total else 100.0,
                    "mean_wait": statistics.fmean(all_waits) if all_waits else 0.0,
                    "worst_wait": max(all_waits) if all_waits else 0,
                    "travelled": travelled[m],
                    "late": total - within,
                    "pending": pending,
                    "backlog": remote_due[m],
                    "in_person_pct": 100.0 * in_person[m] / (conversations[m] * n * face)
                    if conversations[m] * face
                    else 100.0,
                }
            )
    municipalities = []
    for m in munis:
        r = results[m]
        municipalities.append(
            MunicipalityFlow(
                municipality_id=m,
                clients=clients[m],
                registrations=statistics.fmean(x["registrations"] for x in r),
                counted=statistics.fmean(x["counted"] for x in r),
                within_deadline_pct=statistics.fmean(x["pct"] for x in r),
                within_deadline_min_pct=min(x["pct"] for x in r),
                mean_wait=statistics.fmean(x["mean_wait"] for x in r),
                worst_wait=statistics.median(x["worst_wait"] for x in r),
                travelled=statistics.fmean(x["travelled"] for x in r),
                late=statistics.fmean(x["late"] for x in r),
                conversations_due=conversations[m] * n,
                backlog=statistics.fmean(x["backlog"] for x in r),
                in_person_pct=statistics.fmean(x["in_person_pct"] for x in r),
                in_person_slots=sum(local[i].get(m, 0.0) for i in range(n)),
            )
        )
    return Flow(
        plan.month, deadline, runs, tuple(municipalities), _areas(plan, instance, local, clients)
    )


def local_staff(instance: Instance) -> dict[str, list[str]]:
    """Regular staff by production area, central duties left out (their work is not
    client meetings): the counsellors a caseload is divided between."""
    try:
        homes = allocate(instance).home_areas
    except AllocationError:
        homes = {s.staff_id: instance.area_of_point(s.home_point_id) for s in instance.staff}
    result: dict[str, list[str]] = defaultdict(list)
    for s in instance.regular_staff():
        area = homes.get(s.staff_id)
        if area and area != CENTRAL:
            result[area].append(s.staff_id)
    return result


def _areas(
    plan: Plan, instance: Instance, local: list[dict[str, float]], clients: dict[str, int]
) -> tuple[AreaFlow, ...]:
    settings = instance.settings
    year, mon = parse_month(plan.month)
    _, rules = settings.rule_set_for(dt.date(year, mon, 1))
    staff = local_staff(instance)
    fte_of = {s.staff_id: s.fte for s in instance.staff}
    rows = []
    for area_id in instance.active_area_ids():
        members = [m for m, c in clients.items() if instance.municipality(m).area_id == area_id]
        area_clients = sum(clients[m] for m in members)
        capacity = sum(day.get(m, 0.0) for day in local for m in members)
        required = area_clients * (
            rules.meetings_per_client_year / 12 + settings.workload.registrations_per_client_month
        )
        fte = sum(fte_of[s] for s in staff.get(area_id, []))
        rows.append(
            AreaFlow(
                area_id=area_id,
                local_fte=round(fte, 2),
                clients=area_clients,
                caseload=round(area_clients / fte, 1) if fte else math.inf,
                appointment_capacity=round(capacity),
                meetings_required=round(required),
                capacity_pct=round(100 * capacity / required, 1) if required else 0.0,
            )
        )
    return tuple(rows)
