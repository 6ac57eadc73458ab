"""Headless Chromium for the tests that look at pages as a person would.

Debian's ``chromium`` and ``chromium-driver`` are needed (``scripts/install-browser``
puts them there; ``.ci/run`` runs it). Without them a browser test is skipped with the
reason, except in CI (``CI`` set), where a skipped browser test is a failure.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from scripts.screenshot import FLAGS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def browser(width: int = 1600, height: int = 1000) -> Any:
    """A headless Chromium driven by selenium, its console log kept."""
    if not (CHROMIUM and CHROMEDRIVER):
        why = (
            "this browser test needs Debian's chromium and chromium-driver "
            "(run scripts/install-browser)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"in CI a skipped browser test is a failure: {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "is",
        "are",
        "with",
        "by",
        "for",
        "from",
        "this",
        "that",
        "was",
        "not",
        "no",
        "yet",
        "has",
        "have",
        "be",
        "draft",
        "published",
        "plan",
        "point",
        "person",
        "day",
        "days",
        "month",
        "re-plan",
        "sign",
        "out",
        "open",
        "pin",
    ]
)
"""Common English words: a simple dictionary check that a Finnish page left no English
sentence behind (names of people and places are Finnish and never among them; 'to',
Finnish for Thursday in the grid's header, is left out)."""


def english_words(text: str) -> list[str]:
    words = [w.strip(".,:;()·—–-").lower() for w in text.split()]
    return sorted({w for w in words if w in ENGLISH})
