"""Shared fixtures: the shipped instance and broken copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from planner.io import load_instance

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.instance import Instance

ROOT = Path(__file__).resolve().parent.parent
KUOPIO = ROOT / "instances" / "kuopio"


@pytest.fixture(scope="session")
def kuopio() -> Instance:
    return load_instance(KUOPIO)


@pytest.fixture
def instance_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy the Kuopio instance and edit one file's text; returns the copy's directory."""

    def make(file: str | None = None, edit: Callable[[str], str] | None = None) -> Path:
        target = tmp_path / "instance"
        if not target.exists():
            shutil.copytree(KUOPIO, target)
        if file is not None and edit is not None:
            path = target / file
            path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        return target

    return make


def replace_line(number: int, new: str) -> Callable[[str], str]:
    """An edit that replaces 1-based line ``number``."""

    def edit(text: str) -> str:
        lines = text.splitlines()
        lines[number - 1] = new
        return "\n".join(lines) + "\n"

    return edit


def replace_cell(number: int, column: str, value: str) -> Callable[[str], str]:
    """An edit that sets one cell of a comma-separated file without quoting."""

    def edit(text: str) -> str:
        lines = text.splitlines()
        header = lines[0].split(",")
        cells = lines[number - 1].split(",")
        cells[header.index(column)] = value
        lines[number - 1] = ",".join(cells)
        return "\n".join(lines) + "\n"

    return edit
