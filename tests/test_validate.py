"""`planner validate` on the shipped instance and on deliberately broken copies.

Each case breaks one thing and asserts the exact place and words a planner sees:
file, line, column and what is wrong, exit code 2, no traceback.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import KUOPIO, replace_cell, replace_line

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def run_validate(directory: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", str(directory)])
    return result.exit_code, result.stdout, result.stderr


def test_shipped_instance_is_valid() -> None:
    code, out, err = run_validate(KUOPIO)
    assert code == 0, err
    assert "valid" in out
    assert "148.0 FTE" in out and "10.0 FTE" in out
    assert "2 offices, 15 outreach points" in out


def _delete(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).unlink()


def _write_bytes(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda d: (d / name).write_bytes(data)


def _edit(name: str, edit: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        path = d / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")

    return apply


def _latin1(name: str) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        path = d / name
        path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))

    return apply


def _drop_column(column: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = [line.split(",") for line in text.splitlines()]
        index = lines[0].index(column)
        return "\n".join(",".join(c for i, c in enumerate(row) if i != index) for row in lines)

    return edit


def _append(line: str) -> Callable[[str], str]:
    return lambda text: text.rstrip("\n") + "\n" + line + "\n"


def _fixed_pattern(point: str, pattern: str) -> Callable[[str], str]:
    """Add a pattern column, fixing ``pattern`` for ``point`` and leaving the rest free."""

    def edit(text: str) -> str:
        lines = text.splitlines()
        rows = [lines[0] + ",pattern"]
        rows += [f"{line},{pattern if line.startswith(point + ',') else ''}" for line in lines[1:]]
        return "\n".join(rows) + "\n"

    return edit


def _toml_set(key: str, value: str) -> Callable[[str], str]:
    """Set every ``key = ...`` line of instance.toml to ``value``."""
    return lambda text: re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)


def _header_only(text: str) -> str:
    return text.splitlines()[0] + "\n"


# (case id, how to break the copy, the line the planner must see)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "fixed pattern on a closed weekday",
        _edit("service_points.csv", _fixed_pattern("rautavaara", "weekly:Mon")),
        "service_points.csv:11: column 'pattern': pattern 'weekly:Mon' falls on Mon, but the "
        "room is free only on Wed",
    ),
    (
        "fixed pattern at the weekend",
        _edit("service_points.csv", _fixed_pattern("rautavaara", "weekly:Sat")),
        "service_points.csv:11: column 'pattern': pattern 'weekly:Sat': visits are on working "
        "days, Mon–Fri",
    ),
    (
        "fixed pattern with an unknown weekday",
        _edit("service_points.csv", _fixed_pattern("rautavaara", "weekly:Foo")),
        "service_points.csv:11: column 'pattern': pattern 'weekly:Foo': 'Foo' is not a weekday",
    ),
    (
        "fixed pattern with parity on a monthly rhythm",
        _edit("service_points.csv", _fixed_pattern("rautavaara", "monthly:Wed:odd")),
        "service_points.csv:11: column 'pattern': pattern 'monthly:Wed:odd': odd/even weeks go "
        "with biweekly",
    ),
    (
        "fixed pattern below the equity floor",
        _edit("service_points.csv", _fixed_pattern("rautavaara", "monthly:Wed")),
        "service_points.csv:11: column 'pattern': pattern 'monthly:Wed' is less frequent than "
        "the equity floor (biweekly) for 'rautavaara', which has no office",
    ),
    (
        "fixed pattern none where there is no office",
        _edit("service_points.csv", _fixed_pattern("rautavaara", "none")),
        "service_points.csv:11: column 'pattern': pattern 'none' is less frequent than the "
        "equity floor (biweekly)",
    ),
    ("missing file", _delete("areas.csv"), "areas.csv: file is missing"),
    ("empty file", _write_bytes("municipalities.csv", b""), "municipalities.csv: file is empty"),
    ("not utf-8", _latin1("service_points.csv"), "service_points.csv:3: is not UTF-8 text"),
    (
        "missing column",
        _edit("staff.csv", _drop_column("fte")),
        "staff.csv:1: column 'fte': column is missing from the header",
    ),
    (
        "duplicate id",
        _edit("staff.csv", _append("s001,Copy A.,1,kuopio_centre,coach,false")),
        "staff.csv:166: column 'staff_id': duplicate id 's001' (first on line 2)",
    ),
    (
        "dangling reference",
        _edit("municipalities.csv", replace_cell(3, "area_id", "nowhere")),
        "municipalities.csv:3: column 'area_id': unknown id 'nowhere': not in areas.csv",
    ),
    (
        "fte above one",
        _edit("staff.csv", replace_cell(2, "fte", "1.5")),
        "staff.csv:2: column 'fte': input should be less than or equal to 1 (got '1.5')",
    ),
    (
        "fte zero",
        _edit("staff.csv", replace_cell(3, "fte", "0")),
        "staff.csv:3: column 'fte': input should be greater than 0 (got '0')",
    ),
    (
        "end before start",
        _edit("absences.csv", replace_line(2, "s001,2026-03-10,2026-03-02,sick leave")),
        "absences.csv:2: column 'end': end 2026-03-02 is before start 2026-03-10",
    ),
    (
        "malformed time",
        _edit("service_points.csv", replace_cell(4, "open", "9.00")),
        "service_points.csv:4: column 'open': is not a time (use HH:MM) (got '9.00')",
    ),
    (
        "malformed date",
        _edit("absences.csv", replace_line(3, "s001,2026-13-01,2026-12-02,x")),
        "absences.csv:3: column 'start': is not a date (use YYYY-MM-DD) (got '2026-13-01')",
    ),
    (
        "unknown weekday",
        _edit("service_points.csv", replace_cell(5, "weekdays", "Mon Funday")),
        "service_points.csv:5: column 'weekdays': unknown weekday 'Funday'",
    ),
    (
        "unknown skill",
        _edit("staff.csv", replace_cell(4, "skills", "coach juggling")),
        "staff.csv:4: column 'skills': unknown skill 'juggling'",
    ),
    (
        "unknown kind",
        _edit("service_points.csv", replace_cell(6, "kind", "kiosk")),
        "service_points.csv:6: column 'kind': input should be 'office' or 'outreach' (got 'kiosk')",
    ),
    (
        "negative count",
        _edit("areas.csv", replace_cell(2, "broad_unemployment", "-5")),
        "areas.csv:2: column 'broad_unemployment': input should be greater than or equal to 0",
    ),
    (
        "not a number",
        _edit("municipalities.csv", replace_cell(4, "labour_force", "many")),
        "municipalities.csv:4: column 'labour_force': is not a whole number (got 'many')",
    ),
    (
        "bad boolean",
        _edit("staff.csv", replace_cell(5, "substitute", "maybe")),
        "staff.csv:5: column 'substitute': 'maybe' is not a boolean",
    ),
    (
        "close before open",
        _edit("service_points.csv", replace_cell(7, "close", "08:30")),
        "service_points.csv:7: column 'close': close 08:30 is not after open 09:00",
    ),
    (
        "shares do not add up",
        _edit("service_points.csv", replace_cell(4, "client_share", "0.5")),
        "service_points.csv:2: column 'client_share': client shares of 'kuopio' add up to 1.47",
    ),
    (
        "bad id",
        _edit("staff.csv", replace_cell(6, "staff_id", "S 6")),
        "staff.csv:6: column 'staff_id': is not a valid id",
    ),
    (
        "dangling home point",
        _edit("staff.csv", replace_cell(7, "home_point_id", "mars")),
        "staff.csv:7: column 'home_point_id': unknown id 'mars': not in service_points.csv",
    ),
    (
        "absence of unknown person",
        _edit("absences.csv", _append("x999,2026-01-05,2026-01-06,")),
        "column 'staff_id': unknown id 'x999': not in staff.csv",
    ),
    ("header only", _edit("staff.csv", _header_only), "staff.csv:2: has a header but no rows"),
    (
        "extra field",
        _edit("areas.csv", replace_line(3, "siilinjarvi,S,1462,539,false,oops")),
        "areas.csv:3: has 6 fields but the header has 5",
    ),
    (
        "toml syntax",
        _edit("instance.toml", replace_line(3, "name = = 1")),
        "instance.toml:3: is not valid TOML",
    ),
    (
        "unknown rule set",
        _edit("instance.toml", lambda t: t.replace("[demand]\n", '[demand]\nrule_set = "1999"\n')),
        "demand.rule_set '1999' is not one of [rule_sets]: 2025, 2026",
    ),
    (
        "overlapping rule sets",
        _edit(
            "instance.toml", lambda t: t.replace("valid_to = 2025-12-31", "valid_to = 2026-01-31")
        ),
        "rule sets 2025 and 2026 overlap: 2025 must end before 2026-01-01",
    ),
    (
        "rule set ending before it starts",
        _edit(
            "instance.toml", lambda t: t.replace("valid_to = 2025-12-31", "valid_to = 2021-12-31")
        ),
        "valid_to 2021-12-31 is before valid_from 2022-05-02",
    ),
    (
        "meetings longer than a day",
        _edit(
            "instance.toml", lambda t: t.replace("meeting_minutes = 60", "meeting_minutes = 120")
        ),
        "demand: 5 appointments of 120 min are 600 min, more than a 480-minute staff-day",
    ),
    (
        "bad settings value",
        _edit(
            "instance.toml",
            lambda t: t.replace("face_to_face_share = 0.4", "face_to_face_share = 4"),
        ),
        "key 'demand.face_to_face_share': input should be less than or equal to 1 (got 4)",
    ),
    (
        "unknown criterion",
        _edit(
            "instance.toml",
            lambda t: t.replace(
                "[weightings.clients]\nbroad_unemployment",
                "[weightings.clients]\nbroad_unemploymnet",
            ),
        ),
        "key 'weightings.clients.broad_unemploymnet': input should be 'broad_unemployment'",
    ),
    (
        "municipality without point",
        _edit(
            "service_points.csv",
            lambda t: (
                "\n".join(line for line in t.splitlines() if not line.startswith("tervo,")) + "\n"
            ),
        ),
        "municipalities.csv:11: column 'municipality_id': 'tervo' has no service point",
    ),
    (
        "a boolean where a share belongs",
        _edit("instance.toml", _toml_set("face_to_face_share", "true")),
        "key 'demand.face_to_face_share': true is a boolean (true/false); a number belongs here",
    ),
    (
        "a boolean where a deadline belongs",
        _edit("instance.toml", _toml_set("initial_interview_working_days", "true")),
        "key 'rule_sets.2025.initial_interview_working_days': true is a boolean",
    ),
    (
        "a boolean where an assumption belongs",
        _edit("instance.toml", _toml_set("outflow_per_client_month", "false")),
        "key 'workload.outflow_per_client_month': false is a boolean",
    ),
    (
        "a right-to-left override in a name",
        _edit("staff.csv", replace_cell(2, "name", "Aino\u202eV.")),
        "staff.csv:2: column 'name': contains an invisible format character",
    ),
    (
        "a zero-width space in a name",
        _edit("municipalities.csv", replace_cell(2, "name", "Kuo\u200bpio")),
        "municipalities.csv:2: column 'name': contains an invisible format",
    ),
    (
        "a line separator in a name",
        _edit("service_points.csv", replace_cell(2, "name", "Kaavi\u2028office")),
        "service_points.csv:2: column 'name': contains a line separator: U+2028",
    ),
]


@pytest.mark.parametrize(("case", "breakage", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_input_is_reported(
    case: str,
    breakage: Callable[[Path], None],
    expected: str,
    instance_copy: Callable[..., Path],
) -> None:
    directory = instance_copy()
    breakage(directory)
    code, out, err = run_validate(directory)
    assert code == 2, (case, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert expected in err, err
    assert "problem" in err.splitlines()[-1]


def test_every_problem_is_reported_in_one_run(instance_copy: Callable[..., Path]) -> None:
    directory = instance_copy()
    _edit("staff.csv", replace_cell(2, "fte", "2"))(directory)
    _edit("staff.csv", replace_cell(3, "skills", "coach juggling"))(directory)
    _edit("absences.csv", replace_line(2, "s001,2026-03-10,2026-03-02,x"))(directory)
    _delete("areas.csv")(directory)
    code, _, err = run_validate(directory)
    assert code == 2
    problems = err.splitlines()[:-1]
    assert len(problems) == 4, err
    assert err.splitlines()[-1].endswith(f"4 problems found in {directory}")


def test_semicolon_csv_from_finnish_excel_is_read(instance_copy: Callable[..., Path]) -> None:
    directory = instance_copy()
    _edit("areas.csv", lambda t: t.replace(",", ";"))(directory)
    code, _, err = run_validate(directory)
    assert code == 0, err


def test_decimal_commas_from_finnish_excel_are_read(instance_copy: Callable[..., Path]) -> None:
    """Finnish Excel writes ';' between cells and ',' as the decimal mark: 0,5 FTE."""
    directory = instance_copy()

    def finnish(text: str) -> str:
        rows = [line.split(",") for line in text.splitlines()]
        return "\n".join(";".join(c.replace(".", ",") for c in row) for row in rows) + "\n"

    _edit("staff.csv", finnish)(directory)
    _edit("service_points.csv", finnish)(directory)
    assert ";0,5;" in (directory / "staff.csv").read_text(encoding="utf-8")
    code, _, err = run_validate(directory)
    assert code == 0, err
    from planner.io import load_instance

    instance = load_instance(directory)
    assert any(s.fte == 0.5 for s in instance.staff)


def test_missing_directory(tmp_path: Path) -> None:
    code, _, err = run_validate(tmp_path / "nope")
    assert code == 2
    assert "is not a directory" in err


def test_generator_reproduces_shipped_staff() -> None:
    from scripts.generate_kuopio_staff import INSTANCE, generate

    staff, absences = generate()
    assert (INSTANCE / "staff.csv").read_text(encoding="utf-8") == staff
    assert (INSTANCE / "absences.csv").read_text(encoding="utf-8") == absences


def test_validate_says_every_default_it_applies(instance_copy: Callable[..., Path]) -> None:
    """A setting left out is never a silent guess: validate names it with its default."""
    code, _, err = run_validate(KUOPIO)
    assert code == 0 and "note:" not in err, err
    directory = instance_copy()
    _edit(
        "instance.toml",
        lambda t: (
            "\n".join(
                line
                for line in t.splitlines()
                if not line.startswith(("time_zone", "siilinjarvi_centre", "long_trip_minutes"))
            )
            + "\n"
        ),
    )(directory)
    text = (directory / "instance.toml").read_text(encoding="utf-8")
    text = text.replace('min_clients = 20\ncriterion = "foreign_language"\n', "")
    (directory / "instance.toml").write_text(text, encoding="utf-8")
    code, _, err = run_validate(directory)
    assert code == 0, err
    for note in (
        'time_zone = "Europe/Helsinki" (default',
        "schedule.long_trip_minutes = 60 (default",
        "process_demand.integration.min_clients = 0 (default",
        'process_demand.integration.criterion = "broad_unemployment" (default',
        "cover.office_min_per_day.siilinjarvi_centre = 0 (default: office",
    ):
        assert f"note: {note}" in err, err
