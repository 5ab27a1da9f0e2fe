import json

import numpy as np
import pandas as pd
import pytest

from careerlab.workbook.tasks.base import AnswerError

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
    assert "Total (add them up) of sales" in again.render_html()


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
    assert task.value is None and "Problem:" in task._status.value


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
    assert task.column.value == "sales"


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
    assert "profit" in task.column.options  # a new column can be summarised
    add(task, "filter", column="day", **{"is": "=="}, value="sun")
    add(task, "group", by="store", summary="sum", column="profit")
    assert task.column.options == ("profit",)  # after a group: its column
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
    assert "kept only rows where day is sun" in shown and "sales − cost" in shown


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
    assert any("wb.grade(" in c.source for c in nb.cells)  # the hidden test ran, and passed
    saved = json.loads((student / "demo.answers.json").read_text())["answers"]["profit"]
    assert saved["value"] == "east" and saved["query"] == SOLVED
