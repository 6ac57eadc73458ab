"""The ``planner`` command: a thin layer over :mod:`planner`.

Every command reads an instance directory (default ``instances/kuopio``).
Bad input is reported one line per problem, naming file, line and column, with
exit code 2 and no traceback; nothing is written unless the command succeeds.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.io import InstanceError, load_instance
from planner.scenarios.levers import NUMERIC

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    import pandas as pd

    from models.instance import Instance

DEFAULT_INSTANCE = "instances/kuopio"
LEAVE_TIME_LIMIT = 40.0
"""planner leave plan's default deterministic seconds: about 55 s of wall time at most on
2 cores; Kuopio's summer proves within it for 4 of 5 seeds (bench/leave.py)."""
RULE_COUNT = 14
"""Rule families of planner.check (tests/test_check.py keeps this in step)."""


class UserError(click.ClickException):
    """A problem with what the user gave us: printed plainly, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _resolve_instance(path: str | None) -> Path:
    """The instance directory; the default also works outside the repository root."""
    if path is not None:
        return Path(path)
    here = Path(DEFAULT_INSTANCE)
    return here if here.is_dir() else Path(__file__).resolve().parent / DEFAULT_INSTANCE


def read_instance(path: str | None, language: str | None = None) -> Instance:
    """The instance, in ``language`` when given (what a person reads; the plan is the
    same, and the instance still names its files)."""
    directory = _resolve_instance(path)
    try:
        instance = load_instance(directory)
        if language is not None and language != instance.settings.language:
            settings = instance.settings.model_copy(update={"language": language})
            instance = instance.model_copy(update={"settings": settings})
        return instance
    except InstanceError as exc:
        for problem in exc.problems:
            located = problem.file == str(directory)
            click.echo(str(problem) if located else f"{directory / str(problem)}", err=True)
        count = len(exc.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found in {directory}", err=True)
        sys.exit(2)


def leave_plan_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--leave-plan: run with a summer leave plan's leave before it is applied."""
    return click.option(
        "--leave-plan",
        "leave_plan_dir",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=None,
        help="A 'planner leave plan' folder: its leave replaces the summer's annual leave "
        "of absences.csv for this run (as 'planner leave apply' would write it).",
    )(command)


def _with_leave_plan(data: Instance, folder: Path | None) -> Instance:
    if folder is None:
        return data
    from planner.leave.model import LeaveError
    from planner.leave.outputs import with_planned_leave

    try:
        return with_planned_leave(data, folder)
    except LeaveError as exc:
        raise UserError(str(exc)) from None


def language_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--language: what a person reads (reports, workbook, plots, these lines) in Finnish or
    English, overriding the instance's ``language``. Files for machines keep English."""
    return click.option(
        "--language",
        type=click.Choice(["fi", "en"]),
        default=None,
        help="Language of what a person reads (default: the instance's 'language').",
    )(command)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, write: Callable[[Path], None], *, private: bool = False) -> None:
    """Write via a temporary file in the same folder, so a failure leaves no half file.

    Who may read it is decided per kind of output (README, *Files and who can read
    them*): shareable outputs (plans, allocation tables, scenario reports, public point
    feeds) get the permissions the user's umask gives any new file; ``private`` ones
    (personal and planners' feeds, which carry names) are readable by the owner only.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        os.chmod(tmp, 0o600 if private else 0o666 & ~_umask())
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Floats rounded to 6 decimals, so no binary noise (127.39999999999998) reaches a file."""
    write_atomically(path, lambda tmp: frame.round(6).to_csv(tmp, index=False))


instance_argument = click.argument("instance", required=False, metavar="[INSTANCE]")


def solver_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--time-limit, --workers and --seed, the same defaults for schedule, whatif and sweep
    (see :class:`planner.plan.model.SolverConfig`), so a month is the same plan in each."""
    from planner.plan.model import SolverConfig

    default = SolverConfig()
    for option in reversed(
        [
            click.option(
                "--time-limit",
                type=click.FloatRange(min=1, max=86400),
                default=default.time_limit,
                show_default=True,
                help="Solver time for one month, in CP-SAT's deterministic seconds (about "
                "wall seconds on an idle 2-core machine). A plan proven optimal, or stopped "
                "by this limit, is reproducible; the wall clock stops a search only on a "
                "loaded machine, and the report then says so.",
            ),
            click.option(
                "--workers",
                type=click.IntRange(1, 64),
                default=default.workers,
                show_default=True,
                help="CP-SAT search workers, interleaved so runs are reproducible.",
            ),
            click.option(
                "--seed",
                type=click.IntRange(0, 2**31 - 1),
                default=default.seed,
                show_default=True,
                help="Solver random seed: the same seed and workers give the same plan.",
            ),
            click.option(
                "--method",
                type=click.Choice(["auto", "whole", "split"]),
                default=default.method,
                show_default=True,
                help="whole: the month as one model (its status and bound are the month's); "
                "split: each production area and central duties with the whole substitute "
                "pool, the pool's days priced round by round (a Lagrangian bound valid for "
                "the month), the substitutes placed after each round; auto: whole up to "
                "300 people.",
            ),
            click.option(
                "--wall-limit",
                type=click.FloatRange(min=1, max=864000),
                default=None,
                help="Stop each month's search after this many wall-clock seconds too. "
                "Without it only the deterministic --time-limit decides (the wall clock "
                "stops a search only at 20 times that, on an all but stalled machine), so "
                "a busy machine gives the same plan as an idle one; with it, a plan "
                "stopped by the wall clock may differ between runs and says so.",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="planner")
def main() -> None:
    """Plan the staff and the outreach days of a Finnish employment area.

    INSTANCE is a directory with instance.toml and CSV tables (areas,
    municipalities, service_points, staff, absences); it defaults to
    instances/kuopio. See README.md for the format.
    """


@main.command()
@instance_argument
def validate(instance: str | None) -> None:
    """Check an instance and print a one-screen summary.

    Every problem is printed on its own line as FILE:LINE: column 'NAME': what is
    wrong. Exit code 0 when the instance is valid, 2 when it is not.
    """
    from planner.io import defaults_used
    from planner.plan.summary import instance_summary

    data = read_instance(instance)
    directory = _resolve_instance(instance)
    click.echo(f"{data.settings.name} ({directory}): valid")
    for label, text in instance_summary(data):
        click.echo(f"  {label:<17} {text}")
    for note in defaults_used(data):
        click.echo(f"note: {note}", err=True)


@main.command()
@instance_argument
@click.option(
    "--weighting",
    "-w",
    help="Named weighting of client need (default: the "
    "instance's, e.g. clients, VOS1, VOS2, VOS3, KOMBI4).",
)
@click.option(
    "--pool",
    type=click.FloatRange(min=0, min_open=True),
    help="Regular pool in FTE (default: the FTE of the regular staff in staff.csv).",
)
@click.option(
    "--cut",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="FTE removed from the pool before allocating.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the table as CSV here."
)
@click.option(
    "--staff-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write each person's home production area as CSV here.",
)
def allocate(
    instance: str | None,
    weighting: str | None,
    pool: float | None,
    cut: float,
    out: Path | None,
    staff_out: Path | None,
) -> None:
    """Divide the staff pool between areas and service points by client need.

    Central duties take their share first; the rest goes to production areas and
    then to their offices and outreach points in proportion to weighted client
    need, in steps of the instance's step_fte, with a floor for every point.
    """
    from planner.allocation.staff import (
        AllocationError,
        allocation_table,
        staff_home_table,
    )
    from planner.allocation.staff import allocate as run_allocation

    data = read_instance(instance)
    try:
        result = run_allocation(data, weighting=weighting, pool=pool, cut=cut)
    except AllocationError as exc:
        raise UserError(str(exc)) from None
    table = allocation_table(result)
    click.echo(
        f"Pool {result.pool_fte:g} FTE - cut {result.cut_fte:g} = "
        f"{result.pool_fte - result.cut_fte:g} FTE; central duties {result.central_fte:g}, "
        f"areas {result.local_fte:g}"
        + (f", unallocated {result.unallocated_fte:g}" if result.unallocated_fte else "")
        + f". Weighting {result.weighting}; {result.method}; step {result.step_fte:g} FTE."
    )
    click.echo(table.to_string(index=False, na_rep=""))
    if out is not None:
        write_csv(table, out)
        click.echo(f"wrote {out}", err=True)
    if staff_out is not None:
        write_csv(staff_home_table(data, result), staff_out)
        click.echo(f"wrote {staff_out}", err=True)


def _next_month() -> str:
    from planner.plan.workdays import upcoming_month

    return upcoming_month()


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """Strictly YYYY-MM, 2000–2100: '2026-1' or ' 2026-03' would name a second folder."""
    import re

    value = value if value is not None else _next_month()
    found = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value)
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise click.BadParameter(
            f"{value!r} is not a month YYYY-MM between 2000-01 and 2100-12 (e.g. 2026-03)"
        )
    return value


@main.command()
@instance_argument
@click.option(
    "--month", "-m", callback=_month, help="Month to plan, YYYY-MM (default: next month)."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: out/<month>/).",
)
@solver_options
@click.option(
    "--previous",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="An earlier plan's output folder. Last month's: its visits are the context of the "
    "deadlines across the month boundary, and its rhythms and named workers are kept "
    "where that costs little (a preference, never a lock). This month's: a re-plan that "
    "changes as little as it can. Without it, last month's published plan in --db is "
    "the context, if there is one.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default="planner.db",
    show_default=True,
    help="Publication store read for last month's published visits when --previous is "
    "not given (never written by schedule).",
)
@click.option(
    "--pins",
    "pins_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="What you already know, as hard rules (CSV: rule, staff_id, point_id, date, "
    "pattern; rules goes, does_not_go, open, closed, keeps_pattern). Copied into the "
    "plan as pins.csv and verified by check.",
)
@click.option(
    "--from-day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Re-plan from this day on (YYYY-MM-DD), with --previous this month's plan: every "
    "person-day before it stays exactly as planned (worked, where), the rhythms stay, "
    "and after it as little as possible changes (e.g. after a new absence).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@language_option
def schedule(
    instance: str | None,
    month: str,
    out: Path | None,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
    previous: Path | None,
    db: Path,
    pins_file: Path | None,
    from_day: dt.datetime | None,
    quiet: bool,
    language: str | None,
) -> None:
    """Plan a month: open days of every outreach point and the named staff who go.

    Writes visits.csv, schedule.csv, responsible.csv, report.md, schedule.xlsx and
    supporting tables into the output folder, then re-checks every hard rule.
    """
    from planner.plan.model import SolverConfig
    from planner.plan.outputs import PlanRejected, summary_lines
    from planner.plan.workflow import WorkflowError, earlier_plan, month_pins, plan_and_write

    data = read_instance(instance, language)
    say = None if quiet else (lambda text: click.echo(text, err=True))
    target = out or Path("out") / month
    try:
        earlier = earlier_plan(month, previous, db)
        if earlier.last_month_of(month) and say and earlier.plan is not None:
            say(f"context: the visits of {earlier.plan.month} from {earlier.plan.source}")
        if earlier.note:
            click.echo(earlier.note, err=True)
        pins = month_pins(month, earlier, pins_file, from_day.date() if from_day else None)
        plan = plan_and_write(
            data,
            month,
            target,
            SolverConfig(
                time_limit=time_limit,
                workers=workers,
                seed=seed,
                method=method,
                wall_limit=wall_limit,
            ),
            earlier,
            pins,
            str(pins_file),
            previous,
            say,
        )
    except WorkflowError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise UserError(str(exc)) from None
    except PlanRejected as exc:
        for line in exc.violations:
            click.echo(f"check: {line}", err=True)
        click.echo(
            f"the plan breaks {len(exc.violations)} hard rule(s) by the checker; nothing was "
            f"written to {target} (this is a bug: please report it with the instance)",
            err=True,
        )
        raise SystemExit(1) from None
    for line in summary_lines(plan, data, target, RULE_COUNT):
        click.echo(line)


def plan_instance(directory: Path, instance: str | None) -> Instance:
    """The instance a plan is checked or published against: the one named, or else the
    one its manifest says it was made from, refused when its files changed since."""
    from planner.check import PlanFilesError, instance_changes, read_manifest

    try:
        manifest = read_manifest(directory)
    except PlanFilesError as exc:
        raise UserError(str(exc)) from None
    if instance is not None:
        return read_instance(instance)
    if not manifest.instance_dir:
        raise UserError(
            f"{directory} does not say which instance it was made from; name the instance"
        )
    changed = instance_changes(manifest)
    if changed:
        raise UserError(
            f"{directory} was made from {manifest.instance_dir}, whose "
            f"{', '.join(changed)} changed since; re-plan, or name the instance to use it "
            "as it is now"
        )
    return read_instance(manifest.instance_dir)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@instance_argument
@click.option(
    "--previous",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Last month's plan: the rules that reach across the month boundary (initial "
    "interview, equity floor) then count its visits too.",
)
@click.option(
    "--pins",
    "pins_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The pins you hold (the CSV given to schedule --pins): the plan must keep them, "
    "whatever its own pins.csv says (a plan that lost a pin is caught).",
)
def check(
    directory: Path, instance: str | None, previous: Path | None, pins_file: Path | None
) -> None:
    """Re-verify every hard rule of a plan from its files alone.

    The plan is checked against INSTANCE, or by default against the instance its
    manifest (plan.json) names, which must be unchanged since the plan was made.
    Exit code 0 when the plan in DIRECTORY keeps every hard rule, 1 with one line
    per violation otherwise, 2 when it is not a complete, untouched plan.
    """
    from planner.check import PlanFilesError, check_plan
    from planner.plan.pins import PinError, pin_rows, read_pins

    data = plan_instance(directory, instance)
    try:
        held = pin_rows(read_pins(pins_file)) if pins_file is not None else None
    except PinError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise UserError(f"--pins {pins_file}: {len(exc.problems)} pin(s) cannot be read") from None
    try:
        violations = check_plan(directory, data, previous, held)
    except PlanFilesError as exc:
        raise UserError(str(exc)) from None
    for line in violations:
        click.echo(line)
    if violations:
        click.echo(f"{len(violations)} violation(s) of hard rules", err=True)
        raise SystemExit(1)
    click.echo(f"{directory}: no violation in the {RULE_COUNT} families of hard rules checked")


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default="planner.db",
    show_default=True,
    help="The publication store (an SQLite file).",
)


def _now():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@instance_argument
@db_option
def publish(directory: Path, instance: str | None, db: Path) -> None:
    """Record the plan in DIRECTORY as the published plan for its month.

    Every earlier version is kept. A visit keeps its calendar UID when it is
    re-assigned or moved within the month; its SEQUENCE rises on every change;
    visits no longer in the plan are cancelled and leave the feeds.
    """
    from planner.plan.workflow import WorkflowError, publish_checked

    data = plan_instance(directory, instance)
    try:
        result = publish_checked(db, directory, data, _now())
    except WorkflowError as exc:
        raise UserError(
            f"{exc}; run 'planner check {directory}' and fix the plan before publishing"
            if exc.problems
            else str(exc)
        ) from None
    click.echo(
        f"published {result.month} as publication {result.publication_id} in {db}: "
        f"{result.new} new, {result.changed} changed, {result.unchanged} unchanged, "
        f"{result.cancelled} cancelled entries"
    )


@main.command("export")
@db_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="feeds",
    show_default=True,
    help="Folder for the .ics files.",
)
@click.option(
    "--language",
    type=click.Choice(["fi", "en"]),
    default=None,
    help="Language of the calendars' titles and entries (default: the published instance's).",
)
def export_feeds(db: Path, out: Path, language: str | None) -> None:
    """Write every feed as an .ics file: staff/, points/, areas/ and all.ics."""
    from planner.feeds.render import all_feed_keys, render_feed
    from planner.feeds.store import StoreError, connect

    try:
        with connect(db) as con:
            feeds = {key: render_feed(con, key, language) for key in all_feed_keys(con)}
    except StoreError as exc:
        raise UserError(str(exc)) from None
    folders = {"staff": "staff", "point": "points", "area": "areas"}
    for key, body in feeds.items():
        kind, _, ident = key.partition("/")
        path = out / folders[kind] / f"{ident}.ics" if ident else out / f"{key}.ics"
        write_atomically(
            path, lambda tmp, body=body: tmp.write_bytes(body), private=kind != "point"
        )
    click.echo(
        f"wrote {len(feeds)} feeds to {out}/ (staff/, areas/ and all.ics readable by you "
        "only; points/ as your umask allows)"
    )


@main.group()
def teams() -> None:
    """The year's named teams: propose them with one model for the year, approve them into
    the instance (teams.csv); every month's plan then holds them.

    \b
    planner teams propose --year 2026      writes out/teams-2026/ (teams.csv, teams.md)
    planner teams approve out/teams-2026   puts its teams.csv into the instance
    """


@teams.command("propose")
@instance_argument
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="The year the teams are for (default: the year of next month).",
)
@click.option(
    "--from",
    "first",
    callback=lambda ctx, param, value: _month(ctx, param, value) if value else None,
    help="First month, YYYY-MM, when the teams are for the rest of the year only.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: out/teams-<year>/).",
)
@solver_options
@language_option
def teams_propose(
    instance: str | None,
    year: int | None,
    first: str | None,
    out: Path | None,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
    language: str | None,
) -> None:
    """Propose the named workers of every service point for a year: skills, the production
    area rule, driving from home points, each person's share of outreach by FTE, at least
    two per key process and continuity with the current teams (a change costs; weights in
    [teams] of instance.toml). Writes teams.csv, teams.md (the changes and their facts)
    and proposal.json; nothing in the instance changes until 'planner teams approve'."""
    from planner.plan.model import SolverConfig
    from planner.plan.teams import TeamsError, period, propose, summary_line, write_proposal
    from planner.plan.workdays import upcoming_month

    data = read_instance(instance, language)
    year = year or int((first or upcoming_month())[:4])
    config = SolverConfig(
        time_limit=time_limit, workers=workers, seed=seed, method=method, wall_limit=wall_limit
    )
    try:
        proposal = propose(data, period(year, first), config)
    except TeamsError as exc:
        raise UserError(str(exc)) from None
    target = out or Path("out") / f"teams-{year}"
    write_proposal(proposal, data, target)
    click.echo(summary_line(proposal, data))
    from planner.plan.outputs import wrote_words

    click.echo(wrote_words(target, "teams.csv, teams.md, proposal.json", data.settings.language))


@teams.command("approve")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@instance_argument
def teams_approve(directory: Path, instance: str | None) -> None:
    """Put the teams of the proposal in DIRECTORY (its teams.csv, as proposed or as you
    edited it) into the instance. Refused when the instance changed since the proposal,
    when a row is not valid (file, line and field named) or when the teams break a rule
    (fewer than two named for a key process, someone of another area)."""
    from planner.plan.teams import TeamsError, approve, approved_line

    directory_in = _resolve_instance(instance)
    data = read_instance(instance)  # the instance itself must be valid first
    try:
        members, changes = approve(directory, directory_in)
    except TeamsError as exc:
        raise UserError(str(exc)) from None
    click.echo(approved_line(members, changes, directory_in / "teams.csv", data))


@main.group()
def leave() -> None:
    """Summer leave planned so that every municipality keeps its service: plan it for the
    whole staff at once against the wishes, then write it into absences.csv.

    \b
    planner leave plan --year 2026          writes out/leave-2026/ (leave.md, leave.xlsx, ...)
    planner leave apply out/leave-2026      the plan's leave into absences.csv

    Wishes are leave_wishes.csv (staff_id, start, end, rank; rank 1 the first wish, rank 0
    leave already fixed: add a rank 0 row to fix a person's leave and plan the rest again);
    last summer's leave leave_history.csv (optional, for rotation); entitlements
    leave_entitlements.csv (optional; else [leave] entitlement_days).
    """


@leave.command("plan")
@instance_argument
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="The summer to plan (default: the year of next month).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: out/leave-<year>/).",
)
@solver_options
@language_option
def leave_plan(
    instance: str | None,
    year: int | None,
    out: Path | None,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
    language: str | None,
) -> None:
    """Plan everyone's summer leave at week granularity: each person's entitlement in
    whole weeks inside the summer period, one block of at least two weeks, leave already
    fixed held; every week every area's appointments cover the meetings owed, every
    municipality has a named worker at work for each key process, offices and central
    duties keep their minimum. Nearest the wishes by rank, rotation by last summer,
    capacity above the minimum. Compared with two baselines: every first wish granted,
    and first come first served. The time limit here defaults to 40 deterministic
    seconds, under a minute on 2 cores: Kuopio's summer is proven optimal within it for
    4 of 5 seeds, the fifth stops at a 2,3 % gap, which the report states (bench/leave.py)."""
    from planner.leave.model import LeaveError, plan_leave
    from planner.leave.outputs import summary_lines, write_plan
    from planner.plan.model import SolverConfig
    from planner.plan.outputs import wrote_words
    from planner.plan.workdays import upcoming_month

    data = read_instance(instance, language)
    year = year or int(upcoming_month()[:4])
    source = click.get_current_context().get_parameter_source("time_limit")
    if source == click.core.ParameterSource.DEFAULT:
        time_limit = LEAVE_TIME_LIMIT
    config = SolverConfig(
        time_limit=time_limit, workers=workers, seed=seed, method=method, wall_limit=wall_limit
    )
    try:
        planned = plan_leave(data, year, config)
    except LeaveError as exc:
        raise UserError(str(exc)) from None
    target = out or Path("out") / f"leave-{year}"
    _, cases, came = write_plan(planned, data, target)
    for line in summary_lines(planned, data, cases, came):
        click.echo(line)
    click.echo(
        wrote_words(
            target,
            "leave.md, leave.xlsx, leave.csv, service.csv, leave.json",
            data.settings.language,
        )
    )


@leave.command("apply")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@instance_argument
def leave_apply(directory: Path, instance: str | None) -> None:
    """Write the leave plan in DIRECTORY into the instance's absences.csv: annual leave
    inside the summer period is replaced by the plan's; every other absence stays.
    Refused when absences.csv or staff.csv changed since the plan."""
    from planner.leave.model import LeaveError
    from planner.leave.outputs import applied_line, apply

    place = _resolve_instance(instance)
    data = read_instance(instance)
    try:
        removed, added = apply(directory, place)
    except LeaveError as exc:
        raise UserError(str(exc)) from None
    read_instance(instance)  # still a valid instance
    click.echo(applied_line(removed, added, place / "absences.csv", data))


@main.group()
def token() -> None:
    """Secret feed URLs: issue, rotate or revoke a person's (or a planner's) token.

    STAFF is a staff id, or planner:NAME for a planner's feeds of the whole area.
    Only a hash of each token is stored: a lost URL cannot be shown again, only
    rotated.
    """


base_url_option = click.option(
    "--base-url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Public address of 'planner serve' (the HTTPS proxy in production).",
)


def _token_command(rotate: bool):  # type: ignore[no-untyped-def]
    @db_option
    @click.argument("staff")
    @base_url_option
    def command(staff: str, db: Path, base_url: str) -> None:
        from planner.feeds.store import PLANNER_PREFIX, StoreError, issue_token

        try:
            secret = issue_token(db, staff, _now(), rotate=rotate)
        except StoreError as exc:
            raise UserError(str(exc)) from None
        base = base_url.rstrip("/")
        if staff.startswith(PLANNER_PREFIX):
            click.echo(f"{base}/feeds/planner/{secret}/all.ics")
            _desk_link(db, staff, base)
        else:
            click.echo(f"{base}/feeds/staff/{secret}.ics")

    return command


def _desk_link(db: Path, staff: str, base: str) -> None:
    from planner.desk.log import LINK_MINUTES, new_signin_link
    from planner.feeds.store import PLANNER_PREFIX

    link = new_signin_link(db, staff.removeprefix(PLANNER_PREFIX))
    click.echo(
        f"desk sign-in link (one use, within {LINK_MINUTES} min; the feed URL above is no "
        f"way into the desk): {base}/desk/signin/{link}",
        err=True,
    )


token.command("issue", help="Make STAFF's first feed token and print the feed URL.")(
    _token_command(rotate=False)
)
token.command("rotate", help="Replace STAFF's token at once and print the new feed URL.")(
    _token_command(rotate=True)
)


@token.command("signin")
@db_option
@click.argument("planner")
@base_url_option
def signin_link(planner: str, db: Path, base_url: str) -> None:
    """Print a new desk sign-in link for PLANNER (planner:NAME): good for one use within
    half an hour, it opens one desk session of a working day. The planner's feed URL
    stays as it is."""
    from planner.feeds.store import PLANNER_PREFIX, StoreError, connect

    if not planner.startswith(PLANNER_PREFIX):
        raise UserError(f"{planner!r}: the desk is for planners; name one as planner:NAME")
    try:
        with connect(db) as con:
            active = con.execute(
                "SELECT 1 FROM tokens WHERE subject = ? AND revoked IS NULL", (planner,)
            ).fetchone()
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if active is None:
        raise UserError(f"{planner} has no active token; 'planner token issue {planner}' first")
    _desk_link(db, planner, base_url.rstrip("/"))


@token.command("revoke")
@db_option
@click.argument("staff")
def revoke(staff: str, db: Path) -> None:
    """Stop STAFF's feed URL working at once (a planner's desk sessions end too)."""
    from planner.feeds.store import StoreError, revoke_token

    try:
        count = revoke_token(db, staff, _now())
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if not count:
        raise UserError(f"{staff} has no active token")
    click.echo(f"revoked {staff}'s feed token")


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies trusted for X-Forwarded-* (the HTTPS reverse proxy).",
)
@click.option(
    "--instance",
    "desk_instance",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Serve the planners' desk at /desk for this instance (sign in with a desk link: "
    "'planner token issue planner:NAME' prints one beside the feed URL, 'planner token "
    "signin planner:NAME' a new one; each works once, within 30 minutes). Absences added "
    "at the desk are appended to its absences.csv. Without it, only feeds are served.",
)
@click.option(
    "--language",
    type=click.Choice(["fi", "en"]),
    default=None,
    help="The desk's language (default: the instance's 'language').",
)
@click.option(
    "--desk-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="desk",
    show_default=True,
    help="Folder for the desk's drafts (one plan folder per re-plan).",
)
@solver_options
def serve(
    db: Path,
    host: str,
    port: int,
    forwarded_allow_ips: str,
    desk_instance: Path | None,
    language: str | None,
    desk_dir: Path,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
) -> None:
    """Serve the feeds over HTTP (uvicorn), to sit behind an HTTPS reverse proxy;
    with --instance also the planners' desk (browse, pin, re-plan, publish)."""
    import logging

    import uvicorn

    from planner.feeds.server import create_app

    desk = None
    if desk_instance is not None:
        from planner.desk.service import Desk

        read_instance(str(desk_instance))  # refuse a broken instance before serving
        desk = Desk(
            db=db,
            instance_dir=desk_instance.resolve(),
            workdir=desk_dir.resolve(),
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            method=method,
            wall_limit=wall_limit,
            language=language,
        )
        db.parent.mkdir(parents=True, exist_ok=True)
    elif not db.exists():
        raise UserError(f"no publication store at {db} (run 'planner publish' first)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    uvicorn.run(
        create_app(db, desk),
        host=host,
        port=port,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="info",
    )


def _solver_config(
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
    jobs: int = 1,
) -> Any:
    """The solver options of whatif and sweep: the wall clock's net widened by the jobs
    that share the cores."""
    from planner.plan.model import WALL_NET, SolverConfig

    return SolverConfig(
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        method=method,
        wall_factor=WALL_NET * jobs,
        wall_limit=wall_limit,
    )


def _months(value: str | None, month: str | None, one_month: bool = False) -> list[str]:
    """--months START:END (inclusive), or the year from --month (12 months: the default
    answer, since a month alone cannot judge a cut), or --month alone with --one-month."""
    from planner.plan.workdays import parse_month, shift_month

    if not value:
        first = month or _next_month()
        if one_month:
            return [first]
        return [shift_month(first, k) for k in range(12)]
    if one_month:
        raise click.BadParameter("give --months or --one-month, not both", param_hint="--one-month")
    try:
        first, last = value.split(":")
        parse_month(first)
        parse_month(last)
    except ValueError:
        raise click.BadParameter(
            "use START:END, e.g. 2026-01:2026-12", param_hint="--months"
        ) from None
    if last < first:
        raise click.BadParameter(f"{last} is before {first}", param_hint="--months")
    months = [first]
    while months[-1] != last:
        months.append(shift_month(months[-1], 1))
        if len(months) > 36:
            raise click.BadParameter("at most 36 months", param_hint="--months")
    return months


def _levers_from_flags(scenario: Path | None, flags: dict[str, Any]) -> Any:
    """A scenario file's levers, with every lever given as a flag on top."""
    from planner.scenarios.levers import LeverError, Levers, levers_from, read_levers

    try:
        levers = read_levers(scenario) if scenario is not None else Levers()
        given = {k: v for k, v in flags.items() if v not in (None, (), {})}
        if not given:
            return levers
        import dataclasses

        merged = {f.name: getattr(levers, f.name) for f in dataclasses.fields(levers)}
        merged.update(
            {
                k: v
                for k, v in dataclasses.asdict(levers_from(given, "the flags")).items()
                if k in given
            }
        )
        return Levers(**merged)
    except LeverError as exc:
        raise UserError(str(exc)) from None


def _room_days(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> dict[str, str]:
    result = {}
    for item in value:
        point, _, days = item.partition("=")
        if not point or not days:
            raise click.BadParameter(f"{item!r}: use POINT=DAYS, e.g. karttula=Mon,Wed")
        result[point] = days
    return result


def lever_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The levers of a scenario (planner.scenarios.levers), for whatif and sweep."""
    options = [
        click.option(
            "--scenario",
            "scenario_file",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="A scenario file (TOML; keys as the flags, e.g. cut = 10, leave = "
            '["rautavaara"]); flags given too win.',
        ),
        click.option(
            "--cut",
            type=click.FloatRange(min=0),
            help="FTE that leave the pool (spread over the pool, last hired first).",
        ),
        click.option("--from", "from_area", help="Take the cut from this production area only."),
        click.option(
            "--staff", "staff_ids", help="These staff ids leave (comma- or space-separated)."
        ),
        click.option(
            "--leave",
            multiple=True,
            help="A municipality leaves, with its cost share of staff (repeatable).",
        ),
        click.option(
            "--join",
            multiple=True,
            help="An optional production area joins, with staff at the pool's ratio (repeatable).",
        ),
        click.option(
            "--join-fte",
            type=click.FloatRange(min=0),
            help="FTE the joining area brings (default: the pool's clients per FTE).",
        ),
        click.option("--rules", help="The rule set to apply whatever the month (e.g. 2025)."),
        click.option(
            "--face-to-face",
            type=click.FloatRange(0, 1, min_open=True),
            help="Share of meetings held face to face.",
        ),
        click.option(
            "--meeting-share",
            type=click.FloatRange(0, 1, min_open=True),
            help="Share of an office day in client meetings ([workload]).",
        ),
        click.option(
            "--registrations",
            type=click.FloatRange(min=0),
            help="New registrations a month per client ([workload]; an assumption).",
        ),
        click.option(
            "--outflow",
            type=click.FloatRange(0, 1),
            help="Share of the clients leaving a month ([workload]; an assumption).",
        ),
        click.option(
            "--by-need",
            "conversations_by_need",
            type=click.FloatRange(0, 52),
            help="Conversations by need a client a year ([workload]; an assumption).",
        ),
        click.option("--close", multiple=True, help="A service point closes (repeatable)."),
        click.option(
            "--room-days",
            multiple=True,
            callback=_room_days,
            help="POINT=DAYS: the point's room is free on these weekdays (repeatable).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _lever_flags(kwargs: dict[str, Any]) -> dict[str, Any]:
    staff = kwargs.pop("staff_ids")
    return {
        "cut": kwargs.pop("cut"),
        "from_area": kwargs.pop("from_area"),
        "staff": tuple(staff.replace(",", " ").split()) if staff else (),
        "leave": tuple(kwargs.pop("leave")),
        "join": tuple(kwargs.pop("join")),
        "join_fte": kwargs.pop("join_fte"),
        "rules": kwargs.pop("rules"),
        "face_to_face": kwargs.pop("face_to_face"),
        "meeting_share": kwargs.pop("meeting_share"),
        "registrations": kwargs.pop("registrations"),
        "outflow": kwargs.pop("outflow"),
        "conversations_by_need": kwargs.pop("conversations_by_need"),
        "close": tuple(kwargs.pop("close")),
        "room_days": kwargs.pop("room_days"),
    }


def _check_levers(data: Any, levers: Any) -> None:
    from planner.scenarios.levers import LeverError, apply_levers

    try:
        apply_levers(data, levers)
    except LeverError as exc:
        raise UserError(str(exc)) from None


jobs_option = click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Months or levels planned at once, in separate processes.",
)

months_option = click.option(
    "--months",
    "month_range",
    help="A run of months, START:END (e.g. 2026-01:2026-12), instead of the 12 months from "
    "--month.",
)
one_month_option = click.option(
    "--one-month",
    is_flag=True,
    help="Only the month given (the report then says that one month cannot judge a cut).",
)
scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="A Dask distributed scheduler (tcp://HOST:PORT) to run the months on, instead of "
    "local processes (needs the extra planner[cluster]).",
)


@main.command()
@instance_argument
@click.option(
    "--month",
    "-m",
    callback=_month,
    help="First month, YYYY-MM (default: next month); the answer covers the 12 months from it.",
)
@months_option
@one_month_option
@lever_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: out/whatif-<first month>-<last month>/).",
)
@jobs_option
@scheduler_option
@solver_options
@language_option
@leave_plan_option
def whatif(
    instance: str | None,
    month: str,
    month_range: str | None,
    one_month: bool,
    scenario_file: Path | None,
    out: Path | None,
    jobs: int,
    scheduler: str | None,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
    language: str | None,
    leave_plan_dir: Path | None,
    **levers: Any,
) -> None:
    """Test a change — a staffing cut, a municipality leaving, an area joining, the 2025
    rules, a point closing — side by side with the baseline over a year: every month
    re-allocated and re-planned (keeping the baseline's plan wherever the change does not
    act), and the clients carried from month to month (initial interviews in time,
    clients overdue for their job-search discussion, waits, caseload, cost shares).

    Assumption levers (--face-to-face, --meeting-share, --registrations, --outflow,
    --by-need) given with an action apply to the baseline too, so the action is not
    blamed for the assumption. Writes comparison.csv, report.md and report.html."""
    from planner.plan.outputs import wrote_words
    from planner.scenarios.levers import Levers
    from planner.scenarios.report import progress_words, whatif_report, year_verdicts
    from planner.scenarios.sweep import ClusterError, run_levels

    months = _months(month_range, month, one_month)
    data = _with_leave_plan(read_instance(instance, language), leave_plan_dir)
    chosen = _levers_from_flags(scenario_file, _lever_flags(levers))
    _check_levers(data, chosen)
    baseline_levers = chosen.assumptions() if chosen.acts() else Levers()
    config = _solver_config(time_limit, workers, seed, method, wall_limit, jobs)
    with click.progressbar(
        length=2 * len(months),
        label=progress_words(data, len(months)),
        file=sys.stderr,
    ) as bar:
        try:
            ladder = run_levels(
                data,
                months,
                {1.0: chosen},
                baseline_levers,
                lever="scenario",
                jobs=jobs,
                config=config,
                scheduler=scheduler,
                with_band=False,
                on_done=lambda _: bar.update(1),
            )
        except ClusterError as exc:
            raise UserError(str(exc)) from None
    pairs = list(zip(ladder.baseline, ladder.levels[1.0], strict=True))
    from planner.scenarios.report import scenario_title

    title = scenario_title(chosen, data, months)
    table, markdown, page = whatif_report(pairs, title)
    target = out or Path("out") / (
        f"whatif-{months[0]}" if len(months) == 1 else f"whatif-{months[0]}-{months[-1]}"
    )
    write_csv(table, target / "comparison.csv")
    write_atomically(target / "report.md", lambda tmp: tmp.write_text(markdown, "utf-8"))
    write_atomically(target / "report.html", lambda tmp: tmp.write_text(page, "utf-8"))
    click.echo(title)
    for line in year_verdicts(pairs):
        click.echo(f"  {line}")
    click.echo(
        wrote_words(target, "comparison.csv, report.md, report.html", data.settings.language)
    )


def _ladder(ctx: click.Context, param: click.Parameter, value: str | None) -> list[float] | None:
    if value is None:
        return None
    try:
        start, stop, step = (float(v) for v in value.split(":"))
        if step <= 0 or stop < start:
            raise ValueError
    except ValueError:
        raise click.BadParameter("use START:STOP:STEP, e.g. 0:30:5") from None
    count = int((stop - start) / step + 1e-9) + 1
    if count > 50:
        raise click.BadParameter(f"{count} levels: at most 50")
    return [round(start + i * step, 6) for i in range(count)]


@main.command()
@instance_argument
@click.option(
    "--month",
    "-m",
    callback=_month,
    help="First month, YYYY-MM (default: next month); the answer covers the 12 months from it.",
)
@months_option
@one_month_option
@click.option(
    "--lever",
    type=click.Choice(list(NUMERIC)),
    default="cut",
    show_default=True,
    help="The lever to step through.",
)
@click.option(
    "--values",
    "values",
    callback=_ladder,
    help="The lever's ladder, START:STOP:STEP (e.g. 0:60:10 FTE, 0.3:0.7:0.1).",
)
@click.option("--cuts", callback=_ladder, help="Same as --lever cut --values START:STOP:STEP.")
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A scenario file (TOML) whose levers hold at every level.",
)
@click.option(
    "--band/--no-band",
    default=True,
    show_default=True,
    help="Band the answer over each assumption's low and high value ([assumptions]).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: out/sweep-<first month>-<last month>/).",
)
@jobs_option
@scheduler_option
@solver_options
@language_option
@leave_plan_option
def sweep(
    instance: str | None,
    month: str,
    month_range: str | None,
    one_month: bool,
    lever: str,
    values: list[float] | None,
    cuts: list[float] | None,
    scenario_file: Path | None,
    band: bool,
    out: Path | None,
    jobs: int,
    scheduler: str | None,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    wall_limit: float | None,
    language: str | None,
    leave_plan_dir: Path | None,
) -> None:
    """Step one lever through a ladder over a year (by default): the smallest staff that
    keeps the law's measures (initial interviews in time, no client overdue for their
    job-search discussion) in every month and municipality, as a range over the
    assumptions; the smallest no worse than today's; and a board table per municipality.

    Writes sweep.csv (level × month × area), board.csv (level × municipality), band.csv
    (the answer under each assumption's low and high value), sweep.png (month by month,
    with the tornado) and report.md. Each level keeps the baseline's plan wherever its
    lever does not act; parallel jobs share the cores (the wall-clock safety net is
    widened by the number of jobs)."""
    from planner.plan.outputs import wrote_words
    from planner.scenarios.report import progress_words, sweep_markdown
    from planner.scenarios.sweep import (
        ClusterError,
        band_table,
        board_table,
        findings,
        run_ladder,
        sweep_plot,
        sweep_table,
    )

    if cuts is not None:
        lever, values = "cut", cuts
    if values is None:
        raise UserError("give the ladder: --values START:STOP:STEP (or --cuts)")
    months = _months(month_range, month, one_month)
    data = _with_leave_plan(read_instance(instance, language), leave_plan_dir)
    base = _levers_from_flags(scenario_file, {})
    for v in (values[0], values[-1]):
        _check_levers(data, base.with_value(lever, v))
    config = _solver_config(time_limit, workers, seed, method, wall_limit, jobs)
    with click.progressbar(
        length=(len(values) + 1) * len(months),
        label=progress_words(data, len(months), len(values)),
        file=sys.stderr,
    ) as bar:
        try:
            ladder = run_ladder(
                data,
                months,
                lever,
                values,
                base=base,
                jobs=jobs,
                config=config,
                scheduler=scheduler,
                with_band=band,
                on_done=lambda _: bar.update(1),
            )
        except ClusterError as exc:
            raise UserError(str(exc)) from None
    target = out or Path("out") / (
        f"sweep-{months[0]}" if len(months) == 1 else f"sweep-{months[0]}-{months[-1]}"
    )
    lines = findings(ladder)
    write_csv(sweep_table(ladder), target / "sweep.csv")
    write_csv(board_table(ladder), target / "board.csv")
    write_csv(band_table(ladder), target / "band.csv")
    image = sweep_plot(ladder)
    write_atomically(target / "sweep.png", lambda tmp: tmp.write_bytes(image))
    markdown = sweep_markdown(ladder, lines)
    write_atomically(target / "report.md", lambda tmp: tmp.write_text(markdown, "utf-8"))
    for line in lines:
        click.echo(line)
    click.echo(
        wrote_words(
            target, "sweep.csv, board.csv, band.csv, sweep.png, report.md", data.settings.language
        )
    )


if __name__ == "__main__":
    main()
