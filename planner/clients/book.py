"""The client model: a stock of clients carried through a run of months and booked into
the appointments the months' plans provide (*asiakasvirta*).

The plans say who is where on every working day; this model asks what that means for
clients, month after month, so that what one month cannot do is still owed in the next.
It is seeded, one random stream per municipality and run (common random numbers: a
scenario that drops or changes one municipality leaves the others' arrivals as they
were, so a difference is the scenario's, not the draw's), and run ``runs`` times; a
figure is the mean of the runs (counts, shares, mean waits), the median (worst waits) or
the lowest (the ``_min`` shares), so it moves with the plans, not with one draw.

**The stock.** Each municipality starts from its client count (:mod:`.counts`) in a
*stated steady state*: every client's next regular job-search discussion
(*työnhakukeskustelu*) falls evenly over the next ``discussion_interval_months``; under
rules with supplementary conversations, the last months' registrations are in their
supplementary phase; nobody is overdue and no initial interview is pending. Every working
day, ``registrations_per_client_month`` of the stock registers anew (Poisson) and
``outflow_per_client_month`` leaves (employment, studies; evenly over the stock), both a
month of :data:`WORKING_DAYS_A_MONTH` working days.

**What each client is owed** (the rule set of the day, :class:`models.instance.RuleSet`):

* an **initial interview in person** (*alkuhaastattelu*) within the rule set's working
  days, in the own municipality (an outreach visit or an office there), from the next
  working day on, first come first served; on its last allowed day a client still
  waiting goes to the nearest office if it has a free slot (*travelled*, in time);
  otherwise they wait on and are **late** from the first working day past the deadline;
* after it, ``supplementary_months`` of supplementary conversations, one every
  ``supplementary_interval_working_days`` (2025 rules: every two weeks for three months),
  then a **regular discussion every** ``discussion_interval_months`` (3 months =
  63 working days): each is due on a day; if it is not held that day the client is
  **overdue** and stays first in line (oldest due first) until it is held, and the next
  one falls due an interval after the day it was held;
* conversations **by need** (``conversations_by_need_per_client_year``, an assumption),
  due the day the need arises; not the law's measure, counted on their own.

**Capacity.** A person at an outreach point holds ``appointments_per_staff_day``
appointments there; a person at an office ``working_minutes_per_day ×
client_meeting_share / meeting_minutes`` meetings; central duties hold none (their phone
and digital work is outside this count). A discussion is held in person (the
face-to-face share) in the client's municipality when a slot is left there, otherwise by
phone or video from the production area's office slots. Calendars fill ahead: on a day
on site, the face-to-face share of the discussions falling due before the
municipality's next day on site is booked on this one while slots are left, so the
share held in person is set by the slots, not by how often the village is visited.

**Booking policy** (``[workload] booking``, stated in every report):

* ``first_come`` (default): each own coach books the client's next discussion at the
  last one, so the calendar fills ahead: the day's discussions (due and overdue) take
  their slots first, and an initial interview finds the first slot left.
* ``interviews_reserved``: ``reserved_interview_slots`` a staff-day on site are kept for
  initial interviews; a reserved slot no interview claims that day goes to discussions,
  which slip instead.

Simplifications, stated: the 2025 rules' intensive period after six months is left out;
a client registering again is a new client; a slot is a meeting of ``meeting_minutes``
whatever the kind of meeting.
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
from planner.clients.counts import municipality_counts
from planner.i18n import N_, Words, words
from planner.travel import travel

if TYPE_CHECKING:
    from models.instance import Instance, RuleSet
    from models.plan import Plan

RUNS = 20
"""Seeded runs of a run of months: the spread between runs is shown with the figures."""

WORKING_DAYS_A_MONTH = 21
"""A month of the client model (252 working days a year / 12): 3 months = 63 working
days; rates a month are spread over it."""

REGULAR, BY_NEED = -1, -2
"""Kinds of a discussion due (>= 0: a supplementary conversation with that many more to
follow)."""

POLICIES = {
    "first_come": N_(
        "first come, first booked (discussions booked ahead keep their slots; an initial "
        "interview takes the first slot left)"
    ),
    "interviews_reserved": N_(
        "initial interviews reserved (%(slots)s slot(s) a staff-day on site kept for them; "
        "discussions slip instead)"
    ),
}


def policy_words(instance: Instance) -> str:
    """The booking policy in the words every report states it in."""
    w = instance.settings.workload
    return booking_words(w.booking, w.reserved_interview_slots, words("en"))


def booking_words(booking: str, slots: float, say: Words) -> str:
    """The booking policy in a language's words."""
    return say(POLICIES[booking], slots=f"{slots:g}")


@dataclass(frozen=True)
class MunicipalityFlow:
    """One municipality's month, summarised over the runs."""

    municipality_id: str
    clients: float
    """The stock at the month's end."""
    registrations: float
    counted: float
    """Initial interviews whose outcome fell this month: held in time, or late."""
    within_deadline_pct: float
    """Of the initial interviews decided this month in all runs (held in time, or late),
    the share in time; 100 when none was decided."""
    within_deadline_min_pct: float
    """The lowest share of a run in which any was decided."""
    mean_wait: float
    worst_wait: float
    travelled: float
    late: float
    discussions_due: float
    """Regular and supplementary discussions that fell due this month."""
    discussions_held: float
    """Statutory discussions held this month (overdue ones from earlier included)."""
    in_person_pct: float
    """Of the discussions held, the share held in person."""
    overdue: float
    """Clients overdue for their discussion at the month's end (the law's measure)."""
    overdue_pct: float
    """``overdue`` as a share of the stock."""
    longest_overdue: float
    """Working days the longest-waiting overdue client is past due (median of runs)."""
    by_need_due: float
    """Conversations by need that arose this month."""
    by_need_waiting: float
    """Conversations by need not yet held at the month's end."""
    in_person_slots: float


@dataclass(frozen=True)
class AreaFlow:
    """One production area's month: capacity against what came due."""

    area_id: str
    local_fte: float
    clients: int
    caseload: float
    appointment_capacity: float
    meetings_required: float
    """Meetings that came due this month: discussions, by-need conversations and an initial
    interview per registration (overdue ones carried in are not counted again)."""
    capacity_pct: float


@dataclass(frozen=True)
class Flow:
    """One month of the client model."""

    month: str
    deadline: int
    runs: int
    municipalities: tuple[MunicipalityFlow, ...]
    areas: tuple[AreaFlow, ...]
    policy: str = ""
    start: str = ""
    """Where the month's stock came from: the steady state, or the month before."""

    def municipality(self, municipality_id: str) -> MunicipalityFlow:
        return next(m for m in self.municipalities if m.municipality_id == municipality_id)


def office_slots(instance: Instance) -> float:
    """Meetings one person holds on an office day."""
    w, d = instance.settings.workload, instance.settings.demand
    return w.working_minutes_per_day * w.client_meeting_share / d.meeting_minutes


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means (a municipality's registrations in a day)."""
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


def _rules(instance: Instance, plan: Plan) -> RuleSet:
    year, mon = (int(x) for x in plan.month.split("-"))
    return instance.settings.rule_set_for(dt.date(year, mon, 1))[1]


def _interval(months: float) -> int:
    return max(1, round(months * WORKING_DAYS_A_MONTH))


@dataclass(frozen=True)
class _Rhythm:
    """A rule set's rhythm in working days: read once a month, not every day of a run."""

    interval: int
    """A regular discussion's interval."""
    step: int
    """A supplementary conversation's interval."""
    span: int
    """The supplementary phase after the initial interview (0: none)."""
    phase: int
    """Supplementary conversations in that phase."""

    @classmethod
    def of(cls, rules: RuleSet) -> _Rhythm:
        step = rules.supplementary_interval_working_days
        span = _interval(rules.supplementary_months) if rules.supplementary_months else 0
        return cls(
            _interval(rules.discussion_interval_months),
            step,
            span,
            max(1, span // step) if span else 0,
        )


@dataclass
class _Day:
    month: int
    slots: dict[str, float]
    """In-person slots by municipality: its outreach days, and the office days there of
    its own production area's workers."""
    desk: dict[str, float]
    """Office slots by production area of workers sitting at an office outside their
    area's municipalities (Sisä-Savo's staff at the Kuopio centre): phone and video only."""
    on_site: dict[str, int]
    rules: RuleSet
    rhythm: _Rhythm
    outreach: dict[str, float]
    """The part of ``slots`` on outreach days: in person only (the rest, office days,
    may also hold the area's phone and video meetings)."""


def _days(plans: list[Plan], instance: Instance) -> list[_Day]:
    """Every working day of the run with its in-person slots by municipality."""
    point_muni = {p.point_id: p.municipality_id for p in instance.service_points}
    area_of = {m.municipality_id: m.area_id for m in instance.municipalities}
    office = office_slots(instance)
    outreach = instance.settings.demand.appointments_per_staff_day
    days: list[_Day] = []
    for k, plan in enumerate(plans):
        rules = _rules(instance, plan)
        rhythm = _Rhythm.of(rules)
        worker_area = {r.staff_id: r.area_id for r in plan.roles if r.role == "local"}
        index = {d: len(days) + i for i, d in enumerate(plan.working_days)}
        month_days = [
            _Day(
                k,
                defaultdict(float),
                defaultdict(float),
                defaultdict(int),
                rules,
                rhythm,
                defaultdict(float),
            )
            for _ in index
        ]
        for entry in plan.schedule:
            i = index.get(entry.date)
            muni = point_muni.get(entry.place_id)
            if i is None or muni is None:
                continue
            day = month_days[i - len(days)]
            if entry.activity == "outreach":
                day.slots[muni] += outreach
                day.outreach[muni] += outreach
                day.on_site[muni] += 1
            elif entry.activity == "office":
                # A worker's clients are their production area's (a substitute covers the
                # office's own area).
                area = worker_area.get(entry.staff_id) or area_of.get(muni)
                if area == area_of.get(muni):
                    day.slots[muni] += office
                    day.on_site[muni] += 1
                elif area:
                    day.desk[area] += office
        days += month_days
    return days


class _Municipality:
    """One municipality's state in one run."""

    def __init__(self, clients: float, rhythm: _Rhythm, registrations: float, survive: float):
        self.stock = clients
        # Due day -> kind -> clients: one entry a kind a day, however many parts add to it.
        self.due: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self.queue: deque[list] = deque()  # [due day, kind, count], oldest due first
        self.waiting: deque[tuple[int, int]] = deque()  # (registration day, deadline)
        self.marked = 0  # how many of the first waiting clients are already counted late
        interval, step = rhythm.interval, rhythm.step
        daily = clients * registrations / WORKING_DAYS_A_MONTH
        in_phase = 0.0
        if rhythm.span:
            for j in range(1, rhythm.span + 1):
                held = j // step
                left = rhythm.phase - held - 1
                if left < 0:
                    continue
                count = daily * survive**j
                in_phase += count
                self.due[step * (held + 1) - j][left] += count
        regular = max(0.0, clients - in_phase)
        for t in range(interval):
            self.due[t][REGULAR] += regular / interval * survive**t

    def book(self, amount: float) -> list[tuple[int, float]]:
        """Take ``amount`` from the head of the queue (oldest due first)."""
        taken = []
        while amount > 1e-12 and self.queue:
            head = self.queue[0]
            part = min(head[2], amount)
            taken.append((head[1], part))
            head[2] -= part
            amount -= part
            if head[2] <= 1e-12:
                self.queue.popleft()
        return taken


def simulate(plan: Plan, instance: Instance, *, seed: int = 0, runs: int = RUNS) -> Flow:
    """The client model of one month alone, from the steady state."""
    return simulate_run([plan], instance, seed=seed, runs=runs)[0]


def simulate_run(
    plans: list[Plan], instance: Instance, *, seed: int = 0, runs: int = RUNS
) -> list[Flow]:
    """The client model through ``plans`` (consecutive months), one :class:`Flow` a
    month; the stock, the overdue discussions and the waiting clients carry from each
    month into the next."""
    settings = instance.settings
    work, face = settings.workload, settings.demand.face_to_face_share
    days = _days(plans, instance)
    counts = municipality_counts(instance)
    munis = [
        m.municipality_id for m in instance.active_municipalities() if m.municipality_id in counts
    ]
    clients = {m: counts[m]["broad_unemployment"] for m in munis}
    area_of = {m.municipality_id: m.area_id for m in instance.municipalities}
    nearest = {m: _nearest_office(instance, m) for m in munis}
    office_muni = {
        p.point_id: p.municipality_id for p in instance.service_points if p.kind == "office"
    }
    by_area: dict[str, list[str]] = defaultdict(list)
    for m in munis:
        by_area[area_of[m]].append(m)
    survive = 1 - work.outflow_per_client_month / WORKING_DAYS_A_MONTH
    register = work.registrations_per_client_month / WORKING_DAYS_A_MONTH
    by_need = work.conversations_by_need_per_client_year / (12 * WORKING_DAYS_A_MONTH)
    reserved = work.reserved_interview_slots if work.booking == "interviews_reserved" else 0.0
    month_end = {}
    for t, day in enumerate(days):
        month_end[day.month] = t
    # The next working day with an in-person slot in each municipality, from each day.
    next_on_site: dict[str, list[int]] = {}
    for m in munis:
        following, upcoming = [len(days)] * len(days), len(days)
        for t in range(len(days) - 1, -1, -1):
            following[t] = upcoming
            if days[t].slots.get(m, 0.0) > 0:
                upcoming = t
        next_on_site[m] = following
    staff = local_staff(instance)
    per_run: list[list[dict[str, dict[str, float]]]] = []
    for run in range(runs):
        # One stream per municipality (common random numbers): a scenario that changes
        # one municipality, or drops one, leaves every other's arrivals as they were.
        rng = {m: random.Random(f"{seed}:{run}:{plans[0].month}:{m}") for m in munis}
        state = {
            m: _Municipality(
                clients[m], days[0].rhythm, work.registrations_per_client_month, survive
            )
            for m in munis
        }
        months: list[dict[str, dict[str, float]]] = [
            {m: defaultdict(float) for m in munis} for _ in plans
        ]
        worst: list[dict[str, list[int]]] = [defaultdict(list) for _ in plans]
        for t, day in enumerate(days):
            rec = months[day.month]
            slots = dict(day.slots)
            outreach_left = dict(day.outreach)

            def use(
                m: str, amount: float, outreach_left: dict[str, float] = outreach_left
            ) -> float:
                """Slots used in person at ``m``: outreach appointments first."""
                outreach_left[m] = max(0.0, outreach_left.get(m, 0.0) - amount)
                return amount

            deadline = day.rules.initial_interview_working_days
            for m in munis:
                s, r = state[m], rec[m]
                # The day's discussions fall due; a need arises.
                for kind, count in s.due.pop(t, {}).items():
                    s.queue.append([t, kind, count])
                    r["discussions_due"] += count
                need = s.stock * by_need
                if need:
                    s.queue.append([t, BY_NEED, need])
                    r["by_need_due"] += need
                # A client still waiting past the deadline is late from today.
                while s.marked < len(s.waiting):
                    reg, limit = s.waiting[s.marked]
                    if t - reg <= limit:
                        break
                    s.marked += 1
                    r["late"] += 1

            today = _Today(t, day.rhythm, survive)

            if reserved:
                for m in munis:
                    cap = min(slots.get(m, 0.0), reserved * day.on_site.get(m, 0))
                    served = _interview(state[m], rec[m], worst[day.month][m], cap, today)
                    slots[m] = slots.get(m, 0.0) - use(m, served)
            # Discussions: the face-to-face share in person where a slot is left...
            remote: dict[str, float] = {}
            for m in munis:
                s, r = state[m], rec[m]
                waiting = sum(e[2] for e in s.queue)
                held = min(face * waiting, max(0.0, slots.get(m, 0.0)))
                slots[m] = slots.get(m, 0.0) - use(m, held)
                r["in_person"] += _hold(s, held, today, r)
                remote[m] = waiting - held
                # Calendars fill ahead: a face-to-face discussion falling due before the
                # municipality's next day on site is booked on this one, if a slot is left.
                left = slots.get(m, 0.0)
                if left > 0 and face > 0:
                    ahead = range(t + 1, min(next_on_site[m][t], t + day.rhythm.interval))
                    pulled = _pull_forward(s, ahead, face, left, today, r)
                    slots[m] = left - use(m, pulled)
                    r["in_person"] += pulled
            # ...the rest by phone or video from the production area's office slots left
            # (an outreach day's appointments are the village's own, in person).
            for area, members in by_area.items():
                want = sum(remote[m] for m in members)
                away = day.desk.get(area, 0.0)
                office = {
                    m: max(0.0, slots.get(m, 0.0) - outreach_left.get(m, 0.0)) for m in members
                }
                pool = away + sum(office.values())
                if want <= 0 or pool <= 0:
                    continue
                used = min(want, pool)
                for m in members:
                    _hold(state[m], remote[m] * used / want, today, rec[m])
                    slots[m] = max(0.0, slots.get(m, 0.0) - office[m] * used / pool)
            # Initial interviews in the slots left, then the nearest office on the deadline.
            for m in munis:
                slots[m] = slots.get(m, 0.0) - _interview(
                    state[m], rec[m], worst[day.month][m], slots.get(m, 0.0), today
                )
            for m in munis:
                oid = nearest[m]
                if oid is None or office_muni[oid] == m:
                    continue
                om = office_muni[oid]
                slots[om] = slots.get(om, 0.0) - _interview(
                    state[m], rec[m], worst[day.month][m], slots.get(om, 0.0), today, travelled=True
                )
            # Today's registrations (their interview is from tomorrow on); exits.
            for m in munis:
                s, r = state[m], rec[m]
                k = _poisson(rng[m], s.stock * register)
                r["registrations"] += k
                s.waiting.extend([(t, deadline)] * k)
                s.stock = s.stock * survive + k
                for entry in s.queue:
                    entry[2] *= survive
            if t == month_end[day.month]:
                for m in munis:
                    s, r = state[m], rec[m]
                    statutory = [e for e in s.queue if e[1] != BY_NEED and e[2] > 1e-9]
                    r["overdue"] = sum(e[2] for e in statutory)
                    r["longest_overdue"] = t - min((e[0] for e in statutory), default=t)
                    r["by_need_waiting"] = sum(e[2] for e in s.queue if e[1] == BY_NEED)
                    r["stock"] = s.stock
                    for reg, _ in list(s.waiting)[: s.marked]:
                        worst[day.month][m].append(t - reg)
                    r["worst_wait"] = max(worst[day.month][m], default=0)
        per_run.append(months)
    return [
        _summary(plans[k], instance, k, [runs_[k] for runs_ in per_run], days, clients, staff)
        for k in range(len(plans))
    ]


@dataclass(frozen=True)
class _Today:
    """The day and the rhythm in force on it."""

    t: int
    rhythm: _Rhythm
    survive: float

    def book_next(self, s: _Municipality, kind: int, count: float) -> None:
        """After a meeting held today, each client's next discussion: the next
        supplementary conversation while ``kind`` (supplementary ones still to come) is
        above 0, else a regular discussion an interval on; those who leave the stock in
        between are not owed it."""
        if kind > 0:
            step = self.rhythm.step
            s.due[self.t + step][kind - 1] += count * self.survive**step
        else:
            interval = self.rhythm.interval
            s.due[self.t + interval][REGULAR] += count * self.survive**interval


def _interview(
    s: _Municipality,
    r: dict[str, float],
    waits: list[int],
    cap: float,
    today: _Today,
    *,
    travelled: bool = False,
) -> float:
    """Serve ``s``'s waiting clients from ``cap`` slots (only those at their deadline when
    they travel to another municipality's office); the slots used."""
    t = today.t
    used = 0.0
    while s.waiting and cap - used >= 1:
        reg, limit = s.waiting[0]
        if travelled and t - reg < limit:
            break
        s.waiting.popleft()
        used += 1
        waits.append(t - reg)
        r["waits"] += t - reg
        r["served"] += 1
        if s.marked:
            s.marked -= 1
        else:
            r["in_time"] += 1
        if travelled:
            r["travelled"] += 1
        # The client's conversations start from the interview: the rule set's
        # supplementary ones first, if it has any.
        today.book_next(s, today.rhythm.phase, 1.0)
    return used


def _pull_forward(
    s: _Municipality,
    ahead: range,
    face: float,
    slots: float,
    today: _Today,
    r: dict[str, float],
) -> float:
    """Hold today, in person, the face-to-face share of the discussions falling due on the
    days ``ahead`` (before the next day on site), up to ``slots``; book each one's next."""
    held = 0.0
    for u in ahead:
        due = s.due.get(u)
        if not due:
            continue
        for kind, count in list(due.items()):
            take = min(face * count, slots - held)
            if take <= 1e-12:
                return held
            due[kind] -= take
            held += take
            r["discussions_due"] += take
            r["discussions_held"] += take
            today.book_next(s, kind, take)
    return held


def _hold(s: _Municipality, amount: float, today: _Today, r: dict[str, float]) -> float:
    """Hold ``amount`` discussions from the head of ``s``'s queue; book each one's next."""
    held = 0.0
    for kind, count in s.book(amount):
        held += count
        if kind == BY_NEED:
            r["by_need_held"] += count
            continue
        r["discussions_held"] += count
        today.book_next(s, kind, count)
    return held


def _summary(
    plan: Plan,
    instance: Instance,
    k: int,
    runs: list[dict[str, dict[str, float]]],
    days: list[_Day],
    clients: dict[str, float],
    staff: dict[str, list[str]],
) -> Flow:
    rules = _rules(instance, plan)
    mine = [d for d in days if d.month == k]
    municipalities = []
    for m in clients:
        rs = [r[m] for r in runs]

        def mean(key: str, rs: list[dict[str, float]] = rs) -> float:
            return statistics.fmean(r[key] for r in rs)

        def pct(r: dict[str, float]) -> float:
            counted = r["in_time"] + r["late"]
            return 100.0 * r["in_time"] / counted if counted else 100.0

        held = [r["discussions_held"] + r["by_need_held"] for r in rs]
        municipalities.append(
            MunicipalityFlow(
                municipality_id=m,
                clients=mean("stock"),
                registrations=mean("registrations"),
                counted=statistics.fmean(r["in_time"] + r["late"] for r in rs),
                within_deadline_pct=_pooled(rs),
                within_deadline_min_pct=min(
                    (pct(r) for r in rs if r["in_time"] + r["late"]), default=100.0
                ),
                mean_wait=statistics.fmean(
                    r["waits"] / r["served"] if r["served"] else 0.0 for r in rs
                ),
                worst_wait=statistics.median(r["worst_wait"] for r in rs),
                travelled=mean("travelled"),
                late=mean("late"),
                discussions_due=mean("discussions_due"),
                discussions_held=mean("discussions_held"),
                in_person_pct=statistics.fmean(
                    100.0 * r["in_person"] / h if h else 0.0 for r, h in zip(rs, held, strict=True)
                ),
                overdue=mean("overdue"),
                overdue_pct=statistics.fmean(
                    100.0 * r["overdue"] / r["stock"] if r["stock"] else 0.0 for r in rs
                ),
                longest_overdue=statistics.median(r["longest_overdue"] for r in rs),
                by_need_due=mean("by_need_due"),
                by_need_waiting=mean("by_need_waiting"),
                in_person_slots=sum(d.slots.get(m, 0.0) for d in mine),
            )
        )
    start = N_("the steady state") if k == 0 else N_("carried from the month before")
    return Flow(
        plan.month,
        rules.initial_interview_working_days,
        len(runs),
        tuple(municipalities),
        _areas(instance, mine, clients, municipalities, staff),
        policy_words(instance),
        start,
    )


def _pooled(runs: list[dict[str, float]]) -> float:
    """Initial interviews in time over all the runs' decided interviews (a run in which
    none reached its deadline adds nothing, rather than a vacuous 100 %)."""
    in_time = sum(r["in_time"] for r in runs)
    decided = in_time + sum(r["late"] for r in runs)
    return 100.0 * in_time / decided if decided else 100.0


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
    instance: Instance,
    days: list[_Day],
    clients: dict[str, float],
    municipalities: list[MunicipalityFlow],
    staff: dict[str, list[str]],
) -> tuple[AreaFlow, ...]:
    fte_of = {s.staff_id: s.fte for s in instance.staff}
    flows = {f.municipality_id: f for f in municipalities}
    rows = []
    for area_id in instance.active_area_ids():
        members = [m for m in clients if instance.municipality(m).area_id == area_id]
        area_clients = round(sum(clients[m] for m in members))
        capacity = sum(d.slots.get(m, 0.0) for d in days for m in members) + sum(
            d.desk.get(area_id, 0.0) for d in days
        )
        required = sum(
            flows[m].discussions_due + flows[m].by_need_due + flows[m].registrations
            for m in members
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
