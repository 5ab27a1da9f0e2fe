"""The showcase: built from the course's own source and the student's answers as
data. Nothing a student wrote runs, and every string they wrote is inert."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest

from careerlab.feedback import DATA_ID
from careerlab.showcase.page import ShowcaseError, showcase_html

from .conftest import make_course

HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(2)">'


@pytest.fixture
def graded_course(tmp_path):
    """A course copy with one 'autograded' first-paycheck submission on disk."""
    root = make_course(tmp_path / "course")
    work = root / "autograded" / "ana" / "first-paycheck"
    shutil.copytree(root / "workbooks" / "first-paycheck", work)
    answers = {
        "schema": 1,
        "workbook": "first-paycheck",
        "answers": {
            "net-pay": {"kind": "choice", "value": "take-home"},
            "gross-pay": {"kind": "number", "value": 496.0},
            "fica": {"kind": "short_text", "value": HOSTILE[:80]},
            "paycheck-plan": {"kind": "long_text", "value": f"My plan {HOSTILE}"},
            "total-net": {"kind": "data_analysis", "value": 2052.78, "via": "code"},
        },
    }
    (work / "first-paycheck.answers.json").write_text(json.dumps(answers))
    # A student's notebook that tries to run code: the showcase must never run it.
    notebook = work / "first-paycheck.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    marker = tmp_path / "student-code-ran"
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = f"open({str(marker)!r}, 'w').write('ran')\n" + cell.source
    nbformat.write(nb, notebook)
    return root, marker


def test_the_showcase_shows_every_answer(graded_course):
    root, _ = graded_course
    html = showcase_html(root, "first-paycheck", "ana")
    assert "The pay you take home after taxes and deductions" in html
    assert "$496.00" in html and "$2,052.78" in html
    assert "Found with the student&#x27;s own code." in html
    assert "Work by ana" in html


def test_no_student_code_runs_and_student_strings_are_inert(graded_course):
    root, marker = graded_course
    html = showcase_html(root, "first-paycheck", "ana")
    assert not marker.exists()
    # The one script is the rubric's levels as JSON data (first-paycheck has a rubric), written
    # by trusted code with every < escaped; nothing a student wrote becomes a tag.
    data = re.findall(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', html, re.S)
    assert len(data) == 1 and "<" not in data[0], data
    rest = html.replace(data[0], "")
    assert rest.count("<script") == 1 and "onerror=" not in rest.replace("onerror=&quot;", "")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "assignment, student, message",
    [
        ("first-paycheck", "../../etc", "not a valid student id"),
        ("../workbooks", "ana", "no such project"),
        ("no-such-project", "ana", "no such project"),
        ("first-paycheck", "nobody", "No answers from nobody"),
    ],
)
def test_bad_requests_get_a_plain_message(graded_course, assignment, student, message):
    root, _ = graded_course
    with pytest.raises(ShowcaseError, match=message):
        showcase_html(root, assignment, student)
