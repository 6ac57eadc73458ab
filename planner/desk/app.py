"""The desk's routes, mounted at ``/desk`` of the feed server.

Sign-in is by a desk link, never by a calendar URL (those end up stored in calendar
services): ``planner token issue planner:NAME`` prints the planner's feed URL and,
separately, a sign-in link that works once, within half an hour, and makes one
session; ``planner token signin planner:NAME`` prints a new one. The link is exchanged
for a session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS; only its hash is
stored) and the page that answers carries no secret. Revoking or rotating the planner
ends their sessions at once (:func:`planner.feeds.store.revoke_token`).

Every change is a POST from the desk's own pages with the session's form token and
an Origin (or Referer) of this server; bodies are cut at :data:`BODY_LIMIT` before
they are read. Messages after a change travel in the session, never in a URL.
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import urllib.parse
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from planner.desk import log, service, year
from planner.desk.service import DeskError
from planner.i18n import Words, pages, words
from planner.plan.workdays import upcoming_month

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from jinja2 import Environment
    from starlette.requests import Request

COOKIE = "desk_session"
BODY_LIMIT = 16_384
"""Bytes of a form body: the desk's largest form is a few hundred."""

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
}

SCRIPT = """\
// The one script of the desk: a form with data-confirm asks first, and a form that
// starts slow work shows that it is working and cannot be sent twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var ask = form.getAttribute("data-confirm");
  if (ask && !window.confirm(ask)) { event.preventDefault(); return; }
  var busy = form.getAttribute("data-busy");
  if (busy) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    var note = document.getElementById("busy");
    if (note) { note.textContent = busy; note.hidden = false; }
  }
});
"""


@functools.cache
def templates(language: str) -> Environment:
    """The desk's pages in one language: Jinja2's i18n extension with the language's
    catalog, and Babel's numbers and dates as filters."""
    w = words(language)
    env = pages("planner.desk", language)
    env.filters["when"] = lambda text: w.moment(log.local(text))
    env.filters["day"] = w.date
    env.filters["weekday_day"] = w.weekday_date
    env.filters["month_label"] = w.month
    env.globals["yes"] = w.yes
    return env


def _page(w: Words, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    headers = dict(HEADERS)
    if name == "signin.html":
        # A sign-in page's URL may hold a link: the next page must not learn it from a
        # Referer. The desk's other pages send theirs (same origin only) with each POST.
        headers["Referrer-Policy"] = "no-referrer"
    page = templates(w.language).get_template(name).render(**context)
    return HTMLResponse(page, status, headers=headers)


class Refused(Exception):
    """A request the desk will not take (too big, or not from its own page)."""

    def __init__(self, status: int, words_: str) -> None:
        super().__init__(words_)
        self.status = status


async def _form(request: Request, w: Words) -> dict[str, str]:
    """An urlencoded form (the only kind the desk's pages send), last value of each
    field; a body over :data:`BODY_LIMIT` is refused before it is read."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > BODY_LIMIT):
        raise Refused(413, w("The form is larger than the desk takes."))
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LIMIT:
            raise Refused(413, w("The form is larger than the desk takes."))
    text = body.decode("utf-8", "replace")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def _same_origin(request: Request) -> bool:
    """The POST comes from a page of this server: its Origin (or, when a browser sends
    none, its Referer) names the host the request was sent to."""
    host = request.headers.get("host", "")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null" or not host:
        return False
    return urllib.parse.urlsplit(source).netloc == host


async def _checked_form(request: Request, secret: str, w: Words) -> dict[str, str]:
    """The form of a POST that came from a page of this desk, in this session: its
    Origin is this server and it carries the session's form token."""
    if not _same_origin(request):
        raise Refused(403, w("This change did not come from a page of the desk."))
    form = await _form(request, w)
    if not hmac.compare_digest(form.get("csrf", ""), log.csrf_token(secret)):
        raise Refused(403, w("This form is out of date: open the page again."))
    return form


def create_desk(desk: service.Desk) -> tuple[Mount, service.Worker]:
    """The ``/desk`` routes and the worker that runs their re-plans."""
    log.open_desk(desk.db)
    if desk.language is None:  # the instance's language, read once
        desk = dataclasses.replace(desk, language=desk.instance().settings.language)
    w = desk.words
    worker = service.Worker(desk)

    def _page_(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return _page(w, name, status, **context)

    def session_of(request: Request) -> tuple[str, str] | None:
        secret = request.cookies.get(COOKIE)
        who = log.session_who(desk.db, secret)
        return None if who is None or secret is None else (who, secret)

    def signed_in(
        handler: Callable[[Request, str, str], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            session = await run_in_threadpool(session_of, request)
            if session is None:
                return _page_(
                    "signin.html",
                    401,
                    who=None,
                    headline=w(
                        "Sign in with a desk link: ask for one with 'planner token signin "
                        "planner:NAME'. A link works once."
                    ),
                )
            return await handler(request, *session)

        return guarded

    async def signin(request: Request) -> Response:
        found = await run_in_threadpool(log.use_signin_link, desk.db, request.path_params["token"])
        if found is None:
            return _page_(
                "signin.html",
                403,
                who=None,
                headline=w(
                    "This link does not open the desk: it was used already, it is older "
                    "than half an hour, it is no desk link (a calendar URL is never one), or "
                    "the planner's access was revoked. Ask for a new link."
                ),
            )
        who, secret = found
        response = _page_(
            "signin.html", who=who, headline=w("Signed in as %(who)s.", who=who), go="/desk/"
        )
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

    async def script(request: Request) -> Response:
        return Response(
            SCRIPT,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def index(request: Request, who: str, secret: str) -> Response:
        month = request.query_params.get("month") or upcoming_month()
        try:
            service.check_month(month, w)
        except DeskError as exc:
            return _page_("signin.html", 400, who=who, headline=str(exc))
        return RedirectResponse(f"/desk/{month}/", 303, headers=HEADERS)

    def month_context(request: Request, who: str, secret: str) -> dict[str, Any]:
        month = service.check_month(request.path_params["month"], w)
        v = service.view(desk, month)
        jobs = log.jobs(desk.db, month)
        flashed = log.take_flash(desk.db, secret)
        return {
            "who": who,
            "csrf": log.csrf_token(secret),
            "month": month,
            "v": v,
            "basis": v.basis,
            "draft": log.draft(desk.db, month),
            "published": log.published(desk.db, month),
            "jobs": jobs,
            "running": next((j for j in jobs if j.running), None),
            "message": flashed.get("message", ""),
            "error": flashed.get("error", ""),
            "tab": request.url.path.rstrip("/").rsplit("/", 1)[-1],
            **service.month_choices(desk, month),
        }

    def month_page(template: str, extra: Callable[[dict[str, Any], Request], dict[str, Any]]):  # type: ignore[no-untyped-def]
        async def handler(request: Request, who: str, secret: str) -> Response:
            def build() -> dict[str, Any]:
                context = month_context(request, who, secret)
                context.update(extra(context, request))
                return context

            try:
                context = await run_in_threadpool(build)
            except DeskError as exc:
                return _page_("signin.html", 404, who=who, headline=str(exc))
            return _page_(template, **context)

        return signed_in(handler)

    def grid_extra(c: dict[str, Any], request: Request) -> dict[str, Any]:
        v = c["v"]
        instance = v.instance
        return {
            "rows": service.grid(desk, v),
            "pins": [
                (p, service.pin_words(p.detail, v)) for p in service.active_pins(desk, c["month"])
            ],
            "staff": sorted(instance.staff, key=lambda s: s.name),
            "points": service.outreach_points(instance),
            "history": [
                (a, service.action_words(a, v))
                for a in list(reversed(log.actions(desk.db, c["month"])))[:15]
            ],
            "unmet": [service.unmet_words(u, v) for u in v.unmet],
            "year": int(c["month"][:4]),
        }

    def cell_extra(c: dict[str, Any], request: Request) -> dict[str, Any]:
        return {
            "cell": service.cell(
                desk,
                c["v"],
                request.query_params.get("point", ""),
                request.query_params.get("date", ""),
            )
        }

    def publish_extra(c: dict[str, Any], request: Request) -> dict[str, Any]:
        difference = service.diff(desk, c["v"])
        return {**difference, "feeds": service.publish_preview(desk, c["month"])}

    def action(  # type: ignore[no-untyped-def]
        do: Callable[[str, str, dict[str, str]], str], page: str = ""
    ):
        async def handler(request: Request, who: str, secret: str) -> Response:
            back = request.path_params.get("month", "")
            try:
                form = await _checked_form(request, secret, w)
            except Refused as exc:
                return _page_("signin.html", exc.status, who=who, headline=str(exc))
            try:
                month = service.check_month(back, w)
                message = await run_in_threadpool(do, month, who, form)
            except DeskError as exc:
                await run_in_threadpool(log.flash, desk.db, secret, "error", str(exc))
                target = f"/desk/{back}/{page}" if service.MONTH.match(back) else "/desk/"
                return RedirectResponse(target, 303, headers=HEADERS)
            if message.startswith("/desk/"):
                return RedirectResponse(message, 303, headers=HEADERS)
            await run_in_threadpool(log.flash, desk.db, secret, "message", message)
            return RedirectResponse(f"/desk/{month}/{page}", 303, headers=HEADERS)

        return signed_in(handler)

    async def signout(request: Request, who: str, secret: str) -> Response:
        try:
            await _checked_form(request, secret, w)
        except Refused as exc:
            return _page_("signin.html", exc.status, who=who, headline=str(exc))
        await run_in_threadpool(log.end_session, desk.db, secret)
        response = _page_("signin.html", who=None, headline=w("Signed out."))
        response.delete_cookie(COOKIE, path="/desk")
        return response

    def do_pin(month: str, who: str, form: dict[str, str]) -> str:
        service.add_pin(desk, month, who, form)
        return w("Pin stored; re-plan to apply it.")

    def do_unpin(month: str, who: str, form: dict[str, str]) -> str:
        try:
            pin = int(form.get("pin", ""))
        except ValueError:
            raise DeskError(w("That pin is no longer there: the page was out of date.")) from None
        service.remove_pin(desk, month, who, pin)
        return w("Pin removed; re-plan to apply it.")

    def do_absence(month: str, who: str, form: dict[str, str]) -> str:
        service.add_absence(desk, month, who, form)
        return w("Absence stored in the instance; re-plan to apply it.")

    def do_replan(month: str, who: str, form: dict[str, str]) -> str:
        job = service.request_replan(desk, month, who, form.get("from_day", "").strip())
        return f"/desk/{month}/jobs/{job}"

    def do_publish(month: str, who: str, form: dict[str, str]) -> str:
        return service.publish_draft(desk, month, who)

    def do_fix_leave(month: str, who: str, form: dict[str, str]) -> str:
        return year.fix_leave(desk, int(month[:4]), who, form)

    def do_plan_leave(month: str, who: str, form: dict[str, str]) -> str:
        return year.start_leave_plan(desk, int(month[:4]))

    async def job_page(request: Request, who: str, secret: str) -> Response:
        def build() -> dict[str, Any] | None:
            job = log.job(desk.db, int(request.path_params["job"]))
            if job is None or job.month != request.path_params["month"]:
                return None
            return {
                "who": who,
                "csrf": log.csrf_token(secret),
                "month": job.month,
                "job": job,
                "job_log": service.clean_log(job.log, desk),
            }

        context = await run_in_threadpool(build)
        if context is None:
            return _page_("signin.html", 404, who=who, headline=w("No such re-plan."))
        return _page_("job.html", **context)

    async def workbook(request: Request, who: str, secret: str) -> Response:
        def find() -> tuple[str, Any] | None:
            month = service.check_month(request.path_params["month"], w)
            which = request.path_params["which"]
            if which not in ("draft", "published"):
                return None
            if which == "draft":
                current = log.draft(desk.db, month)
                return None if current is None else (month, f"{current[0]}/schedule.xlsx")
            published = log.published(desk.db, month)
            if published is None:
                return None
            folder = service.published_folder(desk, month, published[0])
            return month, folder / "schedule.xlsx"

        try:
            found = await run_in_threadpool(find)
        except DeskError as exc:
            return _page_("signin.html", 404, who=who, headline=str(exc))
        if found is None:
            return _page_("signin.html", 404, who=who, headline=w("No such plan of the month."))
        month, path = found
        name = f"schedule-{month}-{request.path_params['which']}.xlsx"
        return FileResponse(
            path,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=name,
            headers={"Cache-Control": "no-store"},
        )

    routes = [
        Route("/signin/{token}", signin),
        Route("/signout", signed_in(signout), methods=["POST"]),
        Route("/desk.js", script),
        Route("/", signed_in(index)),
        Route("/{month}/", month_page("grid.html", grid_extra)),
        Route(
            "/{month}/people",
            month_page("people.html", lambda c, r: {"rows": service.people(c["v"])}),
        ),
        Route(
            "/{month}/equity",
            month_page("equity.html", lambda c, r: {"rows": service.equity(c["v"])}),
        ),
        Route("/{month}/diff", month_page("diff.html", lambda c, r: service.diff(desk, c["v"]))),
        Route("/{month}/teams", month_page("teams.html", lambda c, r: year.teams(c["v"]))),
        Route(
            "/{month}/leave",
            month_page("leave.html", lambda c, r: year.leave_view(desk, int(c["month"][:4]))),
        ),
        Route("/{month}/leave/fix", action(do_fix_leave, "leave"), methods=["POST"]),
        Route("/{month}/leave/plan", action(do_plan_leave, "leave"), methods=["POST"]),
        Route("/{month}/cell", month_page("cell.html", cell_extra)),
        Route("/{month}/publish", month_page("publish.html", publish_extra)),
        Route("/{month}/{which:str}.xlsx", signed_in(workbook)),
        Route("/{month}/jobs/{job:int}", signed_in(job_page)),
        Route("/{month}/pins", action(do_pin), methods=["POST"]),
        Route("/{month}/unpin", action(do_unpin), methods=["POST"]),
        Route("/{month}/absences", action(do_absence), methods=["POST"]),
        Route("/{month}/replan", action(do_replan), methods=["POST"]),
        Route("/{month}/publish", action(do_publish), methods=["POST"]),
    ]
    return Mount("/desk", routes=routes), worker
