"""The feed server: an ASGI app (Starlette) for uvicorn, behind an HTTPS reverse proxy.

* ``/feeds/staff/{token}.ics`` — a person's private feed; ``/feeds/planner/{token}/all.ics``
  and ``/feeds/planner/{token}/areas/{area}.ics`` — planners' private feeds. Tokens are
  looked up by their SHA-256 and compared in constant time; an unknown, rotated or
  revoked token, or one of a person no longer in the published staff, gets 404 with an
  empty body.
* ``/feeds/points/{point}.ics`` — public service-point feeds at readable URLs.

Feeds are rendered once, when a plan is published, and kept in the store with their
ETag and Last-Modified (:func:`planner.feeds.store._record_feed_changes`): a request only
reads, in one read transaction, so a body never goes out with another version's
validators. Validators are compared before the body is read, so a 304 costs a small
query. Store reads run in a worker thread, off the event loop. Every feed answers
``text/calendar; charset=utf-8`` with ETag and Last-Modified, and 304 to a matching
If-None-Match (weak comparison, RFC 9110) or a not-older If-Modified-Since. Private
feeds carry ``Cache-Control: private, no-cache``. If the store cannot be read the
answer is 503, never an empty 200: calendar clients wipe a calendar that comes back
empty. A path with a trailing slash is 404 (no redirect that would echo a token).
Every request, matched or not, is logged with its path cut to 200 characters, tokens
cut to their first four, and anything unprintable escaped.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import posixpath
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from planner.feeds.render import render_feed
from planner.feeds.store import (
    PLANNER_PREFIX,
    StoreError,
    connect,
    feed_etag,
    parse_utc,
    subject_of,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from planner.desk.service import Desk

log = logging.getLogger("planner.feeds.server")
CALENDAR = "text/calendar; charset=utf-8"
LOGGED_PATH = 200
SECRET_PATHS = (("feeds", "staff"), ("feeds", "planner"), ("desk", "signin"))
"""Paths whose next part is a token."""
SECRET_LOOKING = re.compile(r"[A-Za-z0-9_-]{20,}")
"""A path part that could be a secret (tokens are 32 URL-safe characters; no id is
this long), cut wherever it stands."""


def _cut(part: str) -> str:
    stem, dot, suffix = part.partition(".")
    return stem[:4] + "..." + (dot + suffix if dot else "")


def redact(path: str) -> str:
    """A request path fit for a log line: tokens cut to their first four characters,
    at most :data:`LOGGED_PATH` characters, control and non-ASCII characters escaped.

    The path is normalised first (repeated slashes, ``.`` and ``..`` parts), as a
    server may route ``//feeds/...`` or ``/./feeds/...`` to the same feed; any part
    that looks like a secret is cut wherever it stands."""
    parts = [p for p in posixpath.normpath("/" + path.lstrip("/")).split("/") if p]
    shown = []
    for i, part in enumerate(parts):
        secret = (i >= 2 and (parts[i - 2], parts[i - 1]) in SECRET_PATHS) or bool(
            SECRET_LOOKING.fullmatch(part.partition(".")[0])
        )
        shown.append(_cut(part) if secret else part)
    text = "/" + "/".join(shown) + ("/" if path.endswith("/") and shown else "")
    cut = text[:LOGGED_PATH] + ("...(cut)" if len(text) > LOGGED_PATH else "")
    return cut.encode("ascii", "backslashreplace").decode("ascii").replace("\x7f", "\\x7f")


def _safe(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else f"\\x{ord(c):02x}" for c in redact(text))


class AccessLog:
    """Logs every request once, including unmatched ones, with the path made safe."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info("%s %s %s", scope.get("method", "?"), _safe(scope.get("path", "")), status)


def _matches(header: str, etag: str) -> bool:
    """If-None-Match by the weak comparison of RFC 9110 (W/ prefixes are ignored)."""
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def create_app(db: Path | str, desk: Desk | None = None) -> Starlette:
    """The feeds, and with ``desk`` the planners' desk at ``/desk`` (:mod:`planner.desk`)."""
    db = Path(db)

    def read_feed(
        feed: str, token: str | None, planner: bool, match: str | None, since: str | None
    ) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, headers) of one request, read in one transaction of the store."""
        with connect(db) as con:
            con.isolation_level = None
            con.execute("BEGIN")
            try:
                if token is not None:
                    subject = subject_of(con, token)
                    if subject is None or subject.startswith(PLANNER_PREFIX) != planner:
                        return 404, b"", {}
                    if not planner:
                        feed = f"staff/{subject}"
                row = con.execute(
                    "SELECT etag, changed_at FROM feeds WHERE feed = ?", (feed,)
                ).fetchone()
                if row is None:
                    return 404, b"", {}
                etag = '"' + row["etag"] + '"'
                changed = parse_utc(row["changed_at"])
                headers = {
                    "ETag": etag,
                    "Last-Modified": email.utils.format_datetime(changed, usegmt=True),
                    "Cache-Control": "private, no-cache" if token else "public, max-age=300",
                }
                if match is not None:
                    if _matches(match, etag):
                        return 304, b"", headers
                elif since is not None:
                    try:
                        if changed <= email.utils.parsedate_to_datetime(since):
                            return 304, b"", headers
                    except (TypeError, ValueError):
                        pass
                body = con.execute("SELECT * FROM feeds WHERE feed = ?", (feed,)).fetchone()
                # A store written before bodies were kept has no such column until its
                # next publication: render on the fly rather than fail.
                has_body = body is not None and "body" in body.keys()  # noqa: SIM118 (sqlite3.Row)
                content = body["body"] if has_body else None
                if content is None:  # a store from before bodies were kept
                    content = render_feed(con, feed)
                    headers["ETag"] = '"' + feed_etag(content) + '"'
            finally:
                con.execute("COMMIT")
        if not content:
            raise StoreError(f"empty feed {feed} in the store")
        return 200, bytes(content), headers

    def endpoint(feed_of, private: bool, planner: bool = False):  # type: ignore[no-untyped-def]
        async def handle(request: Request) -> Response:
            feed, token = feed_of(request)
            try:
                status, body, headers = await run_in_threadpool(
                    read_feed,
                    feed,
                    token,
                    planner,
                    request.headers.get("if-none-match"),
                    request.headers.get("if-modified-since"),
                )
            except (StoreError, sqlite3.Error) as exc:
                log.error("store unavailable: %s", exc)
                return Response(
                    "calendar store unavailable, try again later\n",
                    status_code=503,
                    media_type="text/plain",
                    headers={"Retry-After": "60"},
                )
            if status == 200:
                return Response(body, media_type=CALENDAR, headers=headers)
            return Response(status_code=status, headers=headers)

        return handle

    def health_check() -> None:
        with connect(db) as con:
            con.execute("SELECT COUNT(*) FROM publications").fetchone()

    async def health(request: Request) -> Response:
        try:
            await run_in_threadpool(health_check)
        except (StoreError, sqlite3.Error):
            return Response("store unavailable\n", status_code=503, media_type="text/plain")
        return Response("ok\n", media_type="text/plain")

    routes = [
        Route(
            "/feeds/staff/{token}.ics",
            endpoint(lambda r: ("", r.path_params["token"]), private=True),
        ),
        Route(
            "/feeds/planner/{token}/all.ics",
            endpoint(lambda r: ("all", r.path_params["token"]), private=True, planner=True),
        ),
        Route(
            "/feeds/planner/{token}/areas/{area}.ics",
            endpoint(
                lambda r: (f"area/{r.path_params['area']}", r.path_params["token"]),
                private=True,
                planner=True,
            ),
        ),
        Route(
            "/feeds/points/{point}.ics",
            endpoint(lambda r: (f"point/{r.path_params['point']}", None), private=False),
        ),
        Route("/healthz", health),
    ]
    lifespan = None
    if desk is not None:
        from planner.desk.app import create_desk

        mount, worker = create_desk(desk)
        routes.append(mount)

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            # The re-plan worker lives as long as the server; a job it was running when
            # the server stopped is queued again at the next start.
            worker.start()
            try:
                yield
            finally:
                await run_in_threadpool(worker.close)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False
    app.add_middleware(AccessLog)
    return app
