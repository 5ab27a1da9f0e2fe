"""A short typed answer (a word or a phrase), checked against accepted answers
with case, spacing and end punctuation ignored, or against a pattern."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.tasks.base import (
    AnswerError,
    Check,
    Task,
    on_empty_enter,
    state_title,
)

MAX_LENGTH = 300


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" .,;:!?\"'")


@dataclass(frozen=True)
class ShortTextKey:
    accept: tuple[str, ...] = ()
    pattern: str | None = None  # a regular expression the normalised answer must fully match

    def matches(self, answer: str) -> bool:
        answer = normalise(answer)
        if any(answer == normalise(option) for option in self.accept):
            return True
        return self.pattern is not None and re.fullmatch(self.pattern, answer) is not None


class ShortTextTask(Task):
    kind = "short_text"
    Key = ShortTextKey

    def __init__(
        self, context, task_id, title, prompt, max_length: int = 120, label: str = "Your answer"
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        self.max_length = min(max_length, MAX_LENGTH)
        self.label = label

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise AnswerError("it is not text")
        if len(value) > self.max_length:
            raise AnswerError(f"it is longer than {self.max_length} characters")
        return value

    def build_controls(self) -> list[widgets.Widget]:
        self.input = widgets.Text(
            value=self.value or "",
            description=self.label,
            placeholder="Type your answer",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="min(40em, 100%)"),
        )
        self.input.observe(self._changed, names="value")
        on_empty_enter(self.input, self._empty_box)
        return [self.input]

    def _empty_box(self) -> None:
        self.show_status(
            "Nothing saved: the box is empty. Type your answer (a word or a short phrase), "
            "then press Enter.",
            state="note",
        )

    def _changed(self, change: dict[str, Any]) -> None:
        try:
            value = self.parse(change["new"].strip())
        except AnswerError as error:
            self.show_status(f"Not saved: {error}.", problem=True)
            return
        self.save(value)

    def fill(self, response: str) -> None:
        self.input.value = response

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: text that is not blank."""
        value = state.get("value")
        return None if isinstance(value, str) and value.strip() else "type your answer"

    @classmethod
    def judge(cls, state: dict[str, Any], key: ShortTextKey) -> Check:
        title, value = state_title(state), state.get("value")
        if not value:
            return Check(False, f"{title}: no answer was given.")
        if isinstance(value, str) and len(value) <= MAX_LENGTH and key.matches(value):
            return Check(True, f"{title}: correct.")
        return Check(False, f"{title}: that answer is not one we expected.")

    def answer_html(self) -> str:
        return f"<p>{escape(self.value)}</p>"


TASK = ShortTextTask  # found by the registry (careerlab.workbook.tasks)
