"""The year's named teams: proposed by one model, approved into the instance, held by
every month; teams.csv checked like every other table."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from click.testing import CliRunner

from cli import main
from planner.io import InstanceError, load_instance
from planner.plan.model import SolverConfig
from planner.plan.month import MIN_NAMED, prepare
from planner.plan.teams import facts, hard_breaks, period, propose
from tests.tiny import STAFF, write_tiny

if TYPE_CHECKING:
    from pathlib import Path

QUICK = SolverConfig(time_limit=5, workers=2, seed=1)


def _write_teams(directory: Path, rows: list[tuple[str, str]]) -> None:
    with open(directory / "teams.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["point_id", "staff_id"])
        writer.writerows(rows)


def test_teams_csv_is_checked_row_by_row(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    _write_teams(
        directory,
        [
            ("village_point", "p1"),
            ("atlantis", "p2"),
            ("village_point", "nobody"),
            ("village_point", "sub1"),
            ("village_point", "p1"),
        ],
    )
    try:
        load_instance(directory)
    except InstanceError as exc:
        found = {(p.file, p.line, p.column) for p in exc.problems}
        text = " ".join(str(p) for p in exc.problems)
    else:
        raise AssertionError("a broken teams.csv was accepted")
    assert ("teams.csv", 3, "point_id") in found  # unknown point
    assert ("teams.csv", 4, "staff_id") in found  # unknown person
    assert ("teams.csv", 5, "staff_id") in found and "substitute pool" in text
    assert ("teams.csv", 6, "staff_id") in found and "twice" in text


def test_no_teams_file_means_each_month_chooses(tmp_path: Path) -> None:
    instance = load_instance(write_tiny(tmp_path / "i"))
    assert instance.teams == ()
    assert prepare(instance, "2026-03").teams_source == "chosen"


def test_the_proposal_keeps_every_hard_rule_and_is_stable(tmp_path: Path) -> None:
    """Every unit at its size, two named per key process; approved and proposed again,
    it changes nothing (continuity costs, and nothing better exists)."""
    directory = write_tiny(tmp_path / "i")
    instance = load_instance(directory)
    months = period(2026)
    first = propose(instance, months, QUICK)
    assert first.status == "OPTIMAL"
    f = facts(instance, months)
    assert not hard_breaks(instance, f, first.teams)
    skills = {s.staff_id: s.skills for s in instance.staff}
    for u in f.units:
        members = first.teams[u.point_id]
        assert len(members) >= min(u.size, len(u.pool))
        for q in u.needed:
            assert sum(q in skills[s] for s in members) >= MIN_NAMED, (u.point_id, q)
    _write_teams(directory, [(p, s) for p, team in first.teams.items() for s in team])
    again = propose(load_instance(directory), months, QUICK)
    assert again.current_source == "approved"
    assert again.changes() == [] and again.teams == first.teams


def test_a_month_holds_the_approved_teams_and_names_who_stands_in(tmp_path: Path) -> None:
    """The village's approved team is p1, p2, p4, its two employer-services people p1 and
    p4: a month plans with exactly that team. With p4 away all of March, p3 (given
    employer services here) stands in for the month, and the month says who and why; in
    April, with p4 back, the approved team alone."""
    staff = [(s, fte, "coach employer" if s == "p3" else k) for s, fte, k in STAFF]
    directory = write_tiny(
        tmp_path / "i", staff=staff, absences=[("p4", "2026-03-02", "2026-03-31")]
    )
    _write_teams(directory, [("village_point", s) for s in ("p1", "p2", "p4")])
    instance = load_instance(directory)
    march = prepare(instance, "2026-03")
    assert march.teams_source == "approved"
    assert set(march.teams["village_point"]) == {"p1", "p2", "p3", "p4"}
    assert any("Person p3 stands in" in n and "employer" in n for n in march.notes)
    assert not any(march.may_visit(s, "village_point") for s in ("p5", "p6"))
    april = prepare(instance, "2026-04")
    assert set(april.teams["village_point"]) == {"p1", "p2", "p4"}
    assert not any("stands in" in n for n in april.notes)


def test_cli_propose_approve_and_the_refusals(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    runner = CliRunner()
    out = tmp_path / "proposal"
    proposed = runner.invoke(
        main,
        [
            "teams",
            "propose",
            str(directory),
            "--year",
            "2026",
            "--out",
            str(out),
            "--time-limit",
            "5",
        ],
    )
    assert proposed.exit_code == 0, proposed.output
    assert (out / "teams.csv").exists() and (out / "teams.md").exists()
    assert "(OPTIMAL)" in proposed.stdout
    report = (out / "teams.md").read_text(encoding="utf-8")
    assert report.startswith("# Nimetyt tiimit tammikuu 2026–joulukuu 2026: ehdotus")
    # A planner's edit that leaves employer services with one named worker is refused.
    rows = list(csv.reader((out / "teams.csv").read_text("utf-8").splitlines()))
    employer = [r for r in rows[1:] if r[1] in ("p1", "p4")]
    edited = tmp_path / "edited"
    edited.mkdir()
    (edited / "proposal.json").write_text((out / "proposal.json").read_text("utf-8"), "utf-8")
    _write_teams(edited, [tuple(r) for r in rows[1:] if r != employer[0]])  # type: ignore[misc]
    refused = runner.invoke(main, ["teams", "approve", str(edited), str(directory)])
    assert refused.exit_code == 2 and "fewer than two named for employer" in refused.stderr
    assert not (directory / "teams.csv").exists()
    approved = runner.invoke(main, ["teams", "approve", str(out), str(directory)])
    assert approved.exit_code == 0, approved.output
    assert load_instance(directory).teams
    # The instance changed since the proposal: approving it again is refused.
    with open(directory / "staff.csv", "a", encoding="utf-8") as handle:
        handle.write("p7,Person p7,1.0,town_office,coach,false\n")
    stale = runner.invoke(main, ["teams", "approve", str(out), str(directory)])
    assert stale.exit_code == 2 and "staff.csv" in stale.stderr and "propose again" in stale.stderr
    planned = runner.invoke(
        main,
        [
            "schedule",
            str(directory),
            "--month",
            "2026-03",
            "--out",
            str(tmp_path / "m"),
            "--time-limit",
            "5",
            "--quiet",
            "--language",
            "en",
        ],
    )
    assert planned.exit_code == 0, planned.output
    assert "given the approved teams" in planned.stdout


def test_the_checker_holds_a_month_to_its_approved_teams(tmp_path: Path) -> None:
    """A month planned with approved teams passes the checker; a responsible.csv that
    drops an approved member, or names someone else while two approved members with the
    process work, is caught (the manifest re-signed, so the rule catches it, not the
    hashes)."""
    import json

    from planner.check import check_plan
    from planner.check.files import MANIFEST, sha256
    from planner.plan.outputs import write_plan
    from planner.plan.schedule import plan_month

    directory = write_tiny(tmp_path / "i")
    _write_teams(directory, [("village_point", s) for s in ("p1", "p2", "p4")])
    instance = load_instance(directory)
    plan = plan_month(instance, "2026-03", config=QUICK)
    assert plan.teams == "approved"
    out = tmp_path / "plan"
    write_plan(plan, instance, out)
    assert check_plan(out, instance) == []
    path = out / "responsible.csv"
    rows = list(csv.DictReader(path.read_text("utf-8").splitlines()))

    def resign(changed: list[dict[str, str]]) -> list[str]:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, list(rows[0]))
            writer.writeheader()
            writer.writerows(changed)
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        manifest["source"]["files"] = {
            name: sha256(out / name) for name in manifest["source"]["files"]
        }
        (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        return check_plan(out, instance)

    dropped = [r for r in rows if not (r["staff_id"] == "p4" and r["point_id"] == "village_point")]
    assert any("p4" in v and "approved team" in v for v in resign(dropped))
    extra = [
        *rows,
        {
            **rows[0],
            "staff_id": "p3",
            "process": "coach",
            "point_id": "village_point",
            "municipality_id": "village",
        },
    ]
    assert any("p3" in v and "not on its approved team" in v for v in resign(extra))
