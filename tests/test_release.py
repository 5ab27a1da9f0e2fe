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
