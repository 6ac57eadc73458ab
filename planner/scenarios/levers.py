"""What a manager can change in a scenario, and the stated rule by which each change is
made to the instance.

=====================  =========================================================================
lever                  rule
=====================  =========================================================================
``cut``                FTE leave the pool: spread over central duties and the production areas
                       in proportion to their allocation (quota method), last hired first
                       within each (:func:`planner.scenarios.whatif.choose_leavers`)
``from_area``          the cut is taken from this production area only
``staff``              these named people leave
``leave``              a municipality leaves the employment area: its service points and its
                       clients go, its cost share goes with it — the pool shrinks by its
                       share of the weighted client need (last hired first, from its own
                       production area) — and staff based at its points move to their area's
                       office
``join``               an optional production area joins (Varkaus–Joroinen): its municipalities
                       and points are planned, and it brings staff at the pool's own ratio of
                       clients per FTE (``join_fte`` to state another), whole people based at
                       its largest point, every one a coach, with the other key processes in turn
``rules``              the rule set (e.g. ``2025``) whatever the month
``face_to_face``       the share of statutory meetings held face to face
``meeting_share``      the share of an office day in client meetings ([workload])
``registrations``      new registrations a month per client ([workload])
``outflow``            share of the clients leaving a month ([workload])
``conversations_by_need`` conversations by need a client a year ([workload])
``close``              service points close (their staff move to their area's office)
``room_days``          a service point's room is free on other weekdays (``{point = "Mon Wed"}``)
=====================  =========================================================================

Levers combine: a scenario file (TOML, the keys above) or the flags of ``planner whatif``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from models.instance import StaffMember, parse_weekdays
from planner.clients import municipality_counts, weighted_need
from planner.i18n import Words, words

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance

NUMERIC = (
    "cut",
    "meeting_share",
    "face_to_face",
    "registrations",
    "outflow",
    "conversations_by_need",
    "join_fte",
)
"""Levers a sweep can step through."""

ASSUMPTION_LEVERS = (
    "face_to_face",
    "meeting_share",
    "registrations",
    "outflow",
    "conversations_by_need",
)
"""Levers that change an assumption, not the organisation: a what-if's baseline is
computed under them too, so that an action is not blamed for an assumption."""

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class LeverError(ValueError):
    """A lever that cannot be applied to this instance; the message says which and why."""


@dataclass(frozen=True)
class Levers:
    cut: float = 0.0
    from_area: str | None = None
    staff: tuple[str, ...] = ()
    leave: tuple[str, ...] = ()
    join: tuple[str, ...] = ()
    join_fte: float | None = None
    rules: str | None = None
    face_to_face: float | None = None
    meeting_share: float | None = None
    registrations: float | None = None
    outflow: float | None = None
    conversations_by_need: float | None = None
    close: tuple[str, ...] = ()
    room_days: dict[str, str] = field(default_factory=dict)

    def with_value(self, lever: str, value: float) -> Levers:
        if lever not in NUMERIC:
            raise LeverError(f"{lever!r} is not a numeric lever ({', '.join(NUMERIC)})")
        return replace(self, **{lever: value})

    def changes_anything(self) -> bool:
        return self != Levers()

    def assumptions(self) -> Levers:
        """Only the assumption levers of these (the baseline's conditions)."""
        return Levers(**{k: getattr(self, k) for k in ASSUMPTION_LEVERS})

    def acts(self) -> bool:
        """Whether any lever other than an assumption is set."""
        return replace(self, **dict.fromkeys(ASSUMPTION_LEVERS)) != Levers()


def day_words(days: str, w: Words) -> str:
    """'Tue Thu' (as a scenario file gives it) as a reader says it: 'tiistai, torstai'."""
    from babel.dates import get_day_names

    names = get_day_names("wide", context="stand-alone", locale=w.language)
    given = [d.strip().title()[:3] for d in days.replace(",", " ").split()]
    return ", ".join(names[WEEKDAYS.index(d)] if d in WEEKDAYS else d for d in given)


def title(levers: Levers, instance: Instance) -> str:
    """The change in a few words, for a report's title (the full words follow in it)."""
    from planner.clients.assumptions import WORDS

    w = words(instance.settings.language)
    names = {m.municipality_id: m.name for m in instance.municipalities}
    areas = {a.area_id: a.name for a in instance.areas}
    points = {p.point_id: p.name for p in instance.service_points}
    parts = [w("%(name)s leaves", name=names.get(m, m)) for m in levers.leave]
    parts += [w("%(name)s joins", name=areas.get(a, a)) for a in levers.join]
    if levers.staff:
        parts.append(w("%(n)s named people leave", n=len(levers.staff)))
    elif levers.cut and levers.from_area:
        parts.append(
            w(
                "%(fte)s FTE cut from %(area)s",
                fte=w.value(levers.cut),
                area=areas.get(levers.from_area, levers.from_area),
            )
        )
    elif levers.cut:
        parts.append(w("%(fte)s FTE cut", fte=w.value(levers.cut)))
    if levers.rules:
        parts.append(w("the %(rules)s rules", rules=levers.rules))
    parts += [w("%(name)s closes", name=points.get(p, p)) for p in levers.close]
    parts += [
        w("%(name)s room on %(days)s", name=points.get(p, p), days=day_words(days, w))
        for p, days in levers.room_days.items()
    ]
    for key in ASSUMPTION_LEVERS:
        value = getattr(levers, key)
        if value is not None:
            said = w(WORDS[key]) if key in WORDS else key.replace("_", " ")
            parts.append(f"{said} {w.value(value)}")
    return ", ".join(parts) or w("no change")


def read_levers(path: Path) -> Levers:
    """A scenario file: TOML with the keys of :class:`Levers`; every problem named."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LeverError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LeverError(f"{path}: not valid TOML ({exc})") from None
    return levers_from(data, str(path))


def levers_from(data: dict[str, Any], where: str) -> Levers:
    known = {f.name: f for f in fields(Levers)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise LeverError(f"{where}: unknown lever {key!r} (known: {', '.join(known)})")
        if key in ("staff", "leave", "join", "close"):
            if isinstance(value, str):
                value = value.replace(",", " ").split()
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise LeverError(f"{where}: {key} must be a list of ids")
            values[key] = tuple(value)
        elif key == "room_days":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise LeverError(f"{where}: room_days must map a point to weekdays")
            values[key] = dict(value)
        elif key in ("from_area", "rules"):
            if not isinstance(value, str):
                raise LeverError(f"{where}: {key} must be a string")
            values[key] = value
        else:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise LeverError(f"{where}: {key} must be a number")
            if not math.isfinite(value) or value < 0:
                raise LeverError(f"{where}: {key} must be a finite number, 0 or more")
            values[key] = float(value)
    for key in ("face_to_face", "meeting_share"):
        if key in values and not 0 < values[key] <= 1:
            raise LeverError(f"{where}: {key} must be a share between 0 and 1")
    return Levers(**values)


@dataclass(frozen=True)
class Applied:
    """The scenario's instance, who left, who joined, and each change in words."""

    instance: Instance
    leavers: tuple[StaffMember, ...]
    joiners: tuple[StaffMember, ...]
    words: tuple[str, ...]


def _settings(instance: Instance, section: str, **changes: Any) -> Instance:
    settings = instance.settings
    part = getattr(settings, section).model_copy(update=changes)
    return instance.derived(settings=settings.model_copy(update={section: part}))


def _office_of_area(instance: Instance, area_id: str) -> str:
    offices = [
        p
        for p in instance.service_points
        if p.kind == "office" and instance.municipality(p.municipality_id).area_id == area_id
    ]
    offices = offices or [p for p in instance.service_points if p.kind == "office"]
    return offices[0].point_id


def _rehome(instance: Instance, gone_points: set[str]) -> Instance:
    staff = tuple(
        s.model_copy(
            update={
                "home_point_id": _office_of_area(instance, instance.area_of_point(s.home_point_id))
            }
        )
        if s.home_point_id in gone_points
        else s
        for s in instance.staff
    )
    return instance.derived(staff=staff)


def _leave(instance: Instance, muni: str) -> tuple[Instance, list[StaffMember], str]:
    """A municipality leaves, by the seed's logic: its clients leave with it and the
    others keep their own counts (each remaining municipality's count is fixed at what it
    was, and its area's totals shrink by the leaver's); the pool shrinks by the leaver's
    share of the weighted client need; the people who go are from its own production
    area, those based at its own points first, then the last hired of the area; staff
    left based at its points move to their area's office."""
    from planner.scenarios.whatif import last_hired_first, whole_people, without

    counts = municipality_counts(instance)
    weighting = instance.settings.allocation.weighting
    need = weighted_need(instance, counts, weighting)
    total = sum(need.values())
    share = need.get(muni, 0.0) / total if total else 0.0
    leaving = instance.municipality(muni)
    area_id = leaving.area_id
    points = {p.point_id for p in instance.service_points if p.municipality_id == muni}
    pool = sum(s.fte for s in instance.regular_staff())
    target = share * pool
    area_staff = [
        s for s in instance.regular_staff() if instance.area_of_point(s.home_point_id) == area_id
    ]
    # Those based at its points first, each group last hired first (a stable sort).
    candidates = sorted(last_hired_first(area_staff), key=lambda s: s.home_point_id not in points)
    gone = whole_people(candidates, target)
    fte = sum(s.fte for s in gone)
    mine = counts.get(muni, {})
    municipalities = tuple(
        m.model_copy(
            update={
                "broad_unemployment": round(counts[m.municipality_id]["broad_unemployment"]),
                "foreign_language": round(counts[m.municipality_id]["foreign_language"]),
            }
        )
        if m.municipality_id in counts
        else m
        for m in instance.municipalities
        if m.municipality_id != muni
    )
    areas = tuple(
        a.model_copy(
            update={
                "broad_unemployment": a.broad_unemployment
                - round(mine.get("broad_unemployment", 0)),
                "foreign_language": a.foreign_language - round(mine.get("foreign_language", 0)),
            }
        )
        if a.area_id == area_id
        else a
        for a in instance.areas
    )
    instance = without(instance, gone)
    instance = _rehome(instance, points)
    instance = instance.derived(
        municipalities=municipalities,
        areas=areas,
        service_points=tuple(p for p in instance.service_points if p.point_id not in points),
    )
    area_name = next((a.name for a in instance.areas if a.area_id == area_id), area_id)
    w = words(instance.settings.language)
    from planner.scenarios.whatif import cost_model_name

    text = w(
        "%(name)s leaves with its %(clients)s clients (%(share)s of the weighted client need "
        "under %(weighting)s); the other municipalities keep their own client counts; the "
        "pool loses %(fte)s FTE from its production area %(area)s (whole people; its share is "
        "%(target)s FTE), those based at its own points first",
        name=leaving.name,
        clients=w.number(mine.get("broad_unemployment", 0)),
        share=w.percent(share, 1),
        weighting=cost_model_name(weighting, w, instance),
        fte=w.value(fte),
        area=area_name,
        target=w.number(target, 1),
    )
    return instance, gone, text


def apply_levers(instance: Instance, levers: Levers) -> Applied:
    """The instance the scenario plans, by the rules in the module docstring."""
    from planner.scenarios.whatif import choose_leavers, without

    said: list[str] = []
    w = words(instance.settings.language)
    names = {m.municipality_id: m.name for m in instance.municipalities}
    point_names = {p.point_id: p.name for p in instance.service_points}
    # Rules and workload first: they change nobody.
    if levers.rules is not None:
        if levers.rules not in instance.settings.rule_sets:
            known = ", ".join(instance.settings.rule_sets)
            raise LeverError(f"rules: no rule set {levers.rules!r} (known: {known})")
        instance = _settings(instance, "demand", rule_set=levers.rules)
        said.append(w("the %(rules)s rule set applies", rules=levers.rules))
    if levers.face_to_face is not None:
        instance = _settings(instance, "demand", face_to_face_share=levers.face_to_face)
        said.append(w("%(share)s of meetings face to face", share=w.percent(levers.face_to_face)))
    if levers.meeting_share is not None:
        instance = _settings(instance, "workload", client_meeting_share=levers.meeting_share)
        said.append(
            w(
                "%(share)s of an office day in client meetings",
                share=w.percent(levers.meeting_share),
            )
        )
    if levers.registrations is not None:
        instance = _settings(
            instance, "workload", registrations_per_client_month=levers.registrations
        )
        said.append(
            w(
                "%(n)s new registrations a month per client",
                n=w.value(levers.registrations),
            )
        )
    if levers.outflow is not None:
        instance = _settings(instance, "workload", outflow_per_client_month=levers.outflow)
        said.append(w("%(n)s of the clients leave a month", n=w.value(levers.outflow)))
    if levers.conversations_by_need is not None:
        instance = _settings(
            instance,
            "workload",
            conversations_by_need_per_client_year=levers.conversations_by_need,
        )
        said.append(
            w(
                "%(n)s conversations by need a client a year",
                n=w.value(levers.conversations_by_need),
            )
        )
    # Points.
    for point_id, days in levers.room_days.items():
        if point_id not in point_names:
            raise LeverError(f"room_days: unknown service point {point_id!r}")
        names = frozenset(d.strip().title()[:3] for d in days.replace(",", " ").split())
        if not names or any(d not in WEEKDAYS for d in names):
            raise LeverError(f"room_days: {days!r} for {point_id} is not a list of weekdays")
        # The instance's own reader turns the words into weekdays, as from service_points.csv.
        weekdays = parse_weekdays(" ".join(sorted(names)))
        points = tuple(
            p.model_copy(update={"weekdays": weekdays, "pattern": None})
            if p.point_id == point_id
            else p
            for p in instance.service_points
        )
        instance = instance.derived(service_points=points)
        said.append(
            w(
                "%(name)s's room is free on %(days)s",
                name=point_names[point_id],
                days=day_words(days, w),
            )
        )
    if levers.close:
        unknown = [p for p in levers.close if p not in point_names]
        if unknown:
            raise LeverError(f"close: unknown service point(s) {', '.join(unknown)}")
        instance = _rehome(instance, set(levers.close))
        instance = instance.derived(
            service_points=tuple(
                p for p in instance.service_points if p.point_id not in levers.close
            )
        )
        said.append(w("closes: %(points)s", points=", ".join(point_names[p] for p in levers.close)))
    # Areas joining bring their staff.
    joiners: list[StaffMember] = []
    if levers.join:
        optional = {a.area_id: a for a in instance.areas if a.optional}
        unknown = [a for a in levers.join if a not in optional]
        if unknown:
            raise LeverError(
                f"join: {', '.join(unknown)} is not an optional production area "
                f"(optional: {', '.join(optional) or 'none'})"
            )
        before = municipality_counts(instance)
        pool_clients = sum(c["broad_unemployment"] for c in before.values())
        pool_fte = sum(s.fte for s in instance.regular_staff())
        chosen = tuple(sorted(set(instance.settings.include_optional_areas) | set(levers.join)))
        instance = instance.derived(
            settings=instance.settings.model_copy(update={"include_optional_areas": chosen})
        )
        after = municipality_counts(instance)
        skills = [p for p in instance.settings.processes if p != "coach"] or ["coach"]
        for area_id in levers.join:
            members = [m.municipality_id for m in instance.municipalities if m.area_id == area_id]
            clients = sum(after[m]["broad_unemployment"] for m in members if m in after)
            fte = (
                levers.join_fte
                if levers.join_fte is not None
                else clients * pool_fte / pool_clients
            )
            people = max(1, round(fte))
            points = [p for p in instance.service_points if p.municipality_id in members]
            home = max(points, key=lambda p: p.client_share).point_id
            for k in range(people):
                joiners.append(
                    StaffMember(
                        staff_id=f"{area_id}-{k + 1:02d}",
                        name=w("New worker %(n)s (%(area)s)", n=k + 1, area=optional[area_id].name),
                        fte=1.0,
                        home_point_id=home,
                        skills=frozenset({"coach", skills[k % len(skills)]}),
                    )
                )
            said.append(
                w(
                    "%(area)s joins with %(clients)s clients and %(people)s new FTE (stated; "
                    "the pool has %(ratio)s clients per FTE)",
                    area=optional[area_id].name,
                    clients=w.number(clients),
                    people=people,
                    ratio=w.number(pool_clients / pool_fte),
                )
                if levers.join_fte is not None
                else w(
                    "%(area)s joins with %(clients)s clients and %(people)s new FTE (at the "
                    "pool ratio of %(ratio)s clients per FTE)",
                    area=optional[area_id].name,
                    clients=w.number(clients),
                    people=people,
                    ratio=w.number(pool_clients / pool_fte),
                )
            )
        instance = instance.derived(staff=(*instance.staff, *joiners))
    # People leaving.
    leavers: list[StaffMember] = []
    if levers.leave:
        unknown = [m for m in levers.leave if m not in names]
        if unknown:
            raise LeverError(f"leave: unknown municipality {', '.join(unknown)}")
        for muni in levers.leave:
            instance, gone, text = _leave(instance, muni)
            leavers += gone
            said.append(text)
    if levers.staff or levers.cut:
        try:
            gone = choose_leavers(
                instance, levers.cut, levers.from_area, list(levers.staff) or None
            )
        except ValueError as exc:
            raise LeverError(str(exc)) from None
        leavers += gone
        instance = without(instance, gone)
        cut = sum(s.fte for s in gone)
        if levers.staff:
            said.append(w("%(n)s named people leave (%(fte)s FTE)", n=len(gone), fte=w.value(cut)))
        else:
            area_names = {a.area_id: a.name for a in instance.areas}
            where = (
                w("from %(area)s", area=area_names.get(levers.from_area, levers.from_area))
                if levers.from_area
                else w("across the pool")
            )
            said.append(
                w(
                    "%(fte)s FTE cut %(where)s (whole people)",
                    fte=w.value(cut),
                    where=where,
                )
                if abs(cut - levers.cut) < 1e-9
                else w(
                    "%(fte)s FTE cut %(where)s (whole people; asked %(asked)s)",
                    fte=w.value(cut),
                    where=where,
                    asked=w.value(levers.cut),
                )
            )
    return Applied(instance, tuple(leavers), tuple(joiners), tuple(said) or (w("no change"),))
