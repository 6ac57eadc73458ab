"""Broken instances, generated: every one is either accepted and then planned without a
traceback, or refused with messages that name the file (and line or key).

A seeded mutator breaks a copy of instances/kuopio one way at a time (a cell replaced by
a nasty value, a line deleted or doubled, a file cut short, a settings value replaced).
CI runs ``PLANNER_FUZZ_CASES`` cases (default 40); run thousands by hand:
``PLANNER_FUZZ_CASES=1000 pytest tests/test_fuzz.py``. An accepted mutant is allocated,
prepared and its CP-SAT model built and validated (not solved: that is the property
test's job on small instances), each case within 10 seconds.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import time
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from cli import main
from models.instance import NoRuleSetError
from planner.allocation.staff import AllocationError, allocate
from planner.io import InstanceError, load_instance
from planner.plan.model import build_model
from planner.plan.month import prepare
from tests.conftest import KUOPIO

if TYPE_CHECKING:
    from pathlib import Path

CASES = int(os.environ.get("PLANNER_FUZZ_CASES", "40"))
NASTY = [
    "",
    " ",
    "-5",
    "0",
    "1e300",
    "1e-300",
    "inf",
    "-inf",
    "nan",
    "9" * 401,
    "1_000",
    "0,5",
    "0x10",
    "09:00+02:00",
    "25:00",
    "\x00",
    "a\x1bb",
    "x" * 200_000,
    '"',
    '"unclosed',
    "9999-12-31",
    "1900-01-01",
    "2026-02-30",
    "Mon Foo",
    "daily:Foo",
    "weekly:Sat",
    "maybe",
    "ääkköset",
    "s001",
    "kuopio_centre",
    "-1",
    "1.5",
    "100000000000",
    "9.2e18",
]
TOML_NASTY = [
    "-5",
    "1e300",
    "inf",
    "nan",
    "9.2e18",
    "1e-9",
    '"x"',
    "[]",
    "true",
    "0",
    "-1",
    '"\\u0000"',
]
FILES = ["areas.csv", "municipalities.csv", "service_points.csv", "staff.csv", "absences.csv"]


def mutate(directory: Path, rng: random.Random) -> str:
    """Break the instance in ``directory`` one way; say how."""
    kind = rng.choice(["cell", "cell", "cell", "line", "double", "cut", "toml", "toml"])
    if kind == "toml":
        path = directory / "instance.toml"
        lines = path.read_text(encoding="utf-8").splitlines()
        values = [i for i, line in enumerate(lines) if re.match(r"^\w+\s*=", line)]
        i = rng.choice(values)
        key = lines[i].split("=")[0]
        value = rng.choice(TOML_NASTY)
        if rng.random() < 0.2:
            lines = lines[:i]
            what = f"instance.toml cut at line {i + 1}"
        else:
            lines[i] = f"{key}= {value}"
            what = f"instance.toml:{i + 1} {key.strip()} = {value}"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return what
    name = rng.choice(FILES)
    path = directory / name
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    row = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
    if kind == "line":
        del lines[row]
    elif kind == "double":
        lines.insert(row, lines[row])
    elif kind == "cut":
        cut = rng.randrange(len(text))
        path.write_text(text[:cut], encoding="utf-8")
        return f"{name} cut at character {cut}"
    else:
        cells = lines[row].split(",")
        column = rng.randrange(len(cells))
        value = rng.choice(NASTY)
        cells[column] = value
        lines[row] = ",".join(cells)
        kind = f"cell {column} = {value[:20]!r}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{name}:{row + 1} {kind}"


@pytest.mark.parametrize("seed", range(CASES))
def test_a_broken_instance_is_refused_or_planned(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    directory = tmp_path / "i"
    shutil.copytree(KUOPIO, directory)
    what = mutate(directory, rng)
    started = time.perf_counter()
    try:
        instance = load_instance(directory)
    except InstanceError as exc:
        assert exc.problems, what
        for problem in exc.problems:
            text = str(problem)
            assert problem.file and problem.file in text, (what, text)
            assert len(text) < 600, (what, text[:200])
        return
    finally:
        assert time.perf_counter() - started < 10, what
    try:
        allocate(instance)
        data = prepare(instance, "2026-03")
    except (AllocationError, NoRuleSetError):
        return  # the commands say these in words, exit 2
    built = build_model(data)
    assert built.model.validate() == "", what
    assert time.perf_counter() - started < 10, what


@pytest.mark.parametrize("seed", range(4))
def test_the_command_line_says_it_in_words(tmp_path: Path, seed: int) -> None:
    rng = random.Random(1000 + seed)
    directory = tmp_path / "i"
    shutil.copytree(KUOPIO, directory)
    what = mutate(directory, rng)
    result = CliRunner().invoke(main, ["validate", str(directory)])
    assert result.exit_code in (0, 2), (what, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), what
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "month", ["2026-1", " 2026-03", "2026-13", "9999-12", "1999-12", "202603", "2026-03 "]
)
def test_a_month_is_strictly_yyyy_mm(month: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schedule", "--month", month, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "is not a month YYYY-MM" in result.output
    assert not (tmp_path / "o").exists()
