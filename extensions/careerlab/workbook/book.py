"""The object a workbook notebook talks to: ``wb = Workbook("first-paycheck")``.

It opens the answers file beside the notebook, creates each task with the answer
stored for it, shows the task's widget, and answers the hidden tests' questions
(``wb.grade``). Students never need to call anything but ``wb.record`` (the code
path of a data task) and ``wb.check`` (the live progress list, careerlab.workbook.progress).
"""

from __future__ import annotations

import inspect
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from IPython.display import HTML, display

from careerlab.course import is_course_folder
from careerlab.html import escape
from careerlab.workbook import tasks
from careerlab.workbook.answers import TASK_ID, AnswersStore, Loaded, answers_filename
from careerlab.workbook.progress import (
    NotAnswered,
    ProgressView,
    not_answered_message,
    progress,
    validating,
)
from careerlab.workbook.style import Stylesheet
from careerlab.workbook.tasks.base import Task, TaskContext

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
        if not self.read_only:  # the widgets' styles, before anything they style
            display(Stylesheet())
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
        # What a task may use of its workbook (tasks never see the Workbook itself).
        self.context = TaskContext(
            store=self.store, folder=self.folder, task=self.tasks.get, saved=self._saved
        )
        self.progress_view: ProgressView | None = None  # made by the first wb.check()
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

    def __getattr__(self, name: str) -> Any:
        # wb.choice(...), wb.self_assess(...), ...: one method per task kind, from the
        # registry (careerlab.workbook.tasks), so a new kind needs no edit here.
        kind = tasks.by_method().get(name)
        if kind is None:
            raise AttributeError(f"'Workbook' object has no attribute {name!r}")

        def show(task_id: str, title: str, prompt: str, *args: Any, **options: Any) -> None:
            self._add(kind(self.context, task_id, title, prompt, *args, **options))

        show.__name__ = show.__qualname__ = name
        show.__doc__ = kind.__doc__
        signature = inspect.signature(kind.__init__)
        # Without self and context: what the notebook passes.
        show.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=list(signature.parameters.values())[2:]
        )
        return show

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *tasks.by_method()})

    def __getitem__(self, task_id: str) -> Task:
        return self.tasks[task_id]

    # What students call ----------------------------------------------------------
    def record(self, task_id: str, value: Any) -> None:
        """Store the answer a student's own code computed for a data task. Never raises."""
        task = self.tasks.get(task_id)
        record = getattr(task, "record", None)  # the kinds whose answer a student's code gives
        if not callable(record):
            _notice(f"There is no data question called '{task_id}' in this workbook.", problem=True)
            return
        record(value)

    def check(self) -> None:
        """Show which tasks are answered, redrawn after every save. Never raises while a
        student works; under nbgrader's Validate it fails naming the tasks left."""
        if self.progress_view is None:
            self.progress_view = ProgressView()
        self.progress_view.show(self.tasks.values())
        if not self.read_only:
            display(self.progress_view)
        found = progress(self.tasks.values())
        if found.left and validating():
            raise NotAnswered(not_answered_message(found))

    def _saved(self, task: Task) -> None:
        if self.progress_view is not None:
            self.progress_view.show(self.tasks.values())

    # What nbgrader's hidden tests call -------------------------------------------------
    def grade(self, task_id: str, **key: Any) -> None:
        """Assert that a task's stored answer matches the key. For hidden tests only."""
        task = self.tasks.get(task_id)
        assert task is not None, f"Task '{task_id}' was not shown, so it has no answer."
        result = task.check(task.Key(**key))
        assert result.correct, result.message
