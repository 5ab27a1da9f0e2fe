"""Multiple choice: pick one option. Options have stable keys, so an author can
reword or reorder them after release and students' answers still read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.tasks.base import AnswerError, Check, Task, state_title


@dataclass(frozen=True)
class ChoiceKey:
    """``correct`` is one option key, or several when more than one is right."""

    correct: str | tuple[str, ...]

    def accepted(self) -> set[str]:
        return {self.correct} if isinstance(self.correct, str) else set(self.correct)


class ChoiceTask(Task):
    kind = "choice"
    Key = ChoiceKey

    def __init__(self, context, task_id, title, prompt, options: dict[str, str]) -> None:
        super().__init__(context, task_id, title, prompt)
        if not options or not all(isinstance(k, str) and k for k in options):
            raise ValueError(f"Task '{task_id}': options must map non-empty keys to labels.")
        self.options = dict(options)

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise AnswerError("it is not one of the choices")
        if value not in self.options:
            raise AnswerError("that choice is no longer offered")
        return value

    def build_controls(self) -> list[widgets.Widget]:
        self.input = widgets.RadioButtons(
            options=[(label, key) for key, label in self.options.items()],
            value=self.value,
            description="Choose one",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.input.observe(self._changed, names="value")
        return [self.input]

    def _changed(self, change: dict[str, Any]) -> None:
        try:
            key = self.parse(change["new"])
        except AnswerError as error:
            self.show_status(str(error), problem=True)
            return
        self.save(key)

    def fill(self, response: str) -> None:
        self.input.value = response

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: an option is chosen."""
        value = state.get("value")
        return None if isinstance(value, str) and value else "choose one option"

    @classmethod
    def judge(cls, state: dict[str, Any], key: ChoiceKey) -> Check:
        title, value = state_title(state), state.get("value")
        if value is None:
            return Check(False, f"{title}: no choice was made.")
        if isinstance(value, str) and value in key.accepted():
            return Check(True, f"{title}: correct.")
        return Check(False, f"{title}: that choice is not the best answer.")

    def answer_html(self) -> str:
        return f"<p>{escape(self.options[self.value])}</p>"

    def plain_answer(self) -> str:
        return "no answer" if self.value is None else self.options[self.value]


TASK = ChoiceTask  # found by the registry (careerlab.workbook.tasks)
