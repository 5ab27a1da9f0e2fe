"""Showcase and portfolio: a student's finished project as a read-only Voila page.

Owns the showcase page (``page``: built by trusted code from the course's source
notebook and the student's answers as data), its notebook ``showcase.ipynb``
(its URL, ``/voila/render/extensions/careerlab/showcase/showcase.ipynb``, is
public and does not move) and the Voila guard ``voila_pages`` (Voila renders
only the package's own pages). Teacher-server side: it may import the kernel
side (``careerlab.workbook``), ``feedback``, ``rubrics`` and the top-level
modules; nothing in ``careerlab.workbook`` imports it.

This ``__init__`` stays light because jupyter_config.py imports ``voila_pages``
from here in every Jupyter app; the page's names (``show_from_query``,
``showcase_html``...) are still reachable as ``careerlab.showcase.<name>``.
"""

import importlib
from typing import Any

# The names careerlab.showcase had when it was one module (a listed set, so that
# `from careerlab.showcase import voila_pages` never imports the page).
PAGE_NAMES = frozenset(
    {"NOTEBOOK_PATH", "ShowcaseError", "load_workbook", "showcase_html", "workbook_problems"}
    | {"show_from_query"}
)


def __getattr__(name: str) -> Any:
    if name not in PAGE_NAMES:
        raise AttributeError(name)
    # (importlib, not `from . import page`: that would ask this __getattr__ for `page`.)
    page = importlib.import_module("careerlab.showcase.page")
    try:
        return getattr(page, name)
    except AttributeError:
        raise AttributeError(name) from None
