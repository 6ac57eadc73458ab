"""Words for people in their own language: gettext catalogs read with Babel, and Babel's
locale data for numbers, percentages, money and dates.

The messages in the code are English (the msgids); each language has one catalog,
``planner/locale/<lang>/LC_MESSAGES/planner.po``, kept in the repository and read
directly (no compile step: Babel parses the .po and hands gettext its compiled form
in memory). English needs no translation; its catalog lists the same messages with
empty translations, so both catalogs can be compared for completeness and
placeholders (``tests/test_language.py``). Placeholders are ``%(name)s``, the form
gettext, Babel's checkers and Jinja2's i18n extension share.

Machine-facing files (CSV column names, plan.json) keep stable English identifiers;
everything a person reads goes through :func:`words`.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

if TYPE_CHECKING:
    from jinja2 import Environment

LANGUAGES = ("fi", "en")
"""Languages a person can read the tool in; an instance names one (``language``)."""
DOMAIN = "planner"
CATALOGS = Path(__file__).parent / "locale"


def catalog_path(language: str) -> Path:
    return CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's messages (English: the messages themselves)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    if language == "en":
        return gettext.NullTranslations()
    with open(catalog_path(language), "rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@dataclass(frozen=True)
class Words:
    """Messages, numbers and dates in one language."""

    language: str

    @property
    def locale(self) -> str:
        return self.language

    def __call__(self, message: str, **values: object) -> str:
        """The message in this language, with its ``%(name)s`` placeholders filled."""
        text = translations(self.language).gettext(message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = translations(self.language).ngettext(singular, plural, n)
        return text % {"n": n, **values}

    def number(self, value: float | None, digits: int = 0, unit: str = "") -> str:
        """1 234,5 in Finnish, 1,234.5 in English; with its unit after a no-break space.
        No figure is a dash, an unbounded one ∞ (never 'NaN' in front of a person)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if isinstance(value, float) and math.isinf(value):
            return "∞" if value > 0 else "−∞"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        text = format_decimal(value, format=pattern, locale=self.locale)
        return f"{text}\u00a0{unit}" if unit else text

    def value(self, value: float, most: int = 3) -> str:
        """A setting or lever as a person writes it: up to ``most`` decimals, none that
        are zero (0,5; 12; 1 234,25), by Babel's optional-digit pattern."""
        return format_decimal(value, format="#,##0." + "#" * most, locale=self.locale)

    def percent(self, share: float, digits: int = 0) -> str:
        """12 % in Finnish (a share: 0.12)."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0%"
        return format_percent(share, format=pattern, locale=self.locale)

    def money(self, euros: float) -> str:
        """218 033 € in Finnish: whole euros, as a board reads them."""
        return format_currency(
            round(euros), "EUR", format="#,##0\u00a0¤", locale=self.locale, currency_digits=False
        )

    def date(self, value: dt.date | str) -> str:
        """30.11.2026 in Finnish."""
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "d.M.yyyy", locale=self.locale)

    def weekday_date(self, value: dt.date | str) -> str:
        """ke 2.12. in Finnish: the weekday and the day, short, for calendars and grids."""
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "EEE d.M.", locale=self.locale)

    def weekday(self, value: dt.date | str) -> str:
        """ke in Finnish, Wed in English."""
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "EEE", locale=self.locale)

    def month(self, month: str) -> str:
        """2026-12 as 'joulukuu 2026'."""
        return format_date(dt.date.fromisoformat(f"{month}-01"), "LLLL yyyy", locale=self.locale)

    def moment(self, value: dt.datetime) -> str:
        """30.11.2026 14.00 in Finnish (local time of the value's zone)."""
        return format_datetime(value, "d.M.yyyy HH.mm", locale=self.locale)

    def rhythm(self, key: str) -> str:
        """A visit rhythm as a person says it: 'joka toinen keskiviikko (parilliset
        viikot)', 'joka tiistai ja torstai', from its key ('biweekly:Wed:even')."""
        from babel.dates import get_day_names

        from planner.plan.workdays import Pattern

        w = self
        pattern = Pattern.from_key(key)
        frequency = pattern.frequency
        names = get_day_names("wide", context="stand-alone", locale=self.locale)
        days = [names[int(d)] for d in pattern.weekdays]
        said = (
            days[0]
            if len(days) == 1
            else w("%(first)s and %(last)s", first=", ".join(days[:-1]), last=days[-1])
            if days
            else ""
        )
        if frequency == "none" or not days:
            return w("not open this month")
        if frequency in ("daily", "twice_weekly", "weekly"):
            return w("every %(days)s", days=said)
        if frequency == "biweekly":
            return (
                w("every other %(days)s (even weeks)", days=said)
                if pattern.parity == 0
                else w("every other %(days)s (odd weeks)", days=said)
            )
        if frequency == "first_third":
            return w("1st and 3rd %(days)s of the month", days=said)
        return w("1st %(days)s of the month", days=said)

    def solver_status(self, status: str) -> str:
        """CP-SAT's status as a planner reads it."""
        w = self
        return {
            "OPTIMAL": w("proven optimal"),
            "FEASIBLE": w("a plan, not proven optimal"),
            "INFEASIBLE": w("no plan exists"),
            "MODEL_INVALID": w("the model is invalid"),
        }.get(status, w("no plan found in the time"))

    def yes(self, value: bool) -> str:
        """yes/no in words (never True/False)."""
        w = self
        return w("yes") if value else w("no")


def pages(package: str, language: str) -> Environment:
    """A package's Jinja2 templates in one language: the i18n extension with the
    language's catalog (``_("…")``, placeholders filled by gettext's newstyle), HTML
    autoescaped, ``lang`` for the page's attribute and Babel's numbers as ``decimal``."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["decimal"] = words(language).number
    env.globals["lang"] = language
    return env


def words(language: str) -> Words:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    return Words(language)


KEYWORDS = {
    "w": None,
    "_": None,
    "N_": None,
    "gettext": None,
    "plural": (1, 2),
    "ngettext": (1, 2),
}
"""How messages are marked: ``w("...")`` in Python (a :class:`Words`), ``_("...")`` in
Jinja2 templates, ``N_("...")`` where a message is defined before a language is known
(translated later with ``w(text)``); ``plural(singular, plural, n)`` for counts."""


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it yet."""
    return message


def extract_messages() -> dict[str, list[str]]:
    """Every message marked in the code and the templates (msgid -> where), by Babel's
    extractors: what the catalogs must translate."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).parent
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), method_map=method_map, options_map=options, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append(f"planner/{filename}:{line}")
    return found


def update_catalogs() -> dict[str, list[str]]:
    """Write every catalog with the messages the code marks now: translations kept,
    new messages added untranslated, messages no longer used dropped. Returns, per
    language, the messages still without a translation (English needs none)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    found = extract_messages()
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        path = catalog_path(language)
        old: dict[str, str] = {}
        if path.exists():
            with open(path, "rb") as handle:
                for message in read_po(handle, locale=language):
                    if message.id and isinstance(message.id, str):
                        old[message.id] = str(message.string or "")
        catalog = Catalog(locale=language, domain=DOMAIN, project="planner")
        for msgid in sorted(found):
            catalog.add(
                msgid,
                old.get(msgid, ""),
                locations=[
                    (where.rsplit(":", 1)[0], int(where.rsplit(":", 1)[1]))
                    for where in found[msgid]
                ],
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True)
        if language != "en":
            missing[language] = [m for m in sorted(found) if not old.get(m)]
    return missing


def translate_catalog(language: str, translations_: dict[str, str]) -> None:
    """Put translations into a language's catalog (used by hand when messages are added:
    ``update_catalogs`` first, then this with the new translations)."""
    from babel.messages.pofile import write_po

    path = catalog_path(language)
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    for message in catalog:
        if message.id in translations_:
            message.string = translations_[message.id]
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
