"""A written response (a paragraph to a page). Saved as the student types, so a
closed tab loses at most the last few keystrokes. Its auto-check is only for
completeness (enough words); the quality is judged by a person or a rubric."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.tasks.base import AnswerError, Check, Task, state_title

MAX_CHARACTERS = 20_000


def count_words(text: str) -> int:
    return len(re.findall(r"\S+", text))


def count_html(words: int, least: int = 0, most: int | None = None) -> str:
    """A live word count beside the length a student should aim for (long answers and each
    part of a product show the same words)."""
    if most is not None and words > most:
        goal = f" (more than {most}: shorten it)"
    elif least and most is not None:
        goal = f" (aim for {least} to {most})"
    elif least:
        goal = f" (aim for about {least})"
    elif most is not None:
        goal = f" (at most {most})"
    else:
        goal = ""
    noun = "word" if words == 1 else "words"
    return f"<span class='careerlab-count'>{words} {noun}{escape(goal)}</span>"


@dataclass(frozen=True)
class LongTextKey:
    min_words: int = 1


class LongTextTask(Task):
    kind = "long_text"
    Key = LongTextKey

    def __init__(
        self,
        context,
        task_id,
        title,
        prompt,
        suggested_words: int = 0,
        label: str = "Your response",
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        self.suggested_words = suggested_words
        self.label = label

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise AnswerError("it is not text")
        if len(value) > MAX_CHARACTERS:
            raise AnswerError(f"it is longer than {MAX_CHARACTERS:,} characters")
        return value

    def build_controls(self) -> list[widgets.Widget]:
        self.input = widgets.Textarea(
            value=self.value or "",
            description=self.label,
            placeholder="Write your response here",
            # Every keystroke reaches the kernel and is saved: nothing typed is
            # lost if the tab closes before the box loses focus.
            continuous_update=True,
            rows=8,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="min(48em, 100%)"),
        )
        self.counter = widgets.HTML(self._count_text(self.input.value))
        self.input.observe(self._changed, names="value")
        return [self.input, self.counter]

    def _count_text(self, text: str) -> str:
        return count_html(count_words(text), self.suggested_words)

    def _changed(self, change: dict[str, Any]) -> None:
        self.counter.value = self._count_text(change["new"])
        try:
            value = self.parse(change["new"])
        except AnswerError as error:
            self.show_status(f"Not saved: {error}. Shorten it to save.", problem=True)
            return
        self.save(value)

    def fill(self, response: str) -> None:
        self.input.value = response

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: at least one word (the suggested length is a goal, not the rule)."""
        value = state.get("value")
        return None if isinstance(value, str) and count_words(value) else "write your response"

    @classmethod
    def judge(cls, state: dict[str, Any], key: LongTextKey) -> Check:
        title, value = state_title(state), state.get("value")
        words = count_words(value) if isinstance(value, str) else 0
        if words >= key.min_words:
            return Check(True, f"{title}: complete ({words} words).")
        return Check(False, f"{title}: {words} words; at least {key.min_words} are needed.")

    def answer_html(self) -> str:
        paragraphs = [p for p in re.split(r"\n\s*\n", self.value) if p.strip()]
        return (
            "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
            or "<p><em>(empty)</em></p>"
        )

    def plain_answer(self) -> str:
        return "no answer" if self.value is None else f"{count_words(self.value)} words"


TASK = LongTextTask  # found by the registry (careerlab.workbook.tasks)
