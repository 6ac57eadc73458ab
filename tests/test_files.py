"""Who can read what the tool writes (README, *Files and who can read them*)."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from click.testing import CliRunner

from cli import main
from tests.tiny import write_tiny

if TYPE_CHECKING:
    from pathlib import Path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_shareable_outputs_follow_the_umask_private_ones_are_the_owners(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        directory = write_tiny(tmp_path / "i")
        runner = CliRunner()
        plan = tmp_path / "plan"
        args = ["schedule", str(directory), "--month", "2026-03", "--out", str(plan)]
        args += ["--time-limit", "3", "--workers", "2", "-q", "--db", str(tmp_path / "none.db")]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert _mode(plan / "visits.csv") == 0o644
        assert _mode(plan / "plan.json") == 0o644
        table = tmp_path / "allocation.csv"
        result = runner.invoke(main, ["allocate", str(directory), "--out", str(table)])
        assert result.exit_code == 0, result.output
        assert _mode(table) == 0o644
        db = tmp_path / "store.db"
        result = runner.invoke(main, ["publish", str(plan), "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert _mode(db) == 0o600
        feeds = tmp_path / "feeds"
        result = runner.invoke(main, ["export", "--db", str(db), "--out", str(feeds)])
        assert result.exit_code == 0, result.output
        assert _mode(feeds / "staff" / "p1.ics") == 0o600
        assert _mode(feeds / "all.ics") == 0o600
        assert _mode(feeds / "points" / "village_point.ics") == 0o644
    finally:
        os.umask(old)
