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


MONTHS = ["Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025"]
SALES = [40.0, 55.0, 10.0, 20.0, 30.0, 35.0]


def over_time(rows: list[int]):
    """Monthly sales with the rows in the given order (the months run across a new year)."""
    import pandas as pd

    return pd.DataFrame({"month": [MONTHS[i] for i in rows], "sales": [SALES[i] for i in rows]})


def define_over_time(wb, table, **options):
    wb.chart("trend", "Trend", "Over time.", data=table, category="month",
             measures=["sales"], time="month", **options)  # fmt: skip
    return wb["trend"]


def test_a_chart_over_time_is_a_line_in_time_order_from_shuffled_rows(workbook):
    """Rows in any order (here by value, as a sorted table leaves them) give the line of
    the table in time order, with the months on the x axis: never bars, never by value."""
    from careerlab.workbook import charts

    shuffled = over_time([2, 3, 4, 5, 0, 1])  # by sales: Jan 2025 first, Dec 2024 last
    task = define_over_time(workbook, shuffled)
    assert task.chart_kind.options == (("Line over time, in time order", "line"),)
    design = {"measure": "sales", "kind": "line", "title": "Sales"}
    task.fill(design)
    in_time = "Nov 2024: 40, Dec 2024: 55, Jan 2025: 10, Feb 2025: 20, Mar 2025: 30, Apr 2025: 35"
    assert f"Line chart of Sales by Month. {in_time}" in task.render_html()
    drawn = charts.draw_png(over_time([0, 1, 2, 3, 4, 5]), "month", "sales", "line", "Sales")
    assert task.png(design) == drawn  # the same picture as the table in time order
    bars = charts.draw_png(over_time([0, 1, 2, 3, 4, 5]), "month", "sales", "bar", "Sales")
    assert task.png(design) != bars


def test_the_line_puts_the_times_on_the_x_axis_in_order():
    from careerlab.workbook import charts

    frame = charts.rows(over_time([5, 0, 3, 1, 4, 2]), "month", "sales", "line")
    assert frame["month"].tolist() == MONTHS
    assert charts.rows(over_time([5, 0, 3, 1, 4, 2]), "month", "sales", "bar")[
        "month"
    ].tolist() == ["Dec 2024", "Nov 2024", "Apr 2025", "Mar 2025", "Feb 2025", "Jan 2025"]


def test_bars_are_refused_for_a_chart_over_time(workbook):
    task = define_over_time(workbook, over_time([0, 1, 2, 3, 4, 5]))
    for kind in ("bar", "barh"):
        with pytest.raises(AnswerError, match="chart type"):
            task.parse({"measure": "sales", "kind": kind, "title": "Sales"})
    with pytest.raises(ValueError, match="would sort it by value"):
        define_over_time(workbook, over_time([0, 1]), kinds=("line", "barh"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ("line",)}, "a line is for a chart over time"),  # categories as a line
        ({"kinds": ("pie",)}, "not a chart type"),
        ({"kinds": ()}, "offers no chart type"),
        ({"time": "stores"}, "set category to 'stores'"),  # time must be the x axis
        ({"time": "year"}, "no column 'year'"),
    ],
)
def test_an_authors_chart_mistake_fails_at_once(workbook, table, options, message):
    with pytest.raises(ValueError, match=message):
        workbook.chart("c", "Chart", "Make a chart.", data=table, category="city",
                       measures=["sales"], **options)  # fmt: skip


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


def test_columns_label_a_column_the_code_made_in_the_menu_axis_and_alt_text(workbook, table):
    table["per_store"] = table["sales"] / table["stores"]
    workbook.chart(
        "per-store",
        "Chart",
        "Make a chart.",
        data=table,
        category="city",
        measures=["per_store"],
        columns={"per_store": {"label": "Sales per store", "unit": "dollars a store"}},
    )
    task = workbook["per-store"]
    task.build_controls()
    assert task.measure.options == (("Sales per store (dollars a store)", "per_store"),)
    design = {"measure": "per_store", "kind": "bar", "title": "Per store"}
    assert "Bar chart of Sales per store (dollars a store) by City." in task.alt_text(design)
    assert "$10.08 a store" in task.alt_text(design)


def test_a_malformed_columns_field_fails_naming_the_task(workbook, table):
    with pytest.raises(ValueError, match="Task 'bad': columns.sales.label: text"):
        workbook.chart(
            "bad",
            "Chart",
            "Make a chart.",
            data=table,
            category="city",
            measures=["sales"],
            columns={"sales": {"unit": "dollars"}},
        )
