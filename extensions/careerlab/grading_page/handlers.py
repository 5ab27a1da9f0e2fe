"""Tornado handlers: the grading pages and their JSON twins.

Every handler needs a logged-in user (``web.authenticated``) and Jupyter
Server's authorization (``authorized``, resource "careerlab-grading"); PUT,
POST and DELETE also need Jupyter's XSRF token (the page sends it in a header).
Database work runs in one worker thread, so a slow save never stalls the server
and saves from one server never compete with each other for SQLite.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web
from traitlets.config import Config

from careerlab.grading_page import data, page
from careerlab.grading_page.render import RenderPool

AUTH_RESOURCE = "careerlab-grading"
# Far above anything the page sends (a comment is at most 10,000 characters).
MAX_BODY_BYTES = 1_000_000
T = TypeVar("T")
# The page runs only its own script and style, from this server; student work is
# escaped HTML and images as data: URLs. Added to Jupyter Server's own policy
# (which keeps frame-ancestors, so JupyterHub's no-iframe rule stays as it is).
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'"
)


class GradingService:
    """What every handler shares: the course, a database thread and the render helper."""

    def __init__(self, root: Path, static_version: str, config: Config | None = None) -> None:
        self.course = data.Course.at(root, config)
        self.static_version = static_version
        self.database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careerlab-db")
        self.renderer = RenderPool()
        self._warmed = False

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.database, function, self.course, *args)

    async def work(self, assignment: str, opened: data.Opened) -> dict[str, Any]:
        """The submission's rendered work; the next one's is rendered meanwhile, so that
        "Next" finds it ready (the cache checks the files again before it is used)."""
        root, notebook = self.course.root, opened.detail["notebook"]
        work = await self.renderer.work(root, assignment, opened.student, notebook)
        self._render_next(assignment, opened)
        return work

    def work_if_ready(self, assignment: str, opened: data.Opened) -> dict[str, Any] | None:
        """The rendered work if it is ready now (rendered ahead, from the files as they are);
        else None, and it is rendered meanwhile: the page is sent without it and fetches it
        (WorkApi), so a teacher never waits for the render helper to read the rubric."""
        root, notebook = self.course.root, opened.detail["notebook"]
        work = self.renderer.ready(root, assignment, opened.student, notebook)
        if work is None:
            self.renderer.prefetch(root, assignment, opened.student, notebook)
        self._render_next(assignment, opened)
        return work

    def _render_next(self, assignment: str, opened: data.Opened) -> None:
        if opened.next_student is not None:
            notebook = opened.detail["notebook"]
            self.renderer.prefetch(self.course.root, assignment, opened.next_student, notebook)

    async def prefetch_first(self, assignment: str, anonymous: bool) -> None:
        """From the list: render the submission a teacher most likely opens first, so it
        opens at once too (after the page was sent; a failure here only loses the head
        start)."""
        try:
            first = await self.run(data.first_to_grade, assignment, anonymous)
        except data.GradingError:
            return
        if first is not None:
            self.renderer.prefetch(self.course.root, assignment, *first)

    def warm_up(self) -> None:
        """Start the render helper (when the server loads the page; again is a no-op)."""
        if not self._warmed:
            self._warmed = True
            self.renderer.warm_up(self.course.root)
            self.database.submit(data.prepare)

    def shutdown(self) -> None:
        self.renderer.shutdown()
        self.database.shutdown(wait=False)


def _anonymous(handler: web.RequestHandler) -> bool:
    return handler.get_query_argument("anonymous", "0").lower() in ("1", "true", "yes")


def _grader(handler: JupyterHandler) -> str:
    user = handler.current_user
    return str(getattr(user, "username", user) or "")[:128]


class _Base(JupyterHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> GradingService:
        return self.settings["careerlab_grading"]

    def urls(self) -> page.Urls:
        return page.Urls(self.base_url, _anonymous(self))


class PageHandler(_Base):
    """HTML pages: their own strict content policy, friendly errors."""

    @property
    def content_security_policy(self) -> str:
        return f"{super().content_security_policy}; {PAGE_POLICY}"

    def show_error(self, error: data.GradingError) -> None:
        self.set_status(error.status)
        self.finish(page.error_page(error.status, str(error), self.urls(), self.version))

    @property
    def version(self) -> str:
        return self.service.static_version


class IndexPage(PageHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.service.warm_up()
        found = await self.service.run(data.assignment_index)
        self.finish(page.index_page(found, self.urls(), self.version))


class ListPage(PageHandler):
    @web.authenticated
    @authorized
    async def get(self, assignment: str) -> None:
        self.service.warm_up()
        try:
            found = await self.service.run(data.submission_list, assignment, _anonymous(self))
        except data.GradingError as error:
            return self.show_error(error)
        self.finish(page.list_page(found, self.urls(), self.version))
        await self.service.prefetch_first(assignment, _anonymous(self))


class SubmissionPage(PageHandler):
    @web.authenticated
    @authorized
    async def get(self, assignment: str, key: str) -> None:
        self.service.warm_up()
        anonymous = _anonymous(self)
        try:
            opened = await self.service.run(data.open_submission, assignment, key, anonymous)
        except data.GradingError as error:
            return self.show_error(error)
        detail = opened.detail
        work = self.service.work_if_ready(assignment, opened)
        self.set_header("Cache-Control", "no-store")  # a reload always asks the gradebook
        self.finish(page.grading_page(detail, work, self.urls(), self.version, self.xsrf_token))

    @property
    def xsrf_token(self) -> str:  # type: ignore[override]
        token = super().xsrf_token
        return token.decode() if isinstance(token, bytes) else token


# JSON twins ----------------------------------------------------------------------------
class ApiHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> GradingService:
        return self.settings["careerlab_grading"]

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, ensure_ascii=False, default=str))

    def refuse(self, error: data.GradingError) -> None:
        self.reply({"message": str(error), **error.extra}, error.status)

    def body(self) -> Any:
        """The request's JSON. Bad JSON, too large or nested too deep (json.loads then
        raises RecursionError) is a 400 with a clear message, never a 500."""
        raw = self.request.body or b"{}"
        if len(raw) > MAX_BODY_BYTES:
            raise data.GradingError(
                f"The request is too large to be JSON this page sends ({len(raw):,} bytes)."
            )
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            message = "The request is not valid JSON (or is nested too deeply)."
            raise data.GradingError(message) from None


class IndexApi(ApiHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"assignments": await self.service.run(data.assignment_index)})


class ListApi(ApiHandler):
    @web.authenticated
    @authorized
    async def get(self, assignment: str) -> None:
        try:
            self.reply(await self.service.run(data.submission_list, assignment, _anonymous(self)))
        except data.GradingError as error:
            self.refuse(error)


class SubmissionApi(ApiHandler):
    @web.authenticated
    @authorized
    async def get(self, assignment: str, key: str) -> None:
        anonymous = _anonymous(self)
        try:
            opened = await self.service.run(data.open_submission, assignment, key, anonymous)
        except data.GradingError as error:
            return self.refuse(error)
        detail = opened.detail
        if self.get_query_argument("work", "1") != "0":
            detail["work"] = await self.service.work(assignment, opened)
        self.reply(detail)


class WorkApi(ApiHandler):
    """The student's work as the page shows it (grading.js fetches it when the page was sent
    before it was rendered, and again when the tab comes back)."""

    @web.authenticated
    @authorized
    async def get(self, assignment: str, key: str) -> None:
        try:
            opened = await self.service.run(data.open_submission, assignment, key, _anonymous(self))
        except data.GradingError as error:
            return self.refuse(error)
        work = await self.service.work(assignment, opened)
        self.reply(page.work_view(opened.detail, work))


class CriterionApi(ApiHandler):
    @web.authenticated
    @authorized
    async def put(self, assignment: str, key: str, criterion: str) -> None:
        try:
            saved = await self.service.run(
                data.save_criterion,
                assignment,
                key,
                criterion,
                self.body(),
                _anonymous(self),
                _grader(self),
            )
        except data.GradingError as error:
            return self.refuse(error)
        self.reply(saved)


class BankApi(ApiHandler):
    @web.authenticated
    @authorized
    async def get(self, assignment: str) -> None:
        try:
            self.reply(await self.service.run(data.bank_list, assignment))
        except data.GradingError as error:
            self.refuse(error)

    @web.authenticated
    @authorized
    async def post(self, assignment: str) -> None:
        try:
            added = await self.service.run(data.bank_add, assignment, self.body())
        except data.GradingError as error:
            return self.refuse(error)
        self.reply(added, 201)


class BankItemApi(ApiHandler):
    @web.authenticated
    @authorized
    async def delete(self, assignment: str, comment_id: str) -> None:
        try:
            await self.service.run(data.bank_remove, assignment, int(comment_id))
        except data.GradingError as error:
            return self.refuse(error)
        self.set_status(204)
        self.finish()


# Any one path segment: data.py checks each name (careerlab.course's student-id rule, the
# course's projects, the rubric's criteria) and answers 404 with a clear message.
ID = r"([^/]+)"
HANDLERS: list[tuple[str, type[web.RequestHandler]]] = [
    (r"careerlab/grade/?", IndexPage),
    (rf"careerlab/grade/{ID}/?", ListPage),
    (rf"careerlab/grade/{ID}/{ID}/?", SubmissionPage),
    (r"careerlab/api/grade/?", IndexApi),
    (rf"careerlab/api/grade/{ID}/?", ListApi),
    (rf"careerlab/api/grade/{ID}/{ID}/?", SubmissionApi),
    (rf"careerlab/api/grade/{ID}/{ID}/work", WorkApi),
    (rf"careerlab/api/grade/{ID}/{ID}/criteria/{ID}", CriterionApi),
    (rf"careerlab/api/bank/{ID}/?", BankApi),
    (rf"careerlab/api/bank/{ID}/([0-9]{{1,12}})", BankItemApi),
]
