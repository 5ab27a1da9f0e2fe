"""The rubric grading page: a Jupyter Server extension at ``<base_url>careerlab/grade``.

A teacher grades one assignment submission by submission: the student's work
rendered for reading (by trusted code, never by running the student's notebook),
the rubric beside it with one click or one key per level, a comment per
criterion with a comment bank, autograde results, the student's own ratings,
and any disagreement with points edited in nbgrader's formgrader. Every action
is saved to the gradebook at once (careerlab.rubrics.levels).

It is its own page, opened in its own browser tab (JupyterHub 4.1 and later
refuse to show server pages in iframes), and every address is built from the
server's base URL, so it works at the root and behind JupyterHub's prefix.
jupyter_config.py enables it (``ServerApp.jpserver_extensions``).

| page | JSON twin |
|---|---|
| ``careerlab/grade`` (projects) | ``careerlab/api/grade`` |
| ``careerlab/grade/<assignment>`` (submissions, progress) | ``careerlab/api/grade/<assignment>`` |
| ``careerlab/grade/<assignment>/<student>`` | ``careerlab/api/grade/<assignment>/<student>`` |

Formgrader's pages in the same server name each project "Title (id)"
(``formgrader_titles``).

``PUT careerlab/api/grade/<assignment>/<student>/criteria/<criterion>`` saves a
level or a comment; ``careerlab/api/bank/<assignment>`` is the comment bank;
``careerlab/api/grade/<assignment>/<student>/work`` is the student's work as the page
shows it (a page sent before its work was rendered fetches it). Add ``?anonymous=1``
to any of them to grade without names.

May import ``rubrics``, ``feedback``, ``showcase`` (to render work by trusted code),
the kernel side and the top-level modules; only the authoring page imports it
(``course_root``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from jupyter_server.utils import url_path_join
from tornado import web

from careerlab import course

STATIC = Path(__file__).parent / "static"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "careerlab.grading_page"}]


def course_root(serverapp: Any) -> Path | None:
    """nbgrader's course directory (jupyter_config.py sets it), else the one around root_dir."""
    configured = serverapp.config.get("CourseDirectory", {}).get("root")
    if isinstance(configured, str) and configured:
        return Path(configured)
    try:
        return course.find_root(Path(serverapp.root_dir))
    except FileNotFoundError:
        return None


def static_version(folder: Path = STATIC) -> str:
    """A page's static files' fingerprint, in their URLs, so a browser never mixes versions
    (the authoring page uses it for its own files)."""
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from careerlab.grading_page import formgrader_titles
    from careerlab.grading_page.handlers import HANDLERS, GradingService

    if "careerlab_grading" in serverapp.web_app.settings:
        # Enabled twice, e.g. under its old name careerlab.grading_view by a school's config.
        return
    root = course_root(serverapp)
    if root is None:
        serverapp.log.warning("CareerLab grading page: no course directory found; not loaded.")
        return
    # The server read the course's jupyter_config.py: its CourseDirectory settings (course
    # id, folder names) are the course's. Without them, the course's own files are read.
    configured = "root" in serverapp.config.get("CourseDirectory", {})
    service = GradingService(root, static_version(), serverapp.config if configured else None)
    web_app = serverapp.web_app
    web_app.settings["careerlab_grading"] = service
    add_routes(serverapp, HANDLERS, "careerlab/static", STATIC)
    # Formgrader, served by the same server, names projects by their titles too.
    formgrader_titles.add_route(serverapp, root)
    # The render helper's imports take seconds: they start with the server, so the first
    # submission a teacher opens does not wait for them. Only a course's server gets here
    # (a student's server on the hub has no course folder).
    service.warm_up()
    base = web_app.settings["base_url"]
    serverapp.log.info(f"CareerLab grading page at {url_path_join(base, 'careerlab/grade')}")


def add_routes(serverapp: Any, handlers: list[tuple[str, Any]], static: str, folder: Path) -> None:
    """A page's handlers and its static files, under the server's base URL (the authoring
    page registers its own the same way)."""
    base = serverapp.web_app.settings["base_url"]
    routes: list[tuple[Any, ...]] = [
        (url_path_join(base, pattern), handler) for pattern, handler in handlers
    ]
    routes.append(
        (url_path_join(base, static, "(.*)"), web.StaticFileHandler, {"path": str(folder)})
    )
    serverapp.web_app.add_handlers(".*$", routes)


def _unload_jupyter_server_extension(serverapp: Any) -> None:
    service = serverapp.web_app.settings.pop("careerlab_grading", None)
    if service is not None:
        service.shutdown()
