"""Pins: what the planner knows holds in the plan, is verified by the checker, and pins
the month cannot keep, or that contradict each other, are refused naming their lines."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

from click.testing import CliRunner

from cli import main
from planner.check import MANIFEST, check_plan, sha256
from tests.tiny import tiny, write_tiny

if TYPE_CHECKING:
    from pathlib import Path

HEADER = ["rule", "staff_id", "point_id", "date", "pattern"]


def _pins(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _schedule(directory: Path, out: Path, pins: Path, month: str = "2026-03") -> object:
    args = ["schedule", str(directory), "--month", month, "--out", str(out), "--pins", str(pins)]
    args += ["--time-limit", "5", "--workers", "2", "-q", "--db", str(out.parent / "none.db")]
    return CliRunner().invoke(main, args)


def test_pins_hold_and_are_checked(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i", face_to_face_share=0.05)
    pins = _pins(
        tmp_path / "pins.csv",
        [
            ["keeps_pattern", "", "village_point", "", "weekly:Wed"],
            ["goes", "sub1", "village_point", "2026-03-11", ""],
            ["does_not_go", "p1", "village_point", "2026-03-18", ""],
            ["closed", "", "village_point", "2026-03-25", ""],
        ],
    )
    out = tmp_path / "out"
    result = _schedule(directory, out, pins)
    assert result.exit_code == 0, result.output
    with open(out / "visits.csv", encoding="utf-8", newline="") as handle:
        visits = {r["date"]: r["staff_ids"].split() for r in csv.DictReader(handle)}
    assert "sub1" in visits["2026-03-11"]
    assert "p1" not in visits.get("2026-03-18", [])
    assert "2026-03-25" not in visits
    assert (out / "pins.csv").exists()
    # Break a pin by hand (and re-sign the manifest): the checker says which.
    with open(out / "visits.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["date"] == "2026-03-11":
            row["staff_ids"] = " ".join(s for s in row["staff_ids"].split() if s != "sub1")
    with open(out / "visits.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest["source"]["files"]["visits.csv"] = sha256(out / "visits.csv")
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    problems = check_plan(out, tiny(tmp_path / "i2", face_to_face_share=0.05))
    assert any("pin: sub1 2026-03-11: pinned to go to village_point" in p for p in problems)


def test_pins_that_cannot_be_kept_are_refused_with_their_lines(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i", absences=[("p2", "2026-03-11", "2026-03-11")])
    pins = _pins(
        tmp_path / "pins.csv",
        [
            ["goes", "p1", "village_point", "2026-03-04", ""],
            ["does_not_go", "p1", "village_point", "2026-03-04", ""],
            ["goes", "p2", "village_point", "2026-03-11", ""],
            ["goes", "p1", "village_point", "2026-03-05", ""],
            ["keeps_pattern", "", "village_point", "", "weekly:Mon"],
            ["sometimes", "", "village_point", "2026-03-04", ""],
        ],
    )
    out = tmp_path / "out"
    result = _schedule(directory, out, pins)
    assert result.exit_code == 2, result.output
    assert "pins.csv:7: rule 'sometimes' is not one of" in result.output
    with open(pins, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:-1]
    pins = _pins(tmp_path / "pins.csv", rows)
    result = _schedule(directory, out, pins)
    assert result.exit_code == 2, result.output
    text = result.output
    assert "pins.csv:3: p1 does not go to village_point on 2026-03-04: contradicts " in text
    assert "pins.csv:2 (p1 goes to village_point on 2026-03-04)" in text
    assert "pins.csv:4: p2 goes to village_point on 2026-03-11: p2 is absent that day" in text
    assert "pins.csv:5: p1 goes to village_point on 2026-03-05: no rhythm allowed there" in text
    assert (
        "pins.csv:6: village_point keeps the rhythm weekly:Mon: not a rhythm allowed there" in text
    )
    assert "Traceback" not in text and not out.exists()


def test_from_day_freezes_the_past_and_changes_little_after(tmp_path: Path) -> None:
    """Re-planning from the 16th after a new absence: every person-day before it is
    exactly as before (and the checker holds the plan to that), and after it only
    what the absence forces changes."""
    directory = write_tiny(tmp_path / "i", face_to_face_share=0.4)
    runner = CliRunner()
    first = tmp_path / "first"
    common = ["--month", "2026-03", "--time-limit", "5", "--workers", "2", "-q"]
    common += ["--db", str(tmp_path / "none.db")]
    result = runner.invoke(main, ["schedule", str(directory), *common, "--out", str(first)])
    assert result.exit_code == 0, result.output
    with open(first / "visits.csv", encoding="utf-8", newline="") as handle:
        later = [r for r in csv.DictReader(handle) if r["date"] >= "2026-03-16"]
    person, day = later[0]["staff_ids"].split()[0], later[0]["date"]
    with open(directory / "absences.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{person},{day},{day},sick leave\n")
    second = tmp_path / "second"
    args = ["schedule", str(directory), *common, "--out", str(second)]
    args += ["--previous", str(first), "--from-day", "2026-03-16"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output

    def days(folder: Path) -> dict[tuple[str, str], tuple[str, str]]:
        with open(folder / "schedule.csv", encoding="utf-8", newline="") as handle:
            return {
                (r["staff_id"], r["date"]): (r["activity"], r["place_id"])
                for r in csv.DictReader(handle)
            }

    old, new = days(first), days(second)
    assert all(new[k] == v for k, v in old.items() if k[1] < "2026-03-16")
    assert new[(person, day)] == ("absent", "")
    changed = [k for k in old if k[1] >= "2026-03-16" and old[k] != new[k]]
    assert len(changed) <= 4, changed
    # The frozen days are pins of the plan: the checker verifies them.
    with open(second / "pins.csv", encoding="utf-8", newline="") as handle:
        frozen = [r for r in csv.DictReader(handle) if r["rule"].startswith("frozen:")]
    assert frozen and all(r["date"] < "2026-03-16" for r in frozen)
    result = runner.invoke(main, ["check", str(second)])
    assert result.exit_code == 0, result.output
