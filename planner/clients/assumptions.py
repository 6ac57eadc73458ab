"""The assumptions the client model rests on, and their band.

No Kuopio time-use study, inflow or outflow figure is public, so a manager's answer
("the smallest staff that keeps the requirements") rests on assumptions. Each one in
:data:`models.instance.ASSUMPTIONS` has a central value (the setting in instance.toml)
and, in ``[assumptions.NAME]``, a low and a high value with their source. The answer is
computed at the central values and again with each assumption at its low and its high
end, the others central: a range, and a tornado of which assumption moves it most.

The band re-runs the client model on the same monthly plans. For every assumption but
``face_to_face`` that is exact (the plans do not depend on it). The face-to-face share
also sets the plans' outreach demand; the band holds the plans at the central share and
varies only the share of discussions the client model holds in person (stated in every
report that shows the band).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.instance import ASSUMPTIONS
from planner.i18n import N_, Words

if TYPE_CHECKING:
    from models.instance import Instance

WORDS = {
    "meeting_share": N_("share of an office day in client meetings"),
    "conversations_by_need": N_("conversations by need a client a year"),
    "face_to_face": N_("share of discussions face to face"),
    "registrations": N_("new registrations a client a month"),
    "outflow": N_("clients leaving a month (share)"),
}
"""Each assumption in words (translated where shown: ``w(WORDS[name])``)."""

SIDES = {"low": N_("low end"), "high": N_("high end")}


def case_words(name: str, side: str, value: float | None, w: Words) -> str:
    """A case of the band as a reader says it: 'central assumptions', or the assumption
    moved, its value and which end."""
    if name == "central":
        return w("central assumptions")
    said = w(WORDS[name]) if name in WORDS else name
    return f"{said} {w.value(value or 0, 2)} ({w(SIDES.get(side, side))})"


@dataclass(frozen=True)
class Case:
    """One point of the band: every assumption central but (at most) one."""

    name: str
    """'central', or the assumption moved."""
    side: str
    """'central', 'low' or 'high'."""
    value: float | None = None

    @property
    def label(self) -> str:
        if self.name == "central":
            return "central assumptions"
        return f"{WORDS.get(self.name, self.name)} {self.value:g} ({self.side})"


def cases(instance: Instance, skip: tuple[str, ...] = ()) -> list[Case]:
    """The central case, then each banded assumption low and high (``skip``: assumptions
    a sweep steps through itself)."""
    out = [Case("central", "central")]
    for name, band in instance.settings.assumptions.items():
        if name in skip:
            continue
        out += [Case(name, "low", band.low), Case(name, "high", band.high)]
    return out


def apply(instance: Instance, case: Case) -> Instance:
    """The instance with the case's assumption set."""
    if case.name == "central" or case.value is None:
        return instance
    section, key = ASSUMPTIONS[case.name]
    settings = instance.settings
    part = getattr(settings, section).model_copy(update={key: case.value})
    return instance.derived(settings=settings.model_copy(update={section: part}))
