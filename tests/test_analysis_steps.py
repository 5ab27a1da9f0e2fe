"""Declared analysis steps: the code written from them computes exactly what ``evaluate``
computes, on small tables and on the real workbooks' data (where it also matches the
notebook's own solution); the code is ruff-formatted; every problem names its field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from careerlab.workbook.analysis_steps import (
    Problem,
    Step,
    StepError,
    derived_unit,
    evaluate,
    pandas_code,
    parse,
)

from .conftest import REPO
from .demo_project import assert_ruff_formatted

WORKBOOKS = REPO / "workbooks"
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
# Cells that need the student's kernel side or show pages: not needed for the data.
SKIPPED = ("wb.", "Workbook", "careerlab", "display(HTML")


def notebook_solution(workbook: str, grade_id: str, variable: str) -> Any:
    """What the notebook's own solution computes: its data cells run in order (no widgets,
    no grading) up to the solution cell ``grade_id``, then that solution."""
    folder = WORKBOOKS / workbook
    nb = nbformat.read(folder / f"{workbook}.ipynb", as_version=4)
    namespace: dict[str, Any] = {"pd": pd, "display": lambda *args: None}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            code = SOLUTION.search(cell.source)
            assert code, f"no solution in {grade_id}"
            exec(code.group(1), namespace)
            return namespace[variable]
        if not any(word in cell.source for word in SKIPPED) and "BEGIN" not in cell.source:
            exec(cell.source.replace('read_csv("', f'read_csv("{folder}/'), namespace)
    raise AssertionError(f"no cell {grade_id} in {workbook}")


def run_code(frame: str, table: pd.DataFrame, steps: list[Step], result: str) -> Any:
    namespace: dict[str, Any] = {frame: table}
    exec(pandas_code(frame, steps, result), namespace)
    return namespace[result]


def checked(raw: object, columns: list[str]) -> list[Step]:
    steps, problems = parse(raw, columns)
    assert problems == []
    return steps


def same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    else:
        assert a == b and type(a) in (str, int, float), (a, b)


SHOP = pd.DataFrame(
    {
        "item": ["tea", "cake", "tea", "pie", "cake", "tea"],
        "store": ["north", "north", "south", "south", "south", "north"],
        "price": [2.5, 4.0, 2.75, 5.0, 4.25, 2.5],
        "sold": [10, 3, 7, 2, 5, 12],
        'it\'s "odd"': [1, 2, 3, 4, 5, 6],
    }
)
BRIEF_EXAMPLE = [
    {"filter": {"column": "item", "is": "!=", "value": "pie"}},
    {"derive": {"column": "revenue", "formula": "price * sold - (sold - 1) / 3", "round": 2}},
    {"group": {"by": "store", "column": "revenue", "summary": "sum"}},
    {"sort": {"column": "revenue", "order": "descending"}},
    {"summary": {"column": "revenue", "statistic": "highest", "label": "store"}},
]
SMALL_CASES = {
    "the five steps": BRIEF_EXAMPLE,
    "derive first": [
        {"derive": {"column": "neg", "formula": "-(price - -1) * +sold / 2"}},
        {"summary": {"column": "neg", "statistic": "min"}},
    ],
    "rounded mean": [{"summary": {"column": "price", "statistic": "mean", "round": 1}}],
    "median": [
        {"filter": {"column": "sold", "is": ">=", "value": 3}},
        {"summary": {"column": "price", "statistic": "median"}},
    ],
    "count": [
        {"filter": {"column": "price", "is": "<", "value": 4.1}},
        {"summary": {"column": "item", "statistic": "count"}},
    ],
    "sum of ints": [{"summary": {"column": "sold", "statistic": "sum"}}],
    "max": [{"summary": {"column": "sold", "statistic": "max"}}],
    "lowest": [{"summary": {"column": "sold", "statistic": "lowest", "label": "item"}}],
    "a table, grouped": [
        {"group": {"by": "item", "column": "price", "summary": "mean", "round": 2}},
        {"sort": {"column": "price"}},
    ],
    "a table, filtered then derived": [
        {"filter": {"column": "store", "is": "==", "value": "south"}},
        {"derive": {"column": "total", "formula": "price * sold", "round": 0}},
        {"derive": {"column": "total", "formula": "total + 0.5"}},
    ],
    "a quoted column": [
        {"filter": {"column": 'it\'s "odd"', "is": "<=", "value": 4}},
        {"group": {"by": "item", "column": 'it\'s "odd"', "summary": "count"}},
    ],
    "parentheses kept": [
        {"derive": {"column": "x", "formula": "price - (sold - price) / (1 + (sold * 2))"}},
        {"summary": {"column": "x", "statistic": "sum"}},
    ],
}


@pytest.mark.parametrize("raw", SMALL_CASES.values(), ids=SMALL_CASES.keys())
def test_code_computes_what_evaluate_computes(raw: list) -> None:
    steps = checked(raw, list(SHOP.columns))
    before = SHOP.copy()
    same(evaluate(SHOP, steps), run_code("shop", SHOP, steps, "answer"))
    pd.testing.assert_frame_equal(SHOP, before)  # neither path changed the table


def test_the_brief_example_reads_as_pandas() -> None:
    code = pandas_code("shop", checked(BRIEF_EXAMPLE, list(SHOP.columns)), "best")
    assert code == (
        'best = shop[shop["item"] != "pie"].copy()\n'
        'best["revenue"] = round(best["price"] * best["sold"] - (best["sold"] - 1) / 3, 2)\n'
        'best = best.groupby("store", as_index=False)["revenue"].sum()\n'
        'best = best.sort_values("revenue", ascending=False)\n'
        'best = best.loc[best["revenue"].idxmax(), "store"]'
    )
    assert evaluate(SHOP, checked(BRIEF_EXAMPLE, list(SHOP.columns))) == "north"


# The real workbooks: the steps a teacher would write for a code path, against the
# notebook's own solution.
REAL = [
    (  # filter path == /login, then count the 401s
        "log-detective",
        "server-log.csv",
        "failed-code",
        "failed_total",
        [
            {"filter": {"column": "path", "is": "==", "value": "/login"}},
            {"filter": {"column": "status", "is": "==", "value": 401}},
            {"summary": {"column": "status", "statistic": "count"}},
        ],
    ),
    (
        "log-detective",
        "server-log.csv",
        "top-code",
        "top_ip",
        [
            {"filter": {"column": "path", "is": "==", "value": "/login"}},
            {"filter": {"column": "status", "is": "==", "value": 401}},
            {"group": {"by": "source_ip", "column": "status", "summary": "count"}},
            {"sort": {"column": "status", "order": "descending"}},
            {"summary": {"column": "status", "statistic": "highest", "label": "source_ip"}},
        ],
    ),
    (
        "coffee-site",
        "neighborhoods.csv",
        "value-code",
        "best_value",
        [
            {
                "derive": {
                    "column": "expected_customers",
                    "formula": "weekday_foot_traffic * 0.03",
                    "round": 0,
                }
            },
            {"derive": {"column": "monthly_customers", "formula": "expected_customers * 30"}},
            {
                "derive": {
                    "column": "rent_per_customer",
                    "formula": "monthly_rent / monthly_customers",
                    "round": 2,
                }
            },
            {
                "summary": {
                    "column": "rent_per_customer",
                    "statistic": "lowest",
                    "label": "neighborhood",
                }
            },
        ],
    ),
    (
        "solar-site",
        "solar-sites.csv",
        "most-code",
        "most_energy",
        [
            {
                "derive": {
                    "column": "sunlight_kwh",
                    "formula": "usable_area_m2 * sun_hours",
                    "round": 1,
                }
            },
            {
                "derive": {
                    "column": "daily_energy_kwh",
                    "formula": "sunlight_kwh * 0.16",
                    "round": 1,
                }
            },
            {"summary": {"column": "daily_energy_kwh", "statistic": "highest", "label": "site"}},
        ],
    ),
    (
        "vitals-care-plan",
        "vitals-log.csv",
        "heart-rate-code",
        "second_24h_heart_rate",
        [
            {"filter": {"column": "hours_after_surgery", "is": ">=", "value": 72}},
            {"filter": {"column": "hours_after_surgery", "is": "<", "value": 96}},
            {"summary": {"column": "heart_rate", "statistic": "mean"}},
        ],
    ),
]


@pytest.mark.parametrize(
    ("workbook", "data", "grade_id", "variable", "raw"), REAL, ids=[r[2] for r in REAL]
)
def test_real_workbooks(workbook: str, data: str, grade_id: str, variable: str, raw: list) -> None:
    table = pd.read_csv(WORKBOOKS / workbook / data)
    steps = checked(raw, list(table.columns))
    answer = evaluate(table, steps)
    same(answer, run_code("table", table, steps, variable))
    assert answer == notebook_solution(workbook, grade_id, variable)


def test_code_is_ruff_formatted(tmp_path: Path) -> None:
    """Every case above, long lines and hostile names included, passes `ruff format --check`
    at the project's line length (one ruff run for all)."""
    cases = [(list(SHOP.columns), raw) for raw in SMALL_CASES.values()]
    for workbook, data, *_, raw in REAL:
        cases.append((list(pd.read_csv(WORKBOOKS / workbook / data, nrows=0).columns), raw))
    long = "a_rather_long_column_name_that_a_teacher_might_write"
    hostile = ['x"]); import os #', "new\nline", "back\\slash 'q'", "\x00\u2028é", "日本語" * 20]
    derive = {"column": "ratio", "formula": f"({long} + {long}) / ({long} - 1) * {long}"}
    cases.append(([long], [{"derive": {**derive, "round": 2}}]))
    cases.append((hostile, [{"filter": {"column": c, "is": "==", "value": c}} for c in hostile]))
    for index, (columns, raw) in enumerate(cases):
        code = pandas_code("table", checked(raw, columns), "a_long_result_variable_name")
        (tmp_path / f"case_{index}.py").write_text(code + "\n", encoding="utf-8")
    assert_ruff_formatted(tmp_path)
    assert "# fmt: skip" in (tmp_path / f"case_{len(cases) - 2}.py").read_text()


def test_code_is_deterministic_and_ends_with_the_result() -> None:
    steps = checked(BRIEF_EXAMPLE, list(SHOP.columns))
    code = pandas_code("shop", steps, "best")
    assert code == pandas_code("shop", checked(BRIEF_EXAMPLE, list(SHOP.columns)), "best")
    assert code.splitlines()[-1].startswith("best = ")
    assert not re.search(r"^shop\b", code, re.MULTILINE)  # never assigns to the table


def test_names_the_code_uses_must_be_variables() -> None:
    steps = checked(BRIEF_EXAMPLE, list(SHOP.columns))
    for frame, result in [("shop", "shop"), ("shop", "import"), ("shop; x", "y"), ("a", "b c")]:
        with pytest.raises(ValueError):
            pandas_code(frame, steps, result)


def test_without_a_summary_the_result_is_the_table() -> None:
    steps = checked([{"sort": {"column": "sold"}}], list(SHOP.columns))
    result = run_code("shop", SHOP, steps, "ordered")
    same(evaluate(SHOP, steps), result)
    assert list(result["sold"]) == sorted(SHOP["sold"])


def test_a_step_that_cannot_run_on_the_data_names_the_step() -> None:
    steps = checked(
        [
            {"filter": {"column": "item", "is": "==", "value": "nothing"}},
            {"summary": {"column": "sold", "statistic": "highest", "label": "item"}},
        ],
        list(SHOP.columns),
    )
    with pytest.raises(StepError) as raised:
        evaluate(SHOP, steps)
    assert raised.value.problem.path == "steps[1].summary"


COLUMNS = ["item", "store", "price", "sold"]
PROBLEMS = [
    ("not a list", {"filter": {}}, "steps", "must be a list"),
    ("empty", [], "steps", "one or more steps"),
    ("two kinds in one", [{"filter": {}, "sort": {}}], "steps[0]", "exactly one of"),
    ("unknown kind", [{"pivot": {}}], "steps[0]", "'pivot' is not a step"),
    ("fields not a mapping", [{"sort": "price"}], "steps[0].sort", "needs its fields"),
    (
        "unknown field",
        [{"sort": {"column": "price", "colour": 1}}],
        "steps[0].sort.colour",
        "not a field",
    ),
    (
        "missing field",
        [{"filter": {"column": "price", "is": "=="}}],
        "steps[0].filter.value",
        "needs value",
    ),
    ("unknown column", [{"sort": {"column": "cost"}}], "steps[0].sort.column", "no column 'cost'"),
    (
        "bad comparison",
        [{"filter": {"column": "price", "is": "=", "value": 1}}],
        "steps[0].filter.is",
        "'=' is not one of",
    ),
    (
        "yes/no value",
        [{"filter": {"column": "price", "is": "==", "value": True}}],
        "steps[0].filter.value",
        "number or text",
    ),
    (
        "infinite value",
        [{"filter": {"column": "price", "is": "<", "value": float("inf")}}],
        "steps[0].filter.value",
        "ordinary number",
    ),
    (
        "bad order",
        [{"sort": {"column": "price", "order": "up"}}],
        "steps[0].sort.order",
        "'up' is not one of",
    ),
    (
        "bad statistic",
        [{"summary": {"column": "price", "statistic": "mode"}}],
        "steps[0].summary.statistic",
        "'mode' is not one of",
    ),
    (
        "bad group summary",
        [{"group": {"by": "item", "column": "price", "summary": "highest"}}],
        "steps[0].group.summary",
        "not one of",
    ),
    (
        "group by itself",
        [{"group": {"by": "item", "column": "item", "summary": "count"}}],
        "steps[0].group.column",
        "another column",
    ),
    (
        "label needed",
        [{"summary": {"column": "price", "statistic": "highest"}}],
        "steps[0].summary.label",
        "name the column",
    ),
    (
        "label not wanted",
        [{"summary": {"column": "price", "statistic": "sum", "label": "item"}}],
        "steps[0].summary.label",
        "only highest and lowest",
    ),
    (
        "round a row",
        [{"summary": {"column": "price", "statistic": "lowest", "label": "item", "round": 1}}],
        "steps[0].summary.round",
        "as is",
    ),
    (
        "round too far",
        [{"derive": {"column": "x", "formula": "price", "round": 7}}],
        "steps[0].derive.round",
        "0 to 6",
    ),
    (
        "round not whole",
        [{"summary": {"column": "price", "statistic": "mean", "round": 1.5}}],
        "steps[0].summary.round",
        "0 to 6",
    ),
    (
        "summary not last",
        [{"summary": {"column": "price", "statistic": "sum"}}, {"sort": {"column": "price"}}],
        "steps[0].summary",
        "last step",
    ),
    (
        "formula not arithmetic",
        [{"derive": {"column": "x", "formula": "price % 2"}}],
        "steps[0].derive.formula",
        "% (remainder)",
    ),
    (
        "formula unknown column",
        [{"derive": {"column": "x", "formula": "price * qty"}}],
        "steps[0].derive.formula",
        "no column 'qty'",
    ),
    (
        "formula not Python",
        [{"derive": {"column": "x", "formula": "price *"}}],
        "steps[0].derive.formula",
        "not a formula",
    ),
    (
        "formula empty",
        [{"derive": {"column": "x", "formula": " "}}],
        "steps[0].derive.formula",
        "must be a formula",
    ),
    (
        "derived name empty",
        [{"derive": {"column": "", "formula": "price"}}],
        "steps[0].derive.column",
        "must be a name",
    ),
    (
        "gone after group",
        [
            {"group": {"by": "item", "column": "price", "summary": "sum"}},
            {"sort": {"column": "sold"}},
        ],
        "steps[1].sort.column",
        "no column 'sold'",
    ),
]


@pytest.mark.parametrize(
    ("raw", "path", "words"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS]
)
def test_each_problem_names_its_field(raw: object, path: str, words: str) -> None:
    steps, problems = parse(raw, COLUMNS)
    assert [p.path for p in problems] == [path], problems
    assert words in problems[0].message


def test_columns_made_by_earlier_steps_are_known() -> None:
    raw = [
        {"derive": {"column": "revenue", "formula": "price * sold"}},
        {"derive": {"column": "margin", "formula": "revenue / 2"}},
        {"group": {"by": "store", "column": "margin", "summary": "sum"}},
        {"summary": {"column": "margin", "statistic": "highest", "label": "store"}},
    ]
    assert parse(raw, COLUMNS)[1] == []


def test_every_problem_is_reported_at_once() -> None:
    raw = [
        {"filter": {"column": "cost", "is": "=", "value": None}},
        {"derive": {"column": "x", "formula": "price ** 2"}},
        {"sort": {"column": "x", "order": "sideways"}},
    ]
    steps, problems = parse(raw, COLUMNS)
    assert [p.path for p in problems] == [
        "steps[0].filter.value",
        "steps[0].filter.column",
        "steps[0].filter.is",
        "steps[1].derive.formula",
        "steps[2].sort.order",
    ]
    assert steps == []
    last = "steps[2].sort.order: 'sideways' is not one of: ascending, descending."
    assert str(problems[-1]) == last
    assert isinstance(problems[0], Problem)


def test_the_guides_examples_are_valid_steps() -> None:
    """docs/authoring.md shows one example per step kind; each is a valid step."""
    guide = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    section = guide.split("## Analysis steps (for data questions)")[1]
    examples = re.findall(r"^\| (\w+) \| `(- .*?)` \|", section, re.MULTILINE)
    assert [kind for kind, _ in examples] == ["filter", "derive", "group", "sort", "summary"]
    columns = ["path", "monthly_rent", "expected_customers", "source_ip", "failed"]
    for kind, example in examples:
        raw = yaml.safe_load(example)
        assert list(raw[0]) == [kind]
        assert parse(raw, columns)[1] == [], example


UNITS = {"gross": "dollars", "net": "dollars", "tax": "dollars", "hours": "hours", "id": ""}


@pytest.mark.parametrize(
    ("formula", "unit"),
    [
        ("gross - net", "dollars"),  # a difference of dollars is dollars
        ("gross - (net + tax)", "dollars"),
        ("-tax", "dollars"),
        ("gross", "dollars"),
        ("gross - hours", ""),  # different units: none
        ("gross - id", ""),  # a column without a unit: none
        ("gross * 30", ""),  # a number may change the unit (a day -> a month)
        ("gross / 1000000", ""),  # bytes / 1000000 is megabytes, not bytes
        ("gross + 5", ""),
        ("gross / hours", ""),  # a ratio's unit takes a person to name
        ("gross * net", ""),
        ("not a formula (", ""),
    ],
)
def test_a_derived_column_has_a_unit_only_where_its_formula_settles_it(formula, unit):
    assert derived_unit(formula, lambda name: UNITS.get(name, "")) == unit
