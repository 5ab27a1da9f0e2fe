"""What autograde found, task by task, in student language.

The score of each hidden-test cell comes from nbgrader's gradebook; the reason a
test failed is the assertion message ``wb.grade`` wrote for the student (in the
autograded notebook's error output). The test's source, and so the key, is
never read out: only the message of an AssertionError is used, and every other
error is reported by its type alone. Which task a test checks, and the task's
title, are read from the course's own source notebook without running it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory

from careerlab import course
from careerlab.rubrics.levels import CELL_PREFIX
from careerlab.workbook import tasks

MAX_MESSAGE_CHARS = 400


@dataclass(frozen=True)
class TaskResult:
    cell: str  # the test cell's grade id
    task: str | None  # the task it checks, if it calls wb.grade("<task>", ...)
    title: str  # the task's title, for people
    points: float
    max_points: float
    passed: bool
    message: str  # in student language; never the test's source

    def as_data(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "task": self.task,
            "title": self.title,
            "points": self.points,
            "max_points": self.max_points,
            "passed": self.passed,
            "message": self.message,
        }


def _calls(source: str) -> list[ast.Call]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _wb_method(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr if func.value.id == "wb" else None
    return None


def _literal_args(call: ast.Call) -> list[str]:
    args = []
    for arg in call.args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            break
        args.append(arg.value)
    return args


def read_tasks(source_notebook: Path) -> tuple[dict[str, str], dict[str, str]]:
    """({task id: title}, {test cell grade id: task id}) from the author's notebook."""
    nb = nbformat.read(source_notebook, as_version=4)
    titles: dict[str, str] = {}
    tests: dict[str, str] = {}
    shown_by = tasks.by_method()  # the Workbook methods that show a task
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        for call in _calls(cell.source):
            method, args = _wb_method(call), _literal_args(call)
            if method in shown_by and len(args) >= 2:
                titles[args[0]] = args[1]
            elif method == "grade" and args and meta.get("grade") and meta.get("grade_id"):
                tests.setdefault(meta["grade_id"], args[0])
    return titles, tests


def failure_messages(autograded_notebook: Path) -> dict[str, str]:
    """{grade id: message} for each test cell that failed, from its error output."""
    if not autograded_notebook.exists():
        return {}
    nb = nbformat.read(autograded_notebook, as_version=4)
    messages = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []) if grade_id else []:
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "AssertionError" and str(output.get("evalue", "")).strip():
                text = str(output["evalue"]).strip()
            elif output.get("ename") == "AssertionError":
                text = "Not correct yet."
            else:
                text = f"The check could not run ({str(output.get('ename'))[:60]})."
            if len(text) > MAX_MESSAGE_CHARS:
                text = text[: MAX_MESSAGE_CHARS - 1] + "…"
            messages[grade_id] = text
    return messages


def results(
    coursedir: CourseDirectory, assignment: str, notebook: str, student: str
) -> list[TaskResult]:
    """Each autograded test of one submission, in the notebook's order."""
    source = Path(coursedir.root) / course.SOURCE_DIRECTORY / assignment / f"{notebook}.ipynb"
    titles, tests = read_tasks(source) if source.exists() else ({}, {})
    graded = course.work_folder(coursedir, coursedir.autograded_directory, student, assignment)
    messages = failure_messages(graded / f"{notebook}.ipynb")
    order = {grade_id: index for index, grade_id in enumerate(tests)}
    found = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        try:
            submission = gradebook.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return []
        for grade in submission.grades:
            data = grade.to_dict()
            if data["cell_type"] != "code" or data["name"].startswith(CELL_PREFIX):
                continue
            task = tests.get(data["name"])
            points = float(grade.score or 0)
            max_points = float(data["max_score"] or 0)
            passed = max_points > 0 and points >= max_points
            title = titles.get(task or "", task or data["name"])
            if passed:
                message = "Correct."  # even if a grader overrode a failed test
            else:
                message = messages.get(data["name"]) or f"{points:g} of {max_points:g} points."
            found.append(TaskResult(data["name"], task, title, points, max_points, passed, message))
    return sorted(found, key=lambda r: (order.get(r.cell, len(order)), r.cell))
