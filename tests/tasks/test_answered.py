"""One rule of "answered" per task kind (``Task.still_to_do``), shown the same way in the
task's status, the live progress list and Validate's check (careerlab.workbook.progress).

Every answer here goes through the widgets' own handlers (``fill``), as a student's does."""

import json

import pytest

from careerlab.workbook import tasks
from careerlab.workbook.book import Workbook
from careerlab.workbook.products import write_products_snapshot

from ..conftest import REPO
from .conftest import reopen
from .test_career_fit import ship_metadata
from .test_self_assessment import CRITERIA, ship_rubric

SHOWN: list = []


def progress_text(wb: Workbook) -> str:
    """What the last progress list shown says now (a widget's HTML changes in place)."""
    for item in reversed(SHOWN):
        text = getattr(item, "value", None) or getattr(item, "data", None)
        if isinstance(text, str) and "careerlab-progress" in text:
            return text
    raise AssertionError("no progress list was shown")


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """What the workbook displays, kept to be read."""
    SHOWN.clear()
    monkeypatch.setattr("careerlab.workbook.book.display", SHOWN.append)
    monkeypatch.delenv("NBGRADER_VALIDATING", raising=False)


@pytest.fixture
def wb(folder):
    write_products_snapshot(folder, ["memo", "slide"], root=REPO)
    return Workbook("demo", folder=folder)


def product(wb):
    wb.product("memo", "Your memo", "Write it.", products=("memo", "slide"))
    return wb["memo"]


def chart(wb, table):
    wb.chart("c", "Sales chart", "Chart it.", data=table, category="city", measures=["sales"])
    return wb["c"]


# --- product: a type chosen AND every part written --------------------------------------
def test_a_product_with_its_type_chosen_but_empty_parts_is_not_answered(wb, folder):
    task = product(wb)
    wb.check()
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera"}})
    assert task.value["product"] == "memo"  # saved: nothing typed is ever lost
    wb.check()
    assert "0 of 1 tasks answered" in progress_text(wb)
    assert not task.answered
    left = task.to_do()
    assert left.startswith("write ") and "Subject" in left and "To" not in left.split(", ")
    assert f"Not answered yet: {left}." in task._status.value
    # The same rule after a restart, from the answers file.
    again = product(reopen(folder))
    assert not again.answered and "Not answered yet" in again._status.value


def test_a_product_with_every_part_written_is_answered(wb):
    task = product(wb)
    wb.check()
    parts = {part.id: "Written." for part in task.products["memo"].parts}
    task.fill({"product": "memo", "parts": parts})
    assert task.answered and "1 of 1 tasks answered" in progress_text(wb)
    task.fill({"product": "memo", "parts": {"subject": "   "}})  # blanked again
    assert not task.answered and "0 of 1" in progress_text(wb)


# --- chart: a design the student made, not the menus' first choices ----------------------
def test_a_chart_left_as_drawn_by_default_is_not_answered_and_says_so(wb, table):
    task = chart(wb, table)
    wb.check()
    assert "Not answered yet: choose what the chart shows" in task._status.value
    assert task.value is None and not task.answered
    task.chart_kind.value = "barh"  # a choice, but the chart says nothing yet
    assert task.value is not None and task.to_do() == "type the chart's title"
    assert "0 of 1" in progress_text(wb)
    task.chart_title.value = "Sales by city"
    assert task.answered and "1 of 1" in progress_text(wb)


# --- text kinds: not blank ------------------------------------------------------------------
def test_blank_text_is_not_an_answer(wb):
    wb.long_text("plan", "Plan", "Write a plan.")
    wb.short_text("name", "Name", "Who?")
    wb["plan"].fill("   \n  ")
    wb["name"].fill("   ")
    assert not wb["plan"].answered and wb["plan"].to_do() == "write your response"
    assert not wb["name"].answered
    wb["plan"].fill("Save every week.")
    wb["name"].fill("FICA")
    assert wb["plan"].answered and wb["name"].answered


# --- self-assessment: every criterion rated ------------------------------------------------
def test_a_self_assessment_needs_every_criterion_rated(folder):
    ship_rubric(folder)
    wb = Workbook("demo", folder=folder)
    wb.self_assess("self-check", "Rate your work", "How well?")
    task = wb["self-check"]
    task.fill({CRITERIA[0]: "proficient"})
    assert not task.answered and f"rate {len(CRITERIA) - 1} more" in task.to_do()
    task.fill({c: "developing" for c in CRITERIA})
    assert task.answered


# --- career fit: both questions and yes / maybe / no ----------------------------------------
def test_a_career_fit_needs_both_answers_and_a_choice(folder):
    ship_metadata(folder)
    wb = Workbook("demo", folder=folder)
    wb.career_fit("fit", "Is this job for you?", "Think.")
    task = wb["fit"]
    task.fill({"liked": "The numbers."})
    left = task.to_do()
    assert "What would you need to learn" in left and "Would you try this job?" in left
    assert "What did you like" not in left
    task.fill({"learn": "Credit rules.", "would_try": "maybe"})
    assert task.answered


# --- stored values the rule refuses ----------------------------------------------------------
def test_a_stored_answer_that_cannot_be_used_is_not_answered(folder, table):
    (folder / "demo.answers.json").write_text(
        json.dumps(
            {
                "schema": 1,
                "answers": {
                    "n": {"kind": "number", "value": "lots"},
                    "pick": {"kind": "choice", "value": "z"},
                    "d": {"kind": "data_analysis", "value": "   "},
                },
            }
        )
    )
    wb = Workbook("demo", folder=folder)
    wb.number("n", "Hours", "How many?")
    wb.choice("pick", "Pick", "Which?", options={"a": "A", "b": "B"})
    wb.data_analysis("d", "Total", "Add up.", data=table, columns=["sales"])
    assert [t.answered for t in wb.tasks.values()] == [False, False, False]
    wb.check()
    assert "0 of 3 tasks answered" in progress_text(wb)
    assert "needs a new answer" in progress_text(wb)


GARBAGE = [{}, {"value": None}, {"value": True}, {"value": float("nan")}, {"value": [1]}]
GARBAGE += [{"value": {"x": object()}}, {"value": {"title": None, "measure": 1, "kind": 2}}]
GARBAGE += [{"parts": "memo"}, {"parts": [[1]]}, {"value": {}, "criteria": True}]


@pytest.mark.parametrize("kind", sorted(tasks.kinds()))
@pytest.mark.parametrize("state", GARBAGE, ids=range(len(GARBAGE)))
def test_the_rule_never_raises_and_never_calls_garbage_answered(kind, state):
    # The state may come from a process the student tampered with, as judge's does.
    left = tasks.kinds()[kind].still_to_do(state)
    assert isinstance(left, str) and left


# --- the live progress and Validate's check --------------------------------------------------
def test_the_progress_list_follows_each_save_without_running_its_cell_again(wb):
    wb.short_text("name", "Name", "Who?")
    wb.number("n", "Hours", "How many?")
    wb.check()
    assert "0 of 2 tasks answered" in progress_text(wb)
    wb["name"].fill("Ana")
    assert "1 of 2 tasks answered" in progress_text(wb)
    wb["n"].fill("12")
    assert "2 of 2 tasks answered" in progress_text(wb)
    assert progress_text(wb).count("✓ answered") == 2


def test_validate_fails_naming_the_tasks_left_and_passes_when_all_are_answered(
    wb, monkeypatch, table
):
    task = product(wb)
    chart(wb, table)
    wb.short_text("name", "Name", "Who?")
    wb["name"].fill("Ana")
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera"}})
    wb.check()  # a student's own run never fails
    monkeypatch.setenv("NBGRADER_VALIDATING", "1")
    with pytest.raises(AssertionError) as failure:
        wb.check()
    message = str(failure.value)
    assert "2 of 3 tasks are not answered" in message
    assert "Your memo: write" in message and "Sales chart: choose what" in message
    assert "Name" not in message.replace("Not finished", "")
    assert failure.value._render_traceback_()[0].startswith("Not finished yet")
    wb["c"].fill({"measure": "sales", "kind": "bar", "title": "Sales"})
    task.fill({"product": "memo", "parts": {p.id: "Done." for p in task.products["memo"].parts}})
    wb.check()  # all answered: passes


def test_a_data_answer_of_the_wrong_kind_for_the_question_is_not_answered(folder, table):
    """ "Which city?" answered with a number (the issue's "28,700" for a neighborhood)."""
    (folder / "demo.answers.json").write_text(
        json.dumps({"schema": 1, "answers": {"d": {"kind": "data_analysis", "value": 28700}}})
    )
    wb = Workbook("demo", folder=folder)
    wb.data_analysis(
        "d", "Best city", "Which?", data=table, columns=["sales"], label_column="city", asks="name"
    )
    assert not wb["d"].answered
    state = {"value": 28700.0, "asks": "name"}
    assert "asks for a row’s name" in tasks.kinds()["data_analysis"].still_to_do(state)
    assert tasks.kinds()["data_analysis"].still_to_do({"value": "Bly", "asks": "name"}) is None
