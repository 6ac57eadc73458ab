"""Users are Finnish: every message a person reads has its Finnish translation, with the
same placeholders; Babel writes numbers, money and dates the Finnish way; the domain's
own words are kept in one glossary."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from planner.i18n import LANGUAGES, catalog_path, extract_messages, words
from tests.conftest import KUOPIO

ROOT = Path(__file__).parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(language: str) -> dict[str, str]:
    with open(catalog_path(language), "rb") as handle:
        return {
            str(m.id): str(m.string or "")
            for m in read_po(handle, locale=language)
            if m.id and isinstance(m.id, str)
        }


def test_every_message_has_its_finnish_translation() -> None:
    """A message in the code or a template without a Finnish translation fails here
    (add it with planner.i18n.update_catalogs, then translate it in fi's catalog)."""
    marked = extract_messages()
    assert len(marked) > 200
    finnish = _catalog("fi")
    missing = sorted(m for m in marked if not finnish.get(m))
    assert not missing, [(m, marked[m][0]) for m in missing]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_hold_exactly_the_marked_messages(language: str) -> None:
    assert set(_catalog(language)) == set(extract_messages())


def test_translations_keep_the_placeholders() -> None:
    for msgid, text in _catalog("fi").items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
        assert text.count("%") == msgid.count("%"), msgid
    for msgid, text in _catalog("en").items():
        assert text in ("", msgid), msgid


def test_babel_writes_finnish_numbers_money_and_dates() -> None:
    w = words("fi")
    assert w.number(1234.5, 1) == "1\u00a0234,5"
    assert w.percent(0.12) == "12\u00a0%"
    assert w.money(218033.4) == "218\u00a0033\u00a0€"
    assert w.date("2026-11-30") == "30.11.2026"
    assert w.weekday_date("2026-12-02") == "ke 2.12."
    assert w.month("2026-12") == "joulukuu 2026"
    assert w("%(place)s: outreach day", place="Rautavaara") == "Rautavaara: lähipalvelupäivä"
    assert w.yes(True) == "kyllä" and w.yes(False) == "ei"
    assert words("en").yes(True) == "yes"


def test_the_glossary_holds_the_domains_words() -> None:
    with open(ROOT / "locale" / "glossary.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    finnish = {r["finnish"] for r in rows}
    for term in (
        "työllisyysalue",
        "tuotantoalue",
        "palvelupiste",
        "toimipiste",
        "henkilöstöpooli",
        "sijaispooli",
        "omavalmentaja",
        "alkuhaastattelu",
        "työnhakukeskustelu",
        "työnantajapalvelut",
        "ajanvaraus",
        "joka toinen keskiviikko (parilliset viikot)",
        "joka tiistai ja torstai",
    ):
        assert any(f.startswith(term) for f in finnish), term
    assert all(r["english"] and r["finnish"] and r["note"] for r in rows)


def test_the_kuopio_instance_speaks_finnish() -> None:
    text = (KUOPIO / "instance.toml").read_text(encoding="utf-8")
    assert 'language = "fi"' in text
    assert "[process_words.fi]" in text


def test_rhythms_read_as_a_person_says_them() -> None:
    w = words("fi")
    assert w.rhythm("biweekly:Wed:even") == "joka toinen keskiviikko (parilliset viikot)"
    assert w.rhythm("twice_weekly:Tue+Thu") == "joka tiistai ja torstai"
    assert w.rhythm("daily:Mon+Tue+Wed") == "joka maanantai, tiistai ja keskiviikko"
    assert w.rhythm("first_third:Mon") == "kuukauden 1. ja 3. maanantai"
    assert words("en").rhythm("biweekly:Wed:odd") == "every other Wednesday (odd weeks)"
