"""A student's files open in Formgrader as inert documents.

Formgrader serves every file of an autograded submission at
``/formgrader/submissions/<id>/<file>`` (the images a notebook shows, and anything
else the student handed in), from the Jupyter server's own origin and with no
sandbox: a student's ``.html`` or ``.svg`` opened there ran its script as the
teacher, with the teacher's login. Jupyter's own ``/files/`` confines such files
with a ``sandbox`` Content-Security-Policy; this server extension serves
Formgrader's submission files the same way (nbgrader's handler, one header more),
so scripts in them never run and the file is still shown.

jupyter_server loads extensions in name order, so this route (``careerlab.*``)
is matched before nbgrader's (``nbgrader.*``); tests/hostile/test_html.py checks it.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.formgrader.handlers import SubmissionFilesHandler

# nbgrader's own routes under /formgrader/submissions/ that are not files: its
# components folder, and next/previous navigation.
FILES_ROUTE = (
    r"/formgrader/submissions/((?!components/)[^/]+/"
    r"(?!(?:next_incorrect|prev_incorrect|next|prev)/?$).+)"
)


class SandboxedSubmissionFiles(SubmissionFilesHandler):
    @property
    def content_security_policy(self) -> str:
        # No allow-scripts: nothing in a student's file runs, even in a unique origin.
        return super().content_security_policy + "; sandbox"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "careerlab.sanitize.submission_files"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    if web_app.settings.setdefault("careerlab_submission_files", False):
        return  # enabled twice, e.g. under its old name careerlab.submission_files
    web_app.settings["careerlab_submission_files"] = True
    route = url_path_join(web_app.settings["base_url"], FILES_ROUTE)
    web_app.add_handlers(".*$", [(route, SandboxedSubmissionFiles)])
