"""The authoring page: a Jupyter Server extension at ``<base_url>careerlab/author``.

A teacher who does not code opens a project, edits its text, tasks (prompt, options,
answer key, points, hint and the fields each task kind takes), and its rubric's
descriptors in forms with a preview of what the student sees, checks it (each problem
next to its field), saves it (never over another teacher's save) and releases it. It
writes the same plain files as an author who edits ``workbook.md`` (``editing``), and
exports and imports a project as one file (``careerlab.author.sharing``).

| page | JSON |
|---|---|
| ``careerlab/author`` (projects, import) | ``POST careerlab/api/author-import`` |
| ``careerlab/author/<project>`` (the editor) | ``GET``/``PUT careerlab/api/author/<project>`` |

``POST careerlab/api/author/<project>/check`` and ``/release``, ``GET .../export``,
``POST careerlab/api/author-preview``. Like the grading page it is its own browser tab,
needs no front-end build, and is enabled only by the course's jupyter_config.py, which
teachers' servers (the course's formgrader service on JupyterHub) read and students'
servers never do.

May import ``author``, ``sanitize`` (to clean Markdown previews) and the top-level
modules; nothing imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.utils import url_path_join

STATIC = Path(__file__).parent / "static"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "careerlab.authoring_page"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from careerlab.authoring_page.handlers import HANDLERS, AuthoringService
    from careerlab.grading_page import add_routes, course_root, static_version

    if "careerlab_authoring" in serverapp.web_app.settings:
        return
    root = course_root(serverapp)
    if root is None:
        serverapp.log.warning("CareerLab authoring page: no course directory found; not loaded.")
        return
    web_app = serverapp.web_app
    web_app.settings["careerlab_authoring"] = AuthoringService(root, static_version(STATIC))
    add_routes(serverapp, HANDLERS, "careerlab/author-static", STATIC)
    base = web_app.settings["base_url"]
    serverapp.log.info(f"CareerLab authoring page at {url_path_join(base, 'careerlab/author')}")


def _unload_jupyter_server_extension(serverapp: Any) -> None:
    service = serverapp.web_app.settings.pop("careerlab_authoring", None)
    if service is not None:
        service.shutdown()
