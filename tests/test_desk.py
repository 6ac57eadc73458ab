"""The planners' desk, as a planner uses it: in headless Chromium against a real server.

The browser test starts where a planner starts: March of the Kuopio instance planned
and published from the command line. The desk shows the published plan; the planner
pins a person from a day's page, adds an absence, re-plans from a day in the middle,
reads the diff summary, confirms, publishes and finds the change in the person's own
feed. A second browser test revokes a planner whose page is open: the next click is
refused. Request-level tests pin down sign-in links, sessions, form tokens, Origin,
body limits, concurrent writes, spreadsheet-safe text and the job queue.

Debian's ``chromium`` and ``chromium-driver`` are needed (``scripts/install-browser``
puts them there; ``.ci/run`` runs it). Without them the browser test is skipped with
the reason, except in CI (``CI`` set), where a skipped browser test is a failure.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from cli import main
from planner.desk import log
from planner.desk.service import (
    Desk,
    DeskError,
    add_absence,
    add_pin,
    basis,
    grid,
    publish_draft,
    remove_pin,
    run_job,
    view,
)
from planner.feeds.server import create_app, redact
from planner.feeds.store import connect, issue_token, revoke_token
from planner.io import load_instance
from planner.plan.month import prepare
from tests.browser import browser, console_errors
from tests.browser import english_words as _english
from tests.loopback import serving

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).parent.parent
MONTH = "2026-03"
FREEZE = "2026-03-16"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _desk_at(site: Path) -> Desk:
    """A desk on the instance and store in ``site``, re-planning as the tests do."""
    return Desk(
        db=site / "planner.db",
        instance_dir=site / "kuopio",
        workdir=site / "drafts",
        time_limit=15,
        seed=1,
    )


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    shutil.copytree(ROOT / "instances" / "kuopio", tmp_path / "kuopio")
    return _desk_at(tmp_path)


@pytest.fixture(scope="module")
def cli_published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """March planned and published from the command line, as a planner does it
    (the plan folder is deleted afterwards: the desk must not need it)."""
    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(ROOT / "instances" / "kuopio", base / "kuopio")
    runner = CliRunner()
    out = base / "out" / MONTH
    planned = runner.invoke(
        main,
        [
            "schedule",
            str(base / "kuopio"),
            "--month",
            MONTH,
            "--out",
            str(out),
            "--db",
            str(base / "planner.db"),
            "--time-limit",
            "15",
            "--seed",
            "1",
            "-q",
        ],
    )
    assert planned.exit_code == 0, planned.output
    published = runner.invoke(main, ["publish", str(out), "--db", str(base / "planner.db")])
    assert published.exit_code == 0, published.output
    shutil.rmtree(base / "out")
    return base


@pytest.fixture
def published_desk(cli_published: Path, tmp_path: Path) -> Desk:
    """A desk on a copy of the command line's store and instance."""
    shutil.copytree(cli_published, tmp_path / "site")
    return _desk_at(tmp_path / "site")


def _signin_link(desk: Desk, who: str = "aino") -> str:
    with connect(desk.db, create=True) as con:
        active = con.execute(
            "SELECT 1 FROM tokens WHERE subject = ? AND revoked IS NULL", (f"planner:{who}",)
        ).fetchone()
    if active is None:
        issue_token(desk.db, f"planner:{who}", log.now())
    return f"/desk/signin/{log.new_signin_link(desk.db, who)}"


@pytest.fixture
def served(desk: Desk) -> Iterator[tuple[Desk, str]]:
    link = _signin_link(desk)
    with serving(create_app(desk.db, desk)) as base:
        yield desk, base + link


def _wait_for_job(driver, timeout: float = 180) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = driver.find_element(By.ID, "job-status").get_attribute("data-status")
        except Exception:
            status = ""
        if status in ("done", "failed"):
            return status
        time.sleep(0.5)
    raise AssertionError("the re-plan did not finish in time")


def _click(driver, element) -> None:  # type: ignore[no-untyped-def]
    """Click and wait for the next page (a form's answer is a new page)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_driver) -> bool:  # type: ignore[no-untyped-def]
        # Chromium answers for a node of the page just left either "stale element" or,
        # now and then, "node ... does not belong to the document" (seen in CI): both
        # mean the next page has replaced it.
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    WebDriverWait(driver, 30).until(left)


def _submit(driver, form_id: str, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Fill a form as a person would (a select by its option, a date field by its value)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = driver.find_element(By.ID, form_id)
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            driver.execute_script("arguments[0].value = arguments[1]", field, value)
    _click(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def _choose_pin_and_absence(desk: Desk, draft: Path) -> tuple[tuple[str, str, str], tuple]:
    """A person to pin to a visit they are not on, and a person with an outreach day to
    fall sick on it, both on or after FREEZE, read from the draft and the month's rules."""
    instance = load_instance(desk.instance_dir)
    data = prepare(instance, MONTH)
    index = {d.isoformat(): i for i, d in enumerate(data.days)}
    visits = _rows(draft / "visits.csv")
    day_of = {(r["staff_id"], r["date"]): r["activity"] for r in _rows(draft / "schedule.csv")}
    substitutes = {s.staff_id for s in instance.staff if s.substitute}
    sick = next(
        (sid, v["date"], v["point_id"])
        for v in sorted(visits, key=lambda v: (v["date"], v["point_id"]))
        if v["date"] > FREEZE
        for sid in v["staff_ids"].split()
        if sid not in substitutes
    )
    for v in sorted(visits, key=lambda v: (v["date"], v["point_id"])):
        if v["date"] <= FREEZE or v["date"] == sick[1]:
            continue
        for s in instance.staff:
            sid = s.staff_id
            if (
                sid != sick[0]
                and sid not in v["staff_ids"].split()
                and not s.substitute
                and day_of.get((sid, v["date"])) == "office"
                and data.available[sid][index[v["date"]]]
                and data.may_visit(sid, v["point_id"])
            ):
                return (sid, v["point_id"], v["date"]), sick
    raise AssertionError("no person to pin in the draft")


def _feed_days(base: str, desk: Desk, staff_id: str) -> dict[str, str]:
    """date → summary of a person's own feed."""
    with connect(desk.db) as con:
        con.execute("UPDATE tokens SET revoked = 'x' WHERE subject = ?", (staff_id,))
    token = issue_token(desk.db, staff_id, log.now())
    with urllib.request.urlopen(f"{base}/feeds/staff/{token}.ics") as response:
        feed = Calendar.from_ical(response.read())
    return {
        e["DTSTART"].dt.date().isoformat(): str(e["SUMMARY"])
        for e in feed.walk("VEVENT")
        if "STATUS" not in e or str(e["STATUS"]) != "CANCELLED"
    }


def test_a_planner_works_on_a_month_published_from_the_command_line(
    published_desk: Desk, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    desk = published_desk
    shots = Path(os.environ.get("DESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    log.open_desk(desk.db)
    published = basis(desk, MONTH)
    assert published is not None and published.kind == "published"
    before = {(r["staff_id"], r["date"]): r for r in _rows(published.directory / "schedule.csv")}
    (pinned, point, day), (sick, sick_day, sick_point) = _choose_pin_and_absence(
        desk, published.directory
    )
    link = _signin_link(desk)
    with serving(create_app(desk.db, desk)) as base:
        driver = browser()
        try:
            driver.get(base + link)
            assert link.rsplit("/", 1)[1] not in driver.page_source
            WebDriverWait(driver, 20).until(lambda d: "/signin/" not in d.current_url)
            driver.get(f"{base}/desk/{MONTH}/")
            # The published month is there: the grid, and the status says what is shown.
            assert (
                "julkaistu suunnitelma (julkaisu 1)"
                in driver.find_element(By.ID, "working-on").text
            )
            cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#grid td.visit")]
            assert len(cells) > 50 and all(cells)
            # In Finnish, on the first screen: no English sentence left untranslated.
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fi"
            visible = driver.find_element(By.TAG_NAME, "body").text
            assert "Palvelupisteittäin" in visible and "Suunnittele uudelleen" in visible
            assert not _english(visible), _english(visible)
            # A day without a visit on a weekday the room is free is free, not hatched.
            assert driver.find_elements(By.CSS_SELECTOR, "#grid td.free")
            # The month is chosen from a list, with the previous and next month.
            assert (
                driver.find_element(By.ID, "previous-month")
                .get_attribute("href")
                .endswith("/desk/2026-02/")
            )

            # Pin a person from the day's page: the point's team is listed first.
            driver.get(f"{base}/desk/{MONTH}/cell?point={point}&date={day}")
            groups = driver.find_elements(By.CSS_SELECTOR, "#cell-pin-form optgroup")
            assert groups[0].get_attribute("data-team") == "yes"
            _submit(driver, "cell-pin-form", {"rule": "goes", "staff_id": pinned})
            assert "Kiinnitys tallennettu" in driver.find_element(By.ID, "message").text
            assert driver.find_elements(By.CSS_SELECTOR, f"tr[data-point='{point}'] td.pinned")

            # An absence names its person explicitly (the form has no default person).
            person = driver.find_element(By.CSS_SELECTOR, "#absence-form select[name=staff_id]")
            assert person.get_attribute("value") == ""
            _submit(
                driver,
                "absence-form",
                {"staff_id": sick, "start": sick_day, "end": sick_day, "reason": "sick leave"},
            )
            assert "Poissaolo tallennettu" in driver.find_element(By.ID, "message").text

            # Re-plan from a day in the middle of the month.
            _submit(driver, "replan-form", {"from_day": FREEZE})
            assert _wait_for_job(driver) == "done", driver.find_element(By.ID, "job-log").text
            assert "/" not in driver.find_element(By.ID, "job-progress").text.replace(" / ", "")
            assert str(desk.workdir) not in driver.page_source
            draft = Path(log.draft(desk.db, MONTH)[0])  # type: ignore[index]
            after = {(r["staff_id"], r["date"]): r for r in _rows(draft / "schedule.csv")}
            changed = sorted(
                k
                for k in set(before) | set(after)
                if (before.get(k) or {}).get("place_id") != (after.get(k) or {}).get("place_id")
                or (before.get(k) or {}).get("activity") != (after.get(k) or {}).get("activity")
            )
            assert all(d >= FREEZE for _, d in changed), changed
            assert (sick, sick_day) in changed and (pinned, day) in changed
            assert len(changed) <= 8, changed

            # The diff: a summary first, then the rows.
            _click(driver, driver.find_element(By.ID, "to-diff"))
            summary = driver.find_element(By.ID, "diff-summary").text
            assert "henkilötyöpäivää" in summary and "julkaistuja työpäiviä" in summary
            assert driver.find_elements(By.CSS_SELECTOR, "#diff-by-point tbody tr")
            assert driver.find_elements(By.CSS_SELECTOR, "#diff-by-day tbody tr")
            rows = driver.find_elements(By.CSS_SELECTOR, "#diff tbody tr")
            assert all(r.get_attribute("data-date") >= FREEZE for r in rows)
            driver.save_screenshot(str(shots / "desk-diff.png"))

            # Review, confirm, publish.
            driver.get(f"{base}/desk/{MONTH}/")
            driver.save_screenshot(str(shots / "desk-grid.png"))
            _click(driver, driver.find_element(By.CSS_SELECTOR, "#publish-start button"))
            feeds = driver.find_element(By.ID, "feed-summary").text
            assert "muuttunutta" in feeds and "peruttua" in feeds
            driver.save_screenshot(str(shots / "desk-publish.png"))
            _click(driver, driver.find_element(By.CSS_SELECTOR, "#publish-form button"))
            assert "julkaisuna 2" in driver.find_element(By.ID, "message").text
            assert not console_errors(driver)
        finally:
            driver.quit()
        # The sick person's feed lost the visit, the pinned person's has it.
        points = {p.point_id: p.name for p in load_instance(desk.instance_dir).service_points}
        assert (
            sick_day not in _feed_days(base, desk, sick)
            or points[sick_point] not in (_feed_days(base, desk, sick)[sick_day])
        )
        assert points[point] in _feed_days(base, desk, pinned)[day]


def test_a_revoked_planners_open_page_is_refused_on_the_next_click(
    served: tuple[Desk, str],
) -> None:
    from selenium.webdriver.common.by import By

    desk, link = served
    base = link.split("/desk/")[0]
    driver = browser()
    try:
        driver.get(link)
        driver.get(f"{base}/desk/{MONTH}/")
        assert "palvelupisteittäin" in driver.title
        revoke_token(desk.db, "planner:aino", log.now())
        _click(driver, driver.find_element(By.ID, "tab-people"))
        assert "Kirjaudu työpöydän kirjautumislinkillä" in driver.page_source
        assert not driver.find_elements(By.ID, "people")
    finally:
        driver.quit()


# ------------------------------------------------------------------ request level


def _request(
    url: str,
    data: bytes | None = None,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=data)
    if cookie:
        request.add_header("Cookie", cookie)
    for name, value in (headers or {}).items():
        request.add_header(name, value)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _session(link: str) -> str:
    status, headers, _ = _request(link)
    assert status == 200
    return headers["set-cookie"].split(";", 1)[0]


def _post(
    base: str, path: str, session: str, fields: dict[str, str], origin: str | None = None
) -> tuple[int, dict[str, str], str]:
    csrf = log.csrf_token(session.split("=", 1)[1])
    body = urllib.parse.urlencode({"csrf": csrf, **fields}).encode()
    return _request(base + path, data=body, cookie=session, headers={"Origin": origin or base})


def test_signin_links_are_single_use_and_no_calendar_url_opens_the_desk(
    served: tuple[Desk, str],
) -> None:
    desk, link = served
    base = link.split("/desk/")[0]
    status, headers, body = _request(link)
    assert status == 200
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/desk" in cookie
    secret = link.rsplit("/", 1)[1]
    assert secret not in body and secret not in cookie
    assert headers["cache-control"] == "no-store"
    session = cookie.split(";", 1)[0]
    assert _request(link)[0] == 403  # used: a second click makes no second session
    with connect(desk.db) as con:
        assert con.execute("SELECT COUNT(*) FROM desk_sessions").fetchone()[0] == 1
    assert _request(f"{base}/desk/{MONTH}/")[0] == 401
    assert _request(f"{base}/desk/{MONTH}/", cookie="desk_session=forged")[0] == 401
    assert _request(f"{base}/desk/{MONTH}/", cookie=session)[0] == 200
    # The planner's calendar URL token is no way in.
    feed_token = issue_token(desk.db, "planner:eero", log.now())
    assert _request(f"{base}/desk/signin/{feed_token}")[0] == 403
    # An expired link is refused.
    old = log.new_signin_link(desk.db, "aino")
    with connect(desk.db) as con:
        con.execute("UPDATE desk_links SET expires = '2000-01-01T00:00:00Z'")
    assert _request(f"{base}/desk/signin/{old}")[0] == 403
    assert _request(f"{base}/desk/2026-13/", cookie=session)[0] == 404
    # Rotating the planner's token closes the session.
    issue_token(desk.db, "planner:aino", log.now(), rotate=True)
    assert _request(f"{base}/desk/{MONTH}/", cookie=session)[0] == 401


def test_every_change_needs_the_form_token_and_this_origin(served: tuple[Desk, str]) -> None:
    desk, link = served
    base = link.split("/desk/")[0]
    session = _session(link)
    fields = {"staff_id": "s010", "start": "2026-03-20", "reason": "flu"}
    # Another site's page, a missing token, a wrong token, no Origin at all: refused.
    assert _post(base, f"/desk/{MONTH}/absences", session, fields, "https://evil.example")[0] == 403
    body = urllib.parse.urlencode(fields).encode()
    assert _request(f"{base}/desk/{MONTH}/absences", body, session, {"Origin": base})[0] == 403
    bad = urllib.parse.urlencode({**fields, "csrf": "0" * 40}).encode()
    assert _request(f"{base}/desk/{MONTH}/absences", bad, session, {"Origin": base})[0] == 403
    good = urllib.parse.urlencode({**fields, "csrf": log.csrf_token(session.split("=")[1])})
    assert _request(f"{base}/desk/{MONTH}/absences", good.encode(), session)[0] == 403
    assert log.actions(desk.db, MONTH) == []
    # A body over the limit is refused before it is read.
    huge = _post(base, f"/desk/{MONTH}/absences", session, {**fields, "reason": "x" * 20_000})
    assert huge[0] == 413
    # The desk's own form: stored; the message travels in the session, not the URL.
    status, headers, _ = _post(base, f"/desk/{MONTH}/absences", session, fields)
    assert status == 303 and headers["location"] == f"/desk/{MONTH}/"
    page = _request(f"{base}/desk/{MONTH}/?message=Call+0800+now", cookie=session)[2]
    assert "Poissaolo tallennettu" in page and "Call 0800 now" not in page
    assert len(log.actions(desk.db, MONTH, "absence")) == 1


def test_fifty_absences_posted_at_once_are_fifty_rows(served: tuple[Desk, str]) -> None:
    desk, link = served
    base = link.split("/desk/")[0]
    session = _session(link)
    path = desk.instance_dir / "absences.csv"
    before = len(_rows(path))
    staff = [s.staff_id for s in load_instance(desk.instance_dir).staff][:50]

    def post(i: int) -> int:
        fields = {
            "staff_id": staff[i],
            "start": f"2026-04-{i % 28 + 1:02d}",
            "reason": f'=HYPERLINK("http://x","{i}")' if i == 0 else f"course {i}",
        }
        return _post(base, "/desk/2026-04/absences", session, fields)[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(post, range(50)))
    assert statuses == [303] * 50
    rows = _rows(path)
    assert len(rows) == before + 50
    assert len(log.actions(desk.db, "2026-04", "absence")) == 50
    # Text a planner typed never starts a formula in a file opened in a spreadsheet.
    formula = [r["reason"] for r in rows if "HYPERLINK" in r["reason"]]
    assert formula and all(r.startswith("'=") for r in formula)
    assert not any(r["reason"].startswith(("=", "+", "-", "@")) for r in rows)


def test_absences_are_sane_and_name_their_person(desk: Desk) -> None:
    log.open_desk(desk.db)
    before = len(load_instance(desk.instance_dir).absences)
    add_absence(desk, MONTH, "aino", {"staff_id": "s010", "start": "2026-03-20", "reason": "flu"})
    absences = load_instance(desk.instance_dir).absences
    assert len(absences) == before + 1
    assert absences[-1].staff_id == "s010" and absences[-1].end == dt.date(2026, 3, 20)
    assert "lisännyt työpöydällä aino" in absences[-1].reason
    for bad, words in (
        ({"staff_id": "", "start": "2026-03-20"}, "valitse poissa oleva henkilö"),
        ({"staff_id": "nobody", "start": "2026-03-20"}, "valitse poissa oleva henkilö"),
        ({"staff_id": "s010", "start": "2026-03-21", "end": "2026-03-20"}, "ennen ensimmäistä"),
        ({"staff_id": "s010", "start": "2000-01-01", "end": "2100-12-31"}, "1.1.2026–31.12.2027"),
        ({"staff_id": "s010", "start": "2026-03-01", "end": "2027-06-01"}, "366 päivää"),
    ):
        with pytest.raises(DeskError, match=words):
            add_absence(desk, MONTH, "aino", bad)
    assert len(load_instance(desk.instance_dir).absences) == before + 1
    assert [a.kind for a in log.actions(desk.db, MONTH)] == ["absence"]


def test_conflicting_pins_are_refused_naming_both(desk: Desk) -> None:
    log.open_desk(desk.db)
    add_pin(desk, MONTH, "aino", {"rule": "closed", "point_id": "kaavi", "date": "2026-03-09"})
    with pytest.raises(DeskError) as error:
        add_pin(desk, MONTH, "aino", {"rule": "open", "point_id": "kaavi", "date": "2026-03-09"})
    words = str(error.value)
    assert "uusi kiinnitys: Kaavi on auki 9.3.2026" in words
    assert "on ristiriidassa" in words and "Kaavi on kiinni 9.3.2026" in words
    with pytest.raises(DeskError, match="ei ole kuukaudessa maaliskuu 2026"):
        add_pin(desk, MONTH, "aino", {"rule": "open", "point_id": "kaavi", "date": "2026-04-06"})
    with pytest.raises(DeskError, match="valitse suunniteltava ajanvarauspiste"):
        add_pin(desk, MONTH, "aino", {"rule": "open", "point_id": "nowhere", "date": "2026-03-09"})
    assert len(log.actions(desk.db, MONTH, "pin")) == 1


def test_the_desk_starts_from_the_published_plan_without_its_folder(
    published_desk: Desk,
) -> None:
    """The command line's plan folder is gone; the store kept the published files."""
    desk = published_desk
    log.open_desk(desk.db)
    shown = basis(desk, MONTH)
    assert shown is not None and shown.kind == "published" and shown.publication == 1
    v = view(desk, MONTH)
    assert len(v.visits) > 50 and v.schedule
    # Room-free shading from the instance's weekdays: a point open on Mon-Fri has free
    # weekdays without a visit; a weekday its room is not free is 'closed'.
    instance = load_instance(desk.instance_dir)
    weekdays = {p.point_id: p.weekdays for p in instance.service_points}
    for row in grid(desk, v):
        for d, c in zip(v.days, row["cells"], strict=True):
            if c["state"] == "closed":
                assert d["date"].weekday() not in weekdays[row["point"].point_id]
            if c["state"] == "free":
                assert d["date"].weekday() in weekdays[row["point"].point_id] and d["working"]
    assert any(c["state"] == "free" for row in grid(desk, v) for c in row["cells"])
    # Publishing what is already published is refused; a re-plan starts from it.
    with pytest.raises(DeskError, match="Ei julkaistavaa"):
        publish_draft(desk, MONTH, "aino")


def test_token_issue_prints_a_feed_url_and_a_separate_desk_link(tmp_path: Path) -> None:
    db = tmp_path / "planner.db"
    result = CliRunner().invoke(main, ["token", "issue", "planner:aino", "--db", str(db)])
    assert result.exit_code == 0, result.output
    feed = result.stdout.strip()
    assert feed.endswith("/all.ics") and "/feeds/planner/" in feed
    link = result.stderr.strip().rsplit(" ", 1)[1]
    assert "/desk/signin/" in link and link.rsplit("/", 1)[1] not in feed
    assert log.use_signin_link(db, link.rsplit("/", 1)[1]) is not None
    assert log.use_signin_link(db, feed.split("/")[-2]) is None
    again = CliRunner().invoke(main, ["token", "signin", "planner:aino", "--db", str(db)])
    assert again.exit_code == 0 and "/desk/signin/" in again.stderr
    refused = CliRunner().invoke(main, ["token", "signin", "planner:nobody", "--db", str(db)])
    assert refused.exit_code == 2 and "no active token" in refused.output


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/staff/{t}.ics",
        "//feeds/staff/{t}.ics",
        "/./feeds/staff/{t}.ics",
        "/feeds/x/../staff/{t}.ics",
        "//feeds//planner/{t}/all.ics",
        "/desk/signin/{t}",
        "/anything/{t}",
    ],
)
def test_tokens_are_cut_in_the_log_in_every_path_form(path: str) -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    line = redact(path.format(t=token))
    assert token not in line and token[4:12] not in line and "AbCd..." in line


def test_a_replan_interrupted_by_a_restart_runs_again(desk: Desk) -> None:
    """The server stops mid-solve: the job is queued again on start and the draft only
    ever points at a finished, checked plan."""
    log.open_desk(desk.db)
    job_id = log.queue_job(desk.db, MONTH, "aino", None)
    job = log.take_job(desk.db)
    assert job is not None and job.id == job_id and job.status == "running"
    stop = threading.Event()
    stop.set()  # the server is stopping as the job starts
    run_job(desk, job, stop)
    assert log.job(desk.db, job_id).status == "running"  # type: ignore[union-attr]
    assert log.draft(desk.db, MONTH) is None
    assert log.requeue_interrupted(desk.db) == 1
    again = log.take_job(desk.db)
    assert again is not None and again.id == job_id and again.attempt == 2
    run_job(desk, again)
    done = log.job(desk.db, job_id)
    assert done is not None and done.status == "done", done.log
    assert log.draft(desk.db, MONTH)[0].endswith(f"job-{job_id}-2")  # type: ignore[index]
    assert done.progress.startswith("Kirjoitettu ja tarkistettu")
    # A pin added since the draft was made: publishing it is refused, naming the pin.
    pin = add_pin(
        desk, MONTH, "aino", {"rule": "closed", "point_id": "kaavi", "date": "2026-03-09"}
    )
    with pytest.raises(DeskError, match=r"Kiinnitys on lisätty .*Kaavi on kiinni 9\.3\.2026"):
        publish_draft(desk, MONTH, "aino")
    remove_pin(desk, MONTH, "aino", pin)
    # A fact that changed since the draft was made: publishing it is refused.
    add_absence(desk, MONTH, "aino", {"staff_id": "s010", "start": "2026-03-20"})
    with pytest.raises(
        DeskError, match=r"Lähtötiedot ovat muuttuneet luonnoksen jälkeen \(absences"
    ):
        publish_draft(desk, MONTH, "aino")
    assert log.published(desk.db, MONTH) is None


def test_the_teams_page_and_a_planner_fixing_a_persons_leave(served: tuple[Desk, str]) -> None:
    """The named teams of the month's plan by municipality and process; the summer's
    leave calendar; fixing a person's leave writes leave already fixed (rank 0) into the
    instance, replacing their earlier fixed leave, and the next leave plan holds it."""
    desk, link = served
    base = link.split("/desk/")[0]
    session = _session(link)
    status, _, page = _request(f"{base}/desk/{MONTH}/teams", cookie=session)
    assert status == 200 and "Nimetyt tiimit, maaliskuu 2026" in page
    assert "Tiimejä ei ole hyväksytty" in page  # Kuopio has no approved teams
    status, _, page = _request(f"{base}/desk/2026-06/leave", cookie=session)
    assert status == 200 and "Lomasuunnitelmaa ei vielä ole" in page
    for monday in ("2026-06-01", "2026-07-06"):  # the second replaces the first
        fields = {"staff_id": "s010", "monday": monday, "weeks": "3"}
        status, headers, _ = _post(base, "/desk/2026-06/leave/fix", session, fields)
        assert status == 303 and headers["location"].endswith("/desk/2026-06/leave")
    fixed = [r for r in _rows(desk.instance_dir / "leave_wishes.csv") if r["rank"] == "0"]
    assert fixed == [{"staff_id": "s010", "start": "2026-07-06", "end": "2026-07-26", "rank": "0"}]
    bad = {"staff_id": "s010", "monday": "2026-12-07", "weeks": "3"}
    _post(base, "/desk/2026-06/leave/fix", session, bad)
    _, _, page = _request(f"{base}/desk/2026-06/leave", cookie=session)
    assert "Loma: viikkojen on oltava kesälomakaudella." in page
    planned = CliRunner().invoke(
        main,
        [
            "leave",
            "plan",
            str(desk.instance_dir),
            "--year",
            "2026",
            "--out",
            str(desk.workdir / "leave-2026"),
            "--time-limit",
            "5",
            "--seed",
            "1",
        ],
    )
    assert planned.exit_code == 0, planned.output
    leave = [r for r in _rows(desk.workdir / "leave-2026" / "leave.csv") if r["staff_id"] == "s010"]
    spans = [(r["start"], r["end"]) for r in leave]
    for monday in ("2026-07-06", "2026-07-13", "2026-07-20"):  # the fixed weeks are held
        assert any(a <= monday <= b for a, b in spans), (monday, spans)
    _, _, page = _request(f"{base}/desk/2026-06/leave", cookie=session)
    row = page.split('data-staff="s010"')[1].split("</tr>")[0]
    assert row.count('class="fixed"') == 3
