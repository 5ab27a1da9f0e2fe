"""The object a workbook notebook talks to: ``wb = Workbook("first-paycheck")``.

It opens the answers file beside the notebook, creates each task with the answer
stored for it, shows the task's widget, and answers the hidden tests' questions
(``wb.grade``). Students never need to call anything but ``wb.record`` (the code
path of a data task) and ``wb.check`` (a friendly progress report).
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from IPython.display import HTML, display

from careerlab.course import is_course_folder
from careerlab.workbook.answers import TASK_ID, AnswersStore, Loaded, answers_filename
from careerlab.workbook.tasks import (
    ChartTask,
    ChoiceTask,
    DataAnalysisTask,
    LongTextTask,
    ProductTask,
    Task,
)
from careerlab.workbook.tasks.base import escape
from careerlab.workbook.tasks.number import NumberTask
from careerlab.workbook.tasks.self_assessment import SelfAssessmentTask
from careerlab.workbook.tasks.short_text import ShortTextTask

# Set by the showcase while it runs a workbook's trusted cells: every Workbook
# then reads that folder's answers as data, saves nothing and shows no widget.
SHOWCASE_FOLDER: ContextVar[Path | None] = ContextVar("careerlab_showcase_folder", default=None)


class ScratchStore:
    """Answers kept in memory only, for a workbook opened inside ``workbooks/`` or ``release/``."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def load(self) -> Loaded:
        return Loaded(entries=dict(self.entries))

    def save(self, task_id: str, kind: str, value: Any, **extra: Any) -> None:
        self.entries[task_id] = {"kind": kind, "value": value, **extra}


def _notice(text: str, *, problem: bool) -> None:
    css = "careerlab-notice careerlab-problem" if problem else "careerlab-notice"
    prefix = "Problem: " if problem else "Note: "
    display(HTML(f'<div class="{css}" role="status">{escape(prefix + text)}</div>'))


class Workbook:
    def __init__(self, workbook_id: str, folder: str | os.PathLike[str] | None = None) -> None:
        if not TASK_ID.match(workbook_id):
            raise ValueError(f"{workbook_id!r} is not a valid workbook id (use a-z, 0-9 and -).")
        self.id = workbook_id
        self.folder = Path(folder) if folder is not None else Path.cwd()
        self.tasks: dict[str, Task] = {}
        self.read_only = SHOWCASE_FOLDER.get() is not None
        if self.read_only:
            self.folder = SHOWCASE_FOLDER.get()
            self.store = AnswersStore(self.folder / answers_filename(workbook_id), workbook_id)
        elif is_course_folder(self.folder):
            self.store: AnswersStore | ScratchStore = ScratchStore()
            _notice(
                "This is the course's own copy of the workbook, so answers are kept only until "
                "the kernel restarts. To try it as a student does, run "
                "`careerlab try ASSIGNMENT` and open the copy it makes.",
                problem=False,
            )
        else:
            self.store = AnswersStore(self.folder / answers_filename(workbook_id), workbook_id)
        self.loaded = self.store.load()
        for problem in self.loaded.problems:
            _notice(problem + self._unreadable_hint(), problem=True)

    def _unreadable_hint(self) -> str:
        if not self.loaded.unreadable:
            return ""
        return (
            " Nothing has been deleted: when you answer again, the old file is kept beside "
            "the notebook (named …damaged…) so your teacher can look at it."
        )

    # Defining tasks: each shows its widget with the stored answer -----------------
    def _add(self, task: Task) -> None:
        if not TASK_ID.match(task.id):
            raise ValueError(f"{task.id!r} is not a valid task id (use a-z, 0-9 and -).")
        task.restore(self.loaded.entries.get(task.id))
        self.tasks[task.id] = task
        if not self.read_only:
            display(task.build_view())

    def choice(self, task_id: str, title: str, prompt: str, options: dict[str, str]) -> None:
        self._add(ChoiceTask(self, task_id, title, prompt, options))

    def number(self, task_id: str, title: str, prompt: str, **options: Any) -> None:
        self._add(NumberTask(self, task_id, title, prompt, **options))

    def short_text(self, task_id: str, title: str, prompt: str, **options: Any) -> None:
        self._add(ShortTextTask(self, task_id, title, prompt, **options))

    def long_text(self, task_id: str, title: str, prompt: str, **options: Any) -> None:
        self._add(LongTextTask(self, task_id, title, prompt, **options))

    def data_analysis(self, task_id: str, title: str, prompt: str, **options: Any) -> None:
        self._add(DataAnalysisTask(self, task_id, title, prompt, **options))

    def chart(self, task_id: str, title: str, prompt: str, **options: Any) -> None:
        self._add(ChartTask(self, task_id, title, prompt, **options))

    def product(self, task_id: str, title: str, prompt: str, **options: Any) -> None:
        self._add(ProductTask(self, task_id, title, prompt, **options))

    def self_assess(self, task_id: str, title: str, prompt: str) -> None:
        """The student rates their work against the rubric's "I can" statements."""
        self._add(SelfAssessmentTask(self, task_id, title, prompt))

    def __getitem__(self, task_id: str) -> Task:
        return self.tasks[task_id]

    # What students call ----------------------------------------------------------
    def record(self, task_id: str, value: Any) -> None:
        """Store the answer a student's own code computed for a data task. Never raises."""
        task = self.tasks.get(task_id)
        if not isinstance(task, DataAnalysisTask):
            _notice(f"There is no data question called '{task_id}' in this workbook.", problem=True)
            return
        task.record(value)

    def check(self) -> None:
        """Show which tasks are answered. Friendly, and never raises."""
        rows = []
        for task in self.tasks.values():
            if task.problem:
                state = f"⚠ needs a new answer: {task.problem}"
            elif task.value is None or task.value == "":
                state = "○ not answered yet"
            else:
                state = "✓ answered"
            rows.append(f"<li><strong>{escape(task.title)}</strong>: {escape(state)}</li>")
        done = sum(1 for t in self.tasks.values() if t.value not in (None, "") and not t.problem)
        display(
            HTML(
                f'<div class="careerlab-progress" role="status"><p>{done} of {len(self.tasks)} '
                f"tasks answered.</p><ul>{''.join(rows)}</ul></div>"
            )
        )

    # What nbgrader's hidden tests call -------------------------------------------------
    def grade(self, task_id: str, **key: Any) -> None:
        """Assert that a task's stored answer matches the key. For hidden tests only."""
        task = self.tasks.get(task_id)
        assert task is not None, f"Task '{task_id}' was not shown, so it has no answer."
        result = task.check(task.Key(**key))
        assert result.correct, result.message
