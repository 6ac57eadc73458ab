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

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from models.instance import Instance

DEFAULT_INSTANCE = "instances/kuopio"


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


def read_instance(path: str | None) -> Instance:
    directory = _resolve_instance(path)
    try:
        return load_instance(directory)
    except InstanceError as exc:
        for problem in exc.problems:
            located = problem.file == str(directory)
            click.echo(str(problem) if located else f"{directory / str(problem)}", err=True)
        count = len(exc.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found in {directory}", err=True)
        sys.exit(2)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, so a failure leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomically(path, lambda tmp: frame.to_csv(tmp, index=False))


instance_argument = click.argument("instance", required=False, metavar="[INSTANCE]")


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
    from planner.summary import instance_summary

    data = read_instance(instance)
    directory = _resolve_instance(instance)
    click.echo(f"{data.settings.name} ({directory}): valid")
    for label, text in instance_summary(data):
        click.echo(f"  {label:<17} {text}")


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
    from planner.allocation import (
        AllocationError,
        allocation_table,
        staff_home_table,
    )
    from planner.allocation import allocate as run_allocation

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


if __name__ == "__main__":
    main()
