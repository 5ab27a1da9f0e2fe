"""Task kinds, one module each, found by this registry.

Adding a kind is adding one module here (and its test in tests/tasks/): a
``Task`` subclass with its ``kind`` (and ``method``, the Workbook method that
shows it, when that is not the kind's name), and ``TASK = ThatClass`` at the
end. Everything else reads the registry: the Workbook's methods
(``wb.<method>(task_id, title, prompt, ...)``), the author checks
(``task_call``), autograde (which kind a locked cell shows) and feedback (each
task's title). A module here without ``TASK`` is an error, not skipped.

Kind modules import only ``base``, each other's helpers, ``careerlab.html`` and the
rest of the kernel side (``products``, ``charts``, ``answers``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from careerlab.workbook.tasks.base import AnswerError, Check, Task, TaskContext

__all__ = ["AnswerError", "Check", "Task", "TaskContext", "by_method", "kinds", "task_call"]

_NOT_KINDS = {"base"}  # what every kind shares


@cache
def kinds() -> dict[str, type[Task]]:
    """kind -> its Task subclass, from every module in this package (``__path__``)."""
    found: dict[str, type[Task]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name in _NOT_KINDS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        task = getattr(module, "TASK", None)
        if not (isinstance(task, type) and issubclass(task, Task)):
            raise TypeError(f"{module.__name__} is a task kind module without TASK = <its Task>.")
        if task.kind in found:
            raise ValueError(f"Two task kinds are called {task.kind!r}.")
        found[task.kind] = task
    return found


@cache
def by_method() -> dict[str, type[Task]]:
    """Workbook method name -> the Task subclass it shows."""
    found: dict[str, type[Task]] = {}
    for task in kinds().values():
        if task.method in found:
            raise ValueError(f"Two task kinds are shown by wb.{task.method}.")
        found[task.method] = task
    return found


def task_call() -> re.Pattern[str]:
    """``wb.<method>("task-id"`` for every kind: how an author's notebook shows a task."""
    methods = "|".join(sorted(map(re.escape, by_method())))
    return re.compile(rf"""wb\.(?:{methods})\(\s*["']([^"']+)["']""")


def forget() -> None:
    """Find the kinds again (after a folder is added to ``__path__``, as a test does)."""
    kinds.cache_clear()
    by_method.cache_clear()
