"""Property: any small instance that `validate` accepts is planned without a traceback,
and its plan passes the independent checker (everything it could not do is declared,
with a cause the checker verifies); a plan the checker passes is published and every
feed it makes parses; an instance it refuses is refused with located messages.

The example count is small in CI (``PLANNER_PROPERTY_EXAMPLES``, default 40); run it
by hand with thousands: ``PLANNER_PROPERTY_EXAMPLES=2000 pytest tests/test_property.py``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from planner.check import check_plan
from planner.feeds.render import all_feed_keys, render_feed
from planner.feeds.store import connect, publish
from planner.io import InstanceError, load_instance
from planner.plan.model import SolverConfig
from planner.plan.outputs import write_plan
from planner.plan.schedule import plan_month
from tests.tiny import write_tiny

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLES = int(os.environ.get("PLANNER_PROPERTY_EXAMPLES", "40"))
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("2025-12", "2026-01", "2026-03", "2026-04", "2026-06", "2026-12", "2027-01")


@st.composite
def instances(draw: st.DrawFn) -> dict:
    month = draw(st.sampled_from(MONTHS))
    people = draw(st.integers(2, 7))
    staff = [
        (
            f"p{i}",
            draw(st.sampled_from([0.4, 0.5, 0.6, 0.8, 1.0])),
            " ".join(
                draw(
                    st.lists(
                        st.sampled_from(["coach", "employer", "youth"]),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    )
                )
            ),
        )
        for i in range(1, people + 1)
    ]
    room = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True))
    weekdays = [d for d in room if d not in ("Sat", "Sun")]
    pattern = ""
    if weekdays and draw(st.booleans()):
        day = draw(st.sampled_from(weekdays))
        pattern = draw(
            st.sampled_from(
                [f"weekly:{day}", f"biweekly:{day}:odd", f"biweekly:{day}:even", f"monthly:{day}"]
            )
        )
    substitutes = draw(st.integers(0, 2))
    absences = []
    for sid in [s[0] for s in staff] + [f"sub{i}" for i in range(1, substitutes + 1)]:
        if draw(st.booleans()):
            first = draw(st.integers(1, 25))
            length = draw(st.integers(0, 12))
            start = f"{month}-{first:02d}"
            end = f"{month}-{min(28, first + length):02d}"
            absences.append((sid, start, end))
    return {
        "month": month,
        "staff": staff,
        "substitutes": substitutes,
        "substitute_fte": draw(st.sampled_from([0.5, 1.0])),
        "absences": absences,
        "office_min": draw(st.integers(0, 3)),
        "face_to_face_share": draw(st.sampled_from([0.05, 0.2, 0.4, 1.0])),
        "holiday_policy": draw(st.sampled_from(["drop", "move"])),
        "equity_floor": draw(st.sampled_from(["none", "monthly", "biweekly", "weekly"])),
        "village_weekdays": " ".join(room),
        "village_rooms": draw(st.integers(1, 3)),
        "village_pattern": pattern,
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=instances())
def test_every_accepted_instance_plans_and_checks(tmp_path: Path, case: dict) -> None:
    month = case.pop("month")
    directory = write_tiny(tmp_path / f"i{abs(hash(str(case)))}", **case)
    try:
        instance = load_instance(directory)
    except InstanceError as exc:
        assert exc.problems and all(p.file for p in exc.problems), exc.problems
        event("refused by validation")
        return
    event("planned")
    plan = plan_month(instance, month, config=SolverConfig(time_limit=3, workers=2, seed=1))
    assert plan.stats.status in ("OPTIMAL", "FEASIBLE")
    out = directory.parent / f"{directory.name}-plan"
    write_plan(plan, instance, out)
    assert check_plan(out, instance) == [], case
    # A plan the checker passes always publishes, and every feed it makes parses.
    db = directory.parent / f"{directory.name}.db"
    publish(db, out, instance, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with connect(db) as con:
        for key in all_feed_keys(con):
            calendar = Calendar.from_ical(render_feed(con, key))
            for event_ in calendar.walk("VEVENT"):
                assert event_["DTEND"].dt > event_["DTSTART"].dt, (key, case)
