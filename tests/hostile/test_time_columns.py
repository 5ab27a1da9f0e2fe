"""Time columns an author got wrong, or a student edited: `careerlab check` names each
mistake by file and line, and the student's side (``time_column``) reads no time column
from a datasheet that does not mark exactly one column with ``time: true``.

small-business-loan's food-truck.csv is the real case: its `month` says `time: true`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from careerlab.author.datasheets import check_datasheets
from careerlab.workbook import timeline
from careerlab.workbook.datasheet import time_column

from ..conftest import REPO

PROJECT = "small-business-loan"
DATA = "food-truck"
MONTH = "  month: {label: Month, time: true}\n"


@pytest.fixture
def loan(tmp_path: Path) -> Path:
    folder = tmp_path / "workbooks" / PROJECT
    folder.mkdir(parents=True)
    for suffix in (".csv", ".datasheet.yml"):
        shutil.copy(REPO / "workbooks" / PROJECT / f"{DATA}{suffix}", folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _sheet(folder: Path) -> Path:
    return folder / f"{DATA}.datasheet.yml"


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_real_time_column_is_read_and_passes(loan):
    assert check_datasheets(loan) == []
    assert time_column(loan, f"{DATA}.csv") == "month"


def test_two_time_columns_are_one_problem_and_no_time_column(loan):
    _edit(_sheet(loan), "days_open: {label: Days open, unit: days}",
          "days_open: {label: Days open, unit: days, time: true}")  # fmt: skip
    problems = check_datasheets(loan)
    assert len(problems) == 1, problems
    assert f"{_sheet(loan)}:" in problems[0]
    assert "columns 'month', 'days_open' all say time: true" in problems[0]
    assert time_column(loan, f"{DATA}.csv") is None  # the student's side guesses nothing


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]", "{at: noon}", "'true'"])
def test_time_must_be_true_itself(loan, value):
    _edit(_sheet(loan), MONTH, f"  month: {{label: Month, time: {value}}}\n")
    problems = check_datasheets(loan)
    assert problems == [
        f"{_sheet(loan)}:{_line(_sheet(loan), 'month:')}: column 'month': time must be true "
        "(the column says when each row happened) or left out."
    ]
    assert time_column(loan, f"{DATA}.csv") is None


def test_a_time_column_that_is_not_in_the_csv(loan):
    _edit(_sheet(loan), MONTH, "  month: {label: Month}\n  when: {label: When, time: true}\n")
    problems = check_datasheets(loan)
    assert any(
        f":{_line(_sheet(loan), 'when:')}: column 'when' is not in {DATA}.csv" in p
        for p in problems
    ), problems


def test_rows_out_of_time_order_are_named_by_line(loan):
    csv = loan / f"{DATA}.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2], lines[3] = lines[3], lines[2]  # Mar 2024 (now line 3) above Feb 2024
    csv.write_text("".join(lines), encoding="utf-8")
    assert check_datasheets(loan) == [
        f"{csv}:4: 'Feb 2024' comes before 'Mar 2024' in time, but after it in the file; put "
        "the rows in time order (the 'month' column says time: true). Write dates year first "
        "(2026-03-14), months by name (Jan 2024), or labels that start with their number "
        "(1: day 2)."
    ]


def test_month_first_dates_across_years_are_caught(loan):
    """3/14/2025 after 12/1/2024 sorts as text before it: CareerLab cannot order such
    dates, so the check asks for another way of writing them instead of drawing a line that
    runs backwards."""
    csv = loan / f"{DATA}.csv"
    csv.write_text("month,days_open\n12/1/2024,20\n1/5/2025,18\n", encoding="utf-8")
    _edit(_sheet(loan), "  revenue:", "  unused_revenue:")  # only the first two columns stay
    text = _sheet(loan).read_text(encoding="utf-8")
    _sheet(loan).write_text(text[: text.index("  unused_revenue:")], encoding="utf-8")
    problems = check_datasheets(loan)
    assert problems and "'1/5/2025' comes before '12/1/2024'" in problems[0], problems


@pytest.mark.parametrize(
    ("values", "in_order"),
    [
        (["Sept", "Jan", "May"], ["Jan", "May", "Sept"]),
        (["Jan 2025", "Dec 2024", None, "Feb 2025"], ["Dec 2024", "Jan 2025", "Feb 2025", None]),
        (["10: late", "2: mid", "1: early"], ["1: early", "2: mid", "10: late"]),
        ([52.0, 48, float("nan"), 50], [48, 50, 52.0, float("nan")]),
        (["2026-03-14", "2025-12-31"], ["2025-12-31", "2026-03-14"]),
        (["<script>", "Jan"], ["<script>", "Jan"]),  # not all months: read as text
    ],
)
def test_time_order(values, in_order):
    ordered = [values[i] for i in timeline.order(values)]
    assert [str(v) for v in ordered] == [str(v) for v in in_order]
