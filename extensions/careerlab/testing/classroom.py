"""A class of submissions for tests and benchmarks: correct, partial, wrong and empty work.

Each kind is built once per assignment and copied to as many students as
needed, since grading, not answering, is what is being measured.

- correct: every solution cell holds the author's solution (``### BEGIN
  SOLUTION`` markers dropped) and, for a CareerLab workbook, the widgets are
  answered from ``solutions.yml`` through their own code (``careerlab.testing.simulate``).
- partial: the correct work with every other solution cell back to its stub and
  every other saved answer left out.
- wrong: solution cells that print to stderr and raise, and saved answers whose
  values are changed (numbers off, texts and choices replaced).
- empty: the released notebook as the student received it.

Works for any nbgrader course; only CareerLab workbooks have answers files.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import nbformat

from careerlab.testing.simulate import answer, load_solutions
from careerlab.workbook.answers import answers_filename

KINDS = ("correct", "partial", "wrong", "empty")
WRONG_CODE = (
    "import sys\n"
    'print("checking my answer", file=sys.stderr)\n'
    'raise ValueError("this answer is wrong")\n'
)
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _solution_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def solution_sources(source_notebook: Path) -> dict[str, str]:
    """grade_id -> the author's solution, as a student who got it right would type it."""
    notebook = nbformat.read(source_notebook, as_version=4)
    return {
        cell.metadata.nbgrader["grade_id"]: "\n".join(
            line for line in cell.source.splitlines() if line.strip() not in MARKERS
        )
        for cell in _solution_cells(notebook)
    }


def _set_sources(path: Path, sources: dict[str, str]) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in _solution_cells(notebook):
        grade_id = cell.metadata.nbgrader["grade_id"]
        if grade_id in sources:
            cell.source = sources[grade_id]
    nbformat.write(notebook, path)


def _wrong_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 3 + 17
    if isinstance(value, str):
        return "not the answer"
    if isinstance(value, dict):
        return {key: _wrong_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return []
    return value


def _rewrite_answers(path: Path, change: Any) -> None:
    if not path.exists():
        return
    document = json.loads(path.read_text(encoding="utf-8"))
    document["answers"] = change(document.get("answers", {}))
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def build_kinds(release: Path, source: Path, out: Path) -> dict[str, Path]:
    """Build each kind of submission of one assignment once, as ``out/<kind>/``."""
    solutions = load_solutions(source)
    notebooks = sorted(p.name for p in release.glob("*.ipynb"))
    sources = {name: solution_sources(source / name) for name in notebooks}
    folders = {}
    for kind in KINDS:
        folders[kind] = out / kind
        if folders[kind].exists():
            shutil.rmtree(folders[kind])
        shutil.copytree(release, folders[kind])

    for name in notebooks:
        stem = name[: -len(".ipynb")]
        correct = folders["correct"] / name
        code = {k: v for k, v in sources[name].items()}
        if stem in solutions:
            # Widgets and code paths answered in a real kernel, as a student does.
            answer(correct, solutions[stem], code=code)
        else:
            _set_sources(correct, code)

        # partial: every other solution back to its stub, every other answer dropped.
        shutil.copy(correct, folders["partial"] / name)
        stubs = {
            c.metadata.nbgrader["grade_id"]: c.source
            for c in _solution_cells(nbformat.read(release / name, as_version=4))
        }
        _set_sources(
            folders["partial"] / name, {k: stubs[k] for k in list(code)[1::2] if k in stubs}
        )
        answers = answers_filename(stem)
        if (folders["correct"] / answers).exists():
            shutil.copy(folders["correct"] / answers, folders["partial"] / answers)
            _rewrite_answers(
                folders["partial"] / answers,
                lambda entries: {
                    k: v for i, (k, v) in enumerate(sorted(entries.items())) if i % 2 == 0
                },
            )
            shutil.copy(folders["correct"] / answers, folders["wrong"] / answers)
            _rewrite_answers(
                folders["wrong"] / answers,
                lambda entries: {
                    k: {**v, "value": _wrong_value(v.get("value"))} for k, v in entries.items()
                },
            )
        # wrong: code cells that fail (markdown answers get a wrong sentence).
        notebook = nbformat.read(folders["wrong"] / name, as_version=4)
        for cell in _solution_cells(notebook):
            cell.source = WRONG_CODE if cell.cell_type == "code" else "I do not know."
        nbformat.write(notebook, folders["wrong"] / name)
    return folders


def class_kinds(size: int) -> dict[str, str]:
    """Student ids and the kind of work each hands in: an even mix, in a fixed order."""
    return {f"student-{i + 1:03d}": KINDS[i % len(KINDS)] for i in range(size)}


def enroll(
    folders: dict[str, Path], submitted: Path, assignment: str, students: dict[str, str]
) -> None:
    """Copy each student's kind of work into nbgrader's ``submitted/<student>/<assignment>/``."""
    for student, kind in students.items():
        target = submitted / student / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folders[kind], target)


def gradebook_grades(database: Path) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """Every grade and submission total in a gradebook, to compare two graders' work.

    Keys are ``(assignment, student)`` for totals and ``(assignment, student,
    notebook, cell)`` for grades; values are what nbgrader stores."""
    from nbgrader.api import Gradebook

    with sqlite3.connect(database) as connection:
        (course_id,) = connection.execute("SELECT id FROM course").fetchone()
    found: dict[tuple[str, ...], tuple[Any, ...]] = {}
    with Gradebook(f"sqlite:///{database}", course_id) as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                student = submission.student.id
                found[(assignment.name, student)] = (submission.score, submission.max_score)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        found[(assignment.name, student, notebook.name, grade.name)] = (
                            grade.auto_score,
                            grade.manual_score,
                            grade.needs_manual_grade,
                        )
    return found
