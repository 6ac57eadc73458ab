"""An independent checker: re-verifies every hard rule of a plan from its files alone.

It imports nothing from the planning side (``planner.plan``): holidays come straight
from the ``holidays`` package, odd and even weeks and patterns are read from the
files' own text (:mod:`planner.check.calendar`), and which processes a municipality
needs and how much demand a point has are worked out here again from the instance
(:mod:`planner.check.rules`). It shares with the planner only the instance reader and
the client counts (``planner.clients``), which are inputs, not decisions.

A plan directory is read only when it is complete and untouched (its manifest,
``plan.json``, is written last and holds every file's hash; :mod:`.files`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.check.files import (
    MANIFEST,
    TABLES,
    Manifest,
    PlanFilesError,
    fingerprint,
    instance_changes,
    read_manifest,
    read_table,
    sha256,
)
from planner.check.rules import RULES, PlanView

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance

__all__ = [
    "MANIFEST",
    "Manifest",
    "PlanFilesError",
    "check_plan",
    "fingerprint",
    "instance_changes",
    "read_manifest",
    "sha256",
]


def check_plan(
    directory: Path,
    instance: Instance,
    previous: Path | None = None,
    pins: list[dict[str, str]] | None = None,
) -> list[str]:
    """Every violation of a hard rule, in words; an empty list means the plan is sound.

    Raises :class:`PlanFilesError` when the directory is not a complete, untouched plan.
    ``previous`` is last month's plan directory: with it, the rules that reach across
    the month boundary (initial interview, equity floor) count its visits too. ``pins``
    are the pins the planner holds (``check --pins``, the desk's store): the plan must
    keep them as well as its own pins.csv, which a buggy writer could have emptied.
    """
    manifest = read_manifest(directory)
    tables = {name: read_table(directory, name) for name in TABLES}
    own = read_table(directory, "pins.csv") if "pins.csv" in manifest.files else []
    outside = [p for p in pins or [] if p not in own]
    before = None
    if previous is not None:
        read_manifest(previous)
        before = read_table(previous, "visits.csv")
    view = PlanView(
        instance=instance,
        month=manifest.month,
        visits=tables["visits.csv"],
        schedule=tables["schedule.csv"],
        responsible=tables["responsible.csv"],
        points=tables["points.csv"],
        unmet=tables["unmet.csv"],
        roles=tables["roles.csv"],
        previous_visits=before,
        pins=own + outside,
        status=manifest.status,
    )
    problems: list[str] = []
    for rule in RULES:
        try:
            problems.extend(rule(view))
        except (KeyError, ValueError) as exc:
            problems.append(f"{rule.__name__}: cannot be checked ({exc})")
    return problems
