import pytest

from careerlab.workbook.tasks.base import AnswerError

from .conftest import HOSTILE, assert_inert, reopen


def define(wb):
    wb.short_text("tax", "Tax name", "Name it.", max_length=80)
    return wb["tax"]


def test_short_text_saves_and_comes_back(workbook, folder):
    define(workbook).fill("  FICA ")
    again = define(reopen(folder))
    assert again.value == "FICA" and again.input.value == "FICA"


@pytest.mark.parametrize("answer", ["fica", "FICA.", "  Fica  ", "f.i.c.a."])
def test_accepted_answers_ignore_case_space_and_punctuation(workbook, answer):
    task = define(workbook)
    task.fill(answer)
    assert task.check(task.Key(accept=("FICA", "F.I.C.A."))).correct


def test_pattern_and_wrong_answers(workbook):
    task = define(workbook)
    task.fill("Medicare tax")
    assert not task.check(task.Key(accept=("FICA",))).correct
    assert task.check(task.Key(pattern=r"medicare( tax)?")).correct


def test_too_long_is_not_saved(workbook):
    task = define(workbook)
    task.fill("x" * 81)
    assert task.value is None and "longer than 80" in task._status.value


@pytest.mark.parametrize("stored", [5, None, "y" * 500])
def test_bad_stored_text_is_rejected(workbook, stored):
    with pytest.raises(AnswerError):
        define(workbook).parse(stored)


def test_student_text_is_inert_in_html(workbook):
    task = define(workbook)
    task.fill(HOSTILE[:80])
    assert "<script" not in task.render_html() and "&lt;script&gt;" in task.render_html()
    assert_inert(task.view._repr_mimebundle_()["text/html"])
