"""Summer leave planned against every municipality's service: inputs checked like every
table, the rules held, a wish that would leave a municipality without its named worker
moved to the nearest weeks with the reason, the plan written into absences.csv only
while absences.csv is as it was."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from click.testing import CliRunner

from cli import main
from planner.io import InstanceError, load_instance
from planner.leave.model import evaluate, facts, plan_leave, why_not_first
from planner.plan.model import SolverConfig
from tests.tiny import write_tiny

if TYPE_CHECKING:
    from pathlib import Path

QUICK = SolverConfig(time_limit=10, workers=2, seed=1)
TEAMS = [
    ("village_point", "p1"),
    ("village_point", "p2"),
    ("village_point", "p4"),
    ("town_office", "p1"),
    ("town_office", "p3"),
    ("town_office", "p4"),
]


def _write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _tiny(tmp_path: Path, wishes: list[tuple], **kwargs: object) -> Path:
    directory = write_tiny(tmp_path / "i", **kwargs)  # type: ignore[arg-type]
    _write(directory / "teams.csv", ["point_id", "staff_id"], TEAMS)
    _write(directory / "leave_wishes.csv", ["staff_id", "start", "end", "rank"], wishes)
    return directory


def test_leave_files_are_checked_row_by_row(tmp_path: Path) -> None:
    directory = _tiny(
        tmp_path,
        [
            ("p1", "2026-07-06", "2026-08-02", 1),
            ("p1", "2026-06-01", "2026-06-28", 1),
            ("nobody", "2026-07-06", "2026-08-02", 1),
            ("p2", "2026-08-02", "2026-07-06", 1),
            ("p3", "2026-07-06", "2026-08-02", 12),
        ],
    )
    try:
        load_instance(directory)
    except InstanceError as exc:
        found = {(p.file, p.line, p.column) for p in exc.problems}
    else:
        raise AssertionError("broken wishes were accepted")
    assert ("leave_wishes.csv", 3, "rank") in found  # rank 1 twice
    assert ("leave_wishes.csv", 4, "staff_id") in found  # unknown person
    assert ("leave_wishes.csv", 5, "end") in found  # ends before it starts
    assert ("leave_wishes.csv", 6, "rank") in found  # rank out of range


def test_every_rule_holds_and_fixed_leave_stays(tmp_path: Path) -> None:
    directory = _tiny(
        tmp_path,
        [("p2", "2026-06-01", "2026-06-14", 0), ("p3", "2026-07-06", "2026-08-02", 1)],
    )
    instance = load_instance(directory)
    plan = plan_leave(instance, 2026, QUICK)
    f = plan.facts
    assert plan.status == "OPTIMAL"
    assert not evaluate(f, plan.leave).breaks()
    for s in f.people:
        weeks = sorted(plan.leave[s])
        assert len(weeks) == f.entitlement[s] == 4, s
        assert any(weeks[k + 1] == weeks[k] + 1 for k in range(len(weeks) - 1)), s  # a block
    june = {w.index for w in f.weeks if w.monday.isoformat() in ("2026-06-01", "2026-06-08")}
    assert june <= plan.leave["p2"]
    assert plan.granted["p3"] == 1


def test_a_wish_that_leaves_the_village_without_its_named_worker_moves(tmp_path: Path) -> None:
    """p1 and p4 are the village's only named employer-services workers and both wish
    4 weeks from 6 July. One of them gets the wish; the other's leave moves to the nearest
    weeks that keep a named worker at work, and the report says why: the village would
    have nobody named for employer services at work."""
    wish = ("2026-07-06", "2026-08-02")
    directory = _tiny(tmp_path, [("p1", *wish, 1), ("p4", *wish, 1)])
    instance = load_instance(directory)
    plan = plan_leave(instance, 2026, QUICK)
    f = plan.facts
    wished = {w.index for w in f.weeks if "2026-07-06" <= w.monday.isoformat() <= "2026-07-27"}
    got = {s for s in ("p1", "p4") if plan.leave[s] == wished}
    assert len(got) == 1
    (moved,) = {"p1", "p4"} - got
    assert not plan.leave[moved] & wished
    # Nearest: every moved week lies next to the wish, at most two weeks away from it.
    assert all(min(abs(w - x) for x in wished) <= 2 for w in plan.leave[moved])
    reasons = why_not_first(f, plan, moved)
    assert ("named_cover", "village:employer", min(wished)) in reasons
    out = tmp_path / "leave"
    result = CliRunner().invoke(
        main,
        [
            "leave",
            "plan",
            str(directory),
            "--year",
            "2026",
            "--out",
            str(out),
            "--time-limit",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    report = (out / "leave.md").read_text(encoding="utf-8")
    line = next(x for x in report.splitlines() if x.startswith(f"- Person {moved}:"))
    assert "Village: kukaan nimetyistä (employer) ei ole töissä" in line


def test_apply_writes_the_leave_and_refuses_a_changed_absences_file(tmp_path: Path) -> None:
    directory = _tiny(
        tmp_path,
        [("p3", "2026-07-06", "2026-08-02", 1)],
        absences=[
            ("p3", "2026-06-15", "2026-07-10"),  # reason written by tiny: see below
            ("p5", "2026-03-02", "2026-03-06"),
        ],
    )
    rows = list(csv.DictReader((directory / "absences.csv").read_text("utf-8").splitlines()))
    rows[0]["reason"] = "annual leave"
    rows.append(
        {"staff_id": "p2", "start": "2026-04-20", "end": "2026-05-15", "reason": "annual leave"}
    )
    _write(directory / "absences.csv", list(rows[0]), [tuple(r.values()) for r in rows])
    runner = CliRunner()
    out = tmp_path / "leave"
    planned = runner.invoke(
        main,
        [
            "leave",
            "plan",
            str(directory),
            "--year",
            "2026",
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--language",
            "en",
        ],
    )
    assert planned.exit_code == 0, planned.output
    assert "first wish 1" in planned.stdout
    # Before it is applied, a what-if runs July with the plan's leave in memory.
    from planner.leave.outputs import with_planned_leave

    held = with_planned_leave(load_instance(directory), out)
    assert any(a.staff_id == "p3" and a.start.isoformat() == "2026-07-06" for a in held.absences)
    july = runner.invoke(
        main,
        [
            "whatif",
            str(directory),
            "--month",
            "2026-07",
            "--one-month",
            "--cut",
            "0",
            "--leave-plan",
            str(out),
            "--out",
            str(tmp_path / "w"),
            "--time-limit",
            "3",
            "--jobs",
            "1",
        ],
    )
    assert july.exit_code == 0, july.output
    applied = runner.invoke(main, ["leave", "apply", str(out), str(directory)])
    assert applied.exit_code == 0, applied.output
    after = list(csv.DictReader((directory / "absences.csv").read_text("utf-8").splitlines()))
    leave = {(r["staff_id"], r["start"], r["end"]) for r in after if r["reason"] == "annual leave"}
    assert ("p3", "2026-07-06", "2026-08-02") in leave  # the first wish, as planned
    assert ("p3", "2026-06-15", "2026-07-10") not in leave  # the old summer leave is gone
    assert ("p2", "2026-04-20", "2026-05-01") in leave  # its days before 2 May stay
    assert any(r["staff_id"] == "p5" and r["start"] == "2026-03-02" for r in after)
    instance = load_instance(directory)
    assert instance.absences  # still a valid instance
    again = runner.invoke(main, ["leave", "apply", str(out), str(directory)])
    assert again.exit_code == 2 and "changed since the leave plan" in again.stderr
    stale = runner.invoke(
        main,
        ["whatif", str(directory), "--month", "2026-07", "--one-month", "--leave-plan", str(out)],
    )
    assert stale.exit_code == 2 and "plan again" in stale.stderr


def test_rautavaaras_named_workers_never_both_on_leave() -> None:
    """Kuopio, with its synthetic wishes: s135 and s139 are Rautavaara's only named
    workers for employer services (and two of its three coaches). Both wish four weeks
    from 6 July: one gets the wish; the other's leave moves to the nearest weeks that keep
    a named worker at work, and the reason names Rautavaara."""
    import datetime as dt
    from pathlib import Path

    from models.instance import LeaveWish

    instance = load_instance(Path(__file__).parent.parent / "instances" / "kuopio")
    pair = ("s135", "s139")
    wishes = [x for x in instance.leave_wishes if x.staff_id not in pair] + [
        LeaveWish(staff_id=s, start=dt.date(2026, 7, 6), end=dt.date(2026, 8, 2), rank=1)
        for s in pair
    ]
    instance = instance.model_copy(update={"leave_wishes": tuple(wishes)})
    f = facts(instance, 2026)
    assert f.named[("rautavaara", "employer")] == pair
    plan = plan_leave(instance, 2026, SolverConfig(time_limit=15, workers=4, seed=1))
    wished = {w.index for w in f.weeks if "2026-07-06" <= w.monday.isoformat() <= "2026-07-27"}
    got = [s for s in pair if plan.leave[s] == wished]
    assert len(got) == 1
    (moved,) = set(pair) - set(got)
    assert not plan.leave[moved] & wished
    assert all(min(abs(w - x) for x in wished) <= 2 for w in plan.leave[moved])
    reasons = why_not_first(f, plan, moved)
    assert any(where.startswith("rautavaara:") for _, where, _ in reasons), reasons
