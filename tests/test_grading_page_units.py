"""Unit tests for the grading page's parts that need no gradebook: reading tasks and
test results without running anything, the export's cells, retries, escaping."""

from __future__ import annotations

import re

import nbformat
import pytest
from sqlalchemy.exc import OperationalError

from careerlab.district.export import _cell
from careerlab.feedback.autograded import MAX_MESSAGE_CHARS, failure_messages, read_tasks
from careerlab.grading_page import page
from careerlab.rubrics.levels import with_retry

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def code_cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def test_tasks_and_tests_are_read_without_running_anything(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        code_cell('raise SystemExit("this cell must never run")'),
        code_cell('wb.choice("pick", "Pick one", "Which?", options={"a": "A"})'),
        code_cell('wb.self_assess("self-check", "Rate your work", "How did it go?")'),
        code_cell('wb.number("n", TITLE, "How many?")'),  # a title that is not a literal
        code_cell(
            '### BEGIN HIDDEN TESTS\nwb.grade("pick", correct="a")\n### END HIDDEN TESTS',
            grade=True,
            grade_id="pick-test",
            points=1,
        ),
        code_cell('wb.grade("pick", correct="a")'),  # not a grade cell: ignored
        code_cell("def broken(:\n"),  # a syntax error is skipped, not raised
    ]
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    titles, tests = read_tasks(path)
    assert titles == {"pick": "Pick one", "self-check": "Rate your work"}
    assert tests == {"pick-test": "pick"}


def test_only_the_students_message_comes_out_of_a_failed_test(tmp_path):
    def failed(grade_id: str, ename: str, evalue: str) -> nbformat.NotebookNode:
        cell = code_cell('wb.grade("x", value=195)', grade=True, grade_id=grade_id, points=1)
        cell.outputs = [
            nbformat.v4.new_output(
                "error",
                ename=ename,
                evalue=evalue,
                traceback=['wb.grade("x", value=195)  # the key is in here'],
            )
        ]
        return cell

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        failed("a", "AssertionError", "Customers: 650 is not correct yet."),
        failed("b", "AssertionError", ""),
        failed("c", "NameError", "name 'secret_key_195' is not defined"),
        failed("d", "AssertionError", "x" * (MAX_MESSAGE_CHARS + 50)),
        code_cell("print('passed')", grade=True, grade_id="e", points=1),
    ]
    path = tmp_path / "autograded.ipynb"
    nbformat.write(nb, path)
    messages = failure_messages(path)
    assert messages["a"] == "Customers: 650 is not correct yet."
    assert messages["b"] == "Not correct yet."
    assert messages["c"] == "The check could not run (NameError)."
    assert len(messages["d"]) == MAX_MESSAGE_CHARS and messages["d"].endswith("…")
    assert "e" not in messages
    assert not any("195" in text for text in messages.values())
    assert failure_messages(tmp_path / "missing.ipynb") == {}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Good work", "Good work"),
        (["a", "b"], "a;b"),
        (8.0, 8),
        (2.5, 2.5),
        (None, ""),
    ],
)
def test_export_cells_never_run_as_spreadsheet_formulas(value, cell):
    assert _cell(value) == cell


def test_a_busy_database_is_retried_and_other_errors_are_not():
    calls = []

    def busy_twice() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("UPDATE grade", {}, Exception("database is locked"))
        return 5

    assert with_retry(busy_twice) == 5 and len(calls) == 3

    def broken() -> None:
        calls.append(1)
        raise OperationalError("SELECT", {}, Exception("no such table: grade"))

    calls.clear()
    with pytest.raises(OperationalError):
        with_retry(broken)
    assert len(calls) == 1


def hostile_detail() -> dict:
    level = {"id": "good", "name": HOSTILE, "points": 1.0, "descriptor": HOSTILE, "key": "1"}
    return {
        "assignment": "demo",
        "title": HOSTILE,
        "label": HOSTILE,
        "key": "alice",
        "anonymous": False,
        "previous": None,
        "next": "bob",
        "position": {"index": 1, "total": 2},
        "progress": {"graded": 0, "total": 2},
        "product": HOSTILE,
        "self_assessment": True,
        "rubric": {"levels": [{"id": "good", "name": HOSTILE, "points": 1.0}]},
        "criteria": [
            {
                "id": "c1",
                "title": HOSTILE,
                "i_can": HOSTILE,
                "max_points": 1.0,
                "skills": [HOSTILE],
                "levels": [level],
                "level": "good",
                "comment": f"</textarea>{HOSTILE}",
                "self_rating": "good",
                "conflict": {"level": "good", "level_points": 1.0, "gradebook_points": 0.5},
            }
        ],
        "autograde": [
            {
                "cell": "t",
                "task": "t1",
                "title": HOSTILE,
                "points": 0.0,
                "max_points": 1.0,
                "passed": False,
                "message": HOSTILE,
            }
        ],
        "autograde_points": 0.0,
        "autograde_max": 1.0,
        "comment_bank": {"c1": [{"id": 1, "text": HOSTILE}]},
        "notebook": "demo",
    }


def test_every_string_on_the_grading_page_is_escaped():
    work = {
        "tasks": [{"id": "t1", "title": HOSTILE, "kind": "choice", "html": "<p>trusted</p>"}],
        "code": [{"cell": HOSTILE, "source": f"print('{HOSTILE}')"}],
        "problems": [HOSTILE],
    }
    html = page.grading_page(hostile_detail(), work, page.Urls("/user/t/", False), "v1", "x")
    assert "<img" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == [
        '<script src="/user/t/careerlab/static/grading.js?v=v1" defer>',
        '<script type="application/json" id="careerlab-grading-data">',
    ]
    assert html.count("</textarea>") == 1  # the comment cannot close its box
    assert "&lt;script&gt;" in html and "<p>trusted</p>" in html
    # Every address is under the prefix, as behind JupyterHub.
    for link in re.findall(r'(?:href|src)="([^"#]+)"', html):
        assert link.startswith("/user/t/careerlab/"), link


def test_the_missing_level_is_key_0_and_beginning_stays_1():
    """A teacher expects 0 for no work; 1-4 keep meaning Beginning-Advanced."""
    from careerlab.grading_page.data import criterion_view
    from careerlab.rubrics.format import combined, load_all

    from .conftest import REPO

    rubric = combined(load_all(REPO / "rubrics"), "coffee-site")
    criterion = rubric.criteria[0]
    view = criterion_view(rubric, criterion, None)
    keys = [(level["key"], level["id"], level["points"]) for level in view["levels"]]
    assert keys[:2] == [("0", "missing", 0), ("1", "beginning", criterion.weight)]
    assert view["levels"][0]["descriptor"] == rubric.levels[0].descriptor
    detail = {**hostile_detail(), "criteria": [{**hostile_detail()["criteria"][0], **view}]}
    html = page.grading_page(detail, {"tasks": [], "code": []}, page.Urls("/", False), "v", "x")
    assert 'data-key="0"' in html and "<kbd>0</kbd>–<kbd>4</kbd>" in html
