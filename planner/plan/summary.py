"""A one-screen summary of an instance, for ``planner validate``."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from planner.clients import municipality_counts

if TYPE_CHECKING:
    from models.instance import Instance


def instance_summary(instance: Instance) -> list[tuple[str, str]]:
    """(label, text) lines that tell a planner the instance was read as they meant it."""
    settings = instance.settings
    active = instance.active_area_ids()
    off = [a.area_id for a in instance.areas if a.area_id not in active]
    munis = instance.active_municipalities()
    counts = municipality_counts(instance)
    points = instance.active_points()
    regular, subs = instance.regular_staff(), instance.substitutes()
    skills = Counter(skill for s in instance.staff for skill in s.skills)
    part_time = sum(1 for s in regular if s.fte < 1)
    first = min((a.start for a in instance.absences), default=None)
    last = max((a.end for a in instance.absences), default=None)
    reasons = Counter(a.reason or "unspecified" for a in instance.absences)
    return [
        (
            "production areas",
            f"{len(active)} active: {', '.join(active)}"
            + (f" (options off: {', '.join(off)})" if off else ""),
        ),
        (
            "municipalities",
            f"{len(munis)} active, labour force "
            f"{_thousands(sum(m.labour_force for m in munis))}, broad unemployment "
            f"{_thousands(sum(c['broad_unemployment'] for c in counts.values()))}",
        ),
        (
            "service points",
            f"{sum(p.kind == 'office' for p in points)} offices, "
            f"{sum(p.kind == 'outreach' for p in points)} outreach points",
        ),
        (
            "regular pool",
            f"{len(regular)} people, {sum(s.fte for s in regular):.1f} FTE ({part_time} part-time)",
        ),
        ("substitute pool", f"{len(subs)} people, {sum(s.fte for s in subs):.1f} FTE"),
        ("skills", ", ".join(f"{k} {skills.get(k, 0)}" for k in settings.processes)),
        (
            "absences",
            f"{len(instance.absences)} spans"
            + (f", {first} to {last}: " if first else "")
            + ", ".join(f"{n} {r}" for r, n in reasons.most_common()),
        ),
        (
            "meeting rules",
            "; ".join(
                f"{key} from {r.valid_from}"
                + (f" to {r.valid_to}" if r.valid_to else "")
                + f": {r.meetings_per_client_year:g} meetings a client a year, initial "
                f"interview in {r.initial_interview_working_days} working days"
                for key, r in sorted(settings.rule_sets.items(), key=lambda kv: kv[1].valid_from)
            )
            + (
                f" (pinned: {settings.demand.rule_set} whatever the date)"
                if settings.demand.rule_set
                else ""
            )
            + f"; {settings.demand.face_to_face_share:.0%} face to face, "
            f"{settings.demand.appointments_per_staff_day:g} appointments of "
            f"{settings.demand.meeting_minutes} min a staff-day",
        ),
        (
            "weightings",
            ", ".join(settings.weightings) + f" (default {settings.allocation.weighting})",
        ),
        (
            "named teams",
            f"{len(instance.teams)} named workers on "
            f"{len({m.point_id for m in instance.teams})} points, approved (teams.csv): every "
            "month holds them"
            if instance.teams
            else "none approved: each month chooses its own (planner teams propose)",
        ),
        (
            "leave wishes",
            f"{len(instance.leave_wishes)} rows of "
            f"{len({x.staff_id for x in instance.leave_wishes})} people "
            f"({sum(x.rank == 0 for x in instance.leave_wishes)} fixed), "
            f"{len(instance.leave_history)} spans of last summer; summer "
            f"{instance.settings.leave.summer_start}..{instance.settings.leave.summer_end}, "
            f"{instance.settings.leave.entitlement_days} working days each (planner leave plan)"
            if instance.leave_wishes
            else "none (leave_wishes.csv): planner leave plan places everyone's leave freely",
        ),
    ]


def _thousands(value: float) -> str:
    """Finnish grouping with a space: 81 371."""
    return f"{value:,.0f}".replace(",", " ")
