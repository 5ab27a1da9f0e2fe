"""The whole nbgrader loop with the real apps and gradebook.

Release, fetch, answer through the widgets' own code, submit, collect,
autograde: scores must be exactly what each student's answers earn, and every
student's answers file must come through untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from careerlab.testing.simulate import answer, load_solutions

from .conftest import REPO, run_app

ASSIGNMENT = "first-paycheck"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ANSWERS = f"{ASSIGNMENT}.answers.json"
GRADE_CELLS = [
    "net-pay-test",
    "gross-pay-test",
    "fica-test",
    "total-test",
    "social-security-test",
    "total-withheld-test",
    "percent-withheld-test",
    "plan-test",
    "career-fit-test",
]
CORRECT = load_solutions(REPO / "workbooks" / ASSIGNMENT)[ASSIGNMENT]
PARTIAL = {
    "net-pay": "take-home",
    "gross-pay": "$400",
    "fica": "Federal Insurance Contributions Act",
    "paycheck-plan": "I will save half.",
}
PARTIAL_CODE = {
    "total-code": 'total_net = paystubs["net_pay"].sum()\nwb.record("total-net", total_net)'
}
EXPECTED = {
    "alice": {
        "net-pay-test": 1,
        "gross-pay-test": 1,
        "fica-test": 1,
        "total-test": 1,
        "social-security-test": 1,
        "total-withheld-test": 2,
        "percent-withheld-test": 2,
        "plan-test": 2,
        "career-fit-test": 1,
    },
    "bob": dict.fromkeys(GRADE_CELLS, 0),
    "carol": {
        "net-pay-test": 1,
        "gross-pay-test": 0,
        "fica-test": 1,
        "total-test": 1,
        "social-security-test": 0,  # carol has not reached the percent tasks yet
        "total-withheld-test": 0,
        "percent-withheld-test": 0,
        "plan-test": 0,
        "career-fit-test": 0,  # carol leaves the reflection for later
    },
    "erin": dict.fromkeys(GRADE_CELLS, 0),
}


# Where nbgrader keeps a copy of every submission for the student's Assignment List, unless
# told otherwise: the user's own Jupyter data folder.
USERS_CACHE = Path.home() / ".local" / "share" / "jupyter" / "nbgrader_cache"


def cached(folder: Path) -> set[str]:
    return {path.name for path in folder.glob("*/*")} if folder.is_dir() else set()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    from .conftest import make_course

    root = make_course(tmp_path_factory.mktemp("loop") / "course")
    run_app(root, "careerlab", "release", ASSIGNMENT)
    run_app(root, "nbgrader", "release_assignment", ASSIGNMENT)
    kept: dict[str, bytes] = {}
    for student in EXPECTED:
        home = root.parent / "home" / student
        home.mkdir(parents=True)
        run_app(root, "nbgrader", "fetch_assignment", ASSIGNMENT, cwd=home)
        work = home / ASSIGNMENT
        notebook = work / NOTEBOOK
        if student == "alice":
            answer(notebook, CORRECT)
        elif student == "carol":
            answer(notebook, PARTIAL, code=PARTIAL_CODE)
        elif student == "erin":
            (work / ANSWERS).write_bytes(b"\x00\xffgarbage{{{")
        # bob fetches and submits without answering anything.
        if (work / ANSWERS).exists():
            kept[student] = (work / ANSWERS).read_bytes()
        run_app(root, "nbgrader", "submit", ASSIGNMENT, f"--student={student}", cwd=home)
    run_app(root, "nbgrader", "collect", ASSIGNMENT)
    # An author's answers file left in the source folder by mistake must not
    # reach any student's grading (Autograde.exclude_overwriting).
    stray = root / "workbooks" / ASSIGNMENT / ANSWERS
    shutil.copy(home.parent / "alice" / ASSIGNMENT / ANSWERS, stray)
    result = run_app(root, "nbgrader", "autograde", ASSIGNMENT)
    stray.unlink()
    return root, kept, result.stdout + result.stderr


def test_submissions_are_cached_in_the_test_runs_own_data_folder(graded, own_jupyter_data):
    own = cached(own_jupyter_data / "nbgrader_cache")
    assert set(EXPECTED) <= {name.split("+")[0] for name in own}
    assert not own & cached(USERS_CACHE), "a test wrote into the user's nbgrader cache"


def test_every_score_is_what_the_answers_earn(graded):
    root, _, _ = graded
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "careerlab") as gradebook:
        for student, cells in EXPECTED.items():
            for cell, points in cells.items():
                grade = gradebook.find_grade(cell, ASSIGNMENT, ASSIGNMENT, student)
                assert grade.score == points, (student, cell, grade.score)
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.score == sum(cells.values())


def test_answers_files_survive_submit_collect_and_autograde(graded):
    root, kept, _ = graded
    assert set(kept) == {"alice", "carol", "erin"}
    for student, original in kept.items():
        for stage in ("submitted", "autograded"):
            path = root / stage / student / ASSIGNMENT / ANSWERS
            assert path.read_bytes() == original, (student, stage)
    assert not (root / "autograded" / "bob" / ASSIGNMENT / ANSWERS).exists()
    # The answers store's helper files never travel with a submission.
    assert not list((root / "submitted").rglob("*.answers.lock"))


def test_garbage_answers_are_explained_in_the_graded_notebook(graded):
    root, _, _ = graded
    text = (root / "autograded" / "erin" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "answers file is damaged" in text


def test_graders_read_widget_answers_in_the_autograded_notebook(graded):
    """nbconvert has no widget state, so each task carries an HTML copy of the answer."""
    root, _, _ = graded
    text = (root / "autograded" / "alice" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "$496.00" in text and "$2,136.42" in text
    assert "Saving first means I reach my goal" in text
