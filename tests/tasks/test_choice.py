import pytest

from careerlab.workbook.tasks.base import AnswerError

from .conftest import HOSTILE, assert_inert, reopen

OPTIONS = {"a": "Apples", "b": "Bananas", "c": HOSTILE}


def define(wb):
    wb.choice("fruit", "Fruit", "Pick one.", options=OPTIONS)
    return wb["fruit"]


def test_a_choice_saves_and_comes_back(workbook, folder):
    task = define(workbook)
    task.fill("b")
    again = define(reopen(folder))
    assert again.value == "b" and again.input.value == "b"


def test_check_compares_keys(workbook):
    task = define(workbook)
    assert not task.check(task.Key(correct="b")).correct
    task.fill("b")
    assert task.check(task.Key(correct="b")).correct
    assert task.check(task.Key(correct=("a", "b"))).correct
    assert not task.check(task.Key(correct="a")).correct


@pytest.mark.parametrize("stored", [3, None, ["b"], "z"])
def test_bad_stored_choices_are_rejected(workbook, stored):
    with pytest.raises(AnswerError):
        define(workbook).parse(stored)


def test_an_option_removed_after_release_is_reported_not_crashed(workbook, folder):
    define(workbook).fill("a")
    wb = reopen(folder)
    wb.choice("fruit", "Fruit", "Pick one.", options={"b": "Bananas"})
    task = wb["fruit"]
    assert task.value is None and "no longer offered" in task.problem
    assert "careerlab-status-problem" in task._status.value  # tests/tasks/test_status.py


def test_labels_are_escaped_everywhere(workbook):
    task = define(workbook)
    task.fill("c")
    assert_inert(task.render_html())
    assert_inert(task.view._repr_mimebundle_()["text/html"])
