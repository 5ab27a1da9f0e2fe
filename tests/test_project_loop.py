"""The first career project through the whole loop, with the real nbgrader apps.

Three students (all correct, empty, partial and hostile) answer the released
coffee-site workbook through the widgets' own code; they submit, the teacher
collects, autogrades, gives rubric levels, re-autogrades and generates
feedback. Every score is checked; the feedback shows the rubric with each level
given; nothing hostile a student wrote is live in the feedback, the formgrader
view or the showcase."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbgrader.api import Gradebook

from careerlab.course import course_directory
from careerlab.feedback import read_rubric_data
from careerlab.rubrics.levels import levels_for
from careerlab.testing.simulate import answer, load_solutions

from .conftest import REPO, make_course, run_app
from .servers import CHROMIUM, chromium_page, jupyter_lab, wait_until

ASSIGNMENT = "coffee-site"
SCRIPT = "<script>alert('xss-script')</script>"
IMAGE = "<img src=x onerror=\"alert('xss-img')\">"
HOSTILE = SCRIPT + IMAGE
SOLUTIONS = load_solutions(REPO / "workbooks" / ASSIGNMENT)[ASSIGNMENT]
TESTS = {
    "question-test": 1,
    "busiest-test": 1,
    "riverside-test": 2,
    "value-test": 2,
    "spend-test": 1,
    "tradeoff-test": 1,
    "chart-test": 2,
    "recommend-test": 2,
    "product-test": 1,
    "career-fit-test": 1,
}
CAROL = {
    "research-question": "value",  # right
    "riverside-customers": "650",  # wrong
    "best-value": SOLUTIONS["best-value"],  # right: the three derive steps, then the lowest
    "downtown-tradeoff": "costs-and-rivals",  # right
    "site-chart": {"measure": "monthly_rent", "kind": "bar", "title": HOSTILE[:90]},  # wrong
    "recommend-site": "riverside",  # right
    "recommendation": {  # too short to be complete
        "product": "slide",
        "parts": {"headline": f"Riverside {SCRIPT}", "point_1": IMAGE, "point_2": "Rent"},
    },
}
CAROL_CODE = {  # the busiest site found with pandas in the code-path cell
    "busiest-code": 'busiest = sites.loc[sites["weekday_foot_traffic"].idxmax(), "neighborhood"]\n'
    'wb.record("busiest-site", busiest)'
}
CAROL_SCORES = {
    **dict.fromkeys(TESTS, 0),
    "question-test": 1,
    "busiest-test": 1,
    "value-test": 2,
    "tradeoff-test": 1,
    "recommend-test": 2,
}
LEVELS = {
    "alice": {
        c: "advanced"
        for c in (
            "market-analysis",
            "trade-offs",
            "honest-data",
            "pitch",
            "clear-recommendation",
            "evidence",
            "audience",
            "risks-next-steps",
        )
    },
    "carol": {
        "market-analysis": "developing",
        "trade-offs": "proficient",
        "clear-recommendation": "beginning",
    },
}
COMMENT = f"Good start {HOSTILE}"


def add_hostile_cells(notebook: Path) -> None:
    """A student may add cells: markdown with raw HTML, and code whose output is HTML."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(f"My notes {HOSTILE}"))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f"from IPython.display import HTML, display\ndisplay(HTML({HOSTILE!r}))\n"
            f"print({HOSTILE!r})"
        )
    )
    nbformat.write(nb, notebook)


@pytest.fixture(scope="module")
def loop(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("project") / "course")
    run_app(root, "careerlab", "release", ASSIGNMENT)
    run_app(root, "nbgrader", "release_assignment", ASSIGNMENT)
    for student in ("alice", "bob", "carol"):
        home = root.parent / "home" / student
        home.mkdir(parents=True)
        run_app(root, "nbgrader", "fetch_assignment", ASSIGNMENT, cwd=home)
        notebook = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if student == "alice":
            answer(notebook, SOLUTIONS)
        elif student == "carol":
            add_hostile_cells(notebook)
            answer(notebook, CAROL, code=CAROL_CODE)
        run_app(root, "nbgrader", "submit", ASSIGNMENT, f"--student={student}", cwd=home)
    run_app(root, "nbgrader", "collect", ASSIGNMENT)
    run_app(root, "nbgrader", "autograde", ASSIGNMENT)
    for student, levels in LEVELS.items():
        for criterion, level in levels.items():
            extra = ["--comment", COMMENT] if student == "carol" else []
            run_app(
                root, "careerlab", "rubric", "score", ASSIGNMENT, student, criterion, level, *extra
            )
    # Re-running autograde must keep every level given.
    run_app(root, "nbgrader", "autograde", ASSIGNMENT, "--force")
    run_app(root, "nbgrader", "generate_feedback", ASSIGNMENT)
    return root


def db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def rubric_points(student: str) -> float:
    from careerlab.rubrics.format import combined, load_all

    rubric = combined(load_all(REPO / "rubrics"), ASSIGNMENT)
    return sum(rubric.points(rubric.criterion(c), lv) for c, lv in LEVELS.get(student, {}).items())


def test_every_score(loop):
    expected = {"alice": TESTS, "bob": dict.fromkeys(TESTS, 0), "carol": CAROL_SCORES}
    with Gradebook(db_url(loop), "careerlab") as gradebook:
        for student, cells in expected.items():
            for cell, points in cells.items():
                grade = gradebook.find_grade(cell, ASSIGNMENT, ASSIGNMENT, student)
                assert grade.score == points, (student, cell, grade.score)
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.score == sum(cells.values()) + rubric_points(student), student
    assert rubric_points("alice") == 44  # every criterion at the top level


def test_levels_are_data_and_survive_re_autograding(loop):
    with Gradebook(db_url(loop), "careerlab") as gradebook:
        for student, levels in LEVELS.items():
            stored = levels_for(course_directory(loop), ASSIGNMENT, ASSIGNMENT, student)
            assert {c: g.level for c, g in stored.items()} == levels
            for criterion, given in stored.items():
                grade = gradebook.find_grade(f"rubric-{criterion}", ASSIGNMENT, ASSIGNMENT, student)
                assert grade.manual_score == given.points
                assert not grade.needs_manual_grade
        # Criteria nobody scored still wait for the teacher.
        ungraded = gradebook.find_grade("rubric-honest-data", ASSIGNMENT, ASSIGNMENT, "carol")
        assert ungraded.needs_manual_grade


def feedback(root: Path, student: str) -> str:
    return (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_feedback_shows_the_rubric_with_each_level_given(loop):
    for student, levels in LEVELS.items():
        page = BeautifulSoup(feedback(loop, student), "html.parser")
        section = page.select_one("section.careerlab-rubric")
        assert section is not None
        given = {
            cell.find_parent("tr").th.strong.get_text(): cell.select_one(
                ".careerlab-given-label"
            ).get_text()
            for cell in section.select("td.careerlab-given")
        }
        assert len(given) == len(levels)
        assert all(label.startswith("✓ Level given:") for label in given.values())
        data = read_rubric_data(feedback(loop, student))
        assert {c: v["level"] for c, v in data["levels"].items()} == levels
        assert data["points"] == rubric_points(student)
    carol = read_rubric_data(feedback(loop, "carol"))
    assert carol["product"] == "slide" and carol["levels"]["trade-offs"]["comment"] == COMMENT
    assert "Next step:" in feedback(loop, "carol")
    # Hidden tests never reach students (nbgrader shows them unless told not to).
    for student in ("alice", "bob", "carol"):
        assert "wb.grade(" not in feedback(loop, student)
        assert "HIDDEN TESTS" not in feedback(loop, student)
    # Students with no levels yet still get the rubric, marked "not scored yet".
    assert "not scored yet" in feedback(loop, "bob")


def assert_inert(page: str) -> None:
    """No script, event handler or image a student wrote is live in the page."""
    soup = BeautifulSoup(page, "html.parser")
    for script in soup.find_all("script"):
        assert "xss-" not in script.get_text() or script.get("type") == "application/json", script
    for tag in soup.find_all(True):
        # nbgrader's own pages have handlers of their own; none may carry a student's.
        handlers = [a for a, v in tag.attrs.items() if a.lower().startswith("on") and "xss" in v]
        assert not handlers, tag
        assert not (tag.name == "img" and tag.get("src") == "x"), tag
    assert "xss-script" in soup.get_text()  # the text is there, as text


def test_hostile_strings_are_inert_in_feedback(loop):
    page = feedback(loop, "carol")
    assert_inert(page)
    # Each way in reached the page: a written answer, a markdown cell, an output.
    assert page.count("xss-script") >= 4


def test_hostile_strings_are_inert_in_the_formgrader_view(loop, tmp_path):
    with Gradebook(db_url(loop), "careerlab") as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "carol").id
    with jupyter_lab(loop, loop, tmp_path) as server:
        status, page = server.get(f"/formgrader/submissions/{submission}/")
    assert status == 200, page[:500]
    assert "My notes" in page
    assert_inert(page)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)")
def test_the_showcase_in_a_browser(loop, tmp_path):
    showcase = loop / "extensions" / "careerlab" / "showcase"
    showcase.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "extensions" / "careerlab" / "showcase" / "showcase.ipynb", showcase)
    path = "/voila/render/extensions/careerlab/showcase/showcase.ipynb"
    with jupyter_lab(loop, loop, tmp_path) as server, chromium_page(tmp_path) as page:
        page.goto(f"{server.url}{path}?assignment={ASSIGNMENT}&student=carol&token={server.token}")
        main = page.locator("main.careerlab-showcase")
        main.wait_for(timeout=60_000)
        text = main.inner_text()
        assert "Work by carol" in text
        assert "Riverside <script>alert('xss-script')</script>" in text  # shown as text
        assert "✓ Level given: Developing" in text
        assert main.locator("figure.careerlab-chart img").count() == 1
        assert main.locator("img[src='x']").count() == 0
        assert page.evaluate("window.__xss === undefined")
        wait_until(lambda: page.evaluate("document.readyState") == "complete", "page load")
        assert page.dialogs == []  # type: ignore[attr-defined]
        json.loads(main.locator("#careerlab-rubric-data").inner_text())
