"""The student's kernel side: everything a workbook notebook imports and runs.

Owns the ``Workbook`` object a notebook talks to (``book``), the answers file
(``answers``), the task kinds (``tasks``, one module each, found by its
registry), declared analysis steps (``analysis_steps``: a data question's step
menus, ``step_menus``, and the build's code paths), the professional products (``products``), charts
drawn from stored choices (``charts``), career profiles with BLS wages (``careers`` and its
``data/``), the column labels and time column of a data file's datasheet
(``datasheet``), how time values are put in order (``timeline``), the
JupyterLab keys override (``keyboard`` and ``lab-settings/``) and the widgets' one
stylesheet (``style`` and ``workbook.css``).

It runs inside a student's kernel (and in the grader's fork of it), so it may
import only itself and the top-level leaves ``careerlab.course``,
``careerlab.html`` and ``careerlab.project``, plus the rubric format
(``careerlab.rubrics.format``, plain data) — never teacher-server code
(autograde, grading page, feedback, levels, export...). tests/test_architecture.py
enforces this.

This ``__init__`` stays light (jupyter_config.py reaches ``answers`` through
``careerlab.course``): ``Workbook`` and the other names of the old
``careerlab.workbook`` module are imported from ``book`` on first use.
"""

import importlib
from typing import Any

__all__ = ["Workbook"]
# The names of the old careerlab.workbook module, now in book (a listed set, so that
# `from careerlab.workbook import answers` never imports ipywidgets).
BOOK_NAMES = frozenset({"Workbook", "SHOWCASE_FOLDER", "ScratchStore"})


def __getattr__(name: str) -> Any:
    if name not in BOOK_NAMES:
        raise AttributeError(name)
    # importlib, not `from . import book`: that would ask this __getattr__ for `book`.
    book = importlib.import_module("careerlab.workbook.book")
    try:
        return getattr(book, name)
    except AttributeError:
        raise AttributeError(name) from None
