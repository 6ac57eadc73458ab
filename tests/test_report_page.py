"""The managers' scenario report, opened in headless Chromium as a manager would open it:
it renders with no console error, the summary and the tables show, every plot loads."""

from __future__ import annotations

import os
from pathlib import Path

from planner.plan.model import SolverConfig
from planner.scenarios.levers import Levers
from planner.scenarios.report import fi, whatif_report
from planner.scenarios.whatif import run_scenario
from tests.browser import browser, console_errors
from tests.tiny import tiny

MONTH = "2026-03"


def test_finnish_number_style() -> None:
    assert fi(1234567.891, 1) == "1\u202f234\u202f567,9"
    assert fi(-5.0, 0, "€") == "−5\u00a0€"
    assert fi(float("nan")) == "–"


def test_the_report_renders_in_a_browser(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    instance = tiny(tmp_path / "i")
    config = SolverConfig(time_limit=3, workers=2, seed=1)
    base = run_scenario(instance, MONTH, Levers(), config)
    scen = run_scenario(instance, MONTH, Levers(staff=("p2",)), config)
    _, _, page = whatif_report([(base, scen)], "Scenario 2026-03: 1 named people leave")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    shots = Path(os.environ.get("REPORT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    driver = browser(1400, 2400)
    try:
        driver.get(path.as_uri())
        assert driver.find_element(By.ID, "title").text.startswith("Scenario 2026-03")
        summary = driver.find_element(By.ID, f"summary-{MONTH}")
        assert summary.is_displayed()
        assert "Pool 6,0 FTE → 5,0 FTE" in summary.text
        assert "Initial interview within 10 working days" in summary.text
        rows = driver.find_elements(By.CSS_SELECTOR, "table.municipalities tr")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows[1:]] == [
            "Town",
            "Village",
        ]
        assert "Person p2" in driver.find_element(By.CSS_SELECTOR, "table.leavers").text
        images = driver.find_elements(By.TAG_NAME, "img")
        assert len(images) == 4
        assert all(
            driver.execute_script("return arguments[0].naturalWidth", img) > 200 for img in images
        )
        assert not console_errors(driver)
        driver.save_screenshot(str(shots / "report.png"))
    finally:
        driver.quit()
