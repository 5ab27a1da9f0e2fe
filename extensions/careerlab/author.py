"""Checks an author runs before releasing: a broken workbook fails here, loudly,
naming the file and the problem, instead of in class."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from careerlab import course
from careerlab.answers import ANSWERS_SUFFIX
from careerlab.course import SOLUTIONS_FILE
from careerlab.simulate import load_solutions

TASK_CALL = re.compile(
    r"""wb\.(?:choice|number|short_text|long_text|data_analysis)\(\s*["']([^"']+)["']"""
)
WORKBOOK_CALL = re.compile(r"""^wb\s*=\s*Workbook\(\s*["']([^"']+)["']\s*\)""", re.MULTILINE)
MAX_DATA_BYTES = 5_000_000  # what a notebook loads stays small, so grading stays fast


def check_assignment(folder: Path) -> list[str]:
    """Every problem found in one workbook folder, each naming its file."""
    problems: list[str] = []
    notebooks = course.notebooks(folder)
    if not notebooks:
        problems.append(f"{folder}: no notebook in this workbook folder.")
    for stray in folder.rglob(f"*{ANSWERS_SUFFIX}"):
        problems.append(
            f"{stray}: an answers file must never be in a workbook folder "
            "(nbgrader would give it to every student). Delete it."
        )
    for data in folder.rglob("*"):
        if data.is_file() and data.suffix != ".ipynb" and data.stat().st_size > MAX_DATA_BYTES:
            problems.append(f"{data}: {data.stat().st_size:,} bytes; keep data under 5 MB.")
    try:
        solutions = load_solutions(folder)
    except Exception as error:  # a YAML error names the line; pass it on
        problems.append(f"{folder / SOLUTIONS_FILE}: not readable ({error}).")
        solutions = {}
    for notebook in notebooks:
        problems.extend(check_notebook(notebook, solutions.get(notebook.stem)))
    return problems


def check_notebook(path: Path, solutions: dict | None = None) -> list[str]:
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for broken files
        return [f"{path}: not a readable notebook ({error})."]
    problems = []
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    ids = WORKBOOK_CALL.findall(sources)
    if ids != [path.stem]:
        problems.append(
            f'{path}: needs exactly one line `wb = Workbook("{path.stem}")` '
            f"(the id must be the notebook's name); found {ids or 'none'}."
        )
    tasks = TASK_CALL.findall(sources)
    for task_id in sorted({t for t in tasks if tasks.count(t) > 1}):
        problems.append(f"{path}: task id {task_id!r} is shown twice.")
    missing = [t for t in tasks if t not in (solutions or {})]
    if missing:
        problems.append(
            f"{path.parent / SOLUTIONS_FILE}: no solution for task(s) {', '.join(missing)} "
            f"of {path.name} (what a fully correct student enters)."
        )
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells, start=1):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if grade_id in seen:
            problems.append(f"{path}: cell {index}: grade id {grade_id!r} is used twice.")
        seen.add(grade_id)
        if meta.get("grade") and not (meta.get("points") or 0) > 0:
            problems.append(f"{path}: cell {index} ({grade_id}): a graded cell needs points.")
        if meta.get("grade") and not meta.get("solution") and "wb.grade(" in cell.source:
            if "### BEGIN HIDDEN TESTS" not in cell.source:
                problems.append(
                    f"{path}: cell {index} ({grade_id}): wb.grade(...) must be inside "
                    "### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS, or students see the key."
                )
    return problems


def check_course(root: Path) -> list[str]:
    problems = []
    for assignment in course.assignments(root):
        problems.extend(check_assignment(assignment))
    release = root / course.RELEASE_DIRECTORY
    if release.is_dir():
        for stray in release.rglob(f"*{ANSWERS_SUFFIX}"):
            problems.append(f"{stray}: an answers file must never be in release/. Delete it.")
    return problems
