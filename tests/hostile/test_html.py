"""Student content never becomes script in a teacher's browser: output metadata.

Two students submit first-paycheck with one extra cell that displays images whose
*metadata* is hostile (markup and event handlers in width/height, a ``filenames``
entry pointing outside, odd types, unknown keys), and cell metadata that would hide
the cell's code from the teacher. One is graded by ``nbgrader autograde``, the other
by ``careerlab autograde``. The tests check the autograded notebooks on disk, then
open nbgrader's feedback and Formgrader's submission page in Chromium: no script a
student wrote runs, no request leaves the machine, and the images are still shown.
The submissions also hold an .html and an .svg file with a script, which Formgrader
serves from the server's origin: opened there, the script must not run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbgrader.api import Gradebook

from careerlab import sanitize

from ..conftest import BIN, make_course, run_app
from ..servers import CHROMIUM, Server, chromium_page, jupyter_lab, wait_until

ASSIGNMENT = "first-paycheck"
GRADERS = {
    "nbgrader-student": ("nbgrader", "autograde"),
    "fast-student": ("careerlab", "autograde"),
}
PNG = (  # one white pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAAB"
    "JRU5ErkJggg=="
)
# Each way a student's output metadata reached a page before the fix, several variants each.
HOSTILE_METADATA = [
    {"width": '1><script>window.__xss=1;alert("xss-width")</script>'},
    {"height": '1 onerror=window.__xss=2;alert("xss-height") x'},
    {"width": "1 src=http://evil.example/w.png onload=alert('xss-src')"},
    {"width": "javascript:alert('xss-js')", "height": '"><img src=x onerror=alert("xss-q")>'},
    {"image/png": {"width": "1 onload=alert('xss-nested')"}},
    {"image/jpeg": {"height": "1 onload=alert('xss-nested-jpeg')"}},
    {"filenames": {"image/png": "http://evil.example/steal.png"}},
    {"filenames": {"image/jpeg": "//evil.example/steal.jpg"}},
    {"width": [1, 2], "height": {"a": 1}},
    {"width": 10**30, "height": -5},
    {"width": True, "height": 1.5e308},
    {"needs_background": '"><script>alert("xss-bg")</script>', "unconfined": "<b>"},
    {"onload": "alert('xss-key')", "isolated": "<script>", "evil.example": 1},
]
CELL_SOURCE_MARKER = "STUDENT-CELL-SOURCE-VISIBLE"
HOSTILE_CELL = f"""# {CELL_SOURCE_MARKER}
from IPython.display import display
for meta in {HOSTILE_METADATA!r}:
    display({{"image/png": {PNG!r}, "text/plain": "png"}}, raw=True, metadata=meta)
    display({{"image/jpeg": {PNG!r}, "text/plain": "jpeg"}}, raw=True, metadata=meta)
"""
# Cell metadata the HTML templates read: a tag that adds Bootstrap's "hidden" class,
# and nbconvert's transient.remove_source, which drops the cell's code from the page.
HOSTILE_CELL_METADATA = {"tags": ["fine-tag", "x hidden"], "transient": {"remove_source": True}}
# Files beside the notebook: Formgrader serves them from the server's own origin.
FILE_SCRIPT = "window.__xss = 'file'; alert('xss-file')"
STUDENT_FILES = {
    "notes.html": f"<p>my notes</p><script>{FILE_SCRIPT}</script>",
    "chart.svg": f"<svg xmlns='http://www.w3.org/2000/svg'><script>{FILE_SCRIPT}</script></svg>",
}
# What nbconvert's own templates load from the web for every notebook (MathJax and
# friends); any other outside request came from a student.
TEMPLATE_ASSETS = {
    getattr(HTMLExporter(), name)
    for name in ("mathjax_url", "require_js_url", "jquery_url", "widget_renderer_url")
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("html") / "course")
    run_app(root, str(BIN / "careerlab"), "release", ASSIGNMENT)
    for student, grader in GRADERS.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        path = folder / f"{ASSIGNMENT}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        cell = nbformat.v4.new_code_cell(HOSTILE_CELL)
        cell.metadata.update(HOSTILE_CELL_METADATA)
        notebook.cells.append(cell)
        nbformat.write(notebook, path)
        for name, text in STUDENT_FILES.items():
            (folder / name).write_text(text)
        run_app(root, *grader, ASSIGNMENT, f"--student={student}")
    run_app(root, "nbgrader", "generate_feedback", ASSIGNMENT)
    return root


def _hostile_outputs(notebook: dict) -> list[dict]:
    cell = next(c for c in notebook["cells"] if CELL_SOURCE_MARKER in "".join(c["source"]))
    return [o for o in cell["outputs"] if o["output_type"] == "display_data"]


@pytest.mark.parametrize("student", sorted(GRADERS))
def test_the_autograded_notebook_keeps_only_well_formed_metadata(graded, student):
    path = graded / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    outputs = _hostile_outputs(json.loads(path.read_text()))
    assert len(outputs) == 2 * len(HOSTILE_METADATA)  # every image is still there
    text = json.dumps([o["metadata"] for o in outputs])
    for marker in ("xss", "evil", "filenames", "<", "onload", "isolated", "javascript"):
        assert marker not in text, text
    for output in outputs:
        for key, value in output["metadata"].items():
            assert key in {"width", "height"}, output["metadata"]
            assert isinstance(value, int) and 0 < value <= sanitize.MAX_IMAGE_SIZE


def test_output_metadata_keeps_what_jupyter_writes():
    kept = {
        "width": 640,
        "height": 480.4,
        "needs_background": "light",
        "unconfined": True,
        "image/png": {"width": "320", "height": 200},
        "application/json": {"expanded": False},
        "text/html": {"isolated": True},
    }
    assert sanitize.output_metadata(kept) == {
        "width": 640,
        "height": 480,
        "needs_background": "light",
        "unconfined": True,
        "image/png": {"width": 320, "height": 200},
        "application/json": {"expanded": False},
        "text/html": {"isolated": True},
    }
    for bad in ("x", None, [], 3, {"image/png": "x"}, {"x/y": {"filenames": "a"}}):
        assert sanitize.output_metadata(bad) == {}


def _watch(page) -> dict[str, list[str]]:
    """Record every console line and every request that leaves 127.0.0.1 (and stop it)."""
    seen: dict[str, list[str]] = {"console": [], "outside": []}
    page.on("console", lambda message: seen["console"].append(message.text))

    def route(route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname != "127.0.0.1":
            seen["outside"].append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", route)
    return seen


def _assert_nothing_ran(page, seen: dict[str, list[str]]) -> None:
    wait_until(lambda: page.evaluate("document.readyState") == "complete", "the page to load")
    page.wait_for_timeout(500)  # let any onload/onerror handler fire
    assert page.evaluate("window.__xss === undefined")
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert not [line for line in seen["console"] if "xss" in line], seen["console"]
    assert set(seen["outside"]) <= TEMPLATE_ASSETS, seen["outside"]
    images = page.locator("img[src^='data:image/png;base64,iVBOR']")
    assert images.count() >= len(HOSTILE_METADATA), "the student's images are shown"
    # The tag did not add Bootstrap's "hidden" class, and the cell's code is on the page.
    assert page.locator(".hidden").count() == 0
    assert CELL_SOURCE_MARKER in page.inner_text("body")


@pytest.mark.parametrize("student", sorted(GRADERS))
def test_feedback_runs_no_student_script(graded, student, tmp_path):
    feedback = graded / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    with chromium_page(tmp_path) as page:
        seen = _watch(page)
        page.goto(feedback.as_uri())
        _assert_nothing_ran(page, seen)


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory) -> Iterator[tuple[Server, list[str]]]:
    """A real Jupyter server with Formgrader, and each student's submission id."""
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}", "careerlab") as gradebook:
        ids = [
            gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).id
            for student in sorted(GRADERS)
        ]
    with jupyter_lab(graded, graded, tmp_path_factory.mktemp("formgrader")) as server:
        yield server, ids


def test_formgrader_runs_no_student_script(formgrader, tmp_path):
    server, ids = formgrader
    with chromium_page(tmp_path) as page:
        seen = _watch(page)
        for submission in ids:
            page.goto(f"{server.url}/formgrader/submissions/{submission}/?token={server.token}")
            page.locator("#notebook-container").first.wait_for(timeout=60_000)
            _assert_nothing_ran(page, seen)


@pytest.mark.parametrize("name", sorted(STUDENT_FILES))
def test_a_students_file_opened_in_formgrader_runs_no_script(formgrader, name, tmp_path):
    """A link a student wrote to their own file (http://<server>/formgrader/submissions/
    <id>/notes.html) opens it in the teacher's browser, at the server's origin."""
    server, ids = formgrader
    with chromium_page(tmp_path) as page:
        seen = _watch(page)
        for submission in ids:
            url = f"{server.url}/formgrader/submissions/{submission}/{name}?token={server.token}"
            response = page.goto(url)
            assert response is not None and response.status == 200  # still served
            assert "sandbox" in response.headers["content-security-policy"]
            wait_until(lambda: page.evaluate("document.readyState") == "complete", "the file")
            page.wait_for_timeout(300)
            assert page.evaluate("window.__xss === undefined")
            assert page.dialogs == []  # type: ignore[attr-defined]
            assert seen["outside"] == []
    # nbgrader's own route beside the files still answers (it redirects to the next one).
    assert server.get(f"/formgrader/submissions/{ids[0]}/next")[0] == 200
