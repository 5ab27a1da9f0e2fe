"""The check that every project ends with the student looking back: a self-assessment
against its rubric, and a career-fit reflection (``careerlab check``).

Read from the built notebooks (what students get; ``check_built`` keeps them equal to
workbook.md), named by the file the author edits: workbook.md when the project has one.
"""

from __future__ import annotations

import re
from pathlib import Path

from careerlab import course, project
from careerlab.workbook.tasks import kinds

# kind -> what to add, as the author writes it in workbook.md.
CLOSING_TASKS = {
    "self_assessment": (
        "a self-assessment before turning the work in: a ```{task} self_assessment``` block "
        "(id, title, prompt) after the product task, and its ratings in solutions.yml"
    ),
    "career_fit": (
        "a career-fit reflection at the end: a ```{task} career_fit``` block (id, title, "
        "prompt; answer: 3, points: 1) after the self-assessment, before the progress check, "
        "and its answers in solutions.yml"
    ),
}


def shown_kinds(sources: str) -> set[str]:
    """The task kinds whose ``wb.<method>(`` appears in the notebooks' code."""
    return {
        kind
        for kind, task in kinds().items()
        if re.search(rf"\bwb\.{re.escape(task.method)}\(", sources)
    }


def check_reflection(folder: Path, sources: str) -> list[str]:
    """A problem for each closing task the project lacks. A project without a rubric is
    not asked for a self-assessment: there is nothing to rate its work against."""
    shown = shown_kinds(sources)
    try:
        has_rubric = project.read(folder).rubric is not None
    except project.ProjectFileError:
        has_rubric = False  # the catalog check names the missing or broken workbook.yml
    text = folder / course.TEXT_FILE
    where = text if text.exists() else folder
    return [
        f"{where}: no {kind} task; add {what}."
        for kind, what in CLOSING_TASKS.items()
        if kind not in shown and (kind != "self_assessment" or has_rubric)
    ]
