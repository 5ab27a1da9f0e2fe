"""Feedback as one page in student language, and a feedback step with nothing to warn about.

A small class of first-paycheck (partial and empty work, built once per run by the
``paycheck`` fixture) is autograded with `careerlab autograde` and given feedback with
nbgrader's own `generate_feedback`, as a teacher does. The partial student's page must
tell one score story, say for each task that is not right yet what to look at again, and
show none of nbgrader's cell labels, grade ids, tracebacks or test code. The gradebook
must hold names for every student (Formgrader shows "None, None" otherwise)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbgrader.api import Gradebook

from careerlab import course
from careerlab.testing.classroom import enroll

from ..conftest import run_app
from .conftest import PAYCHECK, Paycheck, paycheck_course

ASSIGNMENT = PAYCHECK
STUDENTS = {"ana": "partial", "ben": "empty"}


@dataclass(frozen=True)
class Fed:
    root: Path
    stderr: str  # generate_feedback's


@pytest.fixture(scope="module")
def fed(paycheck: Paycheck, tmp_path_factory: pytest.TempPathFactory) -> Fed:
    root = paycheck_course(paycheck, tmp_path_factory.mktemp("feedback-page") / "course")
    enroll(paycheck.kinds, root / "submitted", ASSIGNMENT, STUDENTS)
    run_app(root, "careerlab", "autograde", ASSIGNMENT, "--quiet")
    done = run_app(root, "nbgrader", "generate_feedback", ASSIGNMENT)
    return Fed(root, done.stderr)


def page(fed: Fed, student: str) -> str:
    return (fed.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "title"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


def test_generate_feedback_prints_no_warning(fed):
    """Every line CareerLab's feedback step writes to stderr is nbgrader's INFO log: no
    "not recognized" config warning, no showcase error for a student who answered nothing."""
    lines = [line for line in fed.stderr.splitlines() if line.strip()]
    assert lines, "generate_feedback logged nothing: was it run?"
    noisy = [line for line in lines if not re.match(r"\[GenerateFeedbackApp \| INFO\]", line)]
    assert noisy == [], "\n".join(noisy)
    for student in STUDENTS:  # and every student got a page
        assert "Your score:" in page(fed, student)
    # ben answered nothing: no showcase to keep, and nothing said about it
    assert not (fed.root / "feedback" / "ben" / ASSIGNMENT / "showcase.html").exists()
    assert (fed.root / "feedback" / "ana" / ASSIGNMENT / "showcase.html").exists()


def grade_ids(root: Path) -> set[str]:
    source = nbformat.read(root / "workbooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    return {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    }


def test_partly_right_feedback_has_no_machinery(fed):
    html = page(fed, "ana")
    text = visible_text(html)
    for machinery in (
        "Traceback",
        "AssertionError",
        "Error:",
        "Test cell",
        "Grade cell",
        "Student's answer",
        "Student's task",
        "(Top)",
        "In [",
        "Out[",
        "Hidden tests",
        "wb.grade(",
        "BEGIN HIDDEN",
        "Comments: No response",
    ):
        assert machinery not in text, machinery
    ids = grade_ids(fed.root)
    assert ids
    shown = [grade_id for grade_id in ids if grade_id in text]
    assert shown == [], shown
    # The student's own work is still there, labelled as theirs.
    assert "Your work" in text and ("Your code" in text or "Your answer" in text)


def test_one_score_story_matches_the_gradebook(fed):
    soup = BeautifulSoup(page(fed, "ana"), "html.parser")
    with Gradebook(f"sqlite:///{fed.root / 'gradebook.db'}", "careerlab") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "ana")
        score, most = submission.score, submission.max_score
    total = soup.select_one(".careerlab-total").get_text(" ", strip=True)
    assert total == f"Your score: {score:g} of {most:g} points.", total
    story = soup.select_one(".careerlab-score-story").get_text(" ", strip=True)
    assert "Your teacher has not scored the rubric yet" in story
    assert re.search(r"The computer checked \d+ tasks and \d+ are right", story), story
    # The story comes before the work, the rubric and the checked tasks in between.
    order = [
        soup.select_one(selector).sourceline
        for selector in (".careerlab-total", ".careerlab-rubric", ".careerlab-checked")
    ]
    assert order == sorted(order)


def test_each_not_yet_says_what_to_look_at_again(fed):
    soup = BeautifulSoup(page(fed, "ana"), "html.parser")
    items = soup.select(".careerlab-checked li")
    not_yet = [li for li in items if li.select_one(".careerlab-fail")]
    with Gradebook(f"sqlite:///{fed.root / 'gradebook.db'}", "careerlab") as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "ana")
        failed = [
            g
            for g in notebook.grades
            if g.cell_type == "code" and g.max_score and (g.score or 0) < g.max_score
        ]
    assert failed and len(not_yet) == len(failed)
    source = (fed.root / "workbooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    for li in not_yet:
        note = li.select_one(".careerlab-look-again")
        assert note is not None, li
        words = note.get_text(" ", strip=True)
        # the part of the workbook (one of its headings) and the task's own question
        where = re.match(r"Look again at “([^”]+)”: (.+?)(?: Hint: |$)", words)
        assert where, words
        assert where[1] in source and where[2].split("?")[0] in source, words
    # A task whose workbook gives a hint repeats the hint (first-paycheck has several).
    assert any("Hint:" in li.get_text() for li in not_yet) or not any(
        "Hint" in li.get_text() for li in items
    )


def test_every_student_has_a_name_in_the_gradebook(fed):
    """Formgrader lists "last, first" and shows "None, None" for a row without names:
    students autograde added get one (no account with a full name here: their id)."""
    with Gradebook(f"sqlite:///{fed.root / 'gradebook.db'}", "careerlab") as gradebook:
        names = {s.id: (s.first_name, s.last_name) for s in gradebook.students}
    assert set(names) == set(STUDENTS)
    for student, (first, last) in names.items():
        assert first is not None and last is not None, student
        assert f"{first} {last}".strip(), student


def test_a_local_accounts_full_name_names_the_student(monkeypatch):
    import pwd

    class Entry:
        pw_gecos = "Ana María Lee,,,"

    def getpwnam(name: str) -> Entry:
        if name != "ana":
            raise KeyError(name)
        return Entry()

    monkeypatch.setattr(pwd, "getpwnam", getpwnam)
    assert course.known_name("ana") == ("Ana María", "Lee")
    assert course.known_name("ben.cruz@school.org") == ("", "ben.cruz@school.org")
    Entry.pw_gecos = "ana"  # one word: not a full name
    assert course.known_name("ana") == ("", "ana")
