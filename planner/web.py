"""The feed server: an ASGI app (Starlette) for uvicorn, behind an HTTPS reverse proxy.

* ``/feeds/staff/{token}.ics`` — a person's private feed; ``/feeds/planner/{token}/all.ics``
  and ``/feeds/planner/{token}/areas/{area}.ics`` — planners' private feeds. Tokens are
  looked up by their SHA-256 and compared in constant time; an unknown, rotated or
  revoked token gets 404 with an empty body; the access log shows only a token's
  first four characters.
* ``/feeds/points/{point}.ics`` — public service-point feeds at readable URLs.

Every feed answers ``text/calendar; charset=utf-8`` with ETag and Last-Modified
(from the store: when the feed's bytes last changed) and 304 to a matching
If-None-Match or a not-older If-Modified-Since. Private feeds carry
``Cache-Control: private, no-cache``. If the store cannot be read the answer is
503, never an empty 200: calendar clients wipe a calendar that comes back empty.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from planner.calendars import feed_exists, render_feed
from planner.store import PLANNER_PREFIX, StoreError, connect, parse_utc, subject_of

if TYPE_CHECKING:
    from starlette.requests import Request

log = logging.getLogger("planner.web")
CALENDAR = "text/calendar; charset=utf-8"


def redact(path: str) -> str:
    """A request path with any token cut to its first four characters."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "feeds" and parts[2] in ("staff", "planner"):
        token = parts[3].removesuffix(".ics")
        parts[3] = token[:4] + "…" + (".ics" if parts[3].endswith(".ics") else "")
    return "/".join(parts)


def create_app(db: Path | str) -> Starlette:
    db = Path(db)

    def serve_feed(request: Request, feed: str, private: bool) -> Response:
        with connect(db) as con:
            if not feed_exists(con, feed):
                return Response(status_code=404)
            body = render_feed(con, feed)
            row = con.execute("SELECT changed_at FROM feeds WHERE feed = ?", (feed,)).fetchone()
        if not body:
            raise StoreError("empty feed rendered")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        changed = parse_utc(row["changed_at"]) if row else None
        headers = {
            "ETag": etag,
            "Cache-Control": "private, no-cache" if private else "public, max-age=300",
        }
        if changed is not None:
            headers["Last-Modified"] = email.utils.format_datetime(changed, usegmt=True)
        match = request.headers.get("if-none-match")
        since = request.headers.get("if-modified-since")
        if match is not None:
            if etag in [m.strip() for m in match.split(",")] or match.strip() == "*":
                return Response(status_code=304, headers=headers)
        elif since is not None and changed is not None:
            try:
                if changed <= email.utils.parsedate_to_datetime(since):
                    return Response(status_code=304, headers=headers)
            except (TypeError, ValueError):
                pass
        return Response(body, media_type=CALENDAR, headers=headers)

    def guarded(handler):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> Response:
            try:
                response = handler(request)
            except (StoreError, sqlite3.Error) as exc:
                log.error("store unavailable: %s", exc)
                response = Response(
                    "calendar store unavailable, try again later\n",
                    status_code=503,
                    media_type="text/plain",
                    headers={"Retry-After": "60"},
                )
            log.info("%s %s %s", request.method, redact(request.url.path), response.status_code)
            return response

        return endpoint

    def staff_feed(request: Request) -> Response:
        token = request.path_params["token"]
        with connect(db) as con:
            subject = subject_of(con, token)
        if subject is None or subject.startswith(PLANNER_PREFIX):
            return Response(status_code=404)
        return serve_feed(request, f"staff/{subject}", private=True)

    def planner_feed(request: Request) -> Response:
        with connect(db) as con:
            subject = subject_of(con, request.path_params["token"])
        if subject is None or not subject.startswith(PLANNER_PREFIX):
            return Response(status_code=404)
        area = request.path_params.get("area")
        return serve_feed(request, f"area/{area}" if area else "all", private=True)

    def point_feed(request: Request) -> Response:
        return serve_feed(request, f"point/{request.path_params['point']}", private=False)

    def health(request: Request) -> Response:
        with connect(db) as con:
            con.execute("SELECT COUNT(*) FROM publications").fetchone()
        return Response("ok\n", media_type="text/plain")

    routes = [
        Route("/feeds/staff/{token}.ics", guarded(staff_feed)),
        Route("/feeds/planner/{token}/all.ics", guarded(planner_feed)),
        Route("/feeds/planner/{token}/areas/{area}.ics", guarded(planner_feed)),
        Route("/feeds/points/{point}.ics", guarded(point_feed)),
        Route("/healthz", guarded(health)),
    ]
    return Starlette(routes=routes)
