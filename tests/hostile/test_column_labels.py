"""Column labels come from a datasheet in the student's folder, which the student can edit:
a label with markup stays text wherever it is shown (the menus' table, the result, the
answer a teacher grades, a chart's picture and its alt text), and a label that is not a
label (too long) is not used.
"""

from __future__ import annotations

import pandas as pd
import pytest

from careerlab.workbook import charts
from careerlab.workbook.book import Workbook
from careerlab.workbook.datasheet import MAX_LABEL_CHARS, ColumnNames

from ..student_data import DATA, SHEET, copy_neighborhoods, rent_and_traffic_chart

MARKUP = '<img src=x onerror="alert(1)">'
MATH = "$x_{$"  # matplotlib's math markup, unbalanced: it fails to draw if parsed


@pytest.fixture
def folder(tmp_path):
    copy_neighborhoods(tmp_path)
    path = tmp_path / SHEET
    text = path.read_text(encoding="utf-8")
    for old, new in [
        ("{label: Weekday foot traffic, unit: people a day}", f"{{label: '{MARKUP}'}}"),
        ("{label: Neighborhood}", "{label: '<script>alert(2)</script>'}"),
        ("unit: dollars a month}", f"unit: '{MATH}'}}"),
        ("{label: Residents, unit: people}", "{label: " + "R" * (MAX_LABEL_CHARS + 1) + "}"),
    ]:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_label_with_markup_is_text_everywhere(folder):
    sites = pd.read_csv(folder / DATA)
    wb = Workbook("demo", folder=folder)
    wb.data_analysis(
        "busiest",
        "Busiest",
        "Which neighborhood has the most weekday foot traffic?",
        data=sites,
        columns=["weekday_foot_traffic", "monthly_rent", "residents"],
        label_column="neighborhood",
        steps=["sort"],
        asks="name",
        datasheet=DATA,
    )
    task = wb["busiest"]
    task.add_kind.value = "sort"
    task.add.click()
    task.rows[-1].menus["column"].value = "weekday_foot_traffic"
    task.column.value, task.statistic.value = "weekday_foot_traffic", "max"  # a wrong kind
    shown = [task.table_view.value, task.result.value, task._status.value]
    task.use.click()
    shown.append(task._status.value)  # names the label column's (hostile) label
    task.statistic.value = "highest"
    task.use.click()
    shown.append(task.render_html())  # what the grading page, feedback and showcase show
    html = "".join(shown)
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x" in html and "&lt;script&gt;" in html
    assert task.value == "Downtown"
    # Too long to be a label: the column is shown by its name in words.
    assert ("Residents", "residents") in task.column.options


def test_a_hostile_unit_carried_to_a_new_column_stays_text(folder):
    """A new column made from columns in one unit takes that unit (analysis_steps.
    derived_unit): a unit with markup goes with it, and is still only text."""
    path = folder / SHEET
    text = path.read_text(encoding="utf-8")
    assert text.count("unit: people}") == 2  # office workers and students
    path.write_text(text.replace("unit: people}", f"unit: '{MARKUP}'}}"), encoding="utf-8")
    wb = Workbook("demo", folder=folder)
    wb.data_analysis(
        "people",
        "People",
        "How many people work or study there?",
        data=pd.read_csv(folder / DATA),
        columns=["office_workers", "students"],
        label_column="neighborhood",
        steps=["derive"],
        datasheet=DATA,
    )
    task = wb["people"]
    task.add_kind.value = "derive"
    task.add.click()
    menus = task.rows[-1].menus
    menus["column"].value, menus["left"].value = "people", "office_workers"
    menus["operator"].value, menus["right"].value = "+", "students"
    assert (f"People ({MARKUP})", "people") in task.column.options  # text, not HTML
    task.column.value, task.statistic.value = "people", "max"
    task.use.click()
    html = task.table_view.value + task.result.value + task._status.value + task.render_html()
    assert "<img" not in html and "&lt;img src=x" in html


def test_a_chart_draws_and_escapes_a_hostile_label(folder):
    sites = pd.read_csv(folder / DATA)
    task = rent_and_traffic_chart(Workbook("demo", folder=folder), sites)
    task.fill({"measure": "monthly_rent", "kind": "bar", "title": "Rent"})
    html = task.render_html()  # draws the PNG: a "$" in the unit must not break it
    assert "<script" not in html and "&lt;script&gt;" in html
    names = ColumnNames.read(folder, DATA)
    axes = charts.figure(sites, "neighborhood", "monthly_rent", "bar", "", names).axes[0]
    assert axes.get_ylabel() == f"Monthly rent ({MATH})"
    task.fill({"measure": "weekday_foot_traffic", "kind": "barh", "title": "Traffic"})
    assert "&lt;img" in task.render_html() and "<img src=x" not in task.render_html()


def test_a_charts_own_column_labels_are_text_too(folder):
    """A chart task's ``columns:`` (labels for columns the notebook's code makes) sit in
    the student's notebook, as editable as a datasheet: markup stays text in the menu, the
    answer and the alt text, and a ``$`` does not break the axis."""
    sites = pd.read_csv(folder / DATA)
    sites["rent_per_worker"] = sites["monthly_rent"] / sites["office_workers"]
    wb = Workbook("demo", folder=folder)
    wb.chart(
        "per-worker",
        "Chart",
        "Make a chart",
        data=sites,
        category="neighborhood",
        measures=["rent_per_worker"],
        datasheet=DATA,
        columns={"rent_per_worker": {"label": MARKUP, "unit": MATH}},
    )
    task = wb["per-worker"]
    task.build_controls()
    assert task.measure.options == ((f"{MARKUP} ({MATH})", "rent_per_worker"),)  # text
    task.fill({"measure": "rent_per_worker", "kind": "bar", "title": "Rent"})
    html = task.render_html()  # draws the PNG
    assert "<img src=x" not in html and "&lt;img src=x" in html
    axes = charts.figure(sites, "neighborhood", "rent_per_worker", "bar", "", task.names).axes[0]
    assert axes.get_ylabel() == f"{MARKUP} ({MATH})"
