"""A standard is claimed only where a task meets it.

``workbook.yml`` lists each standard with the tasks (or, for a writing standard met by
the product, the rubric criteria) that meet it; the catalog checks the shape. Here
``careerlab check`` makes sure every name is a task in the workbook's text or a
criterion of its rubric, so a standard cannot outlive the task that earned it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from careerlab import course
from careerlab.author import build
from careerlab.author.workbook_text import Code
from careerlab.catalog import Project
from careerlab.rubrics.format import Rubric
from careerlab.workbook.tasks import task_call


def task_ids(folder: Path) -> set[str] | None:
    """The tasks a workbook shows: declared in workbook.md (task blocks, or a task shown by
    an author's code block), or in the notebook when there is no text. None when unreadable
    (that is its own problem, reported by the build check)."""
    if build.has_source(folder):
        try:
            text = build.read(folder)
        except build.BuildError:
            return None
        ids = {t.fields.get("id") for t in text.tasks if isinstance(t.fields.get("id"), str)}
        for part in text.parts:
            if isinstance(part, Code):
                ids.update(task_call().findall(part.code))
        return ids
    ids: set[str] = set()
    for path in course.notebooks(folder):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # nbformat raises several types; check_notebook reports it
            return None
        for cell in notebook.cells:
            if cell.cell_type == "code":
                ids.update(task_call().findall(cell.source))
    return ids


def check_standards(folder: Path, project: Project, rubric: Rubric | None) -> list[str]:
    """Every standard naming a task (or criterion) the workbook does not have."""
    tasks = task_ids(folder)
    if tasks is None:
        return []
    criteria = {criterion.id for criterion in rubric.criteria} if rubric else set()
    where = folder / course.METADATA_FILE
    problems = []
    for standard in project.standards:
        for name in standard.tasks:
            if name in tasks or name in criteria:
                continue
            rubric_part = f" nor a criterion of rubric '{rubric.id}'" if rubric else ""
            problems.append(
                f"{where}: standards: {standard.code} names '{name}', which is not a task in "
                f"{course.TEXT_FILE}{rubric_part}. Name the task that meets it "
                f"(tasks: {', '.join(sorted(tasks)) or 'none'}), or remove the standard."
            )
    return problems
