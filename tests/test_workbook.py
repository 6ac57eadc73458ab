"""The planners' workbook opens as a planner expects (issue 12, item 3)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from openpyxl import load_workbook

from planner.plan.model import SolverConfig
from planner.plan.outputs import WORKBOOK_FILLS, write_plan
from planner.plan.schedule import plan_month
from tests.tiny import tiny

if TYPE_CHECKING:
    from pathlib import Path


def test_workbook_has_names_frozen_panes_and_shaded_holidays(tmp_path: Path) -> None:
    instance = tiny(tmp_path / "i", substitutes=1)
    plan = plan_month(instance, "2026-04", config=SolverConfig(time_limit=3, workers=2, seed=1))
    write_plan(plan, instance, tmp_path / "out")
    book = load_workbook(tmp_path / "out" / "schedule.xlsx")
    assert book.sheetnames == [
        "Area",
        "Central duties",
        "Substitute pool",
        "Visits",
        "Municipalities",
    ]
    area = book["Area"]
    assert area.freeze_panes == "D2"
    header = [c.value for c in area[1]]
    assert header[:3] == ["Name", "Staff id", "FTE"]
    assert area["A2"].value.startswith("Person ")  # names first, not ids
    good_friday = header.index("Fri 03.04.") + 1  # a holiday: a column, shaded and named
    column = area.cell(1, good_friday)
    assert column.fill.fgColor.rgb.endswith(WORKBOOK_FILLS["holiday"])
    assert area.cell(2, good_friday).value  # the holiday's name
    outreach = [
        c
        for row in area.iter_rows(min_row=2)
        for c in row[3:]
        if c.fill.fgColor.rgb and c.fill.fgColor.rgb.endswith(WORKBOOK_FILLS["outreach"])
    ]
    assert outreach and all(c.value == "Village" for c in outreach)
    assert "office" in {c.value for row in area.iter_rows(min_row=2) for c in row[3:]}
    visits = book["Visits"]
    assert isinstance(visits["A2"].value, dt.datetime)
    assert visits["C2"].value == "Village" and visits["G2"].value.startswith("Person ")
    assert book["Municipalities"]["A1"].value == "municipality_id"
