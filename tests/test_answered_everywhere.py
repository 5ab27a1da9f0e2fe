""" "Answered" means the same in every place it is shown: nbgrader's Validate on a student's
copy of a released workbook, the rubric grading page and the export (the task's status and
the live progress list: tests/tasks/test_answered.py).

One course copy with first-paycheck (10 tasks) released. eve answers every task through the
widgets' own code in a real kernel; dana's answers file holds four of eve's answers, as a
student who stopped part-way. dana's work is then submitted into nbgrader's gradebook, which is
all the grading page and the export need (what autograde scores is tests/test_fast_grading.py's).
"""

from __future__ import annotations

import csv
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from careerlab import course as layout
from careerlab.feedback.autograded import read_tasks
from careerlab.grading_page import data, page
from careerlab.grading_page.render import render_work
from careerlab.testing.simulate import answer, load_solutions
from careerlab.workbook.answers import answers_filename

from .conftest import make_course, run_app

ASSIGNMENT = "first-paycheck"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ANSWERS = answers_filename(ASSIGNMENT)
FOUR = ["net-pay", "gross-pay", "fica", "paycheck-plan"]  # what dana answered


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("answered") / "course")
    for folder in (root / "workbooks").iterdir():
        if folder.name != ASSIGNMENT:
            shutil.rmtree(folder)
    run_app(root, "nbgrader", "generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR")
    return root


def student_copy(root: Path, student: str) -> Path:
    home = root.parent / "home" / student / ASSIGNMENT
    if not home.exists():
        shutil.copytree(root / "release" / ASSIGNMENT, home)
    return home


@pytest.fixture(scope="module")
def eve(released: Path) -> Path:
    """Every task answered, through the widgets (the released stubs: no code typed)."""
    home = student_copy(released, "eve")
    answer(home / NOTEBOOK, load_solutions(released / "workbooks" / ASSIGNMENT)[ASSIGNMENT])
    return home


@pytest.fixture(scope="module")
def dana(released: Path, eve: Path) -> Path:
    """Four of ten answered: eve's answers file with the other six left out."""
    home = student_copy(released, "dana")
    stored = json.loads((eve / ANSWERS).read_text())
    assert set(FOUR) < set(stored["answers"])
    stored["answers"] = {k: v for k, v in stored["answers"].items() if k in FOUR}
    (home / ANSWERS).write_text(json.dumps(stored))
    return home


@pytest.fixture(scope="module")
def titles(released: Path) -> dict[str, str]:
    found, _ = read_tasks(released / "workbooks" / ASSIGNMENT / NOTEBOOK)
    assert len(found) == 10
    return found


@pytest.fixture(scope="module")
def reports(released: Path, dana: Path, eve: Path) -> dict[str, str]:
    """nbgrader validate on each student's copy (both at once: each waits on its kernel)."""

    def validate(home: Path) -> str:
        result = run_app(released, "nbgrader", "validate", NOTEBOOK, cwd=home, check=False)
        return result.stdout + result.stderr

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(["dana", "eve"], pool.map(validate, [dana, eve]), strict=True))


def test_validate_fails_with_four_of_ten_naming_the_other_six(reports, titles):
    report = reports["dana"]
    assert "VALIDATION FAILED ON 1 CELL" in report, report
    assert "6 of 10 tasks are not answered" in report
    for task_id, title in titles.items():
        assert (f"- {title}:" in report) == (task_id not in FOUR), (title, report)
    # The student reads words, not a Python traceback.
    assert "Traceback" not in report and "NotAnswered" not in report


def test_validate_passes_when_every_task_is_answered(reports):
    report = reports["eve"]
    assert "Success! Your notebook passes all the tests." in report, report


@pytest.fixture(scope="module")
def graded(released: Path, dana: Path) -> Path:
    shutil.copytree(dana, released / "submitted" / "dana" / ASSIGNMENT)
    coursedir = layout.course_directory(released)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        gradebook.add_student("dana")
        # nbgrader's add_submission reads the notebooks' cells while it builds the new rows;
        # with autoflush on, SQLAlchemy 2 flushes then, before the submission is in the
        # session, and warns that it will not add it. Flushing once, at the commit, is right.
        with gradebook.db.no_autoflush:
            gradebook.add_submission(ASSIGNMENT, "dana")
    return released


def test_the_grading_page_and_the_export_count_as_validate_does(graded, titles, tmp_path):
    expected_left = [task_id for task_id in titles if task_id not in FOUR]
    # The grading page: the rendered work and the page the teacher reads.
    work = render_work(str(graded), ASSIGNMENT, "dana", ASSIGNMENT)
    assert work["answered"] == {"answered": 4, "total": 10, "not_answered": expected_left}
    detail = data.submission_detail(data.Course.at(graded), ASSIGNMENT, "dana", False)
    html = page.grading_page(detail, work, page.Urls("/", False), "v", "x")
    assert "4 of 10 tasks answered." in html
    assert html.count("Not answered: ") == 6
    # The export, from the gradebook's students and the same rule.
    from careerlab.district import export

    export.write(graded, ASSIGNMENT, tmp_path)
    with open(tmp_path / f"{ASSIGNMENT}-answered.csv", encoding="utf-8", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["student"], row["tasks_answered"], row["tasks_total"]) == ("dana", "4", "10")
    assert row["not_answered"].split(";") == expected_left and row["problem"] == ""
    document = json.loads((tmp_path / f"{ASSIGNMENT}-answered.json").read_text())
    assert document["rows"][0]["tasks_answered"] == 4


def test_the_progress_check_is_a_test_worth_nothing_and_no_score_story(graded):
    released_nb = json.loads((graded / "release" / ASSIGNMENT / NOTEBOOK).read_text())
    check = next(c for c in released_nb["cells"] if c.get("id") == "progress")
    assert check["metadata"]["nbgrader"]["grade"] and check["metadata"]["nbgrader"]["points"] == 0
    detail = data.submission_detail(data.Course.at(graded), ASSIGNMENT, "dana", False)
    cells = {result["cell"] for result in detail["autograde"]}
    assert "progress" not in cells and all(r["max_points"] > 0 for r in detail["autograde"])
    assert detail["autograde_max"] == sum(r["max_points"] for r in detail["autograde"])
