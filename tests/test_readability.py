"""Student-facing text is at or below its grade band's reading level
(Flesch-Kincaid, measured with textstat), in every cell and overall."""

from __future__ import annotations

import nbformat
import pytest
import yaml

from careerlab import course
from careerlab.author.readability import GRADE_LIMITS, grade_level, plain_text, student_text

from .conftest import REPO

WORKBOOKS = [p.name for p in course.assignments(REPO)]


def limit_for(name: str) -> float:
    meta = REPO / "workbooks" / name / course.METADATA_FILE
    band = yaml.safe_load(meta.read_text())["grade_band"] if meta.exists() else "6-8"
    return GRADE_LIMITS[band].high


@pytest.mark.parametrize("name", WORKBOOKS)
def test_released_text_is_at_or_below_the_grade_band(released_course, name):
    limit = limit_for(name)
    for notebook in (released_course / "release" / name).glob("*.ipynb"):
        cells = student_text(nbformat.read(notebook, as_version=4))
        assert cells
        too_hard = {
            cell: round(grade_level(text), 1) for cell, text in cells if grade_level(text) > limit
        }
        assert too_hard == {}, f"{notebook.name}: above grade {limit:g}: {too_hard}"
        assert grade_level(" ".join(text for _, text in cells)) <= limit


def test_the_measure_tells_easy_from_hard_text():
    easy = "The cat sat on the mat. We ran to the park. It was fun."
    hard = (
        "Notwithstanding considerable methodological heterogeneity, the comprehensive "
        "investigation demonstrated statistically significant socioeconomic correlations."
    )
    assert grade_level(easy) < 3 < 14 < grade_level(hard)


def test_markup_is_read_as_a_student_sees_it():
    text = plain_text(
        "## Your role\n\n- Read the `net_pay` column\n| a | b |\n|---|---|\n<b>Bold</b>"
    )
    assert text == "Your role. Read the net pay column. a. b. Bold."
