"""Hostile analysis steps in a data question's menus (docs/security.md, "Analysis steps").

A stored answer's ``query`` comes from a file anyone could have written, and what a
student types into a step row is text: neither is ever run as code, a stored query the
menus could not have made is dropped (the answer itself is kept, the menus start empty,
nothing raises), and every name and value shown in HTML is escaped. Kernel-free: the
task is built in a Workbook over a temporary folder, as tests/tasks/ do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from careerlab.workbook.book import Workbook

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
SHOP = pd.DataFrame(
    {
        "store": ["north", "south", "east"],
        "sales": [120.0, 80.5, 200.0],
        "cost": [70, 30, 150],
        HOSTILE: [1, 2, 3],  # the author's own CSV header, offered in the menus
    }
)


def define(folder: Path) -> Any:
    wb = Workbook("demo", folder=folder)
    wb.data_analysis(
        "profit",
        "Profit",
        "Which store made the most profit?",
        data=SHOP,
        columns=["sales", "cost", HOSTILE],
        label_column="store",
        steps=["derive", "filter", "group", "sort"],
    )
    return wb["profit"]


def inert(html: str) -> bool:
    return "<script" not in html and "<img" not in html


def stored(folder: Path, query: Any) -> Any:
    """A file someone wrote by hand: a fine value, and a query to be judged."""
    text = json.dumps(
        {
            "schema": 1,
            "answers": {
                "profit": {"kind": "data_analysis", "value": 5.0, "via": "widgets", "query": query}
            },
        }
    )
    (folder / "demo.answers.json").write_text(text, encoding="utf-8")
    return define(folder)


CALL = {"derive": {"column": "p", "formula": "__import__('os').system('touch pwned')"}}
HOSTILE_QUERIES = {
    "formula with a call": {"steps": [CALL], "column": "p", "statistic": "sum"},
    "formula with a dunder": {
        "steps": [{"derive": {"column": "p", "formula": "sales.__class__"}}],
        "column": "p",
        "statistic": "sum",
    },
    "10,000 steps": {
        "steps": [{"sort": {"column": "sales"}}] * 10_000,
        "column": "sales",
        "statistic": "sum",
    },
    "a column with HTML": {"steps": [], "column": HOSTILE + "x", "statistic": "sum"},
    "a step on a column with HTML": {
        "steps": [{"sort": {"column": "<b onmouseover=alert(1)>"}}],
        "column": "sales",
        "statistic": "sum",
    },
    "a new column named with HTML": {
        "steps": [{"derive": {"column": HOSTILE, "formula": "sales - cost"}}],
        "column": HOSTILE,
        "statistic": "sum",
    },
    "a summary step": {
        "steps": [{"summary": {"column": "sales", "statistic": "sum"}}],
        "column": "sales",
        "statistic": "sum",
    },
    "an unknown field": {
        "steps": [{"sort": {"column": "sales", "key": "lambda x: x"}}],
        "column": "sales",
        "statistic": "sum",
    },
    "steps as text": {"steps": "import os", "column": "sales", "statistic": "sum"},
    "a statistic that is code": {"column": "sales", "statistic": "__class__"},
    "an extra key": {"column": "sales", "statistic": "sum", "exec": "print(1)"},
    "deep nesting": {"steps": [[[[[[[[[[[[{"sort": {}}]]]]]]]]]]]], "column": "sales"},
    "not a dict": ["column", "sales"],
}


@pytest.mark.parametrize("query", HOSTILE_QUERIES.values(), ids=HOSTILE_QUERIES.keys())
def test_a_hostile_stored_query_keeps_the_value_and_drops_the_query(tmp_path, query):
    task = stored(tmp_path, query)
    assert task.value == 5.0 and task.problem is None  # the answer is kept
    assert task.query is None and task.rows == []  # the menus start empty
    assert task.column.value is None  # nothing picked for the student
    shown = task.render_html()
    assert inert(shown) and "5" in shown and "menus:" not in shown
    assert not (tmp_path / "pwned").exists()


def test_the_authors_hostile_column_is_escaped_everywhere(tmp_path):
    """A column name with HTML that the author offered works and is shown as text."""
    task = define(tmp_path)
    task.fill(
        {
            "steps": [
                {"filter": {"column": "store", "is": "!=", "value": HOSTILE}},
                {"sort": {"column": HOSTILE, "order": "descending"}},
            ],
            "column": HOSTILE,
            "statistic": "sum",
        }
    )
    assert task.value == 6.0
    assert inert(task.table_view.value) and "&lt;script&gt;" in task.table_view.value
    again = define(tmp_path)  # the stored query is usable again, and shown escaped
    assert len(again.rows) == 2
    shown = again.render_html()
    assert inert(shown) and "&lt;script&gt;" in shown and "rows where Store is not" in shown


@pytest.mark.parametrize(
    ("menus", "problem"),
    [
        ({"column": HOSTILE, "right": "cost"}, "letters, digits and _"),
        ({"column": "p", "right": HOSTILE}, "is not a column or a number"),
        ({"column": "p", "right": "__import__('os').system('touch pwned')"}, "not a column"),
        ({"column": "p", "right": "cost) + (sales"}, "not a column"),
        ({"column": "p", "right": "9" * 40}, "too large"),
    ],
)
def test_what_a_student_types_is_never_code_and_its_problem_is_escaped(tmp_path, menus, problem):
    task = define(tmp_path)
    task.add_kind.value = "derive"
    task.add.click()
    row = task.rows[-1]
    for name, value in {"left": "sales", "operator": "-", **menus}.items():
        row.menus[name].value = value
    assert problem in row.problem.value and inert(row.problem.value)
    task.use.click()
    assert task.value is None and not (tmp_path / "demo.answers.json").exists()
    assert not (tmp_path / "pwned").exists()


def test_a_solution_with_code_in_a_formula_is_refused(tmp_path):
    task = define(tmp_path)
    with pytest.raises(ValueError, match="cannot make"):
        task.fill({"steps": [CALL], "column": "p", "statistic": "sum"})
    assert task.value is None and not (tmp_path / "pwned").exists()


def test_the_rows_stop_at_ten(tmp_path):
    task = define(tmp_path)
    for _ in range(12):
        task.add.click()
    assert len(task.rows) == 10 and "At most 10 steps" in task._status.value
