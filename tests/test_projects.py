"""Every project in the catalog, end to end: its metadata validates, and
nbgrader's autograde gives the instructor's solution full marks and an empty
submission zero, without errors anywhere but in the failing hidden tests."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.api import Gradebook

from careerlab import course
from careerlab.catalog import load_catalog

from .conftest import REPO

WORKBOOKS = [p.name for p in course.assignments(REPO)]


def test_the_catalog_loads_every_project():
    assert sorted(p.id for p in load_catalog(REPO)) == sorted(WORKBOOKS)


@pytest.mark.parametrize("name", WORKBOOKS)
def test_autograde_gives_the_solution_full_marks_and_empty_work_zero(every_project_graded, name):
    # Stock nbgrader graded the class once a session (tests/every_project.py): "correct"
    # holds the author's solutions (code cells and solutions.yml's answers through the
    # widgets' own code), "empty" the released workbook as handed out.
    root = every_project_graded["stock"][name]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "careerlab") as gradebook:
        assignment = gradebook.find_assignment(name)
        for notebook in assignment.notebooks:
            tests = [c for c in notebook.grade_cells if c.cell_type == "code"]
            assert tests, f"{notebook.name} has no autograded tests"
            for cell in tests:
                full = gradebook.find_grade(cell.name, notebook.name, name, "correct")
                empty = gradebook.find_grade(cell.name, notebook.name, name, "empty")
                assert full.auto_score == cell.max_score, (cell.name, full.auto_score)
                assert empty.auto_score == 0, (cell.name, empty.auto_score)
    # Outside the hidden tests, the empty submission ran without a single error.
    notebooks = list((root / "autograded" / "empty" / name).glob("*.ipynb"))
    assert notebooks, name
    for notebook in notebooks:
        for cell in nbformat.read(notebook, as_version=4).cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            assert not errors or meta.get("grade"), (notebook.name, cell.source[:80])
