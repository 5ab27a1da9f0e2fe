"""Formgrader names projects "Title (id)" where a teacher picks one (issue #15), in a real
server and Chromium; a title written with markup shows as text and runs nothing.

The titles come from the course's own workbook.yml (teachers write them): coffee-site's is
made hostile here, first-paycheck's is its own.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from nbgrader.api import Gradebook

from careerlab.grading_page.formgrader_titles import nbgrader_utils, utils_with_titles

from ..conftest import make_course
from ..servers import Server, chromium_page, jupyter_lab

HOSTILE = '<img src=x onerror="window.__xss=1"><b>Riverbend</b> & Co'
SHOWN = {
    "coffee-site": f"{HOSTILE} (coffee-site)",
    "first-paycheck": "Your First Paycheck (first-paycheck)",
}


@pytest.fixture(scope="module")
def formgrader(tmp_path_factory) -> Iterator[Server]:
    """A course of two projects, both in the gradebook with one student, and its server."""
    root = make_course(tmp_path_factory.mktemp("titles") / "course")
    for folder in (root / "workbooks").iterdir():
        if folder.name not in SHOWN:
            shutil.rmtree(folder)
    metadata = root / "workbooks" / "coffee-site" / "workbook.yml"
    quoted = HOSTILE.replace("'", "''")
    text = re.sub(r"(?m)^title: .*$", lambda _: f"title: '{quoted}'", metadata.read_text())
    metadata.write_text(text)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "careerlab") as gradebook:
        for assignment in SHOWN:
            gradebook.update_or_create_assignment(assignment)
        gradebook.update_or_create_student("ana", first_name="Ana", last_name="Lee")
    with jupyter_lab(root, root, tmp_path_factory.mktemp("state")) as server:
        yield server


def texts(page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def open_page(page, server: Server, path: str, selector: str, count: int) -> list[str]:
    """The page at ``path``, once Formgrader drew ``count`` of ``selector`` with titles."""
    page.goto(f"{server.url}{path}?token={server.token}")
    page.wait_for_function(
        "([selector, count]) => [...document.querySelectorAll(selector)]"
        ".filter(e => e.textContent.includes(' (')).length >= count",
        arg=[selector, count],
        timeout=60_000,
    )
    return texts(page, selector)


def test_formgrader_shows_titles_as_text_and_runs_no_markup(formgrader, tmp_path):
    with chromium_page(tmp_path) as page:
        # Manage Assignments: one row per project, its link still the folder's.
        shown = open_page(page, formgrader, "/formgrader/manage_assignments", "td.name a", 2)
        assert sorted(shown) == sorted(SHOWN.values())
        # The gradebook: the same titles, links still by id.
        shown = open_page(page, formgrader, "/formgrader/gradebook", "td.name a", 2)
        assert sorted(shown) == sorted(SHOWN.values())
        link = page.locator("td.name a", has_text="(coffee-site)")
        assert link.get_attribute("href").endswith("/formgrader/gradebook/coffee-site")
        # A project's submissions: the breadcrumb.
        path = "/formgrader/manage_submissions/coffee-site"
        assert open_page(page, formgrader, path, ".breadcrumb li.active", 1) == [
            SHOWN["coffee-site"]
        ]
        # A student's projects: "Title (id) (no submission)".
        shown = open_page(page, formgrader, "/formgrader/manage_students/ana", "td.name", 2)
        assert sorted(shown) == sorted(f"{label} (no submission)" for label in SHOWN.values())
        # The title's markup is text: no element was made from it, nothing ran.
        assert page.locator("td.name img, td.name b").count() == 0
        assert page.evaluate("window.__xss === undefined")
        assert page.dialogs == []  # type: ignore[attr-defined]


def test_the_titles_script_is_nbgraders_utils_and_needs_a_login(formgrader):
    status, body = formgrader.get("/formgrader/static/js/utils.js")
    assert status == 200
    assert "var createModal = function" in body  # nbgrader's own code, still served
    assert '"first-paycheck": "Your First Paycheck (first-paycheck)"' in body
    # Without the token: no titles (Jupyter refuses or sends to its login page).
    anonymous = Server(formgrader.url, "", formgrader.root, formgrader.log)
    status, body = anonymous.get("/formgrader/static/js/utils.js")
    assert "Your First Paycheck" not in body


def test_a_course_without_workbooks_still_gets_nbgraders_script(tmp_path):
    served = utils_with_titles(tmp_path)  # no workbooks/ folder at all
    assert served.startswith(nbgrader_utils().read_text(encoding="utf-8"))
    assert "var careerlabProjectTitles = {};" in served
