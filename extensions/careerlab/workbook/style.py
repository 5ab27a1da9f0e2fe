"""The workbook's look: the one stylesheet for every task's widgets (``workbook.css``).

A ``Workbook`` shows it once, as the first thing its cell displays. It travels inside an
ipywidgets HTML widget rather than as an HTML output because JupyterLab sanitizes the HTML
outputs of an untrusted notebook and drops every ``<style>`` there; a widget view is drawn
from the kernel wherever the tasks' own widgets are (JupyterLab, Voila, after a page reload),
so the styles are present exactly when the widgets they style are. The widget itself is
hidden: a ``<style>`` applies whether or not its element is displayed.

Other kinds add their rules to workbook.css (scoped to a CareerLab class, with a comment
saying why) rather than setting inline styles in Python.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import ipywidgets as widgets

CSS_FILE = Path(__file__).resolve().parent / "workbook.css"
STYLE_CLASS = "careerlab-style"


@cache
def css() -> str:
    """The stylesheet's text (read once per process: it ships with the package)."""
    return CSS_FILE.read_text(encoding="utf-8")


def style_html() -> str:
    return f"<style>{css()}</style>"


class Stylesheet(widgets.HTML):
    """The hidden widget that carries the stylesheet. Its bundle's text/html is the same
    ``<style>`` (invisible in nbconvert's pages, removed by JupyterLab's sanitizer when the
    notebook is untrusted) and its text/plain is empty, so no other view shows noise."""

    def __init__(self) -> None:
        super().__init__(value=style_html(), layout=widgets.Layout(display="none"))
        self.add_class(STYLE_CLASS)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = style_html()
            bundle["text/plain"] = ""
        return bundle
