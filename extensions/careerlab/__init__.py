"""CareerLab: career-connected learning workbooks for JupyterLab and nbgrader."""

from typing import Any

__version__ = "0.1.0"
__all__ = ["Workbook"]


def __getattr__(name: str) -> Any:
    # Imported lazily: jupyter_config.py imports careerlab.course, and every
    # Jupyter app loading its configuration should not pay for ipywidgets and pandas.
    if name == "Workbook":
        from careerlab.workbook import Workbook

        return Workbook
    raise AttributeError(name)
