"""A cell that asks for far too much memory at once: that cell's error, not the notebook's end.

One course (first-paycheck), correct work with one cell added that makes a single
impossible allocation (bytes, bytearray, a list, numpy). nbgrader records the
cell's MemoryError and grades the rest; ``careerlab autograde`` must do the same
and give the same scores. A notebook that keeps allocating until the process
cannot go on still fails as ``memory-limit``.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from careerlab.testing.classroom import gradebook_grades

from .conftest import Paycheck, add_cell, grade_both, paycheck_course

ASSIGNMENT = "first-paycheck"
LIMITS = "\nc.GradingLimits.memory_mb = 500\nc.GradingLimits.notebook_timeout = 120\n"
# student -> the cell added after the first code cell; each asks for terabytes at once.
BIG = {
    "big-bytearray": "x = bytearray(10**12)",
    "big-bytes": "x = b'x' * 10**12",
    "big-list": "x = [0] * 10**11",
    "big-numpy": "import numpy as np\nx = np.zeros(10**12)",
}
HOG = "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 * 1024))\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, paycheck: Paycheck) -> dict:
    base = tmp_path_factory.mktemp("memory")
    root = paycheck_course(paycheck, base / "course", LIMITS)
    kinds = paycheck.kinds
    for student, source in {"correct": None, **BIG}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(kinds["correct"], folder)
        if source:
            add_cell(folder / f"{ASSIGNMENT}.ipynb", source)
    stock = base / "stock"
    shutil.copytree(root, stock)
    hog = root / "submitted" / "hog" / ASSIGNMENT  # careerlab only: nbgrader has no limit
    shutil.copytree(kinds["correct"], hog)
    add_cell(hog / f"{ASSIGNMENT}.ipynb", HOG)
    runs = grade_both(root, stock, base / "report")
    assert runs.stock.returncode == 0, runs.stock.stderr[-3000:]
    return {
        "root": root,
        "outcomes": {o["student"]: o for o in runs.outcomes},
        "fast": gradebook_grades(root / "gradebook.db"),
        "stock": gradebook_grades(stock / "gradebook.db"),
    }


@pytest.mark.parametrize("student", sorted(BIG))
def test_a_failed_allocation_is_that_cells_error(graded: dict, student: str) -> None:
    outcome = graded["outcomes"][student]
    assert outcome["status"] == "graded", outcome
    # Scored as nbgrader scores it: the rest of the notebook ran, full marks.
    score = graded["fast"][(ASSIGNMENT, student)][0]
    assert score == graded["stock"][(ASSIGNMENT, student)][0]
    assert score == graded["fast"][(ASSIGNMENT, "correct")][0] > 0
    nb = nbformat.read(
        graded["root"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )
    cell = next(c for c in nb.cells if c.source == BIG[student])
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors and "MemoryError" in errors[0].ename


def test_a_notebook_that_keeps_allocating_still_fails(graded: dict) -> None:
    outcome = graded["outcomes"]["hog"]
    assert (outcome["status"], outcome["reason"]) == ("failed", "memory-limit"), outcome
