"""Formgrader names each project by its title: "Title (id)" where a teacher picks one.

nbgrader's gradebook keeps no title for an assignment, so Formgrader's lists and
breadcrumbs (drawn by its own scripts from ``/formgrader/api/...``) show only folder names
such as ``coffee-site``. Every Formgrader page loads ``formgrader/static/js/utils.js``; this
route serves that file unchanged, followed by the course's titles and
``static/formgrader_titles.js``, which writes "Title (id)" as text wherever a name cell or a
breadcrumb shows only an id. URLs, sorting and nbgrader's API keep the ids.

jupyter_server loads extensions in name order, so this route (``careerlab.*``) is matched
before nbgrader's static files (``nbgrader.*``), as ``careerlab.sanitize.submission_files``
is. The titles are the course's own ``workbook.yml`` (teachers write them), read at each
request, and shown as text all the same (tests/hostile/test_formgrader_titles.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from careerlab import course, project

ROUTE = r"/formgrader/static/js/utils\.js"
SCRIPT = Path(__file__).parent / "static" / "formgrader_titles.js"


def titles(root: Path) -> dict[str, str]:
    """{assignment id: "Title (id)"} for every project of the course that has a title."""
    try:
        folders = course.assignments(root)
    except OSError:
        return {}  # no workbooks/ to read: Formgrader still gets nbgrader's own script
    found = {}
    for folder in folders:
        try:
            title = project.read(folder).title
        except project.ProjectFileError:
            continue  # `careerlab check` names the problem; Formgrader shows the id
        if title:
            found[folder.name] = f"{title} ({folder.name})"
    return found


def nbgrader_utils() -> Path:
    from nbgrader.server_extensions.formgrader.handlers import static_path

    return Path(static_path) / "js" / "utils.js"


def utils_with_titles(root: Path) -> str:
    """nbgrader's utils.js, then the course's titles (JSON, which JavaScript reads as a
    literal: json.dumps escapes every non-ASCII character) and the script that shows them."""
    return (
        nbgrader_utils().read_text(encoding="utf-8")
        + f"\nvar careerlabProjectTitles = {json.dumps(titles(root))};\n"
        + SCRIPT.read_text(encoding="utf-8")
    )


class UtilsWithTitles(JupyterHandler):
    @web.authenticated
    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=UTF-8")
        # Titles change when a teacher edits workbook.yml: never a stale copy.
        self.set_header("Cache-Control", "no-store")
        self.finish(utils_with_titles(self.settings["careerlab_formgrader_root"]))


def add_route(serverapp: Any, root: Path) -> None:
    web_app = serverapp.web_app
    web_app.settings["careerlab_formgrader_root"] = root
    route = url_path_join(web_app.settings["base_url"], ROUTE)
    web_app.add_handlers(".*$", [(route, UtilsWithTitles)])
