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


class ProblemsError(ValueError):
    """A file an author or a school wrote is wrong (a catalog entry, a rubric, the classroom
    file, sign-in settings): ``problems`` lists every problem at once, in plain words, so
    one run shows all there is to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


__version__ = "0.1.0"
__all__ = ["ProblemsError", "Workbook"]

moved.install()


def __getattr__(name: str) -> Any:
    # Imported lazily: jupyter_config.py imports careerlab.course, and every
    # Jupyter app loading its configuration should not pay for ipywidgets and pandas.
    if name == "Workbook":
        from careerlab.workbook.book import Workbook

        return Workbook
    raise AttributeError(name)
