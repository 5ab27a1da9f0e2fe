"""How far a student is: which tasks are answered, by each kind's one rule
(``Task.still_to_do``), as a list that follows every save, and the check nbgrader's
Validate runs.

A workbook's last cell calls ``wb.check()``. It shows the list in a widget the workbook
redraws after each save, so it never says "0 of 10" after ten answers. When nbgrader
validates the notebook (``NBGRADER_VALIDATING``, set by Validate and never by autograde)
it fails, naming each task not answered yet and what is left. ``careerlab build`` makes
that cell a test worth zero points, which is what Validate checks; no score changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.tasks.base import Task

# What the progress cell holds; the build makes the cell with exactly this a zero-point test.
CHECK_SOURCE = "wb.check()"


@dataclass(frozen=True)
class Progress:
    """Each task in the workbook's order, with what is left to do (None: answered)."""

    rows: list[tuple[Task, str | None]]

    @property
    def answered(self) -> int:
        return sum(1 for _, left in self.rows if left is None)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def left(self) -> list[tuple[Task, str]]:
        return [(task, left) for task, left in self.rows if left is not None]

    def as_data(self) -> dict[str, Any]:
        """What the grading page and the export show: the count and the tasks left."""
        return {
            "answered": self.answered,
            "total": self.total,
            "not_answered": [task.id for task, _ in self.left],
        }


def progress(tasks: Iterable[Task]) -> Progress:
    return Progress([(task, task.to_do()) for task in tasks])


def progress_html(found: Progress) -> str:
    rows = []
    for task, left in found.rows:
        if left is None:
            state = "✓ answered"
        elif task.problem:
            state = f"⚠ needs a new answer: {task.problem}"
        else:
            state = f"○ not answered yet: {left}"
        rows.append(f"<li><strong>{escape(task.title)}</strong>: {escape(state)}</li>")
    return (
        f'<div class="careerlab-progress" role="status"><p>{found.answered} of '
        f"{found.total} tasks answered.</p><ul>{''.join(rows)}</ul></div>"
    )


class ProgressView(widgets.HTML):
    """The live list. Its bundle carries the same HTML for nbconvert's pages, which have
    no widget state (as a task's view does)."""

    def show(self, tasks: Iterable[Task]) -> None:
        self.value = progress_html(progress(tasks))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.value
        return bundle


def validating() -> bool:
    """Whether nbgrader's Validate is running this notebook (its Validator sets this)."""
    return os.environ.get("NBGRADER_VALIDATING") == "1"


class NotAnswered(AssertionError):
    """Validate's failure, in the student's words. IPython shows ``_render_traceback_``
    instead of a Python traceback, so Validate's report is the message alone."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def not_answered_message(found: Progress) -> str:
    lines = [
        f"Not finished yet: {len(found.left)} of {found.total} tasks are not answered.",
        *(f"- {task.title}: {left}" for task, left in found.left),
        "Answer them, save the notebook, and validate again.",
    ]
    return "\n".join(lines)
