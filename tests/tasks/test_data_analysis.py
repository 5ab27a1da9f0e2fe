import numpy as np
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
