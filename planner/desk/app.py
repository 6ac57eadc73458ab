"""The desk's routes, mounted at ``/desk`` of the feed server.

Sign-in is by a planner's token link (``/desk/signin/<token>``, the token ``planner
token issue planner:NAME`` makes): the link is exchanged for a session cookie
(HttpOnly, SameSite=Strict, Secure behind HTTPS; only its hash is stored) and the
page it answers carries no token, so the token appears in no page, no redirect and
no log line (the access log cuts it to four characters). A staff member's token
opens no desk. Every change is a POST from the desk's own pages (a SameSite=Strict
cookie is not sent with another site's form) and is logged with who and when.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from planner.desk import log, service
from planner.desk.service import DeskError
from planner.feeds.store import PLANNER_PREFIX, connect, subject_of
from planner.plan.pins import RULES

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request

COOKIE = "desk_session"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
}

templates = Environment(
    loader=PackageLoader("planner.desk", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _decimal(value: float, digits: int = 1) -> str:
    """Finnish number style: decimal comma, narrow no-break space between thousands."""
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _when(text: str) -> str:
    """A stored UTC time as Finnish local time, to the minute."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%d.%m.%Y %H:%M")


templates.filters["decimal"] = _decimal
templates.filters["when"] = _when


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status, headers=HEADERS)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form (the only kind the desk's pages send), last value of each field."""
    body = (await request.body())[:100_000].decode("utf-8", "replace")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


def create_desk(desk: service.Desk) -> tuple[Mount, service.Worker]:
    """The ``/desk`` routes and the worker that runs their re-plans."""
    log.open_desk(desk.db)
    worker = service.Worker(desk)

    def who_of(request: Request) -> str | None:
        return log.session_who(desk.db, request.cookies.get(COOKIE))

    def signed_in(
        handler: Callable[[Request, str], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            who = await run_in_threadpool(who_of, request)
            if who is None:
                message = "Sign in with your planner link."
                return _page("signin.html", 401, who=None, headline=message)
            return await handler(request, who)

        return guarded

    async def signin(request: Request) -> Response:
        token = request.path_params["token"]

        def lookup() -> str | None:
            with connect(desk.db) as con:
                return subject_of(con, token)

        subject = await run_in_threadpool(lookup)
        if subject is None or not subject.startswith(PLANNER_PREFIX):
            return _page(
                "signin.html",
                403,
                who=None,
                headline="This link does not open the desk: it is not a planner's link, or it "
                "was rotated or revoked.",
            )
        who = subject.removeprefix(PLANNER_PREFIX)
        secret = await run_in_threadpool(log.new_session, desk.db, who)
        response = _page("signin.html", who=who, headline=f"Signed in as {who}.", go="/desk/")
        response.set_cookie(
            COOKIE,
            secret,
            max_age=log.SESSION_HOURS * 3600,
            path="/desk",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def signout(request: Request) -> Response:
        secret = request.cookies.get(COOKIE)
        if secret:
            await run_in_threadpool(log.end_session, desk.db, secret)
        response = _page("signin.html", who=None, headline="Signed out.")
        response.delete_cookie(COOKIE, path="/desk")
        return response

    def default_month() -> str:
        with connect(desk.db) as con:
            row = con.execute("SELECT month FROM desk_drafts ORDER BY at DESC LIMIT 1").fetchone()
        if row is not None:
            return str(row["month"])
        today = dt.date.today()
        return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"

    async def index(request: Request, who: str) -> Response:
        month = request.query_params.get("month") or await run_in_threadpool(default_month)
        try:
            service.check_month(month)
        except DeskError as exc:
            return _page("signin.html", 400, who=who, headline=str(exc))
        return RedirectResponse(f"/desk/{month}/", 303, headers=HEADERS)

    def month_context(request: Request, who: str) -> dict[str, Any]:
        month = service.check_month(request.path_params["month"])
        v = service.view(desk, month)
        jobs = log.jobs(desk.db, month)
        return {
            "who": who,
            "month": month,
            "v": v,
            "draft": log.draft(desk.db, month),
            "published": log.published(desk.db, month),
            "jobs": jobs,
            "running": next((j for j in jobs if j.running), None),
            "message": request.query_params.get("message", ""),
            "error": request.query_params.get("error", ""),
            "tab": request.url.path.rstrip("/").rsplit("/", 1)[-1],
        }

    def month_page(template: str, extra: Callable[[dict[str, Any]], dict[str, Any]]):  # type: ignore[no-untyped-def]
        async def handler(request: Request, who: str) -> Response:
            def build() -> dict[str, Any]:
                context = month_context(request, who)
                context.update(extra(context))
                return context

            try:
                context = await run_in_threadpool(build)
            except DeskError as exc:
                return _page("signin.html", 404, who=who, headline=str(exc))
            return _page(template, **context)

        return signed_in(handler)

    def grid_extra(c: dict[str, Any]) -> dict[str, Any]:
        v = c["v"]
        instance = v.instance
        return {
            "rows": service.grid(desk, v),
            "pins": service.active_pins(desk, c["month"]),
            "staff": sorted(instance.staff, key=lambda s: s.name),
            "points": sorted(
                (p for p in instance.service_points if p.kind == "outreach"),
                key=lambda p: p.name,
            ),
            "rules": RULES,
            "history": list(reversed(log.actions(desk.db, c["month"])))[:15],
            "names": v.names,
        }

    def action(do: Callable[[str, str, dict[str, str]], str]):  # type: ignore[no-untyped-def]
        async def handler(request: Request, who: str) -> Response:
            form = await _form(request)
            try:
                month = service.check_month(request.path_params["month"])
                message = await run_in_threadpool(do, month, who, form)
            except DeskError as exc:
                query = urllib.parse.urlencode({"error": str(exc)})
                back = request.path_params.get("month", "")
                return RedirectResponse(f"/desk/{back}/?{query}", 303, headers=HEADERS)
            target = (
                message
                if message.startswith("/desk/")
                else (f"/desk/{month}/?" + urllib.parse.urlencode({"message": message}))
            )
            return RedirectResponse(target, 303, headers=HEADERS)

        return signed_in(handler)

    def do_pin(month: str, who: str, form: dict[str, str]) -> str:
        service.add_pin(desk, month, who, form)
        return "pin stored; re-plan to apply it"

    def do_unpin(month: str, who: str, form: dict[str, str]) -> str:
        try:
            pin = int(form.get("pin", ""))
        except ValueError:
            raise DeskError("no pin named") from None
        service.remove_pin(desk, month, who, pin)
        return f"pin {pin} removed; re-plan to apply it"

    def do_absence(month: str, who: str, form: dict[str, str]) -> str:
        service.add_absence(desk, month, who, form)
        return "absence stored in the instance; re-plan to apply it"

    def do_replan(month: str, who: str, form: dict[str, str]) -> str:
        job = service.request_replan(desk, month, who, form.get("from_day", "").strip())
        return f"/desk/{month}/jobs/{job}"

    def do_publish(month: str, who: str, form: dict[str, str]) -> str:
        return service.publish_draft(desk, month, who)

    async def job_page(request: Request, who: str) -> Response:
        def build() -> dict[str, Any] | None:
            job = log.job(desk.db, int(request.path_params["job"]))
            if job is None or job.month != request.path_params["month"]:
                return None
            return {"who": who, "month": job.month, "job": job}

        context = await run_in_threadpool(build)
        if context is None:
            return _page("signin.html", 404, who=who, headline="No such re-plan.")
        return _page("job.html", **context)

    routes = [
        Route("/signin/{token}", signin),
        Route("/signout", signout, methods=["POST"]),
        Route("/", signed_in(index)),
        Route("/{month}/", month_page("grid.html", grid_extra)),
        Route(
            "/{month}/people",
            month_page("people.html", lambda c: {"rows": service.people(c["v"])}),
        ),
        Route(
            "/{month}/equity",
            month_page("equity.html", lambda c: {"rows": service.equity(c["v"])}),
        ),
        Route("/{month}/diff", month_page("diff.html", lambda c: service.diff(desk, c["v"]))),
        Route("/{month}/jobs/{job:int}", signed_in(job_page)),
        Route("/{month}/pins", action(do_pin), methods=["POST"]),
        Route("/{month}/unpin", action(do_unpin), methods=["POST"]),
        Route("/{month}/absences", action(do_absence), methods=["POST"]),
        Route("/{month}/replan", action(do_replan), methods=["POST"]),
        Route("/{month}/publish", action(do_publish), methods=["POST"]),
    ]
    return Mount("/desk", routes=routes), worker
