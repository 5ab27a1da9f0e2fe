"""CareerLab: career-connected learning workbooks for JupyterLab and nbgrader.

The package is laid out like the workflow, a subpackage per stage
(docs/architecture.md draws it and states what may import what): ``author``,
``catalog``, ``exchange``, ``workbook`` (the student's kernel side), ``autograde``,
``rubrics``, ``grading_page``, ``feedback``, ``showcase``, ``district``,
``sanitize``, ``testing``; beside them only ``cli``, ``course``, ``html``,
``project`` and ``moved`` (the old dotted names, kept working).
"""

from typing import Any

from careerlab import moved

__version__ = "0.1.0"
__all__ = ["Workbook"]

moved.install()


def __getattr__(name: str) -> Any:
    # Imported lazily: jupyter_config.py imports careerlab.course, and every
    # Jupyter app loading its configuration should not pay for ipywidgets and pandas.
    if name == "Workbook":
        from careerlab.workbook.book import Workbook

        return Workbook
    raise AttributeError(name)
