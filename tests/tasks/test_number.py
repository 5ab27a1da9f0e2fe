import pytest

from careerlab.workbook.tasks.base import AnswerError
from careerlab.workbook.tasks.number import read_number

from .conftest import reopen


def define(wb, **options):
    wb.number("pay", "Gross pay", "How much?", unit="dollars", minimum=0, maximum=10_000, **options)
    return wb["pay"]


@pytest.mark.parametrize(
    "text, value",
    [
        ("496", 496.0),
        ("$496.00", 496.0),
        ("1,234.50", 1234.5),
        (" -3 ", -3.0),
        ("12.5%", 12.5),
        (".5", 0.5),
    ],
)
def test_numbers_are_read_as_people_write_them(text, value):
    assert read_number(text) == value


@pytest.mark.parametrize("text", ["abc", "12,34", "1e400", "4 9 6", "$", "9" * 80])
def test_text_that_is_not_a_number_gets_a_plain_message(text):
    with pytest.raises(AnswerError):
        read_number(text)


def test_typed_number_saves_and_comes_back(workbook, folder):
    task = define(workbook)
    task.fill("$1,234.56")
    assert "Saved $1,234.56" in task._status.value
    again = define(reopen(folder))
    assert again.value == 1234.56 and again.input.value == "1234.56"


def test_a_typo_is_not_saved_and_the_old_answer_stays(workbook, folder):
    task = define(workbook)
    task.fill("40")
    task.fill("forty")
    assert "Not saved" in task._status.value
    assert define(reopen(folder)).value == 40.0


def test_out_of_range_is_refused(workbook):
    task = define(workbook)
    task.fill("20000")
    assert "between $0.00 and $10,000.00" in task._status.value and task.value is None


@pytest.mark.parametrize("stored", ["496", True, None, float("inf"), -5.0, [1]])
def test_bad_stored_numbers_are_rejected(workbook, stored):
    with pytest.raises(AnswerError):
        define(workbook).parse(stored)


def test_tolerance_absolute_and_relative(workbook):
    task = define(workbook)
    task.fill("496.004")
    assert task.check(task.Key(value=496, tolerance=0.01)).correct
    assert not task.check(task.Key(value=496)).correct
    assert task.check(task.Key(value=500, relative=0.01)).correct
    assert not task.check(task.Key(value=600, relative=0.01)).correct


def test_display_shows_the_unit(workbook):
    task = define(workbook)
    task.fill("496")
    assert "$496.00" in task.render_html()


def test_the_code_path_records_what_the_students_code_computed(workbook, folder):
    import numpy as np

    task = define(workbook)
    workbook.record("pay", np.int64(496))  # pandas gives numpy numbers
    assert task.value == 496.0 and "from your code" in task._status.value
    assert task.input.value == "496"  # the box shows what the code saved
    workbook.record("pay", None)  # the released stub, run again: changes nothing
    again = define(reopen(folder))
    assert again.value == 496.0 and again.check(again.Key(value=496)).correct


def test_running_the_code_path_again_does_not_rewrite_the_answers(workbook, folder):
    task = define(workbook)
    workbook.record("pay", 496)
    before = workbook.store.path.stat().st_mtime_ns
    workbook.record("pay", 496.0)
    assert workbook.store.path.stat().st_mtime_ns == before
    assert "is saved" in task._status.value
