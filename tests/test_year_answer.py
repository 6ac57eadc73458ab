"""The manager's answer over a run of months: scenarios differ from the baseline only where
their lever acts, a leaver's clients leave with it, the band over the assumptions, and
the same table on a Dask cluster as in local processes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from planner.plan.model import SolverConfig
from planner.scenarios.levers import Levers
from planner.scenarios.sweep import (
    band_table,
    board_table,
    findings,
    run_ladder,
    run_levels,
    sweep_table,
)
from tests.tiny import tiny, write_tiny

if TYPE_CHECKING:
    from pathlib import Path

    from models.instance import Instance

RUN = SolverConfig(time_limit=5.0, workers=2, seed=1)
QUICK = ["--time-limit", "3", "--workers", "2", "--jobs", "1"]

BAND = """
[assumptions.meeting_share]
low = 0.3
high = 0.7
[assumptions.registrations]
low = 0.05
high = 0.2
"""


def test_whatif_cut_zero_reports_no_change_anywhere(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    out = tmp_path / "w"
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            str(directory),
            "--months",
            "2026-02:2026-03",
            "--cut",
            "0",
            "--out",
            str(out),
            "--language",
            "en",
            *QUICK,
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "comparison.csv")
    assert len(table) > 50
    assert (table["change"].fillna(0) == 0).all()
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "staff cost unchanged" in markdown and "unchanged" in markdown


def test_an_assumption_lever_applies_to_the_baseline_too(tmp_path: Path) -> None:
    """--meeting-share with a cut: the baseline is computed under the same share, so only
    the cut shows as a change in capacity."""
    instance = tiny(tmp_path / "i")
    both = Levers(staff=("p5",), meeting_share=0.3)
    ladder = run_levels(
        instance,
        ["2026-03"],
        {1.0: both},
        both.assumptions(),
        lever="scenario",
        jobs=1,
        config=RUN,
        with_band=False,
    )
    (base,), (scen,) = ladder.baseline, ladder.levels[1.0]
    assert base.instance.settings.workload.client_meeting_share == 0.3
    assert scen.instance.settings.workload.client_meeting_share == 0.3
    assert base.fte - scen.fte == pytest.approx(1.0)


def test_a_cut_in_one_area_leaves_the_other_areas_visit_days_alone(kuopio: Instance) -> None:
    """Ties between equally good plans are not effects: each scenario month starts from the
    baseline's plan and keeps it wherever the lever does not act."""
    ladder = run_levels(
        kuopio,
        ["2026-03"],
        {5.0: Levers(cut=5, from_area="sisa_savo")},
        Levers(),
        lever="cut",
        jobs=1,
        config=SolverConfig(time_limit=15, workers=4, seed=1),
        with_band=False,
    )
    (base,), (scen,) = ladder.baseline, ladder.levels[5.0]
    assert base.fte - scen.fte >= 4.75

    def visit_days(plan: object, area: str) -> set[tuple[str, object]]:
        return {
            (v.point_id, v.date)
            for v in plan.visits  # type: ignore[attr-defined]
            if kuopio.area_of_point(v.point_id) == area
        }

    for area in ("kuopio", "siilinjarvi"):
        assert visit_days(scen.plan, area) == visit_days(base.plan, area), area


def test_a_leaver_gets_its_own_paragraph_and_the_members_theirs(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    out = tmp_path / "w"
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            str(directory),
            "--month",
            "2026-03",
            "--one-month",
            "--leave",
            "village",
            "--out",
            str(out),
            "--language",
            "en",
            *QUICK,
        ],
    )
    assert result.exit_code == 0, result.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "Village leaves the employment area" in markdown
    assert "no longer pays its share" in markdown
    assert "Town over the month:" in markdown
    assert "One month alone cannot judge a cut" in markdown
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'class="municipality leaves"' in page


def test_the_band_runs_every_assumption_low_and_high(tmp_path: Path) -> None:
    directory = write_tiny(tmp_path / "i")
    with open(directory / "instance.toml", "a", encoding="utf-8") as handle:
        handle.write(BAND)
    from planner.io import load_instance

    instance = load_instance(directory)
    ladder = run_ladder(instance, ["2026-02", "2026-03"], "cut", [0.0, 1.0], jobs=1, config=RUN)
    band = band_table(ladder)
    assert list(band["side"]) == ["central", "low", "high", "low", "high"]
    assert set(band["assumption"]) == {"central", "meeting_share", "registrations"}
    # Fewer office minutes in meetings never lets a larger cut hold than more minutes.
    by = {(r.assumption, r.side): r.holding_level for r in band.itertuples()}
    low, high = by[("meeting_share", "low")], by[("meeting_share", "high")]
    if low is not None and not pd.isna(low):
        assert high is not None and not pd.isna(high) and high >= low
    lines = findings(ladder)
    # In the instance's language (Finnish): the band's range, or that no case holds.
    assert any("oletusten vaihteluvälillä" in line or "mikään oletusten" in line for line in lines)
    board = board_table(ladder)
    assert set(board["value"]) == {0.0, 1.0}
    assert (board["cost_year_eur"] > 0).all()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_dask_cluster_gives_the_same_table_as_local_processes(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    instance = tiny(tmp_path / "i")
    months, values = ["2026-02", "2026-03"], [0.0, 1.0]
    local = run_ladder(instance, months, "cut", values, jobs=1, config=RUN, with_band=False)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_ladder(
            instance,
            months,
            "cut",
            values,
            jobs=1,
            config=RUN,
            scheduler=cluster.scheduler_address,
            with_band=False,
        )
    pd.testing.assert_frame_equal(sweep_table(local), sweep_table(remote))


def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("planner.scenarios.sweep.CONNECT_TIMEOUT_S", 2)
    directory = write_tiny(tmp_path / "i")
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(directory),
            "--month",
            "2026-03",
            "--one-month",
            "--cuts",
            "0:1:1",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def test_a_join_says_who_pays_more_and_why(kuopio: Instance) -> None:
    """An area joining with a large staff raises every member's bill: each member's
    paragraph says it pays more, by how much, and why (the pool's cost against its share
    of the weighted client need)."""
    from planner.scenarios.report import paragraphs

    ladder = run_levels(
        kuopio,
        ["2026-03"],
        {1.0: Levers(join=("varkaus_joroinen",), join_fte=60)},
        Levers(),
        lever="scenario",
        jobs=1,
        config=SolverConfig(time_limit=10, workers=4, seed=1),
        with_band=False,
    )
    pairs = list(zip(ladder.baseline, ladder.levels[1.0], strict=True))
    texts = {p["name"]: p for p in paragraphs(pairs)}
    assert texts["Varkaus"]["kind"] == "joins" and texts["Joroinen"]["kind"] == "joins"
    for name in ("Kuopio", "Rautavaara", "Siilinjärvi"):
        text = texts[name]["text"].replace("\u202f", " ").replace("\xa0", " ")
        assert "vuodessa enemmän)" in text, text
        assert "se maksaa enemmän, koska poolin kustannus kasvaa 3 720 000 € vuodessa" in text, text
