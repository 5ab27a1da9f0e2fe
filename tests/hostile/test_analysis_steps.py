"""Hostile analysis steps: a formula that tries to run code, a CSV header written to break
out of a string in the generated code, lists and formulas sized to exhaust the checker.

Analysis steps come from a project file (a teacher's typing, or a project shared by
another school) over a CSV header anyone could have written. Nothing in them may run:
formulas are walked as ``ast`` nodes and only arithmetic passes; every name and value
in the generated code is a string literal made by ``literal``; sizes are capped.
"""

from __future__ import annotations

import ast
import time
from typing import Any

import pandas as pd
import pytest

from careerlab.workbook.analysis_steps import (
    MAX_FORMULA_CHARS,
    MAX_STEPS,
    evaluate,
    pandas_code,
    parse,
)

COLUMNS = ["a", "b", "name"]
TABLE = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4, 5, 6], "name": ["x", "y", "z"]})


def formula_problems(formula: object) -> list[str]:
    steps, problems = parse([{"derive": {"column": "c", "formula": formula}}], COLUMNS)
    assert steps == []  # nothing usable comes out of a refused formula
    assert {p.path for p in problems} == {"steps[0].derive.formula"}, problems
    return [p.message for p in problems]


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("__import__('os').system('touch /tmp/pwned')", "a function call"),
        ("a.__class__", "a dot (attribute)"),
        ("a.__class__.__bases__[0].__subclasses__()", "a function call"),
        ("(lambda: 1)()", "a function call"),
        ("a ** 999999999", "** (power)"),
        ("a // 2", "// (whole-number division)"),
        ("a if b else a", "something else"),
        ("'a' + a", "text"),
        ("b'x' * a", "b'x'"),
        ("[a][0]", "square brackets"),
        ("a == b", "a comparison"),
        ("a and b", "and/or"),
        ("True + a", "True"),
        ("None", "None"),
        ("1j * a", "1j"),
        ("(a := 1)", "something else"),
        ("99999999999999999999 * a", "too large"),
        ("1e999 * a", "not infinite"),
        ("open", "no column 'open'"),
        ("a\nimport os", "not a formula"),
        ("a; import os", "not a formula"),
        ("a\x00", "not a formula"),
        ("f'{a}'", "something else"),
    ],
)
def test_a_formula_is_arithmetic_and_nothing_else(formula: str, words: str) -> None:
    assert any(words in message for message in formula_problems(formula))


def test_a_formula_too_long_or_too_deep_is_refused_quickly() -> None:
    started = time.monotonic()
    assert "too long" in formula_problems("a+" * 50_000 + "a")[0]
    assert "too long" in formula_problems("(" * 100_000 + "a" + ")" * 100_000)[0]
    deep = "-" * (MAX_FORMULA_CHARS - 1) + "a"  # short enough, but 299 levels deep
    assert "too deeply" in formula_problems(deep)[0]
    nested = "a+(" * 30 + "a" + ")" * 30
    assert "too deeply" in formula_problems(nested)[0]
    assert time.monotonic() - started < 2


def test_a_huge_step_list_is_refused_at_once() -> None:
    raw = [{"sort": {"column": "a"}}] * 10_000
    started = time.monotonic()
    steps, problems = parse(raw, COLUMNS)
    assert steps == [] and [p.path for p in problems] == ["steps"]
    assert f"at most {MAX_STEPS}" in problems[0].message
    assert time.monotonic() - started < 1
    assert parse(raw[:MAX_STEPS], COLUMNS)[1] == []  # the limit itself is allowed


def test_odd_shapes_are_problems_not_crashes() -> None:
    raw: list[Any] = [
        None,
        "filter",
        {1: 2},
        {"filter": ["column", "a"]},
        {"sort": {"column": ["a"]}},
        {"sort": {("x",): 1, "column": "a"}},
        {"filter": {"column": "a", "is": "==", "value": {"$gt": 1}}},
        {"filter": {"column": "a", "is": "==", "value": float("nan")}},
        {"filter": {"column": "a", "is": "==", "value": 10**30}},
        {"filter": {"column": "a", "is": "==", "value": "x" * 100_000}},
        {"derive": {"column": "x" * 10_000, "formula": "a"}},
        {"summary": {"column": "a", "statistic": "mean", "round": True}},
    ]
    steps, problems = parse(raw, COLUMNS)
    assert steps == [] and len(problems) == len(raw)  # one problem per step, none a crash
    assert {p.path.split(".")[0] for p in problems} == {f"steps[{i}]" for i in range(len(raw))}


HOSTILE_NAMES = [
    'x"]); import os; os.system("touch /tmp/pwned") #',
    "a'] + __import__('os').getcwd() + t['",
    "line\nimport os\n",
    "ends with a backslash \\",
    '"""',
    "'''",
    "\\'\\\"",
    "{__import__('os')}",
    "\x00\x1b[2J\u2028\u2029\ufeff",
    "__class__",
    "# comment",
    "日本語 " * 30,  # wide, long: the line gets a `# fmt: skip`
]


def statements(code: str) -> list[ast.stmt]:
    tree = ast.parse(code)
    for node in ast.walk(tree):
        assert not isinstance(node, ast.Import | ast.ImportFrom)
        if isinstance(node, ast.Call):  # the only calls are the pandas methods we write
            assert isinstance(node.func, ast.Attribute)
            assert node.func.attr in {"copy", "groupby", "sum", "count", "sort_values", "idxmax"}
    return tree.body


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_a_hostile_column_name_stays_a_string(name: str) -> None:
    table = pd.DataFrame({name: [3, 1, 2], "other": ["p", "q", "r"]})
    raw = [
        {"filter": {"column": name, "is": "!=", "value": name}},
        {"derive": {"column": name, "formula": "0 + 1"}},
        {"group": {"by": "other", "column": name, "summary": "sum"}},
        {"sort": {"column": name, "order": "descending"}},
        {"summary": {"column": name, "statistic": "highest", "label": "other"}},
    ]
    steps, problems = parse(raw, list(table.columns))
    assert problems == []
    code = pandas_code("table", steps, "answer")
    body = statements(code)
    assert len(body) == len(raw)  # one statement per step
    assert all(isinstance(s, ast.Assign) for s in body)
    names = {n.value for n in ast.walk(ast.Module(body, [])) if isinstance(n, ast.Constant)}
    assert name in names  # the exact column name, as one string
    namespace: dict[str, Any] = {"table": table}
    exec(code, namespace)
    assert namespace["answer"] == evaluate(table, steps)


def test_a_hostile_value_stays_a_string() -> None:
    for value in ['He said "hi"', "it's", "\\", '\\"; import os #', "\n", "'\"'\"", "x" * 900]:
        table = pd.DataFrame({"name": [value, "other", value]})
        raw = [
            {"filter": {"column": "name", "is": "==", "value": value}},
            {"summary": {"column": "name", "statistic": "count"}},
        ]
        steps = parse(raw, ["name"])[0]
        code = pandas_code("table", steps, "answer")
        [filtering, _] = statements(code)
        compare = filtering.value.slice.comparators[0]  # type: ignore[attr-defined]
        assert isinstance(compare, ast.Constant) and compare.value == value
        namespace: dict[str, Any] = {"table": table}
        exec(code, namespace)
        assert namespace["answer"] == evaluate(table, steps) == 2


def test_messages_show_hostile_names_escaped_and_short() -> None:
    columns = ["x" * 5000 + "\n<script>", *(f"c{i}" for i in range(1000))]
    steps, problems = parse([{"sort": {"column": "nope\n<b>" + "y" * 5000}}], columns)
    [problem] = problems
    assert "\n" not in problem.message and len(problem.message) < 400
    assert "and 981 more" in problem.message


@pytest.mark.parametrize(
    ("frame", "result"),
    [("t", "t"), ("t", "import"), ("t; import os", "r"), ("t", "r\n"), ("t", "os.x"), ("", "r")],
)
def test_variable_names_in_the_code_must_be_names(frame: str, result: str) -> None:
    steps = parse([{"sort": {"column": "a"}}], COLUMNS)[0]
    with pytest.raises(ValueError):
        pandas_code(frame, steps, result)
