"""A planner's month, start to end: read the earlier plan, freeze days, plan, check,
write, publish.

``planner schedule`` and ``planner publish`` are thin words over these functions, and
the desk's re-plans run ``planner schedule`` itself, so a month planned at the desk
and one planned on the command line go through the same steps in the same order. The
earlier plan is one of three things: last month's plan folder (the context of the
deadlines across the month boundary), this month's plan folder (a re-plan that changes
as little as it can, optionally from a day on), or, when no folder is given, last
month's published plan in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.check import PlanFilesError, check_plan, read_manifest
from planner.plan.month import Previous
from planner.plan.pins import Pin, PinError, frozen_before, read_pins
from planner.plan.workdays import shift_month

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from pathlib import Path

    from models.instance import Instance
    from planner.feeds.store import PublishResult
    from planner.plan.model import SolverConfig
    from planner.plan.schedule import Plan


class WorkflowError(ValueError):
    """A step of the month cannot be taken; ``problems`` are lines to show first."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Earlier:
    """The plan a month is made against, and what it is to this month."""

    plan: Previous | None
    note: str = ""
    """A line for the planner when the earlier plan is of neither month."""

    def last_month_of(self, month: str) -> bool:
        return self.plan is not None and self.plan.month == shift_month(month, -1)

    def same_month(self, month: str) -> bool:
        return self.plan is not None and self.plan.month == month


def earlier_plan(month: str, previous: Path | None, db: Path | None) -> Earlier:
    """The earlier plan: the folder given, or else last month's publication in ``db``."""
    from planner.feeds.store import StoreError, published_previous

    if previous is not None:
        try:
            read_manifest(previous)
            before = Previous.read(previous)
        except PlanFilesError as exc:
            raise WorkflowError(f"--previous: {exc}") from None
        except (OSError, KeyError, ValueError) as exc:
            raise WorkflowError(f"--previous {previous}: cannot read its plan ({exc})") from None
    elif db is not None and db.is_file():
        try:
            before = published_previous(db, shift_month(month, -1))
        except StoreError as exc:
            raise WorkflowError(f"--db {db}: {exc}") from None
    else:
        before = None
    earlier = Earlier(before)
    if before is not None and not earlier.last_month_of(month) and before.month != month:
        earlier = Earlier(
            before,
            f"note: --previous holds {before.month or 'no month'}, neither last month nor "
            f"{month}: its rhythms and names are preferred, but it is no context for the "
            "deadlines across the month boundary",
        )
    return earlier


def month_pins(
    month: str, earlier: Earlier, pins_file: Path | None, from_day: dt.date | None
) -> list[Pin]:
    """The planner's pins, and with ``from_day`` every person-day before it frozen as the
    same month's earlier plan had it, and that plan's rhythms kept."""
    try:
        pins = read_pins(pins_file) if pins_file is not None else []
    except PinError as exc:
        raise WorkflowError(
            f"{len(exc.problems)} pin(s) cannot be read; nothing was planned", exc.problems
        ) from None
    if from_day is None:
        return pins
    if not earlier.same_month(month):
        raise WorkflowError(f"--from-day needs --previous with this month's ({month}) plan")
    if from_day.strftime("%Y-%m") != month:
        raise WorkflowError(f"--from-day {from_day:%Y-%m-%d} is not in {month}")
    assert earlier.plan is not None
    return (
        frozen_before(earlier.plan.days, from_day)
        + [
            Pin(0, "keeps_pattern", "", point, None, key)
            for point, key in sorted(earlier.plan.patterns.items())
        ]
        + pins
    )


def plan_and_write(
    instance: Instance,
    month: str,
    target: Path,
    config: SolverConfig,
    earlier: Earlier,
    pins: list[Pin],
    pins_source: str,
    previous_dir: Path | None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan the month, check it from its staged files and write it to ``target``.

    Raises :class:`WorkflowError` for what the planner can fix (pins, rule sets),
    and :class:`planner.plan.outputs.PlanRejected` when the checker refuses the plan
    (a bug: nothing is written)."""
    from models.instance import NoRuleSetError
    from planner.plan.outputs import write_plan
    from planner.plan.schedule import ScheduleError, plan_month

    try:
        plan = plan_month(
            instance,
            month,
            config=config,
            previous=earlier.plan,
            progress=progress,
            pins=pins,
            pins_source=pins_source,
        )
    except PinError as exc:
        raise WorkflowError(
            f"{len(exc.problems)} pin(s) cannot be kept; nothing was planned", exc.problems
        ) from None
    except NoRuleSetError as exc:
        raise WorkflowError(f"{month}: {exc}") from None
    except ScheduleError as exc:
        raise WorkflowError(str(exc)) from None
    boundary = previous_dir if earlier.last_month_of(month) else None
    write_plan(plan, instance, target, verify=lambda staged: check_plan(staged, instance, boundary))
    return plan


def publish_checked(
    db: Path,
    directory: Path,
    instance: Instance,
    now: dt.datetime,
    pins: list[dict[str, str]] | None = None,
) -> PublishResult:
    """Publish the plan in ``directory`` after the checker found it keeps every hard rule
    and every pin the planner holds (``pins``: the desk's store; the same refusal for the
    command line and the desk)."""
    from planner.feeds.store import StoreError, publish

    try:
        violations = check_plan(directory, instance, None, pins)
    except PlanFilesError as exc:
        raise WorkflowError(str(exc)) from None
    if violations:
        raise WorkflowError(
            f"{directory} breaks {len(violations)} hard rule(s): {violations[0]}", violations
        )
    try:
        return publish(db, directory, instance, now)
    except StoreError as exc:
        raise WorkflowError(str(exc)) from None
