"""Workbooks as nbgrader releases them: no solutions, no hidden tests, and an
empty copy that runs top to bottom; plus the author checks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from careerlab import course
from careerlab.author import check_assignment
from careerlab.author.build import shows_only_careerlab
from careerlab.autograde.author_cells import restore
from careerlab.exchange.student_copy import with_left_out_cells
from careerlab.testing.simulate import answer, load_solutions

from .conftest import REPO, run_app

WORKBOOKS = [p.name for p in course.assignments(REPO)]


def test_every_workbook_passes_the_author_checks():
    for name in WORKBOOKS:
        assert check_assignment(REPO / "workbooks" / name) == []


@pytest.mark.parametrize("name", WORKBOOKS)
def test_release_has_no_solutions_or_hidden_tests(released_course, name):
    assert not (released_course / "release" / name / "solutions.yml").exists()
    for notebook in (released_course / "release" / name).glob("*.ipynb"):
        text = notebook.read_text()
        for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "wb.grade(", "NotImplementedError"):
            assert secret not in text, (notebook.name, secret)


def _grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


@pytest.mark.parametrize("name", WORKBOOKS)
def test_a_student_sees_tasks_not_their_code_and_no_empty_cells(released_course, name):
    notebook = released_course / "release" / name / f"{name}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tasks = [c for c in code if _grade_id(c).endswith("-task")]
    assert tasks and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in tasks)
    # The code a student who codes edits, and the tables they read, stay in view.
    shown = [c for c in code if not c.metadata.get("jupyter", {}).get("source_hidden")]
    assert any(c.metadata.nbgrader.get("solution") or "read_csv" in c.source for c in shown)
    assert [_grade_id(c) for c in code if not c.source.strip()] == []
    # Every hidden test the source has is left out, and the teacher's release says where.
    source = nbformat.read(REPO / "workbooks" / name / f"{name}.ipynb", as_version=4)
    hidden = [_grade_id(c) for c in source.cells if "BEGIN HIDDEN TESTS" in c.source]
    whole, left_out = with_left_out_cells(nb)
    assert hidden and set(hidden) <= left_out
    assert [_grade_id(c) for c in whole.cells] == [_grade_id(c) for c in source.cells]


def test_only_cells_that_just_show_careerlab_fold_their_code():
    profile = "from careerlab.careers import career_profile, profile_html\n\n"
    assert shows_only_careerlab(profile + 'display(HTML(profile_html(career_profile("13-1161"))))')
    assert shows_only_careerlab('wb.check()\nwb.choice("a", "A", "Pick.", options={"x": "X"})')
    # Code a student who codes reads or needs stays in view: setup, tables, broken code.
    assert not shows_only_careerlab("import pandas as pd\nfrom careerlab import Workbook\nwb = 1")
    assert not shows_only_careerlab('books["net"] = books["revenue"] - books["costs"]\nbooks')
    assert not shows_only_careerlab("print(wb.check())\nos.remove('x')")
    assert not shows_only_careerlab("wb.check(")
    assert not shows_only_careerlab("")


def test_autograde_puts_the_left_out_tests_back_without_a_note(released_course):
    release = nbformat.read(
        released_course / "release" / "first-paycheck" / "first-paycheck.ipynb", as_version=4
    )
    author, left_out = with_left_out_cells(release)
    honest = nbformat.from_dict(json.loads(json.dumps(release)))
    assert restore(honest, author, set(), left_out) == []
    assert [_grade_id(c) for c in honest.cells] == [_grade_id(c) for c in author.cells]
    # A student who deletes a cell they were given still gets it back, with a note.
    deleting = nbformat.from_dict(json.loads(json.dumps(release)))
    deleting.cells = [c for c in deleting.cells if _grade_id(c) != "net-pay-task"]
    notes = restore(deleting, author, set(), left_out)
    assert notes == ["deleted cells put back: 'net-pay-task'"]


@pytest.mark.parametrize("name", WORKBOOKS)
def test_empty_release_runs_top_to_bottom_with_nbval(student_copy, name):
    folder = student_copy(name)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-q",
            "-p",
            "no:cacheprovider",
            *map(str, folder.glob("*.ipynb")),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout
    # Running an empty workbook saves nothing: no answers file appears.
    assert not list(folder.glob("*.answers.json"))


@pytest.mark.parametrize("name", WORKBOOKS)
def test_source_with_solutions_runs_clean_on_a_copy(tmp_path, name):
    folder = tmp_path / name
    shutil.copytree(REPO / "workbooks" / name, folder)
    solutions = load_solutions(folder)
    for notebook in course.notebooks(folder):
        nb = answer(notebook, solutions[notebook.stem])  # raises if any cell errors
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert errors == []


def _write(path, nb):
    nbformat.write(nb, path)


def test_author_checks_name_the_file_and_the_problem(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(REPO / "workbooks" / "first-paycheck", folder)
    notebook = folder / "first-paycheck.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace('Workbook("first-paycheck")', 'Workbook("x")')
    test_cell = next(c for c in nb.cells if "wb.grade(" in c.source)
    test_cell.source = 'wb.grade("net-pay", correct="take-home")'
    _write(notebook, nb)
    (folder / "first-paycheck.answers.json").write_text("{}")
    (folder / "other.ipynb").write_text("{not a notebook")
    (folder / "solutions.yml").write_text("first-paycheck:\n  net-pay: take-home\n")
    problems = "\n".join(check_assignment(folder))
    assert f'{notebook}: needs exactly one line `wb = Workbook("first-paycheck")`' in problems
    assert "must be inside ### BEGIN HIDDEN TESTS" in problems
    assert "an answers file must never be in a workbook folder" in problems
    assert f"{folder / 'other.ipynb'}: not a readable notebook" in problems
    assert (
        "no solution for task(s) gross-pay, fica, total-net, social-security, total-withheld, "
        "percent-withheld, paycheck-plan, self-check, career-fit" in problems
    )


def test_release_refuses_a_broken_workbook(course):
    (course / "workbooks" / "first-paycheck" / "first-paycheck.answers.json").write_text(
        json.dumps({"schema": 1, "answers": {}})
    )
    result = run_app(course, "careerlab", "release", check=False)
    assert result.returncode == 1
    assert "first-paycheck: not released." in result.stderr
    assert not (course / "release" / "first-paycheck").exists()


def test_tryout_copies_are_never_overwritten(released_course):
    run_app(released_course, "careerlab", "try", "--all")
    answers = released_course / "tryout" / "first-paycheck" / "first-paycheck.answers.json"
    answers.write_text("mine")
    result = run_app(released_course, "careerlab", "try", "first-paycheck")
    assert "keeping your copy" in result.stdout
    assert answers.read_text() == "mine"
