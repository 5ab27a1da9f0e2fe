import pytest

from careerlab.workbook.tasks.base import AnswerError

from .conftest import HOSTILE, reopen


def define(wb, table):
    wb.chart(
        "sales-chart",
        "Chart",
        "Make a chart.",
        data=table,
        category="city",
        measures=["sales", "stores"],
    )
    return wb["sales-chart"]


def test_a_chart_design_saves_and_comes_back(workbook, folder, table):
    task = define(workbook, table)
    task.fill({"measure": "stores", "kind": "barh", "title": "Stores by city"})
    again = define(reopen(folder), table)
    assert again.value == {"measure": "stores", "kind": "barh", "title": "Stores by city"}
    assert (again.measure.value, again.chart_kind.value) == ("stores", "barh")


def test_the_chart_is_drawn_by_trusted_code_as_a_png(workbook, table):
    task = define(workbook, table)
    task.fill({"measure": "sales", "kind": "bar", "title": "Sales"})
    html = task.render_html()
    assert 'src="data:image/png;base64,iVBOR' in html
    assert "Bly: 30.25" in html  # the alt text carries the data for screen readers


def test_check_wants_a_supporting_measure_and_a_title(workbook, table):
    task = define(workbook, table)
    assert not task.check(task.Key(measures=("sales",))).correct
    task.fill({"measure": "stores", "kind": "bar", "title": "Stores"})
    assert not task.check(task.Key(measures=("sales",))).correct
    task.fill({"measure": "sales", "kind": "bar", "title": ""})
    assert not task.check(task.Key(measures=("sales",))).correct
    task.fill({"measure": "sales", "kind": "bar", "title": "Sales by city"})
    assert task.check(task.Key(measures=("sales",))).correct


@pytest.mark.parametrize(
    "stored",
    [
        "sales",
        {"measure": "__class__", "kind": "bar", "title": ""},
        {"measure": "sales", "kind": "pie", "title": ""},
        {"measure": "sales", "kind": "bar", "title": "x" * 500},
        {"measure": "sales", "kind": "bar", "title": 7},
    ],
)
def test_bad_stored_designs_are_rejected(workbook, table, stored):
    with pytest.raises(AnswerError):
        define(workbook, table).parse(stored)


def test_titles_are_inert(workbook, table):
    task = define(workbook, table)
    task.fill({"measure": "sales", "kind": "bar", "title": HOSTILE[:90]})
    html = task.render_html()
    assert "<script" not in html and "&lt;script&gt;" in html
    assert html.count("<img") == 1  # only the chart itself
    assert "onerror=&quot;" in html and 'onerror="' not in html


def test_a_line_chart_keeps_the_table_order(workbook, table):
    workbook.chart("trend", "Trend", "Over time.", data=table, category="city",
                   measures=["sales"], kinds=("line",))  # fmt: skip
    task = workbook["trend"]
    assert task.chart_kind.options == (("Line, in the table's order (for time)", "line"),)
    task.fill({"measure": "sales", "kind": "line", "title": "Sales"})
    html = task.render_html()
    assert "Line chart of Sales by City. Avon: 10.5, Bly: 30.25, Cort: 20" in html
    with pytest.raises(AnswerError):
        task.parse({"measure": "sales", "kind": "bar", "title": ""})  # not offered here


def test_drawing_leaves_the_students_matplotlib_alone():
    """A student who plots with pyplot in a workbook still sees the plot inline:
    CareerLab draws on a Figure of its own and never switches the backend."""
    import os
    import subprocess
    import sys

    inline = "module://matplotlib_inline.backend_inline"
    code = (
        "import matplotlib, pandas as pd\n"
        "import matplotlib.pyplot as plt\n"
        "plt.figure()\n"
        "mine = plt.gcf()\n"
        "from careerlab.workbook import charts\n"
        "import careerlab.workbook.book\n"
        "table = pd.DataFrame({'c': ['a', 'b'], 'm': [1, 2]})\n"
        "png = charts.draw_png(table, 'c', 'm', 'bar', 'T')\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "print(matplotlib.get_backend(), plt.gcf() is mine, len(plt.get_fignums()))\n"
    )
    env = {**os.environ, "MPLBACKEND": inline}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [inline, "True", "1"]
