"""Published calendars on real parsers, a real HTTP server and a real CalDAV server."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from click.testing import CliRunner
from icalendar import Calendar

from cli import main
from planner.feeds.render import all_feed_keys, render_feed, vtimezone
from planner.feeds.store import StoreError, connect, issue_token, publish, revoke_token, subject_of
from planner.plan.model import SolverConfig
from planner.plan.outputs import write_plan
from planner.plan.schedule import plan_month
from tests.loopback import serving
from tests.tiny import tiny

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from models.instance import Instance

T0 = dt.datetime(2026, 2, 20, 12, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 2, 25, 8, 30, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 2, 26, 9, 0, tzinfo=dt.UTC)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def published(tmp_path: Path) -> tuple[Instance, Path, Path]:
    """A tiny instance, its March plan, and a store with that plan published at T0."""
    instance = tiny(tmp_path / "i", face_to_face_share=1.0, village_pattern="weekly:Wed")
    plan = plan_month(instance, "2026-03", config=SolverConfig(time_limit=5, workers=2, seed=1))
    plan_dir = tmp_path / "plan"
    write_plan(plan, instance, plan_dir)
    db = tmp_path / "store.db"
    publish(db, plan_dir, instance, T0)
    return instance, plan_dir, db


def feeds(db: Path) -> dict[str, bytes]:
    with connect(db) as con:
        return {key: render_feed(con, key) for key in all_feed_keys(con)}


def events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ----------------------------------------------------------------------------- the format


def test_every_feed_parses_and_is_well_formed(published: tuple[Instance, Path, Path]) -> None:
    instance, _, db = published
    staff_ids = {s.staff_id for s in instance.staff}
    for key, body in feeds(db).items():
        assert body.endswith(b"\r\n")
        for line in body.split(b"\r\n"):
            assert len(line) <= 75, (key, line)
            assert b"\n" not in line
        cal = Calendar.from_ical(body)
        expanded = recurring_ical_events.of(cal).between(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
        vevents = cal.walk("VEVENT")
        assert len(expanded) == len(vevents)
        uids = [str(e["UID"]) for e in vevents]
        assert len(set(uids)) == len(uids)
        assert re.search(rb"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", body)
        assert b"X-PUBLISHED-TTL:PT1H\r\n" in body and b"X-WR-CALNAME:" in body
        count = body.count(b"BEGIN:VEVENT\r\n")
        assert body.count(b"\r\nUID:") == count  # one UID per VEVENT, none elsewhere
        assert body.count(b"\r\nDTSTAMP:") == count
        assert body.count(b"\r\nDTSTART;TZID=Europe/Helsinki:") == count
        for event in vevents:
            assert UUID.match(str(event["UID"]))
            assert not any(s in str(event["UID"]) for s in staff_ids)
            assert event["DTSTAMP"].to_ical().endswith(b"Z")
            assert event["DTSTAMP"].dt.utcoffset() == dt.timedelta(0)
            for prop in ("DTSTART", "DTEND"):
                assert event[prop].params["TZID"] == "Europe/Helsinki"  # never floating
        assert b"RDATE" not in body and b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in body


def test_vtimezone_rules_match_zoneinfo() -> None:
    tz = vtimezone("Europe/Helsinki").to_tz()
    zone = ZoneInfo("Europe/Helsinki")
    moment = dt.datetime(2024, 1, 1, 0, 30)
    while moment.year < 2036:
        assert moment.replace(tzinfo=tz).utcoffset() == moment.replace(tzinfo=zone).utcoffset(), (
            moment
        )
        moment += dt.timedelta(hours=23)


def _plan_dir(tmp_path: Path, name: str, dates: list[str]) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    write_rows(
        directory / "visits.csv",
        [
            {
                "date": d,
                "point_id": "village_point",
                "municipality_id": "village",
                "start": "09:00",
                "end": "15:00",
                "staff_ids": "p1",
                "processes": "coach",
            }
            for d in dates
        ],
    )
    write_rows(
        directory / "schedule.csv",
        [
            {
                "date": d,
                "staff_id": "p1",
                "place_id": "village_point",
                "activity": "outreach",
                "substitute_cover": "false",
            }
            for d in dates
        ],
    )
    return directory


@pytest.mark.parametrize(
    ("dates", "utc_hours"),
    [(["2026-03-25"], 7), (["2026-04-01"], 6), (["2026-10-21"], 6), (["2026-10-28"], 7)],
)
def test_nine_in_helsinki_is_six_or_seven_utc(
    tmp_path: Path, dates: list[str], utc_hours: int
) -> None:
    instance = tiny(tmp_path / "i")
    db = tmp_path / "s.db"
    publish(db, _plan_dir(tmp_path, "p", dates), instance, T0)
    with connect(db) as con:
        body = render_feed(con, "point/village_point")
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert event["DTSTART"].dt.astimezone(dt.UTC).hour == utc_hours
    (occurrence,) = recurring_ical_events.of(Calendar.from_ical(body)).between(
        dt.date(2026, 1, 1), dt.date(2027, 1, 1)
    )
    assert occurrence["DTSTART"].dt.astimezone(dt.UTC).hour == utc_hours


# ----------------------------------------------------------------------------- re-publishing


def test_republishing_unchanged_data_gives_identical_bytes(
    published: tuple[Instance, Path, Path],
) -> None:
    instance, plan_dir, db = published
    before = feeds(db)
    result = publish(db, plan_dir, instance, T1)
    assert result.new == result.changed == result.cancelled == 0
    assert feeds(db) == before


def test_move_reassign_and_cancel(published: tuple[Instance, Path, Path], tmp_path: Path) -> None:
    instance, plan_dir, db = published
    before = feeds(db)
    visits = read_rows(plan_dir / "visits.csv")
    assert len(visits) >= 3, "the tiny plan needs three visits for this test"
    schedule = read_rows(plan_dir / "schedule.csv")
    old_person = visits[0]["staff_ids"].split()[0]
    new_person = next(s for s in ("p1", "p2", "p4", "sub1") if s not in visits[0]["staff_ids"])
    uid_of = {
        (e["DTSTART"].dt.date().isoformat()): uid
        for uid, e in events(before["point/village_point"]).items()
    }
    reassigned, moved = visits[0], visits[1]
    unchanged = visits[3:]
    keep = {uid_of[v["date"]] for v in unchanged}
    reassigned_uid, moved_uid, cancelled_uid = (uid_of[v["date"]] for v in visits[:3])
    moved_from = moved["date"]
    moved["date"] = "2026-03-31" if moved_from != "2026-03-31" else "2026-03-30"
    reassigned["staff_ids"] = new_person
    new_dir = tmp_path / "plan2"
    shutil.copytree(plan_dir, new_dir)
    write_rows(new_dir / "visits.csv", [reassigned, moved, *unchanged])
    for row in schedule:
        if row["date"] == visits[0]["date"] and row["staff_id"] == old_person:
            row["activity"], row["place_id"] = "office", "town_office"
    write_rows(new_dir / "schedule.csv", schedule)
    result = publish(db, new_dir, instance, T1)
    assert result.cancelled >= 1 and result.changed >= 2
    after = feeds(db)
    point_before = events(before["point/village_point"])
    point_after = events(after["point/village_point"])
    assert cancelled_uid not in point_after
    assert int(point_after[moved_uid]["SEQUENCE"]) == int(point_before[moved_uid]["SEQUENCE"]) + 1
    assert point_after[moved_uid]["DTSTART"].dt.date().isoformat() == moved["date"]
    assert int(point_after[reassigned_uid]["SEQUENCE"]) == 1
    assert point_after[reassigned_uid]["DTSTAMP"].dt == T1
    for uid in keep:
        assert point_after[uid].to_ical() == point_before[uid].to_ical()
    assert reassigned_uid not in events(after[f"staff/{old_person}"])
    assert reassigned_uid in events(after[f"staff/{new_person}"])
    for key in (f"staff/{s.staff_id}" for s in instance.staff):
        assert cancelled_uid not in events(after[key])


def test_a_person_sees_only_their_own_visits(published: tuple[Instance, Path, Path]) -> None:
    instance, plan_dir, db = published
    mine: dict[str, set[str]] = {}
    for visit in read_rows(plan_dir / "visits.csv"):
        for sid in visit["staff_ids"].split():
            mine.setdefault(sid, set()).add(visit["date"])
    all_feeds = feeds(db)
    for person in instance.staff:
        got = {
            e["DTSTART"].dt.date().isoformat()
            for e in events(all_feeds[f"staff/{person.staff_id}"]).values()
        }
        assert got == mine.get(person.staff_id, set())
    public = all_feeds["point/village_point"].decode()
    assert not any(p.name in public for p in instance.staff)


# ----------------------------------------------------------------------------- HTTP


@pytest.fixture
def server(published: tuple[Instance, Path, Path]) -> Iterator[tuple[str, Path]]:
    from planner.feeds.server import create_app

    _, _, db = published
    with serving(create_app(db)) as base:
        yield base, db


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_http_private_feed_caching_and_tokens(
    server: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    base, db = server
    caplog.set_level(logging.INFO, logger="planner.feeds.server")
    secret = issue_token(db, "p1", T1)
    status, headers, body = get(f"{base}/feeds/staff/{secret}.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["cache-control"] == "private, no-cache"
    assert headers["etag"] and headers["last-modified"] == "Fri, 20 Feb 2026 12:00:00 GMT"
    assert body.startswith(b"BEGIN:VCALENDAR")
    assert get(f"{base}/feeds/staff/{secret}.ics", {"If-None-Match": headers["etag"]})[0] == 304
    assert (
        get(f"{base}/feeds/staff/{secret}.ics", {"If-Modified-Since": headers["last-modified"]})[0]
        == 304
    )
    assert (
        get(
            f"{base}/feeds/staff/{secret}.ics",
            {"If-Modified-Since": "Thu, 19 Feb 2026 12:00:00 GMT"},
        )[0]
        == 200
    )
    assert get(f"{base}/feeds/staff/{secret}.ics", {"Accept": "*/*"})[0] == 200
    unknown = get(f"{base}/feeds/staff/{'x' * 32}.ics")
    assert unknown[0] == 404 and unknown[2] == b""
    rotated = issue_token(db, "p1", T1, rotate=True)
    assert get(f"{base}/feeds/staff/{secret}.ics")[0] == 404
    assert get(f"{base}/feeds/staff/{rotated}.ics")[0] == 200
    revoke_token(db, "p1", T1)
    assert get(f"{base}/feeds/staff/{rotated}.ics")[0] == 404
    assert secret not in caplog.text and rotated not in caplog.text
    assert f"/feeds/staff/{secret[:4]}..." in caplog.text


def test_http_public_and_planner_feeds(server: tuple[str, Path]) -> None:
    base, db = server
    status, headers, body = get(f"{base}/feeds/points/village_point.ics")
    assert status == 200 and headers["cache-control"].startswith("public")
    assert b"Person " not in body
    assert get(f"{base}/feeds/points/nowhere.ics")[0] == 404
    planner = issue_token(db, "planner:anna", T1)
    assert get(f"{base}/feeds/planner/{planner}/all.ics")[0] == 200
    assert get(f"{base}/feeds/planner/{planner}/areas/a.ics")[0] == 200
    assert get(f"{base}/feeds/staff/{planner}.ics")[0] == 404


def test_http_validators_slashes_and_the_log(
    server: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """The ETag is the body's own; weak validators match (RFC 9110); a trailing slash is
    404, not a redirect echoing the token; every request is logged, bounded and escaped."""
    import hashlib

    base, db = server
    caplog.set_level(logging.INFO, logger="planner.feeds.server")
    public = f"{base}/feeds/points/village_point.ics"
    status, headers, body = get(public)
    assert status == 200
    assert headers["etag"] == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    assert get(public, {"If-None-Match": "W/" + headers["etag"]})[0] == 304
    assert get(public, {"If-None-Match": '"other", ' + headers["etag"]})[0] == 304
    assert get(public, {"If-None-Match": '"other"'})[0] == 200
    secret = issue_token(db, "p2", T1)
    status, headers, _ = get(f"{base}/feeds/staff/{secret}.ics/")
    assert status == 404 and "location" not in {k.lower() for k in headers}
    assert get(f"{base}/nothing/here")[0] == 404
    assert get(f"{base}/x%00y%1bz")[0] == 404
    assert get(f"{base}/{'a' * 5000}")[0] == 404
    logged = [r.getMessage() for r in caplog.records if r.name == "planner.feeds.server"]
    assert any("/nothing/here 404" in line for line in logged)
    assert all(len(line) < 300 for line in logged)
    assert not any("\x00" in line or "\x1b" in line for line in logged)
    assert any("\\x00" in line for line in logged)


def test_a_removed_person_loses_their_feed(
    published: tuple[Instance, Path, Path], tmp_path: Path
) -> None:
    """Republishing without a person deletes their feed: their token then opens nothing.
    Planner names are plain words."""
    instance, plan_dir, db = published
    secret = issue_token(db, "p3", T1)
    with connect(db) as con:
        assert con.execute("SELECT 1 FROM feeds WHERE feed = 'staff/p3'").fetchone()
    smaller = instance.derived(staff=tuple(s for s in instance.staff if s.staff_id != "p3"))
    publish(db, plan_dir, smaller, T2)
    with connect(db) as con:
        assert con.execute("SELECT 1 FROM feeds WHERE feed = 'staff/p3'").fetchone() is None
        assert subject_of(con, secret) == "p3"  # the token is still there, its feed is not
    for bad in ("planner:", "planner:../../x", "planner:a\nb", "planner:Anna Smith"):
        with pytest.raises(StoreError, match="planner name"):
            issue_token(db, bad, T1)


def test_http_unreadable_store_is_5xx_not_empty(server: tuple[str, Path]) -> None:
    base, db = server
    public = f"{base}/feeds/points/village_point.ics"
    assert get(public)[0] == 200
    db.write_bytes(b"this is not an SQLite database" * 100)
    status, _, body = get(public)
    assert 500 <= status < 600
    assert body and b"BEGIN:VCALENDAR" not in body


# ----------------------------------------------------------------------------- CLI and CalDAV


def test_cli_publish_export_and_token(tmp_path: Path) -> None:
    from tests.tiny import write_tiny

    directory = write_tiny(tmp_path / "i")
    runner = CliRunner()
    plan = tmp_path / "plan"
    assert (
        runner.invoke(
            main,
            [
                "schedule",
                str(directory),
                "--month",
                "2026-03",
                "--out",
                str(plan),
                "--time-limit",
                "3",
                "--quiet",
            ],
        ).exit_code
        == 0
    )
    db = tmp_path / "store.db"
    published = runner.invoke(main, ["publish", str(plan), str(directory), "--db", str(db)])
    assert published.exit_code == 0, published.output
    assert "published 2026-03" in published.stdout
    out = tmp_path / "feeds"
    exported = runner.invoke(main, ["export", "--db", str(db), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert (out / "points" / "village_point.ics").exists() and (out / "all.ics").exists()
    # The calendars in the published instance's language (Finnish), or as asked.
    finnish = Calendar.from_ical((out / "all.ics").read_bytes())
    assert str(finnish["X-WR-CALNAME"]).endswith("kaikki lähipalvelupäivät")
    english = tmp_path / "feeds-en"
    assert (
        runner.invoke(
            main, ["export", "--db", str(db), "--out", str(english), "--language", "en"]
        ).exit_code
        == 0
    )
    named = str(Calendar.from_ical((english / "all.ics").read_bytes())["X-WR-CALNAME"])
    assert named.endswith("all outreach days"), named
    issued = runner.invoke(main, ["token", "issue", "p1", "--db", str(db)])
    assert issued.exit_code == 0
    assert re.fullmatch(
        r"http://127\.0\.0\.1:8080/feeds/staff/[A-Za-z0-9_-]{32}\.ics\n", issued.stdout
    )
    again = runner.invoke(main, ["token", "issue", "p1", "--db", str(db)])
    assert again.exit_code == 2 and "rotate" in again.stderr
    assert runner.invoke(main, ["token", "issue", "nobody", "--db", str(db)]).exit_code == 2
    assert runner.invoke(main, ["token", "revoke", "p1", "--db", str(db)]).exit_code == 0
    missing = runner.invoke(main, ["export", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no publication store" in missing.stderr


def test_push_to_radicale_round_trips(
    published: tuple[Instance, Path, Path], tmp_path: Path
) -> None:
    import caldav

    from planner.feeds.push import push

    instance, plan_dir, db = published
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    radicale = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
            "--auth-type",
            "none",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        point_feed = ["point/village_point"]
        first = push(db, url, "planner", "secret", point_feed)
        assert first.written >= 3 and first.deleted == 0
        expected = {
            uid: e["DTSTART"].dt.astimezone(dt.UTC)
            for uid, e in events(feeds(db)["point/village_point"]).items()
        }

        def on_server() -> dict[str, dt.datetime]:
            with caldav.DAVClient(url=url, username="planner", password="secret") as client:
                (calendar,) = [
                    c for c in client.principal().calendars() if "point-village_point" in str(c.url)
                ]
                return {
                    str(o.icalendar_component["UID"]): o.icalendar_component[
                        "DTSTART"
                    ].dt.astimezone(dt.UTC)
                    for o in calendar.events()
                }

        assert on_server() == expected
        assert push(db, url, "planner", "secret", point_feed).written == 0
        visits = read_rows(plan_dir / "visits.csv")
        write_rows(plan_dir / "visits.csv", visits[1:])
        publish(db, plan_dir, instance, T1)
        again = push(db, url, "planner", "secret", point_feed)
        assert again.deleted == 1
        assert len(on_server()) == len(expected) - 1
    finally:
        radicale.terminate()
        radicale.wait(timeout=10)


def test_a_store_from_before_bodies_were_kept_is_still_served(
    server: tuple[str, Path],
) -> None:
    """Upgrading the server before the next publication must not turn feeds into 503s."""
    base, db = server
    with connect(db) as con:
        con.execute("ALTER TABLE feeds DROP COLUMN body")
    status, _, body = get(f"{base}/feeds/points/village_point.ics")
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")


def test_entries_a_counsellor_can_act_on(tmp_path: Path) -> None:
    """A street address in LOCATION, how to book on the point's feed (with URL when it
    is one), and in a person's own feed the processes they are there for."""
    instance = tiny(
        tmp_path / "i",
        village_address="Kirkkotie 1",
        village_booking="https://ajanvaraus.example.fi/village",
    )
    plan = plan_month(instance, "2026-03", config=SolverConfig(time_limit=5, workers=2, seed=1))
    write_plan(plan, instance, tmp_path / "plan")
    db = tmp_path / "store.db"
    publish(db, tmp_path / "plan", instance, T0)
    with connect(db) as con:
        point = Calendar.from_ical(render_feed(con, "point/village_point"))
        visit = plan.visits[0]
        person = visit.staff_ids[0]
        mine = Calendar.from_ical(render_feed(con, f"staff/{person}"))
    event = next(iter(point.walk("VEVENT")))
    # The point's name and street address; the town is not said twice.
    assert str(event["LOCATION"]) == "Village, Kirkkotie 1"
    assert "Ajanvaraus: https://ajanvaraus.example.fi/village." in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "https://ajanvaraus.example.fi/village"
    assert str(event["SUMMARY"]) == "Village: auki ajanvarauksella"
    texts = [str(e["DESCRIPTION"]) for e in mine.walk("VEVENT")]
    # The first line is what the counsellor is there for; the services are not listed
    # again below it.
    assert all(t.startswith("Olet paikalla: Own coach") for t in texts), texts
    assert not any("Palvelut:" in t for t in texts)
    assert not any(".." in t for t in texts)


def test_calendar_entries_in_finnish_as_a_phone_shows_them(tmp_path: Path) -> None:
    """Finnish titles under 40 characters, ä and ö intact, no booking promise without a
    way to book, and no town said twice."""
    instance = tiny(tmp_path / "i")
    assert instance.settings.language == "fi"
    plan = plan_month(instance, "2026-03", config=SolverConfig(time_limit=5, workers=2, seed=1))
    write_plan(plan, instance, tmp_path / "plan")
    db = tmp_path / "store.db"
    publish(db, tmp_path / "plan", instance, T0)
    with connect(db) as con:
        feeds = {key: Calendar.from_ical(render_feed(con, key)) for key in all_feed_keys(con)}
    events = [e for cal in feeds.values() for e in cal.walk("VEVENT")]
    assert events
    for event in events:
        assert len(str(event["SUMMARY"])) < 40, event["SUMMARY"]
        assert "Ajanvaraus" not in str(event.get("DESCRIPTION", ""))  # no booking given
        location = str(event["LOCATION"]).split(", ")
        assert len(location) == len(set(location)), location
    summaries = {str(e["SUMMARY"]) for e in events}
    assert any(s.endswith("lähipalvelupäivä") for s in summaries), summaries
    assert any(s.endswith("palvelupiste auki") for s in summaries), summaries
    names = {str(c["X-WR-CALNAME"]) for c in feeds.values()}
    assert any("lähipalvelupäivät" in n for n in names), names


def test_a_persons_annual_leave_is_in_their_own_feed_only(tmp_path: Path) -> None:
    """Annual leave in absences.csv (a leave plan applied) becomes one all-day event per
    span in the person's own feed, never in a point's or an area's; moved in a later
    publication, the same event changes (its UID kept, SEQUENCE up)."""
    instance = tiny(tmp_path / "i", absences=[("p3", "2026-03-09", "2026-03-13")])
    leave = tuple(a.model_copy(update={"reason": "annual leave"}) for a in instance.absences)
    instance = instance.model_copy(update={"absences": leave})
    config = SolverConfig(time_limit=5, workers=2, seed=1)
    plan_dir = tmp_path / "plan"
    write_plan(plan_month(instance, "2026-03", config=config), instance, plan_dir)
    db = tmp_path / "store.db"
    publish(db, plan_dir, instance, T0)
    bodies = feeds(db)
    mine = [
        e
        for e in Calendar.from_ical(bodies["staff/p3"]).walk("VEVENT")
        if str(e["SUMMARY"]) == "Vuosiloma"
    ]
    assert len(mine) == 1
    assert mine[0]["DTSTART"].dt == dt.date(2026, 3, 9)
    assert mine[0]["DTEND"].dt == dt.date(2026, 3, 14)  # the day after the last
    assert str(mine[0]["TRANSP"]) == "TRANSPARENT"
    for key, body in bodies.items():
        if key != "staff/p3":
            assert b"Vuosiloma" not in body, key
    moved = tuple(
        a.model_copy(update={"start": dt.date(2026, 3, 16), "end": dt.date(2026, 3, 20)})
        for a in leave
    )
    instance = instance.model_copy(update={"absences": moved})
    write_plan(plan_month(instance, "2026-03", config=config), instance, plan_dir)
    publish(db, plan_dir, instance, T1)
    again = [
        e
        for e in Calendar.from_ical(feeds(db)["staff/p3"]).walk("VEVENT")
        if str(e["SUMMARY"]) == "Vuosiloma"
    ]
    assert len(again) == 1 and str(again[0]["UID"]) == str(mine[0]["UID"])
    assert again[0]["DTSTART"].dt == dt.date(2026, 3, 16)
    assert int(again[0]["SEQUENCE"]) == int(mine[0]["SEQUENCE"]) + 1
