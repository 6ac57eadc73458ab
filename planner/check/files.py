"""A plan directory as files: its manifest, its tables, and the instance it was made from.

A plan directory is complete only when its manifest, ``plan.json``, is there: it is
written last and lists the SHA-256 of every other file of the plan and of every file
of the instance the plan was made from. So a folder left by a killed run, or one
whose files were edited or swapped afterwards, is refused before any rule is read.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "plan.json"
TABLES = (
    "visits.csv",
    "schedule.csv",
    "responsible.csv",
    "points.csv",
    "unmet.csv",
    "roles.csv",
)
COLUMNS = {
    "visits.csv": ("date", "point_id", "municipality_id", "start", "end", "staff_ids", "processes"),
    "schedule.csv": ("date", "staff_id", "place_id", "activity", "substitute_cover"),
    "responsible.csv": ("municipality_id", "process", "staff_id", "point_id"),
    "points.csv": ("point_id", "municipality_id", "pattern"),
    "unmet.csv": ("date", "point_id", "municipality_id", "rule", "amount", "cause", "reason"),
    "roles.csv": ("staff_id", "role", "area_id"),
    "pins.csv": ("rule", "staff_id", "point_id", "date", "pattern"),
}
INSTANCE_FILES = (
    "instance.toml",
    "areas.csv",
    "municipalities.csv",
    "service_points.csv",
    "staff.csv",
    "absences.csv",
    "teams.csv",
)


class PlanFilesError(ValueError):
    """The directory is not a complete, untouched plan; the message says why in one line."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(directory: Path) -> dict[str, str]:
    """SHA-256 of every instance file present in ``directory``."""
    return {
        name: sha256(directory / name) for name in INSTANCE_FILES if (directory / name).is_file()
    }


@dataclass(frozen=True)
class Manifest:
    month: str
    files: dict[str, str]
    instance_dir: str
    instance_files: dict[str, str]
    status: str = ""
    """The solver's status the plan records (a claim: 'search stopped' excuses need a
    plan that does not say OPTIMAL)."""


def read_manifest(directory: Path) -> Manifest:
    """The plan's manifest, with every file it lists verified; PlanFilesError otherwise."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise PlanFilesError(f"{directory} is not a directory")
    if not path.is_file():
        raise PlanFilesError(
            f"{directory} is not a complete plan: {MANIFEST}, written last, is missing "
            "(a run that stopped early, or not a plan folder)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        source = data["source"]
        manifest = Manifest(
            month=str(data["month"]),
            files=dict(source["files"]),
            instance_dir=str(source["instance_dir"]),
            instance_files=dict(source["instance_files"]),
            status=str(data.get("stats", {}).get("status", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PlanFilesError(f"{path} is not a plan manifest ({exc.__class__.__name__})") from None
    missing = [name for name in TABLES if name not in manifest.files]
    if missing:
        raise PlanFilesError(f"{path} lists no {', '.join(missing)}")
    for name, digest in sorted(manifest.files.items()):
        file = directory / name
        if not file.is_file():
            raise PlanFilesError(f"{file} is missing, though {MANIFEST} lists it")
        if sha256(file) != digest:
            raise PlanFilesError(
                f"{file} changed after the plan was written (its SHA-256 differs from {MANIFEST})"
            )
    return manifest


def instance_changes(manifest: Manifest) -> list[str]:
    """Instance files that differ from when the plan was made ('' if the folder is gone)."""
    directory = Path(manifest.instance_dir)
    if not directory.is_dir():
        return [f"{directory} (no longer there)"]
    now = fingerprint(directory)
    names = sorted(set(now) | set(manifest.instance_files))
    return [n for n in names if now.get(n) != manifest.instance_files.get(n)]


def read_table(directory: Path, name: str) -> list[dict[str, str]]:
    """Rows of one plan table, with its columns checked; PlanFilesError on a bad file."""
    path = directory / name
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PlanFilesError(f"{path}: cannot be read ({exc})") from None
    absent = [c for c in COLUMNS.get(name, ()) if c not in header]
    if absent:
        raise PlanFilesError(f"{path}: no column {', '.join(repr(c) for c in absent)}")
    for row in rows:
        for key, value in row.items():
            row[key] = "" if value is None else value
    return rows
