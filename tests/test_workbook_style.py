"""The workbook's one stylesheet (careerlab/workbook/style.py and workbook.css).

test_choice_clicks.py shows it working in JupyterLab (options click right, a phone fits,
the styles come back after a reload); these check how it travels and where it ships.
"""

from __future__ import annotations

import fnmatch
import tomllib

import ipywidgets as widgets

from careerlab.workbook.book import SHOWCASE_FOLDER, Workbook
from careerlab.workbook.style import CSS_FILE, STYLE_CLASS, Stylesheet, css

from .conftest import REPO


def test_the_stylesheet_is_a_hidden_widget_with_a_quiet_fallback():
    sheet = Stylesheet()
    # A widget view: JupyterLab sanitizes HTML outputs of untrusted notebooks and drops
    # <style>; a widget's HTML is drawn as it is, wherever the tasks' widgets are.
    assert isinstance(sheet, widgets.HTML)
    assert sheet.value == f"<style>{css()}</style>"
    assert sheet.layout.display == "none"
    assert STYLE_CLASS in sheet._dom_classes
    bundle = sheet._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # nbconvert's pages (Formgrader, feedback) show the <style>, which draws nothing; no
    # "HTML(value=...)" text anywhere.
    assert bundle["text/html"] == sheet.value
    assert bundle["text/plain"] == ""
    assert "</style" not in css().lower()  # the sheet cannot end its own element early
    assert ".careerlab-task .widget-radio-box label" in css()


def test_a_workbook_shows_it_once_and_first(tmp_path, monkeypatch):
    shown: list[object] = []
    monkeypatch.setattr("careerlab.workbook.book.display", shown.append)
    wb = Workbook("demo", folder=tmp_path)
    wb.choice("c", "Pick", "Which?", {"a": "A", "b": "B"})
    wb.number("n", "Hours", "How many?")
    sheets = [item for item in shown if isinstance(item, Stylesheet)]
    assert len(sheets) == 1 and shown[0] is sheets[0]


def test_the_showcase_shows_no_widget_and_no_stylesheet(tmp_path, monkeypatch):
    shown: list[object] = []
    monkeypatch.setattr("careerlab.workbook.book.display", shown.append)
    token = SHOWCASE_FOLDER.set(tmp_path)
    try:
        Workbook("demo", folder=tmp_path).choice("c", "Pick", "Which?", {"a": "A"})
    finally:
        SHOWCASE_FOLDER.reset(token)
    assert not [item for item in shown if isinstance(item, Stylesheet)]


def test_the_css_ships_with_the_package():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["careerlab"]
    relative = CSS_FILE.relative_to(REPO / "extensions" / "careerlab").as_posix()
    assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), patterns
    assert CSS_FILE.is_file()
