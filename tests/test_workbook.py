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
    # In the instance's language (tiny instances, like Kuopio's, are Finnish).
    assert book.sheetnames == [
        "Area",
        "Keskitetyt tehtävät",
        "Sijaispooli",
        "Käynnit",
        "Kunnat",
    ]
    area = book["Area"]
    assert area.freeze_panes == "C2"
    header = [c.value for c in area[1]]
    assert header[:2] == ["Nimi", "htv"]  # names, never ids
    assert area["A2"].value.startswith("Person ")
    good_friday = header.index("pe 3.4.") + 1  # a holiday: a column, shaded and named
    column = area.cell(1, good_friday)
    assert column.fill.fgColor.rgb.endswith(WORKBOOK_FILLS["holiday"])
    assert area.cell(2, good_friday).value  # the holiday's name
    outreach = [
        c
        for row in area.iter_rows(min_row=2)
        for c in row[2:]
        if c.fill.fgColor.rgb and c.fill.fgColor.rgb.endswith(WORKBOOK_FILLS["outreach"])
    ]
    assert outreach and all(c.value == "Village" for c in outreach)
    assert "toimipiste" in {c.value for row in area.iter_rows(min_row=2) for c in row[2:]}
    visits = book["Käynnit"]
    assert [c.value for c in visits[1]][:3] == ["Päivämäärä", "Viikonpäivä", "Palvelupiste"]
    assert isinstance(visits["A2"].value, dt.datetime)
    assert visits["B2"].value in ("ma", "ti", "ke", "to", "pe")
    assert visits["C2"].value == "Village" and visits["G2"].value.startswith("Person ")
    municipalities = book["Kunnat"]
    headers = [c.value for c in municipalities[1]]
    assert headers[0] == "Kunta" and "Asiakkaita (laaja työttömyys)" in headers
    values = [c.value for row in municipalities.iter_rows(min_row=2) for c in row]
    assert {"kyllä", "ei"} & set(map(str, values))
    assert not any(isinstance(v, bool) or v in ("True", "False") for v in values)
    assert any(isinstance(v, str) and v.startswith("Village: joka") for v in values), values
