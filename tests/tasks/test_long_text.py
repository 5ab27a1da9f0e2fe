import pytest

from careerlab.workbook.tasks.base import AnswerError
from careerlab.workbook.tasks.long_text import MAX_CHARACTERS

from .conftest import HOSTILE, assert_inert, reopen


def define(wb):
    wb.long_text("plan", "My plan", "Write it.", suggested_words=80)
    return wb["plan"]


def test_every_keystroke_is_saved(workbook, folder):
    task = define(workbook)
    assert task.input.continuous_update
    for text in ("I", "I will", "I will save $100."):
        task.fill(text)
    assert define(reopen(folder)).value == "I will save $100."
    assert "4 words" in task.counter.value


def test_completeness_check_counts_words(workbook):
    task = define(workbook)
    assert not task.check(task.Key(min_words=3)).correct
    task.fill("one two three")
    assert task.check(task.Key(min_words=3)).correct
    assert not task.check(task.Key(min_words=4)).correct


def test_too_long_keeps_the_last_saved_text(workbook, folder):
    task = define(workbook)
    task.fill("short")
    task.fill("x" * (MAX_CHARACTERS + 1))
    assert "Not saved" in task._status.value
    assert define(reopen(folder)).value == "short"


@pytest.mark.parametrize("stored", [1, {"a": 1}, "x" * (MAX_CHARACTERS + 1)])
def test_bad_stored_text_is_rejected(workbook, stored):
    with pytest.raises(AnswerError):
        define(workbook).parse(stored)


def test_paragraphs_are_kept_and_html_is_inert(workbook):
    task = define(workbook)
    task.fill(f"First {HOSTILE}\n\nSecond\nline")
    html = task.render_html()
    assert_inert(html)
    assert html.count("<p>") >= 2 and "<br>" in html
