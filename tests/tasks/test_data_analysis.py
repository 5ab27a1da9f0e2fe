import json

import numpy as np
import pandas as pd
import pytest

from careerlab.workbook.tasks.base import AnswerError

from ..conftest import REPO
from ..student_data import copy_data_file, copy_neighborhoods, rent_and_traffic_chart
from .conftest import HOSTILE, assert_inert, reopen


def define(wb, table):
    wb.data_analysis(
        "top",
        "Sales",
        "Total sales?",
        data=table,
        columns=["sales", "stores"],
        label_column="city",
        unit="dollars",
    )
    return wb["top"]


def test_the_widget_path_saves_value_and_query(workbook, folder, table):
    task = define(workbook, table)
    task.fill({"column": "sales", "statistic": "sum"})
    assert task.value == 60.75 and task.via == "widgets"
    again = define(reopen(folder), table)
    assert again.value == 60.75
    assert (again.column.value, again.statistic.value) == ("sales", "sum")
    assert "Total (add them up) of Sales" in again.render_html()  # the column in words


def test_which_row_questions_answer_with_a_label(workbook, table):
    task = define(workbook, table)
    task.fill({"column": "sales", "statistic": "highest"})
    assert task.value == "Bly"
    assert task.check(task.Key(value="bly")).correct


def test_the_code_path_records_what_pandas_computed(workbook, folder, table):
    task = define(workbook, table)
    workbook.record("top", table["sales"].sum())  # a numpy float
    workbook.record("top", None)  # the released stub: changes nothing
    assert task.value == 60.75 and task.via == "code"
    again = define(reopen(folder), table)
    assert again.via == "code" and "own code" in again.render_html()
    assert again.check(again.Key(value=60.75, tolerance=0.001)).correct


@pytest.mark.parametrize("value", [table_value for table_value in ([1, 2], {"a": 1}, np.nan)])
def test_code_answers_that_are_not_one_value_are_explained(workbook, table, value):
    task = define(workbook, table)
    workbook.record("top", value)
    assert task.value is None and "careerlab-problem" in task._status.value


def test_recording_for_an_unknown_task_never_raises(workbook, table):
    define(workbook, table)
    workbook.record("nope", 1)


@pytest.mark.parametrize("stored", [True, None, float("inf"), "x" * 201, [1]])
def test_bad_stored_values_are_rejected(workbook, table, stored):
    with pytest.raises(AnswerError):
        define(workbook, table).parse(stored)


def test_a_tampered_query_is_ignored_but_the_value_kept(workbook, folder, table):
    workbook.store.save(
        "top",
        "data_analysis",
        5.0,
        via="widgets",
        query={"column": "__class__", "statistic": "exec"},
    )
    task = define(reopen(folder), table)
    assert task.value == 5.0 and task.query is None
    assert task.column.value is None  # the menus start empty


def test_hostile_labels_are_inert(workbook, table):
    table.loc[1, "city"] = HOSTILE
    task = define(workbook, table)
    task.fill({"column": "sales", "statistic": "highest"})
    assert_inert(task.render_html())


# Steps in the menus ---------------------------------------------------------------------
SHOP = pd.DataFrame(
    {
        "store": ["north", "south", "north", "east", "south"],
        "day": ["sat", "sat", "sun", "sun", "sun"],
        "sales": [120.0, 80.5, 60.0, 200.0, 40.0],
        "cost": [70, 30, 50, 150, 35],
    }
)
# Which store made the most profit on Sunday? north 10, east 50, south 5: east.
SUNDAY = [
    {"derive": {"column": "profit", "formula": "sales - cost"}},
    {"filter": {"column": "day", "is": "==", "value": "sun"}},
    {"group": {"by": "store", "column": "profit", "summary": "sum"}},
]


def define_steps(wb, steps=None):
    wb.data_analysis(
        "profit",
        "Sunday profit",
        "Which store made the most profit on Sunday?",
        data=SHOP,
        columns=["sales", "cost", "day"],
        label_column="store",
        unit="dollars",
        steps=["derive", "filter", "group", "sort"] if steps is None else steps,
    )
    return wb["profit"]


def values(menu):
    """The columns a menu offers (it shows each by its label)."""
    return [value for _, value in menu.options]


def add(task, kind, **menus):
    """What a student does: pick the kind, press Add, set the new row's menus."""
    task.add_kind.value = kind
    task.add.click()
    row = task.rows[-1]
    for name, value in menus.items():
        row.menus[name].value = value
    return row


def test_steps_added_in_the_menus_give_the_keys_answer(workbook, folder):
    task = define_steps(workbook)
    add(task, "derive", column="profit", left="sales", operator="-", right="cost")
    assert "profit" in values(task.column)  # a new column can be summarised
    add(task, "filter", column="day", **{"is": "=="}, value="sun")
    add(task, "group", by="store", summary="sum", column="profit")
    assert values(task.column) == ["profit"]  # after a group: its column
    assert ">east</td><td" in task.table_view.value and ">50</td>" in task.table_view.value
    task.column.value, task.statistic.value = "profit", "highest"  # which row: the store
    assert "east" in task.result.value
    task.use.click()
    assert task.value == "east" and task.check(task.Key(value="east")).correct
    assert task.query == {"steps": SUNDAY, "column": "profit", "statistic": "highest"}
    again = define_steps(reopen(folder))
    assert again.query == task.query and len(again.rows) == 3
    assert [row.as_step() for row in again.rows] == SUNDAY
    assert (again.column.value, again.statistic.value) == ("profit", "highest")
    shown = again.render_html()
    assert "kept only rows where Day is sun" in shown and "Profit = Sales − Cost" in shown


def test_the_table_after_the_steps_is_written_for_people(workbook):
    task = define_steps(workbook)
    add(task, "derive", column="big", left="sales", operator="*", right="1000")
    add(task, "sort", column="big", order="descending")
    assert ">200,000</td>" in task.table_view.value  # the largest first, with commas
    add(task, "derive", column="whole", left="cost", operator="*", right="1000")
    assert ">150,000</td>" in task.table_view.value  # whole numbers too
    assert "5 rows" in task.table_view.value
    task.column.value, task.statistic.value = "big", "mean"
    task.use.click()
    assert task.value == 100_100.0


@pytest.mark.parametrize(
    ("kind", "menus", "problem"),
    [
        ("derive", {"column": "p", "right": "salez"}, "is not a column or a number"),
        ("derive", {"column": "p", "right": "__import__('os')"}, "is not a column or a number"),
        ("derive", {"column": "p", "right": "3%"}, "3% is 0.03"),
        ("derive", {"column": "my profit", "right": "cost"}, "letters, digits and _"),
        ("filter", {"column": "day", "value": "5"}, "day holds words"),
        ("filter", {"column": "sales", "value": "lots"}, "sales holds numbers"),
        ("group", {"by": "sales", "column": "sales"}, "another column"),
    ],
)
def test_a_bad_step_shows_its_problem_and_saves_nothing(workbook, folder, kind, menus, problem):
    task = define_steps(workbook)
    row = add(task, kind, **menus)
    assert problem in row.problem.value and "Problem:" in row.problem.value
    assert task.broken and "not used" in task.table_view.value
    task.use.click()
    assert task.value is None and "Not saved" in task._status.value
    assert not (folder / "demo.answers.json").exists()
    row.remove.click()  # removed, the steps work again
    task.column.value, task.statistic.value = "sales", "sum"
    task.use.click()
    assert task.value == 500.5  # the total of sales


def test_a_solution_fills_the_steps(workbook):
    task = define_steps(workbook)
    task.fill({"steps": SUNDAY, "column": "profit", "statistic": "highest"})
    assert task.value == "east" and len(task.rows) == 3
    task.fill({"column": "sales", "statistic": "sum"})  # without steps, as before
    assert (
        task.value == 500.5
        and task.rows == []
        and task.query
        == {
            "column": "sales",
            "statistic": "sum",
        }
    )
    with pytest.raises(ValueError, match="cannot make"):  # one operation per new column
        task.fill(
            {
                "steps": [{"derive": {"column": "p", "formula": "(sales - cost) * 2"}}],
                "column": "p",
                "statistic": "sum",
            }
        )


def test_only_the_offered_kinds_are_in_the_menu(workbook):
    task = define_steps(workbook, steps=["derive"])
    assert [kind for _, kind in task.add_kind.options] == ["derive"]
    with pytest.raises(ValueError, match="cannot make"):
        task.fill({"steps": SUNDAY, "column": "profit", "statistic": "highest"})


@pytest.mark.parametrize("steps", [["pivot"], ["derive", "derive"], "derive", [], [1]])
def test_a_wrong_steps_field_fails_at_once(workbook, steps):
    with pytest.raises(ValueError, match="steps: a list of the step kinds"):
        define_steps(workbook, steps=steps)


# The author checks: solutions.yml's steps, worked out as the menus work them out ---------
TASK_TEXT = """```{data} shop
file: shop.csv
```

```{task} data_analysis
id: profit
title: Sunday profit
prompt: Which store made the most profit on Sunday?
data: shop
columns: [sales, cost, day]
label_column: store
STEPS
answer: ANSWER
points: 1
```
"""


def project(tmp_path, solution, steps="steps: [derive, filter, group]", answer="east"):
    import yaml

    folder = tmp_path / "workbooks" / "demo"
    folder.mkdir(parents=True)
    SHOP.to_csv(folder / "shop.csv", index=False)
    text = TASK_TEXT.replace("STEPS", steps).replace("ANSWER", answer)
    (folder / "workbook.md").write_text(text, encoding="utf-8")
    (folder / "solutions.yml").write_text(yaml.safe_dump({"demo": {"profit": solution}}))
    return folder


def problems(folder):
    from careerlab.author import build

    return [(p.where, p.message) for p in build.problems(folder)]


SOLVED = {"steps": SUNDAY, "column": "profit", "statistic": "highest"}


@pytest.mark.parametrize(
    ("solution", "steps", "answer", "where", "message"),
    [
        (SOLVED, "steps: [derive, filter, group]", "east", None, None),
        ({"column": "sales", "statistic": "sum"}, "steps: [derive]", "east", None, None),
        (SOLVED, "steps: [derive, filter, group]", "north", "answer", "give 'east'"),
        (SOLVED, "steps: [derive, filter]", "east", "steps", "not a step these menus offer"),
        (SOLVED, "", "east", "steps", "the task offers none"),
        (SOLVED, "steps: [derive, pivot]", "east", "steps", "any of: derive, filter"),
        (
            {**SOLVED, "steps": [{"derive": {"column": "p", "formula": "(sales - cost) * 2"}}]},
            "steps: [derive]",
            "east",
            "steps",
            "split a longer formula",
        ),
        (
            {**SOLVED, "steps": [{"filter": {"column": "store", "is": "==", "value": "x"}}]},
            "steps: [filter]",
            "east",
            "steps",
            "the Column menu has no 'profit'",
        ),
    ],
)
def test_the_build_checks_a_solution_made_with_steps(
    tmp_path, solution, steps, answer, where, message
):
    found = problems(project(tmp_path, solution, steps, answer))
    if where is None:
        assert found == []
    else:
        assert any(w == f"tasks.profit.{where}" and message in m for w, m in found), found


SETUP = """```{code} setup
import pandas as pd

from careerlab import Workbook

wb = Workbook("demo")
```

"""


def test_a_solution_with_steps_is_graded_in_a_real_kernel(tmp_path):
    """The built notebook, answered in a kernel from solutions.yml's steps as `careerlab
    simulate` answers it (a student's copy, so the answers file is written): the steps
    are saved with the answer and the hidden test passes (one kernel start)."""
    import shutil

    from careerlab.author import build
    from careerlab.testing.simulate import answer

    folder = project(tmp_path, SOLVED)
    source = folder / "workbook.md"
    source.write_text(SETUP + source.read_text(encoding="utf-8"), encoding="utf-8")
    build.build(folder)
    student = tmp_path / "student"
    student.mkdir()
    for name in ("demo.ipynb", "shop.csv"):
        shutil.copy(folder / name, student / name)
    nb = answer(student / "demo.ipynb", {"profit": SOLVED})  # raises if any cell fails
    assert any('steps=["derive", "filter", "group"]' in c.source for c in nb.cells)
    assert any('asks="name"' in c.source for c in nb.cells)  # from the key, "east"
    assert any("wb.grade(" in c.source for c in nb.cells)  # the hidden test ran, and passed
    saved = json.loads((student / "demo.answers.json").read_text())["answers"]["profit"]
    assert saved["value"] == "east" and saved["query"] == SOLVED


# The right kind of answer, and columns in words (issue #15) ------------------------------
@pytest.fixture
def sites(folder):
    """The coffee-site neighborhoods and their datasheet, in a student's folder."""
    return copy_neighborhoods(folder)


def busiest(wb, sites, asks="name", datasheet="neighborhoods.csv", task_id="busiest"):
    wb.data_analysis(
        task_id,
        "The busiest sidewalk",
        "Which neighborhood has the most weekday foot traffic?",
        data=sites,
        columns=["weekday_foot_traffic", "monthly_rent"],
        label_column="neighborhood",
        asks=asks,
        datasheet=datasheet,
    )
    return wb[task_id]


def test_the_menus_compute_nothing_until_the_student_picks(workbook, folder, sites):
    task = busiest(workbook, sites)
    assert (task.column.value, task.statistic.value) == (None, None)
    assert "pick a column and a summary first" in task.result.value
    task.use.click()
    assert task.value is None and "Not saved: pick a column and a summary first" in (
        task._status.value
    )
    task.column.value = "weekday_foot_traffic"
    task.use.click()
    assert task.value is None and "Not saved: pick a summary first" in task._status.value
    assert not (folder / "demo.answers.json").exists()


def test_a_number_is_refused_for_a_which_row_question(workbook, folder, sites):
    """The issue's case: "Largest value" of foot traffic (28,700... here 9,100) is not a
    neighborhood; the student is told before and after pressing the button."""
    task = busiest(workbook, sites)
    task.column.value, task.statistic.value = "weekday_foot_traffic", "max"
    assert "9,100 people a day" in task.result.value  # the result, written for people
    assert "Not an answer: this question asks which row" in task.result.value
    task.use.click()
    status = task._status.value
    assert task.value is None and "Not saved" in status and "careerlab-problem" in status
    assert "a name from the Neighborhood column, not a number" in status
    assert "Which row has the highest value" in status  # what to pick instead
    assert not (folder / "demo.answers.json").exists()
    task.statistic.value = "highest"
    assert "Not an answer" not in task.result.value
    task.use.click()
    assert task.value == "Downtown" and task.check(task.Key(value="Downtown")).correct


def test_a_name_is_refused_for_a_how_much_question(workbook, sites):
    task = busiest(workbook, sites, asks="number", task_id="rent")
    task.fill({"column": "monthly_rent", "statistic": "highest"})
    assert task.value is None and "asks for a number, not the name of a row" in task._status.value
    assert "Largest value" in task._status.value
    task.fill({"column": "monthly_rent", "statistic": "max"})
    assert task.value == 6600.0 and "Saved $6,600.00 a month" in task._status.value


def test_code_and_stored_answers_of_the_wrong_kind_are_refused(workbook, folder, sites):
    task = busiest(workbook, sites)
    workbook.record("busiest", sites["weekday_foot_traffic"].max())  # a numpy int
    assert task.value is None and "asks which row" in task._status.value
    # An answers file saved before this rule (or edited): the number is not used, and the
    # student is told to answer again.
    workbook.store.save("busiest", "data_analysis", 9100.0, via="widgets", query=None)
    again = busiest(reopen(folder), sites)
    assert again.value is None and "asks which row" in again.problem


def test_a_question_without_asks_takes_either_kind(workbook, table):
    task = define(workbook, table)
    task.fill({"column": "sales", "statistic": "highest"})
    assert task.value == "Bly"
    task.fill({"column": "sales", "statistic": "sum"})
    assert task.value == 60.75


@pytest.mark.parametrize(
    ("asks", "datasheet", "message"),
    [
        ("row", None, "asks: name"),
        (None, "../neighborhoods.csv", "datasheet: the file name"),
        (None, "neighborhoods.datasheet.yml", "datasheet: the data file"),
    ],
)
def test_wrong_fields_fail_at_once(workbook, sites, asks, datasheet, message):
    with pytest.raises(ValueError, match=message):
        busiest(workbook, sites, asks=asks, datasheet=datasheet)


def test_columns_are_shown_by_their_datasheet_labels_with_units(workbook, folder, sites):
    task = busiest(workbook, sites)
    assert task.column.options == (
        ("Weekday foot traffic (people a day)", "weekday_foot_traffic"),
        ("Monthly rent (dollars a month)", "monthly_rent"),
    )
    task.fill({"column": "weekday_foot_traffic", "statistic": "highest"})
    shown = busiest(reopen(folder), sites).render_html()
    assert "of Weekday foot traffic (people a day)." in shown
    assert "weekday_foot_traffic" not in shown


def test_the_table_after_the_steps_has_labels_and_money(workbook, sites):
    workbook.data_analysis(
        "cheap",
        "Cheapest",
        "Which neighborhood has the lowest rent?",
        data=sites,
        columns=["weekday_foot_traffic", "monthly_rent"],
        label_column="neighborhood",
        steps=["sort"],
        asks="name",
        datasheet="neighborhoods.csv",
    )
    task = workbook["cheap"]
    row = add(task, "sort", column="monthly_rent")
    assert ("Monthly rent (dollars a month)", "monthly_rent") in row.menus["column"].options
    view = task.table_view.value
    assert "<th" in view and "Monthly rent (dollars a month)</th>" in view
    assert ">$6,600.00</td>" in view and ">9,100</td>" in view
    assert "monthly_rent" not in view


def test_a_new_column_has_the_unit_its_formula_gives_and_no_other(workbook, folder):
    """gross pay - net pay is in dollars; gross pay / 2 has no unit (a number may change
    it): analysis_steps.derived_unit."""
    task = paystubs_question(workbook, folder)
    add(task, "derive", column="withheld", left="gross_pay", operator="-", right="net_pay")
    add(task, "derive", column="half", left="gross_pay", operator="/", right="2")
    assert ("Withheld (dollars)", "withheld") in task.column.options
    assert ("Half", "half") in task.column.options  # no unit rather than a wrong one
    view = task.table_view.value
    assert "Withheld (dollars)</th>" in view and ">$23.42</td>" in view  # 306.13 - 282.71
    assert ">201.5</td>" in view  # half of 403.00: a plain number
    task.column.value, task.statistic.value = "withheld", "sum"
    assert "Result: <strong>$" in task.result.value


def test_a_count_per_group_is_not_money(workbook, folder):
    task = paystubs_question(workbook, folder)
    add(task, "group", by="hours", summary="count", column="gross_pay")
    assert ">1</td>" in task.table_view.value and ">$" not in task.table_view.value


def paystubs_question(wb, folder):
    """A data question over first-paycheck's pay stubs and their datasheet."""
    wb.data_analysis(
        "withheld",
        "Withheld",
        "How much was withheld in all?",
        data=copy_data_file(folder, "first-paycheck", "paystubs.csv"),
        columns=["gross_pay", "net_pay", "hours"],
        label_column="pay_date",
        steps=["derive", "group"],
        datasheet="paystubs.csv",
    )
    return wb["withheld"]


def test_a_chart_has_labelled_axes_with_units(workbook, sites):
    from careerlab.workbook import charts
    from careerlab.workbook.datasheet import ColumnNames

    task = rent_and_traffic_chart(workbook, sites)
    assert task.measure.options[0] == ("Monthly rent (dollars a month)", "monthly_rent")
    design = {"measure": "monthly_rent", "kind": "bar", "title": "Rent"}
    assert "Bar chart of Monthly rent (dollars a month) by Neighborhood." in task.alt_text(design)
    assert "Downtown: $6,600.00 a month" in task.alt_text(design)
    names = ColumnNames.read(workbook.folder, "neighborhoods.csv")
    for kind in ("bar", "barh"):
        axes = charts.figure(sites, "neighborhood", "monthly_rent", kind, "", names).axes[0]
        value_axis = axes.yaxis if kind == "bar" else axes.xaxis
        assert value_axis.get_label_text() == "Monthly rent (dollars a month)"
        ticks = [value_axis.get_major_formatter()(v, 0) for v in (0, 2000)]
        assert ticks == ["$0.00", "$2,000.00"]
        assert axes.get_title() == "Monthly rent by Neighborhood"


@pytest.mark.parametrize(
    ("extra", "answer", "where", "message"),
    [
        ("", "east", None, None),
        ("asks: name", "east", None, None),
        ("asks: number", "east", "asks", "the answer key is a name"),
        ("asks: name", "12", "asks", "the answer key is a number"),
        ("asks: a row", "east", "asks", "asks: name (the question asks which row) or number"),
        ("datasheet: shop.csv", "east", "datasheet", "'shop.csv' has no datasheet"),
        ("datasheet: ../shop.csv", "east", "datasheet", "datasheet: the file name of a CSV"),
    ],
)
def test_the_build_checks_asks_and_datasheet(tmp_path, extra, answer, where, message):
    found = problems(project(tmp_path, SOLVED, f"steps: [derive, filter, group]\n{extra}", answer))
    found = [(w, m) for w, m in found if not w.endswith(".answer")]  # "12": a wrong key
    if where is None:
        assert found == []
    else:
        assert any(w == f"tasks.profit.{where}" and message in m for w, m in found), found


def test_the_build_says_what_each_data_question_asks_and_names_its_datasheet():
    """The six workbooks as built: every data question says what it asks (a name for a
    text key), and a question or chart on a data file's table names its datasheet."""
    import nbformat

    from careerlab.author import task_blocks
    from careerlab.author.build import read

    for folder in sorted((REPO / "workbooks").iterdir()):
        if not (folder / "workbook.md").is_file():
            continue
        code = "\n".join(
            c.source
            for c in nbformat.read(folder / f"{folder.name}.ipynb", as_version=4).cells
            if c.cell_type == "code"
        )
        for block in read(folder).tasks:
            if block.kind != "data_analysis":
                continue
            key = task_blocks.key_arguments(block)["value"]
            asks = "name" if isinstance(key, str) else "number"
            call = code[code.index(f'wb.data_analysis(\n    "{block.fields["id"]}"') :]
            call = call[: call.index("\n)")]
            assert f'asks="{asks}"' in call, (folder.name, block.fields["id"])
            assert "datasheet=" in call, (folder.name, block.fields["id"])
