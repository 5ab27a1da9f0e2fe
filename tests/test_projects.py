"""Every project in the catalog, end to end: its metadata validates, and
nbgrader's autograde gives the instructor's solution full marks and an empty
submission zero, without errors anywhere but in the failing hidden tests."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from careerlab import course
from careerlab.catalog import load_catalog
from careerlab.testing.simulate import answer, load_solutions

from .conftest import REPO, make_course, run_app

WORKBOOKS = [p.name for p in course.assignments(REPO)]


def test_the_catalog_loads_every_project():
    assert sorted(p.id for p in load_catalog(REPO)) == sorted(WORKBOOKS)


@pytest.mark.parametrize("name", WORKBOOKS)
def test_autograde_gives_the_solution_full_marks_and_empty_work_zero(tmp_path, name):
    root = make_course(tmp_path / "course")
    run_app(root, "careerlab", "release", name)
    solutions = load_solutions(root / "workbooks" / name)
    for student in ("solution", "empty"):
        folder = root / "submitted" / student / name
        shutil.copytree(root / "release" / name, folder)
        if student == "solution":
            for notebook in course.notebooks(folder):
                answer(notebook, solutions[notebook.stem])
    run_app(root, "nbgrader", "autograde", name)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "careerlab") as gradebook:
        assignment = gradebook.find_assignment(name)
        for notebook in assignment.notebooks:
            tests = [c for c in notebook.grade_cells if c.cell_type == "code"]
            assert tests, f"{notebook.name} has no autograded tests"
            for cell in tests:
                full = gradebook.find_grade(cell.name, notebook.name, name, "solution")
                empty = gradebook.find_grade(cell.name, notebook.name, name, "empty")
                assert full.auto_score == cell.max_score, (cell.name, full.auto_score)
                assert empty.auto_score == 0, (cell.name, empty.auto_score)
    # Outside the hidden tests, the empty submission ran without a single error.
    for notebook in (root / "autograded" / "empty" / name).glob("*.ipynb"):
        for cell in nbformat.read(notebook, as_version=4).cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            assert not errors or meta.get("grade"), (notebook.name, cell.source[:80])
