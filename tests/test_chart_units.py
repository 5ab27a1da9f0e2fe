"""Every chart axis carries its unit (issue #15): a chart task labels the columns its
datasheet does not describe (the ones the notebook's code makes) with ``columns:``, and
`careerlab check` names every chart measure that would be drawn without a label and unit."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pandas as pd
import pytest

from careerlab import course
from careerlab.author import build
from careerlab.workbook.book import Workbook

from .demo_project import assert_ruff_formatted, chart_project

REPO = Path(__file__).resolve().parents[1]
PROJECTS = sorted(p.parent for p in (REPO / course.SOURCE_DIRECTORY).glob("*/workbook.md"))


def built_charts(folder: Path) -> list[dict]:
    """The keyword arguments of every ``wb.chart(...)`` call in the built notebook
    (``data=`` aside, a table the notebook's code makes)."""
    found = []
    for cell in build.notebook(folder).cells:
        tree = ast.parse(cell.source) if cell.cell_type == "code" else None
        for node in ast.walk(tree) if tree else ():
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "chart"
            ):
                found.append(
                    {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg != "data"}
                )
    return found


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_every_chart_measure_of_every_workbook_is_shown_with_its_unit(folder, tmp_path):
    """The chart as the student's kernel makes it, from the built call and the project's
    datasheets (copied: a workbook folder must never hold an answers file)."""
    for sheet in folder.glob("*.datasheet.yml"):
        shutil.copy(sheet, tmp_path / sheet.name)
    wb = Workbook("demo", folder=tmp_path)
    for number, arguments in enumerate(built_charts(folder)):
        columns = [arguments["category"], *arguments["measures"]]
        table = pd.DataFrame({column: [f"{column}-1", f"{column}-2"] for column in columns})
        table[arguments["measures"]] = [[1] * len(arguments["measures"])] * 2
        wb.chart(f"chart-{number}", "Chart", "Make a chart.", data=table, **arguments)
        task = wb[f"chart-{number}"]
        for measure in task.measures:
            assert task.names.unit(measure), f"{folder.name}: {measure} has no unit"
            assert measure in task.names.described, f"{folder.name}: {measure} has no label"
            assert task.names.unit(measure) in task.names.label(measure)


def _project(tmp_path: Path, chart: str) -> Path:
    """A table with its datasheet, a column the code makes (per_store), and a chart."""
    return chart_project(
        tmp_path,
        table="city,sales,stores\nAvon,10,1\nBly,30,3\n",
        columns="  city: {label: City}\n  sales: {label: Sales, unit: dollars}\n"
        "  stores: {label: Stores}\n",
        code='sales["per_store"] = sales["sales"] / sales["stores"]',
        chart=f"data: sales\ncategory: city\n{chart}",
    )


def problems(folder: Path) -> list[str]:
    return [f"{p.where}: {p.message}" for p in build.problems(folder)]


def test_a_measure_without_a_unit_fails_the_check_naming_file_task_and_column(tmp_path):
    folder = _project(tmp_path, "measures:\n- sales\n- stores\n- per_store\n")
    found = build.check_built(folder)  # what `careerlab check` reports
    assert len(found) == 2, found
    stores, per_store = found
    assert stores.startswith(f"{folder / 'workbook.md'}: line ")
    assert "'stores' has a label but no unit in chart 'sales-chart'" in stores
    assert "'per_store' has no label and no unit" in per_store
    assert "columns:" in per_store  # says where to give them


def test_columns_give_a_new_column_its_label_and_unit(tmp_path):
    folder = _project(
        tmp_path,
        "measures:\n- sales\n- stores\n- per_store\ncolumns:\n"
        "  stores: {label: Stores, unit: stores}\n"
        "  per_store: {label: Sales per store, unit: dollars a store}\n",
    )
    assert problems(folder) == []
    (arguments,) = built_charts(folder)
    assert arguments["columns"] == {
        "stores": {"label": "Stores", "unit": "stores"},
        "per_store": {"label": "Sales per store", "unit": "dollars a store"},
    }


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("columns: [per_store]\n", "columns: each column's label and unit"),
        ("columns:\n  per_store: Sales per store\n", "columns.per_store: a label and a unit"),
        ("columns:\n  per_store: {unit: dollars}\n", "columns.per_store.label: text"),
        ("columns:\n  per_store: {label: Per store, unit: 5}\n", "columns.per_store.unit: text"),
        (
            "columns:\n  per_store: {label: Per store, unit: dollars, time: true}\n",
            "columns.per_store: no field 'time'",
        ),
        ("columns:\n  per_store: {label: '" + "x" * 101 + "', unit: d}\n", "at most 100"),
    ],
)
def test_a_malformed_columns_field_is_named(tmp_path, columns, message):
    folder = _project(tmp_path, "measures:\n- sales\n" + columns)
    found = problems(folder)
    assert any(p.startswith("tasks.sales-chart.columns") and message in p for p in found), found


def test_a_call_with_long_labels_is_built_as_ruff_formats_it(tmp_path):
    """A label long enough to overflow its line is laid out a level deeper, so the built
    notebook passes `make lint` as it is."""
    long = "Share of the school's electricity use, over a whole year of sunny days"
    folder = _project(
        tmp_path,
        "measures:\n- per_store\ncolumns:\n"
        f'  per_store: {{label: "{long}", unit: dollars a store}}\n',
    )
    (code,) = [c.source for c in build.notebook(folder).cells if "wb.chart(" in c.source]
    assert f'            "label": "{long}",' in code
    (tmp_path / "chart.py").write_text(code + "\n", encoding="utf-8")
    assert_ruff_formatted(tmp_path)


def test_the_authoring_page_keeps_a_charts_columns_when_a_teacher_saves(tmp_path):
    """The page's form of a task and back (careerlab.authoring_page.editing), as on a save."""
    from careerlab.author.workbook_text import parse
    from careerlab.authoring_page.editing import task_form, task_from_form

    text = build.source_path(REPO / course.SOURCE_DIRECTORY / "coffee-site").read_text()
    (chart,) = [t for t in parse(text).tasks if t.kind == "chart"]
    problems: list = []
    again = task_from_form(task_form(chart), problems)
    assert problems == []
    assert again.fields["columns"]["rent_per_customer"] == {
        "label": "Rent per customer",
        "unit": "dollars a customer",
    }
    assert again.fields == chart.fields
