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
import functools
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.orm import Session

from careerlab import course
from careerlab.rubrics.levels import CELL_PREFIX, engine, grade_rows
from careerlab.workbook import tasks

MAX_MESSAGE_CHARS = 400
MAX_HINT_CHARS = 300
HINT = re.compile(r"<details>\s*<summary>\s*Hint[^<]*</summary>(.*?)</details>", re.I | re.S)


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


def source_notebook(coursedir: CourseDirectory, assignment: str, notebook: str) -> Path:
    """The author's notebook in the course (trusted: never a student's copy)."""
    return Path(coursedir.root) / course.SOURCE_DIRECTORY / assignment / f"{notebook}.ipynb"


def _plain(markdown: str) -> str:
    """Markdown and inline HTML as one line of plain text (the page escapes it)."""
    text = re.sub(r"<[^>]*>", " ", markdown)
    text = re.sub(r"`|\*\*", "", html.unescape(text))  # code and bold marks; `a_b` stays
    return " ".join(text.split())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def look_again_notes(source: Path) -> dict[str, str]:
    """{task id: what to look at again}, read from the author's notebook without running it:
    the part of the workbook the task is in (its heading), the task's question, and the
    workbook's own hint for it (a "Hint" box between the previous test and this task's
    test, which the student already had; never the teacher guide, which holds the key)."""
    if not source.exists():
        return {}
    shown_by = tasks.by_method()
    notes: dict[str, str] = {}
    heading, hints, block = "", [], []  # block: (task, heading, prompt) since the last test
    for cell in nbformat.read(source, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    heading = _plain(line.lstrip("#"))
                    break
            hints += [_plain(found) for found in HINT.findall(cell.source)]
            continue
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        calls = [(_wb_method(call), _literal_args(call)) for call in _calls(cell.source)]
        for method, args in calls:
            if method in shown_by and args:
                block.append((args[0], heading, args[2] if len(args) > 2 else ""))
        if meta.get("grade") and not meta.get("solution"):
            hint = " ".join(hints)
            for task, where, prompt in block:
                note = f"Look again at “{where}”:" if where else "Look again at"
                note += f" {prompt}" if prompt else " this task."
                if hint:
                    note += f" Hint: {_cut(hint, MAX_HINT_CHARS)}"
                notes.setdefault(task, note)
            hints, block = [], []
    return notes


def failure_messages(autograded_notebook: Path) -> dict[str, str]:
    """{grade id: message} for each test cell that failed, from its error output."""
    if not autograded_notebook.exists():
        return {}
    # Read as plain JSON: nbformat's schema check of a notebook with its outputs takes
    # longer than everything else the grading page does for a submission. nbgrader wrote
    # it; anything not shaped as expected is skipped below.
    nb = json.loads(autograded_notebook.read_text(encoding="utf-8"))
    if not isinstance(nb, dict) or nb.get("nbformat") != 4:
        nb = nbformat.read(autograded_notebook, as_version=4)
    messages = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        outputs = cell.get("outputs") if isinstance(grade_id, str) else None
        for output in outputs if isinstance(outputs, list) else []:
            if not isinstance(output, dict) or output.get("output_type") != "error":
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


@functools.lru_cache(maxsize=16)
def _read_tasks(source: str, stamp: course.FileStamp) -> tuple[dict[str, str], dict[str, str]]:
    """read_tasks, once per version of the author's notebook (``stamp``): the grading page
    asks for every submission. Read only, by every caller."""
    return read_tasks(Path(source)) if stamp != ((),) else ({}, {})


def results(
    coursedir: CourseDirectory, assignment: str, notebook: str, student: str
) -> list[TaskResult]:
    """Each autograded test of one submission, in the notebook's order."""
    source = source_notebook(coursedir, assignment, notebook)
    titles, tests = _read_tasks(str(source), course.file_stamp(source))
    graded = course.work_folder(coursedir, coursedir.autograded_directory, student, assignment)
    messages = failure_messages(graded / f"{notebook}.ipynb")
    order = {grade_id: index for index, grade_id in enumerate(tests)}
    found = []
    with Session(engine(coursedir)) as session:
        for grade in grade_rows(session, assignment, notebook, student):
            data = grade._asdict()
            if data["cell_type"] != "code" or data["name"].startswith(CELL_PREFIX):
                continue
            if not data["max_score"]:
                continue  # a zero-point test (the progress check Validate runs) is no score
            task = tests.get(data["name"])
            points = float(data["score"] or 0)
            max_points = float(data["max_score"] or 0)
            passed = max_points > 0 and points >= max_points
            title = titles.get(task or "", task or data["name"])
            if passed:
                message = "Correct."  # even if a grader overrode a failed test
            else:
                message = messages.get(data["name"]) or f"{points:g} of {max_points:g} points."
            found.append(TaskResult(data["name"], task, title, points, max_points, passed, message))
    return sorted(found, key=lambda r: (order.get(r.cell, len(order)), r.cell))
