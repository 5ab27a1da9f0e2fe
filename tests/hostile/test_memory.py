"""A cell that asks for far too much memory at once: that cell's error, not the notebook's end.

One course (first-paycheck), correct work with one cell added that makes a single
impossible allocation (bytes, bytearray, a list, numpy). nbgrader records the
cell's MemoryError and grades the rest; ``careerlab autograde`` must do the same
and give the same scores. A notebook that keeps allocating until the process
cannot go on still fails as ``memory-limit``.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from careerlab.classroom import build_kinds, gradebook_grades

from ..conftest import make_course, run_app

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


def _add_cell(path, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("memory")
    root = make_course(base / "course")
    with open(root / "jupyter_config.py", "a") as config:
        config.write(LIMITS)
    run_app(root, "nbgrader", "generate_assignment", ASSIGNMENT, "--log-level=ERROR")
    kinds = build_kinds(
        root / "release" / ASSIGNMENT, root / "workbooks" / ASSIGNMENT, base / "kinds"
    )
    for student, source in {"correct": None, **BIG}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(kinds["correct"], folder)
        if source:
            _add_cell(folder / f"{ASSIGNMENT}.ipynb", source)
    stock = base / "stock"
    shutil.copytree(root, stock)
    hog = root / "submitted" / "hog" / ASSIGNMENT  # careerlab only: nbgrader has no limit
    shutil.copytree(kinds["correct"], hog)
    _add_cell(hog / f"{ASSIGNMENT}.ipynb", HOG)
    report = base / "report"
    with ThreadPoolExecutor(2) as pool:
        stock_run = pool.submit(run_app, stock, "nbgrader", "autograde", ASSIGNMENT)
        fast_run = pool.submit(
            run_app,
            *(root, "careerlab", "autograde", ASSIGNMENT, "--quiet", "--report", str(report)),
            check=False,
        )
        stock_run.result(), fast_run.result()
    outcomes = json.loads(report.with_suffix(".json").read_text())["submissions"]
    return {
        "root": root,
        "outcomes": {o["student"]: o for o in outcomes},
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
