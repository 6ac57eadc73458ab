"""The managers' scenario report, opened in headless Chromium as a manager would open it:
it renders with no console error, the summary and the tables show, every plot loads."""

from __future__ import annotations

import os
from pathlib import Path

from planner.plan.model import SolverConfig
from planner.scenarios.levers import Levers
from planner.scenarios.report import fi, whatif_report
from tests.browser import browser, console_errors
from tests.tiny import tiny

MONTH = "2026-03"


def test_finnish_number_style() -> None:
    assert fi(1234567.891, 1) == "1\u202f234\u202f567,9"
    assert fi(-5.0, 0, "€") == "−5\u00a0€"
    assert fi(float("nan")) == "–"


def test_the_report_renders_in_a_browser(tmp_path: Path) -> None:
    """A run of two months, opened as a manager opens it on a laptop (1366 px) and on a
    phone (390 px): the first screen holds the money and the verdicts, nothing runs off
    the side, every plot loads, no console error."""
    from selenium.webdriver.common.by import By

    from planner.scenarios.sweep import run_levels

    instance = tiny(tmp_path / "i")
    config = SolverConfig(time_limit=3, workers=2, seed=1)
    ladder = run_levels(
        instance,
        ["2026-02", MONTH],
        {1.0: Levers(staff=("p2",))},
        Levers(),
        lever="scenario",
        jobs=1,
        config=config,
        with_band=False,
    )
    pairs = list(zip(ladder.baseline, ladder.levels[1.0], strict=True))
    _, _, page = whatif_report(pairs, "Scenario 2026-02…2026-03: 1 named people leave")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    shots = Path(os.environ.get("REPORT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    for width, height, name in (
        (1366, 768, "report-first-screen-1366.png"),
        (390, 844, "report-first-screen-390.png"),
    ):
        driver = browser(width, height)
        try:
            driver.get(path.as_uri())
            assert driver.find_element(By.ID, "title").text.startswith("Scenario 2026-02")
            summary = driver.find_element(By.ID, "summary")
            assert summary.is_displayed()
            assert "Pool 6,0 FTE → 5,0 FTE: saves 62" in summary.text
            assert "Baseline:" in summary.text and "Scenario:" in summary.text
            # The money and the verdicts are on the first screen, without scrolling.
            verdict = driver.find_element(By.CSS_SELECTOR, "ul.verdicts")
            top = driver.execute_script(
                "return arguments[0].getBoundingClientRect().bottom", verdict
            )
            assert top <= height, (width, top)
            assert driver.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1"
            ), f"the page runs off a {width} px screen"
            paragraphs = driver.find_elements(By.CSS_SELECTOR, "p.municipality")
            assert [p.text.split(" over ")[0] for p in paragraphs] == ["Town", "Village"]
            rows = driver.find_elements(By.CSS_SELECTOR, "#run-months tr")
            assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows[1:]] == [
                "2026-02",
                MONTH,
            ]
            assert "Person p2" not in driver.page_source
            assert "Town office" in driver.find_element(By.CSS_SELECTOR, "table.leavers").text
            images = driver.find_elements(By.TAG_NAME, "img")
            assert len(images) == 1 + 4 * 2
            assert all(
                driver.execute_script("return arguments[0].naturalWidth", img) > 200
                for img in images
            )
            assert not console_errors(driver)
            driver.save_screenshot(str(shots / name))
        finally:
            driver.quit()
