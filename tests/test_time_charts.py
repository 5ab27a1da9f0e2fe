"""Charts over time: `careerlab check` (through the build's checks) names every chart task
that would draw time as bars sorted by value, and the build gives a chart of a datasheet's
time column its `time=`, so the chart is a line in time order wherever it is drawn."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from IPython.utils.capture import capture_output

from careerlab import course
from careerlab.author import build
from careerlab.showcase.page import _trusted_cells

from .conftest import make_course
from .demo_project import chart_project

REPO = Path(__file__).resolve().parents[1]


def project(tmp_path: Path, chart: str, *, time_in_datasheet: bool = True) -> Path:
    """A small project: a monthly table with its datasheet, and one chart task."""
    time = ", time: true" if time_in_datasheet else ""
    return chart_project(
        tmp_path,
        table="month,sales\nJan 2025,10\nFeb 2025,30\nMar 2025,20\n",
        columns=f"  month: {{label: Month{time}}}\n  sales: {{label: Sales, unit: dollars}}\n",
        code="quarters = sales.assign(quarter=[1, 1, 1])",
        chart=chart,
    )


def problems(folder: Path) -> list[str]:
    return [f"{p.where}: {p.message}" for p in build.problems(folder)]


def test_a_chart_of_a_datasheets_time_column_is_built_as_a_line(tmp_path):
    folder = project(tmp_path, "data: sales\ncategory: month\nmeasures:\n- sales\n")
    assert problems(folder) == []
    source = "".join(cell.source for cell in build.notebook(folder).cells)
    assert 'time="month"' in source  # the datasheet's time column reaches the chart


@pytest.mark.parametrize(
    ("chart", "where", "message"),
    [
        # the datasheet says month is time; the author offers bars anyway
        (
            "data: sales\ncategory: month\nmeasures:\n- sales\nkinds:\n- barh\n",
            "tasks.sales-chart.kinds",
            "chart 'sales-chart' is over time ('month'), so it is a line in time order; "
            "barh would sort",
        ),
        # a table made by code keeps the time column's name, and the chart does not say so
        (
            "data: quarters\ncategory: month\nmeasures:\n- sales\n",
            "tasks.sales-chart.time",
            "draws 'month', the time column of sales.csv (its datasheet says time: true), "
            "as bars sorted by value; add `time: month`",
        ),
        # time named on the task, bars offered
        (
            "data: quarters\ncategory: month\ntime: month\nmeasures:\n- sales\nkinds:\n- bar\n",
            "tasks.sales-chart.kinds",
            "bar would sort the month values by size",
        ),
        # a chart over time whose x axis is not time
        (
            "data: quarters\ncategory: quarter\ntime: month\nmeasures:\n- sales\n",
            "tasks.sales-chart.category",
            "set category: month",
        ),
        (
            "data: sales\ncategory: month\ntime: quarter\nmeasures:\n- sales\n",
            "tasks.sales-chart.time",
            "sales.csv's datasheet says its time column is 'month', not 'quarter'",
        ),
        # a line between categories
        (
            "data: quarters\ncategory: quarter\nmeasures:\n- sales\nkinds:\n- line\n",
            "tasks.sales-chart.kinds",
            "a line is for a chart over time",
        ),
        (
            "data: sales\ncategory: month\ntime: [month]\nmeasures:\n- sales\n",
            "tasks.sales-chart.time",
            "time: the name of the time column",
        ),
        (
            "data: sales\ncategory: month\nkinds: barh\nmeasures:\n- sales\n",
            "tasks.sales-chart.kinds",
            "kinds: a list of chart types",
        ),
    ],
)
def test_check_names_the_task_and_what_to_change(tmp_path, chart, where, message):
    found = problems(project(tmp_path, chart))
    assert any(p.startswith(where) and message in p for p in found), found


def test_bars_of_categories_are_fine(tmp_path):
    folder = project(
        tmp_path,
        # quarters is made from sales.csv: its datasheet labels sales (with its unit)
        "data: quarters\ndatasheet: sales.csv\ncategory: quarter\nmeasures:\n- sales\n",
        time_in_datasheet=False,
    )
    assert problems(folder) == []


def test_a_project_that_charts_months_as_bars_fails_the_check(tmp_path):
    """small-business-loan's monthly chart without its `time:` is the bug this fixes:
    `careerlab check` reports it with the file, the line of the task and what to add."""
    folder = tmp_path / "small-business-loan"
    shutil.copytree(REPO / course.SOURCE_DIRECTORY / folder.name, folder)
    text = build.source_path(folder).read_text(encoding="utf-8")
    assert "category: month\ntime: month\n" in text
    build.source_path(folder).write_text(
        text.replace("category: month\ntime: month\n", "category: month\n"), encoding="utf-8"
    )
    found = build.check_built(folder)
    assert any(
        p.startswith(f"{build.source_path(folder)}: line ")
        and "chart 'season-chart' draws 'month', the time column of food-truck.csv" in p
        and "add `time: month`" in p
        for p in found
    ), found


VITALS = "vitals-care-plan"
DESIGN = {"measure": "temperature_c", "kind": "line", "title": "Her fever climbed every shift"}


def _chart_urls(html: str) -> list[str]:
    return re.findall(r'src="(data:image/png;base64,[^"]+)"', html)


def test_the_task_the_grading_page_and_the_showcase_draw_the_same_line(tmp_path):
    """vitals-care-plan's chart over the nursing shifts: a student's workbook, the grading
    page and the showcase each draw it from the stored design with the same code, so all
    three show one picture: a line with the shifts in time order."""
    from careerlab.grading_page.render import render_work
    from careerlab.showcase.page import showcase_html
    from careerlab.workbook import charts
    from careerlab.workbook.answers import answers_filename
    from careerlab.workbook.book import Workbook

    root = make_course(tmp_path / "course")
    answers = {"schema": 1, "workbook": VITALS,
               "answers": {"vitals-chart": {"kind": "chart", "value": DESIGN}}}  # fmt: skip
    work = root / "autograded" / "ana" / VITALS
    shutil.copytree(root / course.SOURCE_DIRECTORY / VITALS, work)
    (work / answers_filename(VITALS)).write_text(json.dumps(answers), encoding="utf-8")

    # The student's own workbook: the notebook's set-up and task cells, run in their folder.
    student = tmp_path / "student"
    shutil.copytree(root / course.SOURCE_DIRECTORY / VITALS, student)
    (student / answers_filename(VITALS)).write_text(json.dumps(answers), encoding="utf-8")
    namespace: dict[str, object] = {}
    previous = Path.cwd()
    os.chdir(student)
    try:
        with capture_output():
            for source in _trusted_cells(student / f"{VITALS}.ipynb"):
                exec(compile(source, VITALS, "exec"), namespace)  # noqa: S102 -- author's code
    finally:
        os.chdir(previous)
    workbook = namespace["wb"]
    assert isinstance(workbook, Workbook) and workbook.store.path.parent == student
    task = workbook["vitals-chart"]
    assert task.kinds == ("line",) and task.value == DESIGN
    in_workbook = _chart_urls(task.answer_html())

    grading = render_work(str(root), VITALS, "ana", VITALS)
    on_grading_page = [
        url for t in grading["tasks"] if t["id"] == "vitals-chart" for url in _chart_urls(t["html"])
    ]
    in_showcase = _chart_urls(showcase_html(root, VITALS, "ana"))
    assert len(in_workbook) == 1
    assert on_grading_page == in_workbook
    assert in_showcase == in_workbook

    # ... and that picture is the line of the shifts in time order, even from rows in
    # another order (the bars it replaced sorted them by temperature).
    shifts = task.data
    shuffled = shifts.sort_values("temperature_c", ascending=False)
    assert shuffled["shift"].tolist() != shifts["shift"].tolist()
    line = charts.draw_png(shuffled, "shift", "temperature_c", "line", DESIGN["title"], task.names)
    assert in_workbook == [charts.png_data_url(line)]
    alt = re.search(r'alt="([^"]*)"', task.answer_html()).group(1)
    places = [alt.index(f"{name}: ") for name in shifts["shift"]]  # the screen reader's order
    assert alt.startswith("Line chart of") and places == sorted(places)
    assert shifts["shift"].tolist()[0].startswith("1:") and len(places) == 5
