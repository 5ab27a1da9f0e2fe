"""A number with a unit, checked within a tolerance.

Students type the number the way people write it ("$1,234.50", "12.5%"); the
widget says how it read it, so a typo is caught before grading. A student who
codes can instead set it from a code path (``wb.record``), as for a data question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from numbers import Real
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.numbers import format_number, is_money, is_percent
from careerlab.workbook.tasks.base import (
    AnswerError,
    Check,
    Task,
    on_empty_enter,
    state_title,
)

# Optional sign, optional $, digits with optional thousands commas, optional
# decimals, optional trailing %.
NUMBER_TEXT = re.compile(
    r"^\s*([-+]?)\s*\$?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)\s*%?\s*$"
)
LIMIT = 1e15


def read_number(text: str) -> float:
    """Read a number as a person writes it. Raise AnswerError in plain words."""
    if len(text) > 60:
        raise AnswerError("that is too long to be a number")
    match = NUMBER_TEXT.match(text)
    if not match:
        raise AnswerError(f"“{text.strip()[:40]}” is not a number. Type digits, like 12.50")
    value = float(match.group(1) + match.group(2).replace(",", ""))
    return value


def symbol_doubt(text: str, unit: str) -> str | None:
    """Why a number read from ``text`` may not be what the student meant, or None: a $ or
    % typed for an answer in another unit is read as a plain number ("12%" for dollars is
    saved as 12 dollars), which must not look like a plain success."""
    if not unit:
        return None
    if "%" in text and not is_percent(unit):
        return f"you typed % and this answer is in {unit}"
    if "$" in text and not is_money(unit):
        return f"you typed $ and this answer is in {unit}"
    return None


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool): what a number answer must be."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def within(value: float, target: float, tolerance: float, relative: float | None) -> bool:
    """Whether ``value`` is close enough to ``target``: within ``relative`` (a fraction of
    it) when that is given, else within ``tolerance``; number and data keys both use it."""
    allowed = abs(target) * relative if relative is not None else tolerance
    return abs(value - target) <= allowed + 1e-9


@dataclass(frozen=True)
class NumberKey:
    """Correct when within ``tolerance`` (absolute) of ``value``, or within
    ``relative`` (a fraction, 0.01 = 1%) of it when that is given."""

    value: float
    tolerance: float = 0.0
    relative: float | None = None


class NumberTask(Task):
    kind = "number"
    Key = NumberKey

    def __init__(
        self,
        context,
        task_id,
        title,
        prompt,
        unit: str = "",
        minimum: float = -LIMIT,
        maximum: float = LIMIT,
        label: str = "Your answer",
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        self.unit = unit
        self.minimum = minimum
        self.maximum = maximum
        self.label = label

    def parse(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AnswerError("it is not a number")
        try:
            value = float(value)
        except OverflowError:  # an int with hundreds of digits: past any float
            raise AnswerError("it is too large a number") from None
        if not math.isfinite(value):
            raise AnswerError("it is not a finite number")
        if not self.minimum <= value <= self.maximum:
            low, high = self.format(self.minimum), self.format(self.maximum)
            raise AnswerError(f"it should be between {low} and {high}")
        return value

    def build_controls(self) -> list[widgets.Widget]:
        self.input = widgets.Text(
            value="" if self.value is None else f"{self.value:.12g}",
            description=self.label,
            placeholder="Type a number",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        unit = widgets.HTML(f"<span class='careerlab-unit'>{escape(self.unit)}</span>")
        self.input.observe(self._changed, names="value")
        on_empty_enter(self.input, self._empty_box)
        return [widgets.HBox([self.input, unit])]

    def _empty_box(self) -> None:
        """An empty box saves nothing: say what is needed, and what is kept."""
        unit = f" in {self.unit}" if self.unit else ""
        if self.value is None:
            self.show_status(
                f"Nothing saved yet: type a number{unit} in the box, like 12.50.", state="note"
            )
        else:
            self.show_status(
                f"The box is empty, so your saved answer {self.format(self.value)} is kept. "
                "Type a number to change it.",
                state="check",
            )

    def _changed(self, change: dict[str, Any]) -> None:
        text = change["new"]
        if not text.strip():
            self._empty_box()
            return
        try:
            value = self.parse(read_number(text))
        except AnswerError as error:
            self.show_status(f"Not saved: {error}.", problem=True)
            return
        if not self.save(value):
            return
        doubt = symbol_doubt(text, self.unit)
        if doubt:
            self.show_status(
                f"Saved {self.format(value)}, but {doubt}. Check this is what you meant.",
                state="check",
            )
        else:
            self.show_status(f"✓ Saved {self.format(value)}.")

    def record(self, value: Any) -> None:
        """The code path: store a number the student's own code worked out."""
        if isinstance(value, Real) and not isinstance(value, int | float):
            value = float(value)  # numpy's numbers, as pandas gives them (np.bool_ is no Real)
        # None: the released stub, or a student who answered in the box.
        parsed = self.from_code(
            value,
            "No answer from your code yet: replace None with your code, "
            "or type the number in the box above.",
        )
        if parsed is None:
            return
        if parsed == self.value:
            # Running the notebook again (autograde, Run All) changes nothing on disk.
            self.show_status(f"✓ Your code's answer {self.format(parsed)} is saved.")
            return
        if self.save(parsed):
            box = getattr(self, "input", None)
            if box is not None:  # show it in the box without saving it a second time
                box.unobserve(self._changed, names="value")
                box.value = f"{parsed:.12g}"
                box.observe(self._changed, names="value")
            self.show_status(f"✓ Saved {self.format(parsed)} from your code.")

    def fill(self, response: str) -> None:
        self.input.value = response

    def format(self, value: float) -> str:
        return format_number(value, self.unit)

    def check_state(self) -> dict[str, Any]:
        return {**super().check_state(), "unit": self.unit}

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: a finite number is stored."""
        return None if is_number(state.get("value")) else "type a number"

    @classmethod
    def judge(cls, state: dict[str, Any], key: NumberKey) -> Check:
        title, value = state_title(state), state.get("value")
        if value is None:
            return Check(False, f"{title}: no number was given.")
        if not is_number(value):
            return Check(False, f"{title}: the answer is not a number.")
        if within(value, key.value, key.tolerance, key.relative):
            return Check(True, f"{title}: correct.")
        shown = format_number(value, str(state.get("unit", ""))[:60])
        return Check(False, f"{title}: {shown} is not correct yet.")

    def answer_html(self) -> str:
        return f"<p>{escape(self.format(self.value))}</p>"

    def plain_answer(self) -> str:
        return "no answer" if self.value is None else self.format(self.value)


TASK = NumberTask  # found by the registry (careerlab.workbook.tasks)
