"""After Submit a student reads what was submitted and when (issue #15), on one machine:
nbgrader's Assignment List (its own server-side manager, the code behind
``POST assignments/submit`` and the list it answers with) and ``nbgrader submit`` in a
terminal. first-paycheck has ten tasks; the student answered one (gross pay)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from careerlab.workbook.answers import answers_filename

from .conftest import course_env, make_course, run_app

ASSIGNMENT = "first-paycheck"
COURSE = "careerlab"
ONE_OF_TEN = f"{ASSIGNMENT}.ipynb (1 of 10 tasks answered)"
TURNED_IN = re.compile(r"Turned in \w{3}, \w{3} \d{1,2}, \d{4} at \d{1,2}:\d\d:\d\d [AP]M \S+: ")


def answer_gross_pay(folder: Path) -> None:
    answers = {"gross-pay": {"kind": "number", "value": 496.0, "saved": "2026-12-01T10:00:00Z"}}
    document = {"schema": 1, "workbook": ASSIGNMENT, "answers": answers}
    (folder / answers_filename(ASSIGNMENT)).write_text(json.dumps(document))


@pytest.fixture(scope="module")
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Jupyter data folder (so an nbgrader cache) of this module's own: other tests of the
    run submit as the same user, and their copies would be listed here too."""
    folder = tmp_path_factory.mktemp("receipt-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_DATA_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def home(own_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """first-paycheck released to the course's exchange and fetched into a student's home."""
    root = make_course(tmp_path_factory.mktemp("receipt") / "course")
    for folder in (root / "workbooks").iterdir():
        if folder.name != ASSIGNMENT:
            shutil.rmtree(folder)
    run_app(root, "nbgrader", "generate_assignment", ASSIGNMENT, "--log-level=ERROR")
    run_app(root, "nbgrader", "release_assignment", ASSIGNMENT, "--log-level=ERROR")
    student = root.parent / "student"
    student.mkdir()
    run_app(root, "nbgrader", "fetch_assignment", ASSIGNMENT, cwd=student)
    answer_gross_pay(student / ASSIGNMENT)
    return student


@pytest.fixture
def assignment_list(home: Path, monkeypatch: pytest.MonkeyPatch):
    """nbgrader's Assignment List manager, configured as the student's server is."""
    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    root = home.parent / "course"
    for key, value in course_env(root).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(home)  # a server runs in its root folder (student dir ".")
    monkeypatch.setenv("TZ", "UTC")  # the times below, as this computer's clock reads them
    time.tzset()
    manager = AssignmentList()
    manager.root_dir = str(home)
    yield manager
    monkeypatch.undo()
    time.tzset()


def submissions(listed: dict) -> list[str]:
    """What the panel shows for each submission: its ``timestamp`` field, as text."""
    assert listed["success"], listed
    found = [a for a in json.loads(json.dumps(listed["value"])) if a["status"] == "submitted"]
    return [
        s["timestamp"] for a in found if a["assignment_id"] == ASSIGNMENT for s in a["submissions"]
    ]


def cached_copies() -> list[Path]:
    """nbgrader's cache of the student's submissions (conftest gives the run its own)."""
    folder = Path(os.environ["JUPYTER_DATA_DIR"]) / "nbgrader_cache" / COURSE
    return sorted(folder.iterdir())


def test_nbgrader_submit_says_what_was_submitted_and_when(home):
    result = run_app(home.parent / "course", "nbgrader", "submit", ASSIGNMENT, cwd=home)
    lines = [line for line in result.stderr.splitlines() if "Turned in" in line]
    assert len(lines) == 1, result.stderr
    assert TURNED_IN.search(lines[0]) and lines[0].endswith(ONE_OF_TEN), lines[0]


def test_the_assignment_list_says_it_after_submit_oldest_first(home, assignment_list):
    before = submissions(assignment_list.list_assignments(course_id=COURSE))
    assert assignment_list.submit_assignment(COURSE, ASSIGNMENT) == {"success": True}
    after = submissions(assignment_list.list_assignments(course_id=COURSE))
    assert len(after) == len(before) + 1
    for shown in after:
        assert TURNED_IN.match(shown) and shown.endswith(ONE_OF_TEN), shown
    # Two earlier submissions whose times, as words, sort the other way ("10:30" < "9:05").
    copy = cached_copies()[0]
    student, assignment, _ = copy.name.split("+")
    for stamp in ("2020-01-01 10:30:00.000000 UTC", "2020-01-01 09:05:00.000000 UTC"):
        shutil.copytree(copy, copy.parent / f"{student}+{assignment}+{stamp}")
    listed = submissions(assignment_list.list_assignments(course_id=COURSE))
    assert " 9:05:00 AM " in listed[0] and " 10:30:00 AM " in listed[1], listed
    assert listed[2:] == after
