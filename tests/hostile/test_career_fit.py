"""A hostile career-fit reflection in a submitted answers file, seen in the showcase (the
student's portfolio), which the grading page renders the same way: markup stays inert,
a huge or tampered value is a note that hides nothing else, and a tampered workbook.yml
in the submission cannot put markup on the page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from careerlab.showcase.page import showcase_html
from careerlab.workbook.tasks.career_fit import MAX_CHARACTERS
from tests.conftest import make_course

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
NAME = "Ms. Rivera"  # a product part: the rest of the work must stay visible


@pytest.fixture(scope="module")
def course_root(tmp_path_factory) -> Path:
    return make_course(tmp_path_factory.mktemp("hostile-career-fit") / "course")


def submit(root: Path, student: str, reflection: object, occupation: str | None = None) -> Path:
    work = root / "autograded" / student / "coffee-site"
    shutil.copytree(root / "workbooks" / "coffee-site", work)
    if occupation is not None:
        metadata = work / "workbook.yml"
        data = yaml.safe_load(metadata.read_text(encoding="utf-8"))
        data["occupations"] = [{"soc": "13-1161.00", "title": occupation}]
        metadata.write_text(yaml.safe_dump(data), encoding="utf-8")
    answers = {
        "recommendation": {
            "kind": "product",
            "value": {"product": "memo", "fields": {"memo": {"to": NAME}}},
        },
        "career-fit": {"kind": "career_fit", "value": reflection},
    }
    (work / "coffee-site.answers.json").write_text(
        json.dumps({"schema": 1, "workbook": "coffee-site", "answers": answers})
    )
    return work


def test_markup_in_the_answers_and_the_job_title_is_inert(course_root):
    reflection = {"liked": f"The map {HOSTILE}", "learn": HOSTILE, "would_try": "maybe"}
    submit(course_root, "ana", reflection, occupation=f"Analyst {HOSTILE}")
    html = showcase_html(course_root, "coffee-site", "ana")
    assert "<script>" not in html and "<img" not in html  # the page's own JSON is <script type=
    fit = html.split('<div class="careerlab-answer" data-task="career-fit">')[1]
    assert fit.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3  # liked, learn, the job
    assert "<dd>Maybe</dd>" in fit and NAME in html


@pytest.mark.parametrize(
    "reflection, why",
    [
        ({"liked": "x" * (MAX_CHARACTERS + 1)}, "longer than 2,000 characters"),
        ({"liked": "ok", "would_try": f"<b>{HOSTILE}</b>"}, "not yes, maybe or no"),
    ],
    ids=["huge", "unknown-choice"],  # other shapes: tests/tasks/test_career_fit.py
)
def test_a_huge_or_tampered_reflection_is_a_note_and_the_rest_is_shown(
    course_root, reflection, why
):
    student = "huge" if "2,000" in why else "tampered"
    submit(course_root, student, reflection)
    html = showcase_html(course_root, "coffee-site", student)
    assert "<script>" not in html and "<b>" not in html and "x" * MAX_CHARACTERS not in html
    assert "Not shown: Task &#x27;career-fit&#x27;" in html and why in html
    assert 'data-task="career-fit"' not in html  # no half-trusted reflection is drawn
    assert NAME in html  # the product is still in the portfolio
