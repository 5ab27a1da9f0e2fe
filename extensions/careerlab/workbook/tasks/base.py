"""What every task kind shares.

A task kind is one module (choice.py, number.py, ...) holding a Task subclass
that owns the kind's whole life: its options, its widget, how a stored answer is
validated (``parse``), how it is auto-checked against a key (``check``), and how
an answer is shown in every other view (``render_html``). Nothing outside the
module special-cases a kind.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.answers import SaveError


class Store(Protocol):
    """Where a task saves its answer: the answers file, or memory in a course folder."""

    def save(self, task_id: str, kind: str, value: Any, **extra: Any) -> Any: ...


@dataclass(frozen=True)
class TaskContext:
    """What a task may use of the workbook that shows it, and no more."""

    store: Store
    folder: Path  # the notebook's folder (self-assessment finds its rubric from here)
    task: Callable[[str], Task | None]  # a sibling task by id (a product shows its chart)
    # Told after each save, so the workbook's live progress follows the student's answers.
    saved: Callable[[Task], None] = lambda task: None


class AnswerError(ValueError):
    """A value is not a usable answer; the message is written for the student."""


@dataclass(frozen=True)
class Check:
    """The result of checking an answer against a key, in student language."""

    correct: bool
    message: str


def state_title(state: dict[str, Any]) -> str:
    """The task's title from ``check_state`` data, as text of a sane length."""
    return str(state.get("title", "This task"))[:200]


@dataclass(frozen=True)
class StatusLook:
    """How one state of a task's status line looks: an icon (hidden from screen readers,
    which hear ``spoken`` instead) beside the text; workbook.css gives each state's class
    its colours, checked for contrast by tests/tasks/test_status.py."""

    icon: str
    spoken: str


# Saved, saved but check this, and a problem look different in icon, colour and spoken
# words; a note (nothing saved, nothing wrong, e.g. "No answer from your code yet") has
# no icon.
STATUS_LOOKS = {
    "saved": StatusLook("✓", "Saved"),
    "check": StatusLook("⚠\ufe0e", "Saved, but check this"),  # \ufe0e: a glyph, not emoji
    "problem": StatusLook("✗", "Problem"),
    "note": StatusLook("", ""),
}


def status_html(text: str, *, problem: bool = False, state: str | None = None) -> str:
    """A status line in one of STATUS_LOOKS' states, read out by screen readers and marked
    with an icon and words, not colour alone. Without ``state``: a problem if ``problem``,
    saved if the text starts with ✓ (the mark kinds write before "Saved"), else a note."""
    if state is None:
        state = "problem" if problem else "saved" if text.startswith("✓") else "note"
    look = STATUS_LOOKS[state]
    text = text.removeprefix("✓").lstrip()
    css = f"careerlab-status careerlab-status-{state}"
    if state == "problem":
        css += " careerlab-problem"
    icon = (
        f'<span class="careerlab-status-icon" role="img" aria-label="{look.spoken}">'
        f"{look.icon}</span> "
        if look.icon
        else ""
    )
    return f'<div class="{css}" role="status" aria-live="polite">{icon}{escape(text)}</div>'


def answer_block(task: Task, body_html: str) -> str:
    """How a task and its answer appear outside JupyterLab (feedback, formgrader, showcase)."""
    return (
        f'<div class="careerlab-answer" data-task="{escape(task.id)}">'
        f'<p class="careerlab-prompt"><strong>{escape(task.title)}</strong></p>'
        f"{body_html}</div>"
    )


def require_columns(task_id: str, data: Any, columns: list[str | None]) -> None:
    """An author's mistake in a data task fails at once, naming the task and column."""
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise ValueError(f"Task '{task_id}': the data has no column {missing[0]!r}.")


# The browser sends "submit" when Enter is pressed and only then the change that commits
# what was typed (ipywidgets' TextView: keypress, then change), so at "submit" the kernel
# still holds the box's old value: "" in a box with no saved answer, even when the student
# has just typed one. Deciding then showed "Nothing saved yet" for a moment before "Saved";
# so the box counts as empty only if it still is once that change has had time to arrive
# (it is sent right after the "submit", so it comes first unless the kernel is far away).
ENTER_SETTLE_S = 0.25


def on_empty_enter(box: widgets.Text, action: Callable[[], None]) -> None:
    """Call ``action`` when the student presses Enter in ``box`` while it is empty. Enter in
    a box never typed in changes no value, so only the browser's "submit" message tells;
    when text was typed, the value change that follows the message shows the save."""

    def still_empty() -> None:
        if not box.value.strip():
            action()

    def entered(_widget: Any, content: Any, _buffers: Any) -> None:
        if not (isinstance(content, dict) and content.get("event") == "submit"):
            return
        if box.value.strip():
            return  # not empty: the change that follows (if any) says what was saved
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no kernel loop (code driving the widgets): nothing follows
            still_empty()
            return
        loop.call_later(ENTER_SETTLE_S, still_empty)

    box.on_msg(entered)


# The CSS class of every task's box: pages style it, and careerlab.workbook.keyboard keeps
# JupyterLab's notebook shortcuts away from the keys pressed inside it.
TASK_CLASS = "careerlab-task"
NO_ANSWER_HTML = '<p class="careerlab-empty"><em>No answer given.</em></p>'


class TaskView(widgets.VBox):
    """The widget a task displays.

    Its display bundle also carries an HTML copy of the answer. JupyterLab and
    Voila show the live widget; nbconvert (nbgrader's formgrader and feedback)
    has no widget state and falls back to the HTML, so graders read the answer.
    """

    def __init__(self, task: Task, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._task = task

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self._task.render_html()
            bundle["text/plain"] = f"{self._task.title}: {self._task.plain_answer()}"
        return bundle


class Task(ABC):
    """One question in a workbook, identified by a stable id."""

    kind: ClassVar[str]
    Key: ClassVar[type]
    # The Workbook method that shows it (``wb.<method>(task_id, title, prompt, ...)``);
    # the kind's name unless the module says otherwise.
    method: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__ and "method" not in cls.__dict__:
            cls.method = cls.kind

    def __init__(self, context: TaskContext, task_id: str, title: str, prompt: str) -> None:
        self.context = context
        self.id = task_id
        self.title = title
        self.prompt = prompt
        self.value: Any = None
        self.problem: str | None = None
        self._status = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
        self.view: TaskView | None = None

    @classmethod
    def field_problems(cls, fields: dict[str, Any]) -> list[tuple[str, str]]:
        """What is wrong with an author's fields beyond their presence, as (field, message):
        the build and ``careerlab check`` name the task and field. Most kinds need none."""
        return []

    # Stored answers ------------------------------------------------------------
    @abstractmethod
    def parse(self, value: Any) -> Any:
        """Validate a value read from the answers file. Raise AnswerError."""

    def restore(self, entry: dict[str, Any] | None) -> None:
        """Take the stored answer, or record in plain words why it cannot be used."""
        if entry is None:
            return
        if entry.get("kind") != self.kind:
            self.problem = (
                f"Task '{self.id}': the saved answer is for a different kind of question "
                f"({str(entry.get('kind'))[:40]}). Please answer again."
            )
            return
        try:
            self.value = self.parse(entry.get("value"))
        except AnswerError as error:
            self.problem = (
                f"Task '{self.id}': your saved answer could not be used ({error}). "
                "Please answer again."
            )
        except Exception as error:  # a value no kind foresaw must not stop the workbook
            self.problem = (
                f"Task '{self.id}': your saved answer could not be used "
                f"({type(error).__name__}). Please answer again."
            )

    def save(self, value: Any, **extra: Any) -> bool:
        """Store a new answer now. Returns False (and says why) if it was not saved."""
        try:
            moved = self.context.store.save(self.id, self.kind, value, **extra)
        except SaveError as error:
            self.show_status(str(error), problem=True)
            return False
        self.value = value
        self.problem = None
        note = f" (an unreadable answers file was kept as {moved})" if moved else ""
        left = self.to_do()
        # Saved is not done: a half-made answer says what is left (the same words as the
        # progress list and Validate).
        later = f" Not answered yet: {left}." if left else ""
        self.show_status(
            f"Saved at {datetime.now().strftime('%H:%M:%S')}{note}.{later}",
            state="check" if left else "saved",
        )
        self.context.saved(self)
        return True

    # Widget --------------------------------------------------------------------
    @abstractmethod
    def build_controls(self) -> list[widgets.Widget]:
        """The input widgets, showing the stored answer."""

    def build_view(self) -> TaskView:
        prompt = widgets.HTML(
            f'<div class="careerlab-prompt"><strong>{escape(self.title)}</strong>'
            f"<p>{escape(self.prompt)}</p></div>"
        )
        left = self.to_do()
        if self.problem:
            self.show_status(self.problem, problem=True)
        elif left is None:
            self.show_status("✓ Your saved answer is shown.")
        elif self.value is not None:
            self.show_status(f"Your saved work is shown. Not answered yet: {left}.", state="check")
        else:  # a chart drawn from its default menus is not an answer either
            self.show_status(f"Not answered yet: {left}.")
        self.view = TaskView(
            self,
            children=[prompt, *self.build_controls(), self._status],
            layout=widgets.Layout(border="1px solid #888", padding="0.5em", margin="0.5em 0"),
        )
        self.view.add_class(TASK_CLASS)
        self.view.add_class(f"careerlab-{self.kind.replace('_', '-')}")
        return self.view

    def show_status(self, text: str, *, problem: bool = False, state: str | None = None) -> None:
        self._status.value = status_html(text, problem=problem, state=state)

    def from_code(self, value: Any, no_answer: str) -> Any | None:
        """What a student's code gave (``wb.record``), parsed; None after saying why not:
        the stub's None (``no_answer``, unless an answer is already stored) or a value
        this kind cannot store."""
        if value is None:
            if self.value is None:
                self.show_status(no_answer)
            return None
        try:
            return self.parse(value)
        except AnswerError as error:
            self.show_status(
                f"Not saved: your code's answer cannot be used ({error}).", problem=True
            )
            return None

    @abstractmethod
    def fill(self, response: Any) -> None:
        """Do what a student does in the browser: set the widgets' values (and
        press buttons) so the widgets' own handlers save the answer. Used by
        tests and benchmarks; call after the view is built."""

    # Answered ------------------------------------------------------------------
    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """The kind's one rule of "answered": what the student still has to do, in their
        words ("choose a product type"), or None when the task is answered. Reads
        ``check_state()`` data, as ``judge`` does, so it never trusts its types. The task's
        status, the live progress, Validate, the grading page and the export all ask this
        (through ``to_do``). Here: any value that is not blank text; kinds say more."""
        value = state.get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            return "give an answer"
        return None

    def to_do(self) -> str | None:
        """``still_to_do`` for the stored answer; a stored answer that cannot be used is
        not an answer."""
        if self.problem:
            return "answer it again (the saved answer could not be used)"
        try:
            return self.still_to_do(self.check_state())
        except Exception:  # a value no kind foresaw is not an answer, and never stops a view
            return "answer it again (the saved answer could not be used)"

    @property
    def answered(self) -> bool:
        return self.to_do() is None

    # Grading -------------------------------------------------------------------
    def check(self, key: Any) -> Check:
        """Compare the stored answer with a key. Never raises for any stored value."""
        return self.judge(self.check_state(), key)

    def check_state(self) -> dict[str, Any]:
        """What judging the answer needs, as plain JSON data: the title and the stored
        answer, and whatever a kind adds. ``careerlab autograde`` asks the student's
        process for this and judges it in its own process, so answer keys never enter
        the student's process (docs/security.md)."""
        return {"title": self.title, "value": self.value}

    @classmethod
    @abstractmethod
    def judge(cls, state: dict[str, Any], key: Any) -> Check:
        """Compare an answer, given as ``check_state()`` data, with a key. The state may
        come from a process the student tampered with: never trust its types (the
        grader turns any exception here into a wrong answer)."""

    # Other views -----------------------------------------------------------------
    @abstractmethod
    def answer_html(self) -> str:
        """The answer as escaped HTML, without the task heading."""

    def safe_answer_html(self) -> str:
        """``answer_html``, or a note saying it cannot be shown: every view (grading page,
        showcase, feedback) shows the rest of the work whatever one stored value holds."""
        if self.value is None:
            return NO_ANSWER_HTML
        try:
            return self.answer_html()
        except Exception as error:
            return (
                '<p class="careerlab-problem" role="note"><em>This answer cannot be shown '
                f"({escape(type(error).__name__)}); it is kept in the answers file.</em></p>"
            )

    def render_html(self) -> str:
        return answer_block(self, self.safe_answer_html())

    def plain_answer(self) -> str:
        return "no answer" if self.value is None else str(self.value)
