"""Numbers shown to students are written for people (careerlab.workbook.numbers), and every
task that shows a number uses that one module."""

from __future__ import annotations

import math

import pytest

from careerlab.workbook import numbers


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (5.9166666667, "dollars", "$5.92"),  # the "5.9166666667 dollars"
        (5.9166666667, "dollars a visit", "$5.92 a visit"),
        (6600, "dollars a month", "$6,600.00 a month"),
        (-1200.5, "dollars", "-$1,200.50"),
        (-0.004, "dollars", "$0.00"),  # no "-$0.00"
        (28700, "", "28,700"),
        (28700.0, "people a day", "28,700 people a day"),
        (12.345, "percent", "12.3%"),
        (3, "%", "3.0%"),
        (98.6666666, "beats a minute", "98.67 beats a minute"),
        (4.4, "hours a day", "4.4 hours a day"),
        (2052.7799999999997, "", "2,052.78"),
        (0.0004, "", "0.0004"),
        (-0.0, "", "0"),
        (1e20, "", "100,000,000,000,000,000,000"),
        (math.nan, "dollars", "$not a number"),
    ],
)
def test_numbers_are_written_for_people(value, unit, shown):
    assert numbers.format_number(value, unit) == shown


def test_money_in_whole_dollars_has_no_cents():
    assert numbers.money(78_760, cents=False) == "$78,760"
    assert numbers.money(-1_200.4, cents=False) == "-$1,200"
    assert numbers.money(-0.4, cents=False) == "$0"  # no "-$0"
    assert numbers.money(78_760) == "$78,760.00"  # cents unless asked


def test_table_cells_leave_the_unit_to_the_heading_but_keep_money_and_percent():
    assert numbers.format_cell(6600, "dollars a month") == "$6,600.00"
    assert numbers.format_cell(28700, "people a day") == "28,700"
    assert numbers.format_cell(12.34, "percent") == "12.3%"
    assert numbers.format_cell(math.nan, "") == ""
    assert numbers.format_cell("Downtown", "") == "Downtown"
    assert numbers.format_cell(True, "") == "True"  # a bool is not a number


def test_every_task_shows_numbers_through_the_one_module(tmp_path):
    """The number task, the data task (answer, grading message) and a menus' table."""
    import pandas as pd

    from careerlab.workbook import step_menus
    from careerlab.workbook.book import Workbook
    from careerlab.workbook.tasks.data_analysis import DataAnalysisTask
    from careerlab.workbook.tasks.number import NumberTask

    wb = Workbook("demo", folder=tmp_path)
    wb.number("spend", "Spend", "Average spend?", unit="dollars")
    wb["spend"].fill("5.9166666667")
    assert "Saved $5.92." in wb["spend"]._status.value
    assert wb["spend"].plain_answer() == "$5.92"
    state = {"title": "Spend", "value": 5.9166666667, "unit": "dollars"}
    assert "$5.92 is not correct" in NumberTask.judge(state, NumberTask.Key(value=1)).message
    assert "$5.92 is not" in DataAnalysisTask.judge(state, DataAnalysisTask.Key(value=1)).message
    html = step_menus.table_html(pd.DataFrame({"n": [28700.0, 1234567.0]}))
    assert ">28,700</td>" in html and ">1,234,567</td>" in html
