"""Hostile cell metadata: a student edits locked and test cells (tags, nbgrader block,
type, order) to stop the hidden tests from running or counting.

One course (first-paycheck), one class: each hostile student hands in the wrong
work (or, where the edit can only hurt, the correct work) with one kind of edit.
The class is graded once by ``careerlab autograde`` and once by stock ``nbgrader
autograde`` (configured by jupyter_config.py). Every hostile student must score
exactly as the unedited work scores, in both graders, with a note saying what
was restored; honest view-state edits change nothing and raise no note.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import nbformat
import pytest

from careerlab.exchange.student_copy import with_left_out_cells
from careerlab.testing.classroom import gradebook_grades

from .conftest import Paycheck, grade_both, paycheck_course

ASSIGNMENT = "first-paycheck"
Edit = Callable[[nbformat.NotebookNode], None]


def _tests(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")
    ]


def _tag_tests(tag: str) -> Edit:
    def edit(nb: nbformat.NotebookNode) -> None:
        for cell in _tests(nb):
            cell.metadata.setdefault("tags", []).append(tag)

    return edit


def _tag_everything(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        cell.metadata["tags"] = ["skip-execution", "raises-exception"]


def _retype_tests(nb: nbformat.NotebookNode) -> None:
    # Every other test cell becomes markdown, the rest raw: neither runs.
    tests = _tests(nb)
    for number, cell in enumerate(tests):
        new = (nbformat.v4.new_markdown_cell if number % 2 else nbformat.v4.new_raw_cell)(
            cell.source
        )
        new.metadata, new.id = cell.metadata, cell.id
        nb.cells[nb.cells.index(cell)] = new


def _drop_nbgrader(nb: nbformat.NotebookNode) -> None:
    for cell in _tests(nb):
        del cell.metadata["nbgrader"]


def _delete_tests(nb: nbformat.NotebookNode) -> None:
    # The student's copy has no hidden-test cells to delete: the tests go, and the
    # locked cells that show the tasks with them.
    tests = _tests(nb)
    nb.cells = [
        c
        for c in nb.cells
        if c not in tests
        and not c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-task")
    ]


def _set_in_tests(**values: object) -> Edit:
    def edit(nb: nbformat.NotebookNode) -> None:
        for cell in _tests(nb):
            cell.metadata.nbgrader.update(values)

    return edit


def _rename_tests(nb: nbformat.NotebookNode) -> None:
    for cell in _tests(nb):
        cell.metadata.nbgrader["grade_id"] = "mine-" + cell.metadata.nbgrader["grade_id"]


def _tests_become_answers(nb: nbformat.NotebookNode) -> None:
    # A "solution" cell's source is the student's: nbgrader's OverwriteCells keeps it.
    for cell in _tests(nb):
        cell.metadata.nbgrader.update(solution=True, locked=False)
        cell.source = "pass"


def _claim_ids(nb: nbformat.NotebookNode) -> None:
    # After each real test, a student cell with the same grade_id (nbgrader keeps the
    # last of two) that is an answer cell, so its source stays "pass".
    for cell in reversed(_tests(nb)):
        fake = nbformat.v4.new_code_cell("pass")
        fake.metadata["nbgrader"] = {**cell.metadata.nbgrader, "solution": True, "locked": False}
        nb.cells.insert(nb.cells.index(cell) + 1, fake)


def _move_tests_first(nb: nbformat.NotebookNode) -> None:
    tests = _tests(nb)
    nb.cells = tests + [c for c in nb.cells if c not in tests]


def _hide_own_cell(nb: nbformat.NotebookNode) -> None:
    cell = nbformat.v4.new_code_cell("print('my own cell ran')")
    cell.metadata["tags"] = ["skip-execution"]
    cell.metadata["transient"] = {"remove_source": True}
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 50}
    nb.cells.insert(2, cell)


def _view_state(nb: nbformat.NotebookNode) -> None:
    # What JupyterLab writes while an honest student works: no note, same score.
    for cell in nb.cells:
        cell.metadata["collapsed"] = False
        cell.metadata["scrolled"] = True
        cell.metadata["jupyter"] = {"outputs_hidden": False}
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}


# student id -> (the work handed in, the edit); every edit of wrong work must score as wrong.
HOSTILE: dict[str, tuple[str, Edit]] = {
    "skip-tag": ("wrong", _tag_tests("skip-execution")),
    "skip-everything": ("wrong", _tag_everything),
    "tests-retyped": ("wrong", _retype_tests),
    "no-nbgrader": ("wrong", _drop_nbgrader),
    "tests-deleted": ("wrong", _delete_tests),
    "grade-false": ("wrong", _set_in_tests(grade=False)),
    "points-unlocked": ("wrong", _set_in_tests(points=0, locked=False)),
    "renamed": ("wrong", _rename_tests),
    "tests-answers": ("wrong", _tests_become_answers),
    "claimed-ids": ("wrong", _claim_ids),
    "moved": ("correct", _move_tests_first),
    "hidden-own-cell": ("wrong", _hide_own_cell),
}
HONEST: dict[str, tuple[str, Edit]] = {"view-state": ("correct", _view_state)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, paycheck: Paycheck) -> dict:
    base = tmp_path_factory.mktemp("cell-metadata")
    root = paycheck_course(paycheck, base / "course")
    kinds = paycheck.kinds
    for student, (kind, edit) in {
        "correct": ("correct", None),
        "wrong": ("wrong", None),
        **HOSTILE,
        **HONEST,
    }.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(kinds[kind], folder)
        if edit is not None:
            path = folder / f"{ASSIGNMENT}.ipynb"
            nb = nbformat.read(path, as_version=4)
            if student in HOSTILE:
                # The release leaves emptied test cells out of the student's copy, but its
                # metadata says where they were: a hostile student puts them back to edit.
                nb, _ = with_left_out_cells(nb)
            edit(nb)
            nbformat.write(nb, path)
    stock = base / "stock"
    shutil.copytree(root, stock)
    # Before RestoreAuthorCells, one hostile notebook stopped the whole run (in both).
    runs = grade_both(root, stock, base / "report")
    return {
        "fast": gradebook_grades(root / "gradebook.db"),
        "stock": gradebook_grades(stock / "gradebook.db"),
        "outcomes": {o["student"]: o for o in runs.outcomes},
        "stock_log": runs.stock.stderr,
        "returncodes": (runs.stock.returncode, runs.fast.returncode),
        "root": root,
    }


def _score(grades: dict, student: str) -> float | None:
    return grades.get((ASSIGNMENT, student), (None,))[0]


def test_every_submission_is_graded_by_both(graded: dict) -> None:
    # Before RestoreAuthorCells, one student's bogus nbgrader block stopped both whole
    # runs (SchemaTooOldError), and edited test cells failed others (checksums).
    assert graded["returncodes"] == (0, 0), graded["stock_log"][-3000:]
    failed = {s: o["reason"] for s, o in graded["outcomes"].items() if o["status"] != "graded"}
    assert failed == {}


def test_baseline_is_meaningful(graded: dict) -> None:
    for grader in ("fast", "stock"):
        assert _score(graded[grader], "correct") > _score(graded[grader], "wrong")


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_edit_scores_as_the_work_it_hides(graded: dict, student: str) -> None:
    kind = HOSTILE[student][0]
    for grader in ("fast", "stock"):
        assert _score(graded[grader], student) == _score(graded[grader], kind), grader
    outcome = graded["outcomes"][student]
    assert outcome["status"] == "graded", outcome
    notes = [n for n in outcome["notes"] if n["reason"] == "cell-metadata"]
    assert notes, outcome
    assert all(n["detail"].startswith(f"{ASSIGNMENT}: ") for n in notes)


def test_stock_nbgrader_logs_what_it_restored(graded: dict) -> None:
    log = graded["stock_log"]
    assert f"{ASSIGNMENT}: restored as the author wrote them: 'net-pay-test'" in log
    assert "deleted cells put back" in log
    assert "moved cells put back in the author's order" in log
    assert "removed from the student's cells" in log


def test_student_cells_lose_execution_tags_and_hiding(graded: dict) -> None:
    autograded = graded["root"] / "autograded" / "hidden-own-cell" / ASSIGNMENT
    nb = nbformat.read(autograded / f"{ASSIGNMENT}.ipynb", as_version=4)
    own = next(c for c in nb.cells if "my own cell ran" in c.source)
    assert "skip-execution" not in own.metadata.get("tags", [])
    assert "transient" not in own.metadata and "nbgrader" not in own.metadata
    assert any("my own cell ran" in o.get("text", "") for o in own.outputs)
    detail = " ".join(n["detail"] for n in graded["outcomes"]["hidden-own-cell"]["notes"])
    assert "skip-execution" in detail and "transient" in detail


def test_honest_view_state_changes_nothing(graded: dict) -> None:
    for student, (kind, _) in HONEST.items():
        for grader in ("fast", "stock"):
            assert _score(graded[grader], student) == _score(graded[grader], kind)
        assert graded["outcomes"][student]["notes"] == []
        assert graded["outcomes"]["correct"]["notes"] == []
