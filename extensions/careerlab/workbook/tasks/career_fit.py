"""Career-fit reflection: at the end of a project the student says what they liked,
what they would need to learn, and whether they would try the job (yes, maybe or no),
with the project's occupations from its workbook.yml shown above the questions.

Stored as data, not as one text: ``{"liked": text, "learn": text, "would_try": "yes" |
"maybe" | "no" | null}``, so the student's portfolio (the showcase) shows it and a
district's interest data can count the choices later without reading prose. The
auto-check is only for completeness: no answer to "would you try this job?" is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.tasks.base import AnswerError, Check, Task, state_title
from careerlab.workbook.tasks.long_text import count_words

MAX_CHARACTERS = 2_000  # a few sentences per part; a reflection is short
MAX_JOBS = 10  # workbook.yml is in the student's folder: never show more than a project has
MAX_JOB_CHARS = 200
# The two written parts: stored key -> (the question, how the answer is labelled elsewhere).
WRITTEN = {
    "liked": ("What did you like about this work?", "What I liked"),
    "learn": ("What would you need to learn to do this job?", "What I would need to learn"),
}
CHOICE = "would_try"
CHOICES = {"yes": "Yes", "maybe": "Maybe", "no": "No"}
CHOICE_QUESTION = ("Would you try this job?", "Would I try this job?")


def find_occupations(folder: Path) -> tuple[str, ...]:
    """The job titles the project's workbook.yml lists, or none if it cannot be read."""
    from careerlab import project

    try:
        titles = project.read(folder).occupations
    except project.ProjectFileError:
        return ()
    return tuple(title[:MAX_JOB_CHARS] for title in titles[:MAX_JOBS])


@dataclass(frozen=True)
class CareerFitKey:
    """Complete when both written parts have at least ``min_words`` words and yes, maybe
    or no is chosen."""

    min_words: int = 1


class CareerFitTask(Task):
    kind = "career_fit"
    Key = CareerFitKey

    def __init__(self, context, task_id, title, prompt) -> None:
        super().__init__(context, task_id, title, prompt)
        self.occupations = find_occupations(context.folder)

    def jobs_text(self) -> str:
        if not self.occupations:
            return "Think about the job you did in this project."
        jobs = "; ".join(self.occupations)
        return f"The job{'s' if len(self.occupations) > 1 else ''} in this project: {jobs}"

    # Stored answers ------------------------------------------------------------
    def parse(self, value: Any) -> dict[str, str | None]:
        if not isinstance(value, dict):
            raise AnswerError("it is not a reflection")
        parsed: dict[str, str | None] = {}
        for part, (question, _) in WRITTEN.items():
            text = value.get(part, "")
            if not isinstance(text, str):
                raise AnswerError(f"the answer to '{question}' is not text")
            if len(text) > MAX_CHARACTERS:
                raise AnswerError(
                    f"the answer to '{question}' is longer than {MAX_CHARACTERS:,} characters"
                )
            parsed[part] = text
        choice = value.get(CHOICE)
        if choice is not None and not (isinstance(choice, str) and choice in CHOICES):
            raise AnswerError(f"the answer to '{CHOICE_QUESTION[0]}' is not yes, maybe or no")
        parsed[CHOICE] = choice
        return parsed  # keys it does not know are dropped: only these three are ever shown

    # Widget --------------------------------------------------------------------
    def build_controls(self) -> list[widgets.Widget]:
        stored = self.value or {}
        self.inputs: dict[str, widgets.Textarea] = {}
        controls: list[widgets.Widget] = [
            widgets.HTML(f'<p class="careerlab-jobs">{escape(self.jobs_text())}</p>')
        ]
        for part, (question, _) in WRITTEN.items():
            box = widgets.Textarea(
                value=stored.get(part) or "",
                description=question,
                placeholder="A sentence or two",
                # Saved as the student types, as a long text is: a closed tab loses nothing.
                continuous_update=True,
                rows=3,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="min(48em, 100%)"),
            )
            box.observe(self._changed, names="value")
            self.inputs[part] = box
            controls.append(box)
        self.choice = widgets.RadioButtons(
            options=[(label, key) for key, label in CHOICES.items()],
            value=stored.get(CHOICE),
            description=CHOICE_QUESTION[0],
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.choice.observe(self._changed, names="value")
        controls.append(self.choice)
        return controls

    def _changed(self, change: dict[str, Any]) -> None:
        entered = {part: box.value for part, box in self.inputs.items()}
        try:
            value = self.parse({**entered, CHOICE: self.choice.value})
        except AnswerError as error:
            self.show_status(f"Not saved: {error}. Shorten it to save.", problem=True)
            return
        self.save(value)

    def fill(self, response: dict[str, str]) -> None:
        """``{"liked": ..., "learn": ..., "would_try": "yes"}``: typing and one click."""
        for part, text in response.items():
            if part == CHOICE:
                if not (isinstance(text, str) and text in CHOICES):
                    # YAML reads a bare yes/no in solutions.yml as true/false: say so.
                    raise ValueError(
                        f'Task \'{self.id}\': {CHOICE} is "yes", "maybe" or "no" '
                        f"(in quotes in YAML), not {text!r}."
                    )
                self.choice.value = text
            else:
                self.inputs[part].value = text

    # Grading -------------------------------------------------------------------
    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: both questions have words and yes, maybe or no is chosen."""
        value = state.get("value")
        value = value if isinstance(value, dict) else {}
        missing = [
            question
            for part, (question, _) in WRITTEN.items()
            if not (isinstance(value.get(part), str) and count_words(value[part]))
        ]
        if not (isinstance(value.get(CHOICE), str) and value[CHOICE] in CHOICES):
            missing.append(CHOICE_QUESTION[0])
        return f"answer {' and '.join(f'“{q}”' for q in missing)}" if missing else None

    @classmethod
    def judge(cls, state: dict[str, Any], key: CareerFitKey) -> Check:
        title, value = state_title(state), state.get("value")
        if not isinstance(value, dict) or not value:
            return Check(False, f"{title}: not answered yet.")
        missing = [
            question
            for part, (question, _) in WRITTEN.items()
            if not isinstance(value.get(part), str) or count_words(value[part]) < key.min_words
        ]
        if not (isinstance(value.get(CHOICE), str) and value[CHOICE] in CHOICES):
            missing.append(CHOICE_QUESTION[0])
        if missing:
            return Check(False, f"{title}: still to answer: {' / '.join(missing)}")
        return Check(True, f"{title}: complete.")

    # Other views -------------------------------------------------------------------
    def answer_html(self) -> str:
        rows = []
        for part, (_, label) in WRITTEN.items():
            text = str(self.value.get(part) or "")
            shown = escape(text).replace("\n", "<br>") if text.strip() else "<em>not answered</em>"
            rows.append(f"<dt>{escape(label)}</dt><dd>{shown}</dd>")
        choice = self.value.get(CHOICE)
        shown = escape(CHOICES[choice]) if choice in CHOICES else "<em>not answered</em>"
        rows.append(f"<dt>{escape(CHOICE_QUESTION[1])}</dt><dd>{shown}</dd>")
        return (
            f'<p class="careerlab-jobs">{escape(self.jobs_text())}</p>'
            f'<dl class="careerlab-career-fit">{"".join(rows)}</dl>'
        )

    def plain_answer(self) -> str:
        if self.value is None:
            return "no answer"
        choice = self.value.get(CHOICE)
        return f"would try this job: {CHOICES[choice].lower()}" if choice in CHOICES else "started"


TASK = CareerFitTask  # found by the registry (careerlab.workbook.tasks)
