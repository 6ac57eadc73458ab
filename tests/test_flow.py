"""The client model (planner.clients.book) on the tiny instance: figures from their
definitions, the direction each one must move when the plan changes, and clients carried
from month to month."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from planner.clients.book import office_slots, simulate, simulate_run
from planner.plan.model import SolverConfig
from planner.plan.schedule import plan_month
from tests.tiny import tiny

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance
    from models.plan import Plan

MONTH = "2026-03"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Instance, Plan]:
    instance = tiny(tmp_path_factory.mktemp("flow") / "i")
    return instance, plan_month(instance, MONTH, config=SolverConfig(time_limit=5, seed=1))


def _without(plan: Plan, keep: object) -> Plan:
    """The plan with only the schedule entries ``keep`` accepts (the rest made 'off')."""
    schedule = tuple(
        e if keep(e) else e.model_copy(update={"activity": "off", "place_id": ""})  # type: ignore[operator]
        for e in plan.schedule
    )
    return plan.model_copy(update={"schedule": schedule})


def test_the_same_seed_gives_the_same_figures(planned: tuple[Instance, Plan]) -> None:
    instance, plan = planned
    assert simulate(plan, instance, seed=3) == simulate(plan, instance, seed=3)
    flow = simulate(plan, instance, seed=3)
    assert flow.deadline == 10 and flow.runs == 20
    town = flow.municipality("town")
    # An office open every working day: the interview comes the next working day.
    assert town.mean_wait == 1.0 and town.within_deadline_pct == 100.0
    assert office_slots(instance) == pytest.approx(435 * 0.5 / 60)


def test_without_outreach_village_clients_travel_to_the_office(
    planned: tuple[Instance, Plan],
) -> None:
    instance, plan = planned
    with_visits = simulate(plan, instance).municipality("village")
    assert with_visits.in_person_pct > 0
    no_visits = simulate(_without(plan, lambda e: e.activity != "outreach"), instance)
    village = no_visits.municipality("village")
    assert village.in_person_pct == 0
    assert village.travelled > 0 and village.travelled >= with_visits.travelled
    # The office has room for them on their deadline day, so they are still in time.
    assert village.within_deadline_pct == 100.0
    assert village.worst_wait == 10


def test_fewer_visit_days_never_shorten_the_wait(planned: tuple[Instance, Plan]) -> None:
    instance, plan = planned
    visits = sorted({e.date for e in plan.schedule if e.activity == "outreach"})
    assert len(visits) >= 2
    half = set(visits[::2])
    fewer = _without(plan, lambda e: e.activity != "outreach" or e.date in half)
    full = simulate(plan, instance).municipality("village")
    thin = simulate(fewer, instance).municipality("village")
    assert thin.mean_wait >= full.mean_wait
    assert thin.in_person_pct <= full.in_person_pct


def test_no_capacity_leaves_every_conversation_unheld_and_interviews_late(
    planned: tuple[Instance, Plan],
) -> None:
    instance, plan = planned
    flow = simulate(_without(plan, lambda e: False), instance)
    for m in flow.municipalities:
        # Nothing is held: every discussion that fell due is overdue at the month's end.
        assert m.discussions_held == 0
        # ...less the overdue clients who left the stock (0.1 a month) before its end.
        n = len(plan.working_days)
        assert m.discussions_due * (1 - 0.1 / 21) ** n <= m.overdue <= m.discussions_due
        assert m.in_person_slots == 0
        assert m.late > 0 and m.within_deadline_pct == 0
    (area,) = flow.areas
    assert area.appointment_capacity == 0 and area.capacity_pct == 0


def test_the_2025_deadline_is_shorter(planned: tuple[Instance, Plan]) -> None:
    instance, plan = planned
    rules = instance.settings.demand.model_copy(update={"rule_set": "2025"})
    old = instance.model_copy(
        update={"settings": instance.settings.model_copy(update={"demand": rules})}
    )
    flow = simulate(plan, old)
    assert flow.deadline == 5
    assert flow.municipality("village").worst_wait <= 5
    assert (
        flow.municipality("village").travelled
        > simulate(plan, instance).municipality("village").travelled
    )


def test_time_shares_beyond_the_working_day_are_refused(tmp_path: Path) -> None:
    from planner.io import InstanceError, load_instance
    from tests.tiny import write_tiny

    directory = write_tiny(tmp_path / "i")
    with open(directory / "instance.toml", "a", encoding="utf-8") as handle:
        handle.write(
            "[workload]\nclient_meeting_share = 0.7\n"
            "[workload.other_tasks]\ndocumentation = 0.2\ntravel = 0.2\n"
        )
    with pytest.raises(InstanceError) as error:
        load_instance(directory)
    assert "add up to 1.10, more than all of the working time" in str(error.value)
    assert "instance.toml" in str(error.value)


def test_what_a_month_cannot_hold_is_owed_in_the_next(planned: tuple[Instance, Plan]) -> None:
    """A month without staff leaves its discussions overdue; the month after starts from
    them (not from empty queues) and holds them first, and late interviews are counted
    once, in the month their deadline passed."""
    instance, plan = planned
    empty = _without(plan, lambda e: False)
    alone = simulate(plan, instance, seed=2)
    # The same month twice: first with nobody at work, then as planned.
    first, then = simulate_run([empty, plan], instance, seed=2)
    short = first.municipality("town")
    assert short.overdue > 0 and short.late > 0
    carried = then.municipality("town")
    # The second month owes what the first could not hold: more is held than fell due.
    assert carried.discussions_held > carried.discussions_due
    assert carried.discussions_held > alone.municipality("town").discussions_held
    assert then.start == "carried from the month before" and first.start == "the steady state"


def test_the_booking_policy_moves_what_goes_late(planned: tuple[Instance, Plan]) -> None:
    """Short of slots, first-come booking lets interviews go late; reserving slots for
    them protects the deadline and the discussions slip instead."""
    instance, plan = planned
    office_days = [e for e in plan.schedule if e.activity == "office"]
    assert office_days
    # Keep one person at the office on every other day: capacity well below what is owed.
    keep = {(e.date, e.staff_id) for e in office_days if e.date.day % 2 == 0}
    keep = {min(((d, s) for d, s in keep if d == day), default=None) for day, _ in keep}
    thin = _without(plan, lambda e: (e.date, e.staff_id) in keep)

    def policy(name: str) -> Instance:
        work = instance.settings.workload.model_copy(
            update={"booking": name, "reserved_interview_slots": 2}
        )
        return instance.derived(settings=instance.settings.model_copy(update={"workload": work}))

    first = simulate(thin, policy("first_come"), seed=1).municipality("town")
    reserved = simulate(thin, policy("interviews_reserved"), seed=1).municipality("town")
    assert reserved.within_deadline_pct > first.within_deadline_pct
    assert reserved.overdue > first.overdue
    assert "first come" in simulate(thin, policy("first_come")).policy


def test_in_person_share_is_set_by_slots_not_by_the_visit_rhythm(
    planned: tuple[Instance, Plan],
) -> None:
    """A face-to-face discussion falling due between two visits is booked on the visit
    before it, so with slots enough the village holds its face-to-face share in person,
    not only the discussions that happen to fall due on a visit day."""
    instance, plan = planned
    # The month thrice, the middle one read: it starts with a visit behind it and ends
    # with one ahead (a month alone starts from the steady state, with no visit before
    # its first to book on).
    village = simulate_run([plan, plan, plan], instance, seed=1)[1].municipality("village")
    visits = {e.date for e in plan.schedule if e.activity == "outreach"}
    assert len(visits) < len(plan.working_days) / 2  # a village visited now and then
    # Slots enough for the face-to-face share (first come: discussions booked ahead take
    # their slots before a new registration's interview).
    assert village.in_person_slots > 0.4 * village.discussions_due
    assert village.in_person_pct == pytest.approx(40.0, abs=4.0)
