"""A task's status line: saved, saved but check this, and a problem look different (class,
icon, words for screen readers, colours with WCAG AA contrast); a wrong-format entry does not
look like a success; Enter on an empty box says what is needed."""

from __future__ import annotations

import asyncio
import re

import pytest

from careerlab.workbook.style import css
from careerlab.workbook.tasks import base

from .conftest import HOSTILE, reopen

SHOWN = ("saved", "check", "problem")  # the states a student must tell apart


def rule(state: str) -> dict[str, str]:
    """The declarations of workbook.css's rule for one state's class."""
    match = re.search(rf"\.careerlab-status-{state}\s*\{{([^}}]*)\}}", css())
    assert match, f"workbook.css has no rule for .careerlab-status-{state}"
    return dict(
        (name.strip(), value.strip())
        for name, value in (d.split(":", 1) for d in match.group(1).split(";") if ":" in d)
    )


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # AA's edge


@pytest.mark.parametrize("state", SHOWN)
def test_each_state_has_colours_with_aa_contrast(state):
    declared = rule(state)
    text, background = declared["color"], declared["background"]
    assert re.fullmatch(r"#[0-9a-f]{6}", text) and re.fullmatch(r"#[0-9a-f]{6}", background)
    assert contrast(text, background) >= 4.5
    # The tint is the text's only background whatever the theme; on JupyterLab's light
    # theme (white) the text alone still passes, should the tint not be drawn.
    assert contrast(text, "#ffffff") >= 4.5


def test_the_three_states_differ_in_class_icon_words_and_colour():
    pages = {state: base.status_html("Some words.", state=state) for state in SHOWN}
    for state, html in pages.items():
        look = base.STATUS_LOOKS[state]
        assert f"careerlab-status-{state}" in html and 'role="status"' in html
        assert f'aria-label="{look.spoken}"' in html and f">{look.icon}</span>" in html
    assert len({base.STATUS_LOOKS[s].icon for s in SHOWN}) == 3
    assert len({base.STATUS_LOOKS[s].spoken for s in SHOWN}) == 3
    assert len({rule(s)["color"] for s in SHOWN}) == 3
    assert len({rule(s)["background"] for s in SHOWN}) == 3


def test_a_note_has_no_icon_and_text_is_escaped():
    html = base.status_html(HOSTILE)
    assert "careerlab-status-note" in html and "careerlab-status-icon" not in html
    assert "<script" not in html and "&lt;script&gt;" in html


def test_kinds_that_write_a_tick_or_problem_get_the_matching_state():
    assert "careerlab-status-saved" in base.status_html("✓ Saved.")
    assert "✓ Saved" not in base.status_html("✓ Saved.")  # one tick: the icon's
    problem = base.status_html("Not saved: too long.", problem=True)
    assert "careerlab-status-problem" in problem and "careerlab-problem" in problem


def define_number(wb):
    wb.number("pay", "Gross pay", "How much?", unit="dollars", minimum=0, maximum=10_000)
    task = wb["pay"]
    task.build_view()
    return task


def enter(box) -> None:
    """What the browser sends when the student presses Enter in a text box."""
    box._handle_custom_msg({"event": "submit"}, [])


def test_a_number_saved_as_typed_is_saved(workbook):
    task = define_number(workbook)
    task.fill("$496")
    assert "careerlab-status-saved" in task._status.value


def test_a_wrong_format_entry_does_not_look_like_a_success(workbook, folder):
    task = define_number(workbook)
    task.fill("12%")  # a percent typed for an answer in dollars: read as 12, kept
    status = task._status.value
    assert "careerlab-status-check" in status and "careerlab-status-saved" not in status
    assert "you typed %" in status and "Check this" in status
    assert define_number(reopen(folder)).value == 12.0
    task.fill("twelve")
    assert "careerlab-status-problem" in task._status.value


def test_enter_on_an_empty_number_box_says_what_is_needed(workbook):
    task = define_number(workbook)
    enter(task.input)
    status = task._status.value
    assert "type a number in dollars" in status and "careerlab-status-saved" not in status
    assert task.value is None


def test_emptying_a_number_box_keeps_the_answer_and_says_so(workbook, folder):
    task = define_number(workbook)
    task.fill("40")
    task.fill("")
    status = task._status.value
    assert "careerlab-status-check" in status and "is kept" in status
    assert define_number(reopen(folder)).value == 40.0


def shown_statuses(task) -> list[str]:
    """Every status the task shows from now on, in order."""
    shown: list[str] = []
    task._status.observe(lambda change: shown.append(change["new"]), names="value")
    return shown


def test_enter_after_typing_goes_straight_to_saved(workbook):
    """The browser sends "submit" on the key press, before the change that commits the
    typed text: the status goes straight to Saved, never through "Nothing saved yet"."""
    task = define_number(workbook)
    shown = shown_statuses(task)

    async def type_and_press_enter() -> None:  # in an event loop, as in a kernel
        enter(task.input)
        task.input.value = "496"
        await asyncio.sleep(base.ENTER_SETTLE_S * 2)

    asyncio.run(type_and_press_enter())
    assert task.value == 496.0
    assert shown and all("careerlab-status-saved" in status for status in shown), shown


def test_enter_in_an_empty_box_says_so_once_no_change_follows(workbook):
    task = define_number(workbook)
    shown = shown_statuses(task)

    async def press_enter() -> None:
        enter(task.input)
        assert shown == []  # not yet: the change of a typed answer may follow
        await asyncio.sleep(base.ENTER_SETTLE_S * 2)

    asyncio.run(press_enter())
    assert len(shown) == 1 and "Nothing saved yet" in shown[0], shown
    assert task.value is None


def test_enter_in_a_typed_box_changes_nothing(workbook):
    task = define_number(workbook)
    task.fill("40")
    before = task._status.value
    enter(task.input)
    assert task._status.value == before


def test_enter_on_an_empty_short_text_box_says_what_is_needed(workbook):
    workbook.short_text("where", "Where?", "Which street?")
    task = workbook["where"]
    task.build_view()
    enter(task.input)
    assert "Type your answer" in task._status.value and task.value is None
