"""A tiny hand-made instance, written as real files so tests also exercise the reader.

One production area 'a' with a town (office, Mon–Fri) and a village (outreach
point, Wednesdays only), six regular people at the town office (one of whom the
allocation puts on central duties) and one substitute. Tests change what they
need through keyword arguments.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from planner.io import load_instance

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance

SETTINGS = """
name = "Tiny area"
[processes]
coach = "Own coach"
employer = "Employer services"
youth = "Youth services (no municipality asks for it in the tiny area)"
[rule_sets.2025]
meetings_per_client_year = 13.0
initial_interview_working_days = 5
valid_from = 2022-05-02
valid_to = 2025-12-31
[rule_sets.2026]
meetings_per_client_year = 6.5
initial_interview_working_days = 10
valid_from = 2026-01-01
[demand]
meeting_minutes = 60
face_to_face_share = {face_to_face_share}
appointments_per_staff_day = 5
[cover]
central_share = 0.2
central_min_per_day = 1
[cover.office_min_per_day]
town_office = {office_min}
[allocation]
step_fte = 0.5
outreach_floor_fte = 0.5
weighting = "clients"
[weightings.clients]
broad_unemployment = 1.0
[process_demand.employer]
visits_per_month = 1
[schedule]
holiday_policy = "{holiday_policy}"
equity_floor = "{equity_floor}"
"""

STAFF = [
    # staff_id, fte, skills, substitute
    ("p1", 1.0, "coach employer"),
    ("p2", 1.0, "coach"),
    ("p3", 1.0, "coach"),
    ("p4", 1.0, "coach employer"),
    ("p5", 1.0, "coach"),
    ("p6", 1.0, "coach"),
]


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_tiny(
    directory: Path,
    *,
    staff: list[tuple[str, float, str]] | None = None,
    substitutes: int = 1,
    absences: list[tuple[str, str, str]] | None = None,
    office_min: int = 1,
    face_to_face_share: float = 0.4,
    holiday_policy: str = "drop",
    equity_floor: str = "biweekly",
    village_weekdays: str = "Wed",
    village_rooms: int = 2,
    village_pattern: str = "",
    village_address: str = "",
    village_booking: str = "",
    substitute_home: str = "town_office",
    substitute_fte: float = 1.0,
    penalties: dict[str, int] | None = None,
    rule_set: str = "",
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = SETTINGS.format(
        office_min=office_min,
        face_to_face_share=face_to_face_share,
        holiday_policy=holiday_policy,
        equity_floor=equity_floor,
    )
    if rule_set:
        text = text.replace("[demand]\n", f'[demand]\nrule_set = "{rule_set}"\n')
    if penalties:
        text += "[penalties]\n" + "".join(f"{k} = {v}\n" for k, v in penalties.items())
    (directory / "instance.toml").write_text(text, encoding="utf-8")
    _write(
        directory / "areas.csv",
        ["area_id", "name", "broad_unemployment", "foreign_language", "optional"],
        [["a", "Area", 500, 50, "false"]],
    )
    _write(
        directory / "municipalities.csv",
        ["municipality_id", "name", "area_id", "labour_force"],
        [["town", "Town", "a", 9000], ["village", "Village", "a", 1000]],
    )
    _write(
        directory / "service_points.csv",
        [
            "point_id",
            "name",
            "municipality_id",
            "kind",
            "lat",
            "lon",
            "road_km",
            "drive_min",
            "open",
            "close",
            "weekdays",
            "rooms",
            "pattern",
            "address",
            "booking",
        ],
        [
            [
                "town_office",
                "Town office",
                "town",
                "office",
                62.89,
                27.68,
                0,
                0,
                "08:00",
                "16:00",
                "Mon Tue Wed Thu Fri",
                10,
                "",
                "",
                "",
            ],
            [
                "village_point",
                "Village",
                "village",
                "outreach",
                63.49,
                28.30,
                100,
                80,
                "09:00",
                "15:00",
                village_weekdays,
                village_rooms,
                village_pattern,
                village_address,
                village_booking,
            ],
        ],
    )
    people = [
        [sid, f"Person {sid}", fte, "town_office", skills, "false"]
        for sid, fte, skills in (staff if staff is not None else STAFF)
    ]
    people += [
        [f"sub{i}", f"Substitute {i}", substitute_fte, substitute_home, "coach employer", "true"]
        for i in range(1, substitutes + 1)
    ]
    _write(
        directory / "staff.csv",
        ["staff_id", "name", "fte", "home_point_id", "skills", "substitute"],
        people,
    )
    _write(
        directory / "absences.csv",
        ["staff_id", "start", "end", "reason"],
        [[sid, start, end, "leave"] for sid, start, end in (absences or [])],
    )
    return directory


def tiny(directory: Path, **kwargs: object) -> Instance:
    return load_instance(write_tiny(directory, **kwargs))  # type: ignore[arg-type]
