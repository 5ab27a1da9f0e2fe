"""Fixtures shared by the hostile tests' modules (session-scoped: built once per run).

Most modules grade a small class of first-paycheck (the short sample workbook) with
both graders. ``paycheck`` generates the assignment and builds each kind of work
(correct, partial, wrong, empty) once; ``paycheck_course`` gives a module its own
copy to add hostile students to, and ``grade_both`` grades a copy with stock
nbgrader and ``careerlab autograde`` side by side.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from careerlab.testing.classroom import build_kinds

from ..conftest import make_course, run_app
from .hostile_class import hostile_class  # noqa: F401 -- test_values and test_student_ids

PAYCHECK = "first-paycheck"


@dataclass(frozen=True)
class Paycheck:
    course: Path  # a course with the assignment generated and nothing submitted
    kinds: dict[str, Path]  # each kind of work, as a submission folder


@pytest.fixture(scope="session")
def paycheck(tmp_path_factory: pytest.TempPathFactory) -> Paycheck:
    base = tmp_path_factory.mktemp("paycheck")
    root = make_course(base / "course")
    run_app(root, "nbgrader", "generate_assignment", PAYCHECK, "--log-level=ERROR")
    kinds = build_kinds(root / "release" / PAYCHECK, root / "workbooks" / PAYCHECK, base / "kinds")
    return Paycheck(root, kinds)


def paycheck_course(paycheck: Paycheck, target: Path, config: str = "") -> Path:
    """A copy of the paycheck course of one's own, with extra lines of jupyter_config.py."""
    shutil.copytree(paycheck.course, target, symlinks=True)
    if config:
        with open(target / "jupyter_config.py", "a") as file:
            file.write(config)
    return target


@dataclass(frozen=True)
class Graded:
    stock: subprocess.CompletedProcess[str]
    fast: subprocess.CompletedProcess[str]
    outcomes: list[dict[str, Any]]  # careerlab autograde's report, one row per submission


def grade_both(fast_course: Path, stock_course: Path, report: Path) -> Graded:
    """``nbgrader autograde`` on one copy and ``careerlab autograde`` on the other, at once.

    Neither is checked for success: a hostile submission may fail either run."""
    args = ("careerlab", "autograde", PAYCHECK, "--quiet", "--report", str(report))
    with ThreadPoolExecutor(2) as pool:
        stock = pool.submit(run_app, stock_course, "nbgrader", "autograde", PAYCHECK, check=False)
        fast = pool.submit(run_app, fast_course, *args, check=False)
        stock_done, fast_done = stock.result(), fast.result()
    outcomes = json.loads(report.with_suffix(".json").read_text())["submissions"]
    return Graded(stock_done, fast_done, outcomes)


def add_cell(notebook: Path, source: str, *, at_end: bool = False) -> None:
    """Add a student's code cell after the first code cell (the set-up), or at the end."""
    nb = nbformat.read(notebook, as_version=4)
    if at_end:
        position = len(nb.cells)
    else:
        position = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code") + 1
    nb.cells.insert(position, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, notebook)
