"""Tornado handlers: the authoring pages and their JSON API.

Every handler needs a logged-in user (``web.authenticated``) and Jupyter Server's
authorization (``authorized``, resource "careerlab-authoring"); PUT and POST also need
Jupyter's XSRF token (the page sends it in a header). File work runs in one worker
thread, so saves and checks of one server never interleave and never stall the server.
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

from careerlab.author import sharing
from careerlab.authoring_page import editing, page

AUTH_RESOURCE = "careerlab-authoring"
MAX_BODY_BYTES = 3_000_000  # a workbook's text is at most 1 MB; the page sends it twice
T = TypeVar("T")
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'"
)


class AuthoringService:
    def __init__(self, root: Path, static_version: str) -> None:
        self.root = root
        self.static_version = static_version
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careerlab-author")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.worker, function, self.root, *args)

    def shutdown(self) -> None:
        self.worker.shutdown(wait=False)


class _Page(JupyterHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> AuthoringService:
        return self.settings["careerlab_authoring"]

    @property
    def content_security_policy(self) -> str:
        return f"{super().content_security_policy}; {PAGE_POLICY}"

    @property
    def xsrf_text(self) -> str:
        token = self.xsrf_token
        return token.decode() if isinstance(token, bytes) else token

    def urls(self) -> page.Urls:
        return page.Urls(self.base_url)


class IndexPage(_Page):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        found = await self.service.run(editing.projects)
        self.finish(
            page.index_page(found, self.urls(), self.service.static_version, self.xsrf_text)
        )


class EditorPage(_Page):
    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        try:
            data = await self.service.run(editing.load, project_id)
        except editing.EditError as error:
            self.set_status(error.status)
            message = str(error) + "".join(f" {p}" for p in error.problems)
            return self.finish(
                page.error_page(error.status, message, self.urls(), self.service.static_version)
            )
        self.set_header("Cache-Control", "no-store")  # a reload shows what is saved
        self.finish(
            page.editor_page(data, self.urls(), self.service.static_version, self.xsrf_text)
        )


class _Api(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> AuthoringService:
        return self.settings["careerlab_authoring"]

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, ensure_ascii=False, default=str))

    def refuse(self, error: editing.EditError) -> None:
        problems = [
            {"where": p.where, "message": p.message, "line": p.line} for p in error.problems
        ]
        self.reply({"message": str(error), "problems": problems, **error.extra}, error.status)

    def body(self) -> dict[str, Any]:
        raw = self.request.body or b"{}"
        if len(raw) > MAX_BODY_BYTES:
            raise editing.EditError(f"the request is too large ({len(raw):,} bytes).", 413)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise editing.EditError("the request is not valid JSON.") from None
        if not isinstance(data, dict):
            raise editing.EditError("the request must be a JSON object.")
        return data

    async def act(self, function: Callable[..., Any], *args: Any, status: int = 200) -> None:
        try:
            self.reply(await self.service.run(function, *args), status)
        except editing.EditError as error:
            self.refuse(error)


class ProjectApi(_Api):
    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        await self.act(editing.load, project_id)

    @web.authenticated
    @authorized
    async def put(self, project_id: str) -> None:
        try:
            body = self.body()
        except editing.EditError as error:
            return self.refuse(error)
        await self.act(editing.save, project_id, body)


class CheckApi(_Api):
    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        try:
            body = self.body()
        except editing.EditError as error:
            return self.refuse(error)
        await self.act(editing.check, project_id, body)


class ReleaseApi(_Api):
    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        await self.act(editing.release, project_id)


class PreviewApi(_Api):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = self.body()
            if isinstance(body.get("part"), dict):
                html = page.task_preview(body["part"])
            else:
                html = page.markdown_html(str(body.get("markdown", "")))
        except (editing.EditError, TypeError, ValueError, IndexError) as error:
            return self.reply({"message": f"no preview: {error}"}, 400)
        self.reply({"html": html})


class ExportApi(_Api):
    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        try:
            data = await self.service.run(sharing.export, project_id)
        except sharing.SharingError as error:
            return self.reply({"message": str(error)}, 404)
        self.set_header("Content-Type", "application/zip")
        self.set_header(
            "Content-Disposition", f'attachment; filename="{project_id}{sharing.SUFFIX}"'
        )
        self.finish(data)


class ImportApi(_Api):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.request.body or b""
        if len(data) > sharing.MAX_TOTAL_BYTES:
            return self.reply({"message": "the file is over the size limit."}, 413)
        new_id = self.get_query_argument("as", "") or None
        try:
            imported = await self.service.run(sharing.import_project, data, new_id)
        except sharing.SharingError as error:
            status = 409 if error.suggestion else 400
            return self.reply({"message": str(error), "suggestion": error.suggestion}, status)
        root = str(self.service.root) + "/"
        self.reply(
            {
                "project": imported.project,
                "rubrics": imported.rubrics,
                "problems": [p.replace(root, "") for p in imported.problems],
                "url": page.Urls(self.base_url).project(imported.project),
            },
            201,
        )


ID = r"([^/]+)"  # editing.folder checks the name and answers 404
HANDLERS: list[tuple[str, type[web.RequestHandler]]] = [
    (r"careerlab/author/?", IndexPage),
    (rf"careerlab/author/{ID}/?", EditorPage),
    (r"careerlab/api/author-preview", PreviewApi),
    (r"careerlab/api/author-import", ImportApi),
    (rf"careerlab/api/author/{ID}/?", ProjectApi),
    (rf"careerlab/api/author/{ID}/check", CheckApi),
    (rf"careerlab/api/author/{ID}/release", ReleaseApi),
    (rf"careerlab/api/author/{ID}/export", ExportApi),
]
