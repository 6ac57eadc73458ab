"""The managers' scenario report, opened in headless Chromium as a manager would open it:
in the instance's language (Finnish), it renders with no console error, the summary and
the tables show, every plot loads, and no English sentence is left on the page."""

from __future__ import annotations

import os
from pathlib import Path

from planner.i18n import words
from planner.plan.model import SolverConfig
from planner.scenarios.levers import Levers
from planner.scenarios.report import scenario_title, whatif_report
from tests.browser import browser, console_errors, english_words
from tests.tiny import tiny

MONTH = "2026-03"


def test_numbers_as_a_finnish_reader_writes_them() -> None:
    w = words("fi")
    assert w.number(1234567.891, 1) == "1\u00a0234\u00a0567,9"
    assert w.number(-5.0, 0, "€") == "-5\u00a0€"
    assert w.number(float("nan")) == "–" and w.number(None) == "–"
    assert w.number(float("inf")) == "∞"
    assert words("en").number(1234.5, 1) == "1,234.5"


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
    title = scenario_title(Levers(staff=("p2",)), instance, ["2026-02", MONTH])
    assert title == "Skenaario helmikuu 2026–maaliskuu 2026: nimettyjä henkilöitä lähtee 1"
    _, markdown, page = whatif_report(pairs, title)
    assert markdown.startswith(f"# {title}")
    assert not english_words(markdown.split("## ")[1]), english_words(markdown)
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
            assert driver.find_element(By.ID, "title").text == title
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fi"
            summary = driver.find_element(By.ID, "summary")
            assert summary.is_displayed()
            assert "Pooli 6,0 htv → 5,0 htv: säästää henkilöstökustannuksissa 62" in summary.text
            assert "Lähtötilanne:" in summary.text and "Skenaario:" in summary.text
            # In Finnish: no English sentence anywhere on the page a person sees.
            visible = driver.find_element(By.TAG_NAME, "body").text
            assert not english_words(visible), english_words(visible)
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
            assert [p.text.split(" 2 kuukauden aikana")[0] for p in paragraphs] == [
                "Town",
                "Village",
            ]
            rows = driver.find_elements(By.CSS_SELECTOR, "#run-months tr")
            assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows[1:]] == [
                "helmikuu 2026",
                "maaliskuu 2026",
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
