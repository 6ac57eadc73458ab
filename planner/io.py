"""Reading an instance directory: ``instance.toml`` plus CSV tables.

A planner edits these files in a spreadsheet, so bad input is normal input.
The reader never stops at the first problem: it collects every problem it can
find, each with the file, line and column a person has to go and fix, and
raises them together as one :class:`InstanceError`.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from models.instance import (
    FREQUENCIES,
    Absence,
    Area,
    Instance,
    LeaveEntitlement,
    LeaveHistory,
    LeaveWish,
    Municipality,
    ServicePoint,
    Settings,
    StaffMember,
    TeamMember,
)

SETTINGS_FILE = "instance.toml"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the format allows."""

    file: str
    line: int | None
    column: str | None
    message: str
    label: str = "column"
    """What ``column`` names: a CSV column, or a settings key."""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.label} '{self.column}': {self.message}" if self.column else self.message
        return f"{where}: {what}"


class InstanceError(Exception):
    """Every problem found in an instance, so one run shows them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Table:
    """How one CSV file maps onto a row model."""

    file: str
    model: type[BaseModel]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    may_be_header_only: bool = False
    may_be_missing: bool = False
    """An optional file: absent means no rows (teams.csv before any approval)."""
    row_rule_column: str | None = None
    """The column to blame when a rule across the row's fields fails."""


TABLES: tuple[Table, ...] = (
    Table(
        "areas.csv",
        Area,
        ("area_id", "name", "broad_unemployment", "foreign_language", "optional"),
    ),
    Table(
        "municipalities.csv",
        Municipality,
        ("municipality_id", "name", "area_id", "labour_force"),
        ("broad_unemployment", "foreign_language"),
    ),
    Table(
        "service_points.csv",
        ServicePoint,
        (
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
        ),
        ("client_share", "rooms", "pattern", "address", "booking"),
        row_rule_column="close",
    ),
    Table(
        "staff.csv",
        StaffMember,
        ("staff_id", "name", "fte", "home_point_id", "skills", "substitute"),
    ),
    Table(
        "absences.csv",
        Absence,
        ("staff_id", "start", "end", "reason"),
        may_be_header_only=True,
        row_rule_column="end",
    ),
    Table(
        "teams.csv",
        TeamMember,
        ("point_id", "staff_id"),
        may_be_header_only=True,
        may_be_missing=True,
    ),
    Table(
        "leave_wishes.csv",
        LeaveWish,
        ("staff_id", "start", "end", "rank"),
        may_be_header_only=True,
        may_be_missing=True,
        row_rule_column="end",
    ),
    Table(
        "leave_history.csv",
        LeaveHistory,
        ("staff_id", "start", "end"),
        may_be_header_only=True,
        may_be_missing=True,
        row_rule_column="end",
    ),
    Table(
        "leave_entitlements.csv",
        LeaveEntitlement,
        ("staff_id", "working_days"),
        may_be_header_only=True,
        may_be_missing=True,
    ),
)

_FRIENDLY = {
    "date": "is not a date (use YYYY-MM-DD)",
    "time": "is not a time (use HH:MM)",
    "int": "is not a whole number",
    "float": "is not a number",
    "bool": "is not a boolean (use true or false)",
    "string_pattern_mismatch": "is not a valid id (lower-case letters, digits, _ and -)",
}


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet read a cell as a formula (OWASP's list, and the full-width
forms some spreadsheets also accept)."""


def spreadsheet_safe(text: str) -> str:
    """Free text a person typed, fit for a CSV planners open in a spreadsheet: a cell
    that would start a formula (``=HYPERLINK(...)``) gets a leading apostrophe, which
    spreadsheets show as text and do not display."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _describe(error: dict[str, Any]) -> str:
    """Turn one pydantic error into words a planner can act on."""
    kind: str = error["type"]
    if kind == "missing":
        return "is empty"
    got = "" if kind == "value_error" else f" (got {error.get('input')!r})"
    text = _FRIENDLY.get(kind) or _FRIENDLY.get(kind.split("_")[0])
    if text is None:
        message: str = error["msg"].removeprefix("Value error, ")
        text = message[0].lower() + message[1:]
    return text + got


MAX_FILE_BYTES = 50 * 1024 * 1024
"""An instance file larger than this is refused: a real one is a few hundred kilobytes."""
INCOMPLETE = "*"
"""Marks a table read only in part: references into it are not reported as dangling."""
MAX_CELL = 10_000
"""Characters one CSV cell may hold."""


def _decode(path: Path, name: str, problems: list[Problem]) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(
                Problem(name, None, None, f"is larger than {MAX_FILE_BYTES // 2**20} MB")
            )
            return None
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, None, None, "file is missing"))
        return None
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot be read: {exc.strerror}"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                name,
                line,
                None,
                f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as 'CSV UTF-8'",
            )
        )
        return None


def read_table(
    directory: Path, table: Table, problems: list[Problem], invalid_ids: set[str] | None = None
) -> list[tuple[int, BaseModel]]:
    """Read one CSV into ``(line, row)`` pairs, adding a problem for each bad cell.

    Ids of rows that fail go into ``invalid_ids``, so that references to them are
    not reported again as dangling: one mistake, one message.
    """
    if table.may_be_missing and not (directory / table.file).exists():
        return []
    text = _decode(directory / table.file, table.file, problems)
    if text is None:
        return []
    if not text.strip():
        problems.append(
            Problem(
                table.file,
                None,
                None,
                "file is empty; expected a header line: " + ",".join(table.required),
            )
        )
        return []
    first_line = text.splitlines()[0]
    # Finnish Excel writes ';'-separated CSV; accept it rather than misreading every row.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # The field size limit is raised past our own cell limit so that a long cell is
    # reported (with its line) by the rule below, not by the csv module's error.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        problems.append(Problem(table.file, 1, None, f"is not readable CSV: {exc}"))
        return []
    missing = [c for c in table.required if c not in header]
    for column in missing:
        problems.append(Problem(table.file, 1, column, "column is missing from the header"))
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            problems.append(Problem(table.file, 1, column, "column appears twice in the header"))
        seen.add(column)
    if missing:
        return []
    known = set(table.required) | set(table.optional)
    rows: list[tuple[int, BaseModel]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(table.file, start, None, f"is not readable CSV: {exc}"))
            if invalid_ids is not None:
                invalid_ids.add(INCOMPLETE)
            break
        line = reader.line_num
        if line > start and any("\n" in c or "\r" in c for c in cells):
            problems.append(
                Problem(
                    table.file,
                    start,
                    None,
                    f'a quote (") opened on this line is not closed before line {line}',
                )
            )
            if invalid_ids is not None:
                invalid_ids.add(INCOMPLETE)  # the rest of the file was swallowed
            break
        too_long = [i for i, c in enumerate(cells) if len(c) > MAX_CELL]
        if too_long:
            column = header[too_long[0]] if too_long[0] < len(header) else None
            problems.append(
                Problem(table.file, line, column, f"cell is longer than {MAX_CELL} characters")
            )
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                Problem(
                    table.file,
                    line,
                    None,
                    f"has {len(cells)} fields but the header has {len(header)}",
                )
            )
            continue
        data = {
            col: cell.strip()
            for col, cell in zip(header, cells, strict=False)
            if col in known and cell.strip() != ""
        }
        try:
            rows.append((line, table.model.model_validate(data)))
        except ValidationError as exc:
            if invalid_ids is not None and table.required[0] in data:
                invalid_ids.add(data[table.required[0]])
            if invalid_ids is not None and "municipality_id" in data:
                # A municipality whose only point is invalid is not also "without a point".
                invalid_ids.add(f"municipality:{data['municipality_id']}")
            for error in exc.errors():
                loc = error["loc"]
                column = str(loc[0]) if loc else table.row_rule_column
                problems.append(Problem(table.file, line, column, _describe(dict(error))))
    if (
        not rows
        and not table.may_be_header_only
        and not any(p.file == table.file for p in problems)
    ):
        problems.append(Problem(table.file, 2, None, "has a header but no rows"))
    return rows


def _key_line(text: str, path: tuple[Any, ...]) -> int | None:
    """Best-effort line of a settings key, so a person knows where to look."""
    for key in reversed([str(k) for k in path if isinstance(k, str)]):
        pattern = re.compile(rf"^\s*(\[+\s*[\w.\"]*)?\b{re.escape(key)}\b")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.match(line):
                return number
    return None


def read_settings(directory: Path, problems: list[Problem]) -> Settings | None:
    text = _decode(directory / SETTINGS_FILE, SETTINGS_FILE, problems)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has the position only inside the message: "… (at line 3, column 8)".
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(found.group(1)) if found else None
        message = str(exc).split(" (at line")[0]
        if found:
            message += f" at column {found.group(2)}"
        problems.append(Problem(SETTINGS_FILE, line, None, f"is not valid TOML: {message}"))
        return None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            key = ".".join(str(k) for k in loc if k != "[key]") or None
            problems.append(
                Problem(SETTINGS_FILE, _key_line(text, loc), key, _describe(dict(error)), "key")
            )
        return None


def load_instance(directory: Path | str) -> Instance:
    """Read and check an instance directory; raise :class:`InstanceError` listing every problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InstanceError([Problem(str(directory), None, None, "is not a directory")])
    problems: list[Problem] = []
    settings = read_settings(directory, problems)
    invalid: dict[str, set[str]] = {t.file: set() for t in TABLES}
    tables = {t.file: read_table(directory, t, problems, invalid[t.file]) for t in TABLES}
    if settings is not None:
        problems.extend(check_references(settings, tables, invalid))
    if problems:
        raise InstanceError(sorted(set(problems), key=_order))
    assert settings is not None
    from planner.check.files import fingerprint

    return Instance(
        source_dir=str(directory.resolve()),
        source_files=fingerprint(directory),
        settings=settings,
        areas=tuple(r for _, r in tables["areas.csv"]),  # type: ignore[misc]
        municipalities=tuple(r for _, r in tables["municipalities.csv"]),  # type: ignore[misc]
        service_points=tuple(r for _, r in tables["service_points.csv"]),  # type: ignore[misc]
        staff=tuple(r for _, r in tables["staff.csv"]),  # type: ignore[misc]
        absences=tuple(r for _, r in tables["absences.csv"]),  # type: ignore[misc]
        teams=tuple(r for _, r in tables["teams.csv"]),  # type: ignore[misc]
        leave_wishes=tuple(r for _, r in tables["leave_wishes.csv"]),  # type: ignore[misc]
        leave_history=tuple(r for _, r in tables["leave_history.csv"]),  # type: ignore[misc]
        leave_entitlements=tuple(r for _, r in tables["leave_entitlements.csv"]),  # type: ignore[misc]
    )


def _order(problem: Problem) -> tuple[int, str, int, str]:
    files = [SETTINGS_FILE, *(t.file for t in TABLES)]
    rank = files.index(problem.file) if problem.file in files else len(files)
    return (rank, problem.file, problem.line or 0, problem.message)


def _ids(
    rows: list[tuple[int, BaseModel]], file: str, field: str, problems: list[Problem]
) -> dict[str, int]:
    """Map id -> line, reporting duplicates."""
    first: dict[str, int] = {}
    for line, row in rows:
        value = getattr(row, field)
        if value in first:
            problems.append(
                Problem(file, line, field, f"duplicate id {value!r} (first on line {first[value]})")
            )
        else:
            first[value] = line
    return first


def _dangling(
    rows: list[tuple[int, BaseModel]],
    file: str,
    field: str,
    known: dict[str, int],
    target: str,
    problems: list[Problem],
    invalid: set[str] | None = None,
) -> None:
    for line, row in rows:
        value = getattr(row, field)
        if INCOMPLETE in (invalid or set()):
            return
        if value not in known and value not in (invalid or set()):
            problems.append(Problem(file, line, field, f"unknown id {value!r}: not in {target}"))


def _team_problems(
    tables: dict[str, list[tuple[int, BaseModel]]],
    point_ids: dict[str, int],
    staff_ids: dict[str, int],
    invalid: dict[str, set[str]],
) -> list[Problem]:
    """teams.csv: known points and people, each pair once, nobody of the substitute pool
    (the pool covers everywhere; it is never a municipality's named worker)."""
    problems: list[Problem] = []
    if INCOMPLETE in invalid.get("service_points.csv", set()) | invalid.get("staff.csv", set()):
        return problems
    people = {r.staff_id: r for _, r in tables["staff.csv"]}
    seen: dict[tuple[str, str], int] = {}
    for line, row in tables.get("teams.csv", []):
        point, person = row.point_id, row.staff_id
        if point not in point_ids and point not in invalid.get("service_points.csv", set()):
            problems.append(
                Problem(
                    "teams.csv",
                    line,
                    "point_id",
                    f"unknown id {point!r}: not in service_points.csv",
                )
            )
        if person not in staff_ids and person not in invalid.get("staff.csv", set()):
            problems.append(
                Problem("teams.csv", line, "staff_id", f"unknown id {person!r}: not in staff.csv")
            )
        elif person in people and getattr(people[person], "substitute", False):
            problems.append(
                Problem(
                    "teams.csv",
                    line,
                    "staff_id",
                    f"{person!r} is in the substitute pool, which covers everywhere and is "
                    "never a named worker",
                )
            )
        if (point, person) in seen:
            problems.append(
                Problem(
                    "teams.csv",
                    line,
                    "staff_id",
                    f"{person!r} is on {point!r}'s team twice "
                    f"(first on line {seen[(point, person)]})",
                )
            )
        seen.setdefault((point, person), line)
    return problems


def _leave_problems(tables: dict[str, list[tuple[int, BaseModel]]]) -> list[Problem]:
    """One wish per person and rank (rank 0, leave already fixed, may come in several
    spans), one entitlement per person."""
    problems: list[Problem] = []
    seen: dict[tuple[str, int], int] = {}
    for line, row in tables.get("leave_wishes.csv", []):
        key = (row.staff_id, row.rank)  # type: ignore[attr-defined]
        if key[1] and key in seen:
            problems.append(
                Problem(
                    "leave_wishes.csv",
                    line,
                    "rank",
                    f"{key[0]!r} has a wish of rank {key[1]} already (line {seen[key]})",
                )
            )
        seen.setdefault(key, line)
    first: dict[str, int] = {}
    for line, row in tables.get("leave_entitlements.csv", []):
        person = row.staff_id  # type: ignore[attr-defined]
        if person in first:
            problems.append(
                Problem(
                    "leave_entitlements.csv",
                    line,
                    "staff_id",
                    f"{person!r} appears twice (first on line {first[person]})",
                )
            )
        first.setdefault(person, line)
    return problems


def check_references(
    settings: Settings,
    tables: dict[str, list[tuple[int, BaseModel]]],
    invalid: dict[str, set[str]] | None = None,
) -> list[Problem]:
    """Rules across tables and settings: unique ids, references that resolve, shares that add up."""
    problems: list[Problem] = []
    invalid = invalid or {}
    areas = tables["areas.csv"]
    munis = tables["municipalities.csv"]
    points = tables["service_points.csv"]
    staff = tables["staff.csv"]
    absences = tables["absences.csv"]
    area_ids = _ids(areas, "areas.csv", "area_id", problems)
    muni_ids = _ids(munis, "municipalities.csv", "municipality_id", problems)
    point_ids = _ids(points, "service_points.csv", "point_id", problems)
    staff_ids = _ids(staff, "staff.csv", "staff_id", problems)
    references = (  # (rows, file, field, ids it must be one of, the table holding them)
        (munis, "municipalities.csv", "area_id", area_ids, "areas.csv"),
        (points, "service_points.csv", "municipality_id", muni_ids, "municipalities.csv"),
        (staff, "staff.csv", "home_point_id", point_ids, "service_points.csv"),
        (absences, "absences.csv", "staff_id", staff_ids, "staff.csv"),
        *(
            (tables[name], name, "staff_id", staff_ids, "staff.csv")
            for name in ("leave_wishes.csv", "leave_history.csv", "leave_entitlements.csv")
        ),
    )
    for rows, file, field, known, target in references:
        if tables[target] or invalid.get(target):  # a missing table is reported once, already
            _dangling(rows, file, field, known, target, problems, invalid.get(target))

    problems.extend(_team_problems(tables, point_ids, staff_ids, invalid))
    problems.extend(_leave_problems(tables))
    for line, person in staff:
        unknown = sorted(set(person.skills) - set(settings.processes))  # type: ignore[attr-defined]
        for skill in unknown:
            problems.append(
                Problem(
                    "staff.csv",
                    line,
                    "skills",
                    f"unknown skill {skill!r} (known: {' '.join(settings.processes)})",
                )
            )

    shares: dict[str, float] = defaultdict(float)
    first_line: dict[str, int] = {}
    for line, point in points:
        muni = point.municipality_id  # type: ignore[attr-defined]
        shares[muni] += point.client_share  # type: ignore[attr-defined]
        first_line.setdefault(muni, line)
    for muni, total in shares.items():
        if abs(total - 1.0) > 1e-6:
            problems.append(
                Problem(
                    "service_points.csv",
                    first_line[muni],
                    "client_share",
                    f"client shares of {muni!r} add up to {total:g}, not 1",
                )
            )
    if points:
        for muni, line in muni_ids.items():
            if muni not in shares and f"municipality:{muni}" not in invalid.get(
                "service_points.csv", set()
            ):
                problems.append(
                    Problem(
                        "municipalities.csv",
                        line,
                        "municipality_id",
                        f"{muni!r} has no service point, so it would get no local service",
                    )
                )
    if munis:
        served = {m.area_id for _, m in munis}  # type: ignore[attr-defined]
        for area, line in area_ids.items():
            if area not in served:
                problems.append(
                    Problem("areas.csv", line, "area_id", f"area {area!r} has no municipality")
                )

    kinds = {p.point_id: p.kind for _, p in points}  # type: ignore[attr-defined]
    if points:
        for office in settings.cover.office_min_per_day:
            if kinds.get(office) != "office":
                problems.append(
                    Problem(
                        SETTINGS_FILE,
                        None,
                        "cover.office_min_per_day",
                        f"{office!r} is not an office in service_points.csv",
                        "key",
                    )
                )
    floor = settings.schedule.equity_floor
    with_office = {p.municipality_id for _, p in points if p.kind == "office"}  # type: ignore[attr-defined]
    for line, point in points:
        fixed = point.pattern  # type: ignore[attr-defined]
        if not fixed or point.municipality_id in with_office:  # type: ignore[attr-defined]
            continue
        frequency = fixed.split(":")[0]
        if FREQUENCIES.index(frequency) < FREQUENCIES.index(floor):
            problems.append(
                Problem(
                    "service_points.csv",
                    line,
                    "pattern",
                    f"pattern {fixed!r} is less frequent than the equity floor ({floor}) "
                    f"for {point.municipality_id!r}, which has no office",  # type: ignore[attr-defined]
                )
            )
    optional = {a.area_id for _, a in areas if a.optional}  # type: ignore[attr-defined]
    if areas:
        for area in settings.include_optional_areas:
            if area not in optional:
                problems.append(
                    Problem(
                        SETTINGS_FILE,
                        None,
                        "include_optional_areas",
                        f"{area!r} is not an optional area in areas.csv",
                        "key",
                    )
                )
    return problems


def defaults_used(instance: Instance) -> list[str]:
    """Every setting that changes a plan and that instance.toml leaves out, with the
    default that applies, said out loud (``planner validate``), so that a truncated or
    half-copied file never falls back to defaults silently: sections, keys inside
    sections and inside named tables (``[process_demand.youth]``), top-level keys such
    as ``time_zone``, and offices without a minimum cover in ``[cover]``."""
    notes: list[str] = []

    def walk(model: BaseModel, path: str) -> None:
        for name, info in type(model).model_fields.items():
            key = f"{path}.{name}" if path else name
            value = getattr(model, name)
            if name not in model.model_fields_set and not info.is_required():
                if value is None:
                    continue  # an optional setting left unset (no valid_to: open-ended)
                if isinstance(value, BaseModel):
                    notes.append(f"[{key}] is not in {SETTINGS_FILE}: all its defaults apply")
                    continue
                notes.append(f"{key} = {_toml_text(value)} (default: not in {SETTINGS_FILE})")
                continue
            if isinstance(value, BaseModel):
                walk(value, key)
            elif isinstance(value, dict):
                for sub, item in value.items():
                    if isinstance(item, BaseModel):
                        walk(item, f"{key}.{sub}")

    walk(instance.settings, "")
    minimums = instance.settings.cover.office_min_per_day
    for point in instance.active_points():
        if point.kind == "office" and point.point_id not in minimums:
            notes.append(
                f"cover.office_min_per_day.{point.point_id} = 0 (default: office "
                f"{point.name} has no minimum cover in {SETTINGS_FILE})"
            )
    return notes


def _toml_text(value: object) -> str:
    """A default as it would be written in instance.toml."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_text(v)}" for k, v in value.items()) + "}"
    return str(value)
