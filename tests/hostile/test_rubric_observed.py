"""Hostile rubric text on the way to the pages: a criterion scored by watching
(``observed``: when, look-fors) and the 0-point "Missing" level.

Rubric files are written by authors and arrive in projects shared from another school,
so their text is untrusted: markup in ``when`` or a look-for is shown escaped on the
grading page and in feedback (the teacher guide: tests/hostile/test_guide_yml.py), and a
look-for list of thousands is refused by count before any item is read.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
import yaml

from careerlab.feedback import rubric_html
from careerlab.grading_page import page
from careerlab.grading_page.data import criterion_view
from careerlab.rubrics.format import RubricError, parse_rubric
from careerlab.rubrics.levels import GivenLevel

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
LEVELS = [
    {"id": "missing", "name": "Missing", "points": 0, "descriptor": f"Nothing yet. {HOSTILE}"},
    {"id": "beginning", "name": "Beginning", "points": 1},
    {"id": "developing", "name": "Developing", "points": 2},
    {"id": "proficient", "name": "Proficient", "points": 3},
]


def rubric_text(look_for: list[str], when: str = HOSTILE) -> str:
    criterion = {
        "id": "pitch",
        "title": "Spoken pitch",
        "weight": 2,
        "skills": ["nace:communication"],
        "i_can": "I can pitch my choice aloud.",
        "observed": {"skill": "oral presentation", "when": when, "look_for": look_for},
        "descriptors": {"beginning": "b", "developing": "d", "proficient": "p"},
    }
    return yaml.safe_dump(
        {
            "id": "talk",
            "title": "Talk",
            "kind": "project",
            "levels": LEVELS,
            "criteria": [criterion],
        }
    )


RUBRIC = parse_rubric(rubric_text([HOSTILE, "Names the site first."]), "talk.yml")


def test_ten_thousand_look_fors_are_refused_by_count_quickly():
    text = rubric_text([f"Look-for {n}." for n in range(10_000)])
    start = time.perf_counter()
    with pytest.raises(RubricError) as refused:
        parse_rubric(text, "talk.yml")
    assert time.perf_counter() - start < 2
    assert any("look_for has 10000 items; give 1 to 8" in p for p in refused.value.problems)
    assert len(refused.value.problems) == 1  # not one message per item


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_grading_page_shows_when_and_look_fors_escaped_beside_the_levels():
    view = criterion_view(RUBRIC, RUBRIC.criterion("pitch"), None)
    assert view["observed"]["look_for"] == [HOSTILE, "Names the site first."]
    detail = {
        "assignment": "talk",
        "title": "Talk",
        "label": "Submission 1",
        "key": "alice",
        "anonymous": False,
        "previous": None,
        "next": None,
        "position": {"index": 1, "total": 1},
        "progress": {"graded": 0, "total": 1},
        "product": None,
        "self_assessment": False,
        "rubric": {"levels": LEVELS},
        "criteria": [
            {**view, "level": "missing", "comment": "", "self_rating": None, "conflict": None}
        ],
        "autograde": [],
        "autograde_points": 0.0,
        "autograde_max": 0.0,
        "comment_bank": {},
        "notebook": "talk",
    }
    html = page.grading_page(detail, {"tasks": [], "code": []}, page.Urls("/", False), "v", "x")
    assert_escaped(html)
    fieldset = html[html.index('id="criterion-pitch"') :]
    assert fieldset.index("Scored by watching") < fieldset.index('class="cl-levels"')
    assert "Names the site first." in fieldset
    assert len(re.findall(r"<script", html)) == 2  # grading.js and the JSON data block


def test_feedback_shows_the_missing_level_and_the_observed_plan_escaped():
    given = {"pitch": GivenLevel("pitch", "missing", 0.0, HOSTILE, datetime(2026, 1, 1))}
    html = rubric_html(RUBRIC, given, None, {"assignment": "talk", "student": "alice"})
    assert_escaped(html)
    assert "✓ Level given: Missing" in html and "Nothing yet. &lt;script&gt;" in html
    assert "0 of 6 points" in html and "reach Beginning" in html
    assert "Scored by watching" in html and "Names the site first." in html
