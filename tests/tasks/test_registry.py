"""A task kind is one module, found by the registry; every place that knows kinds reads it.

A kind added in a temporary module (never edited into any other file) is shown by
the Workbook, saved and graded, found by the author checks, by autograde (which
kind a locked cell shows, and judging its answer) and by feedback (the task's title).
"""

from __future__ import annotations

import textwrap

import nbformat
import pytest

from careerlab.author import check_notebook
from careerlab.autograde.keys import declared_checks, judged_outputs, shown_kinds
from careerlab.feedback.autograded import read_tasks
from careerlab.workbook import tasks
from careerlab.workbook.book import Workbook

SCALE_KIND = '''
from dataclasses import dataclass

from careerlab.workbook.tasks.base import AnswerError, Check, Task


@dataclass(frozen=True)
class ScaleKey:
    value: int


class ScaleTask(Task):
    """A rating from 1 to 5."""

    kind = "scale"
    method = "rate_on_scale"
    Key = ScaleKey

    def parse(self, value):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise AnswerError("a rating is 1 to 5")
        return value

    def build_controls(self):
        return []

    def fill(self, response):
        self.save(self.parse(response))

    @classmethod
    def judge(cls, state, key):
        right = state.get("value") == key.value
        return Check(right, "Right." if right else f"{state.get('title')}: not yet.")

    def answer_html(self):
        return f"<p>{int(self.value)}</p>"


TASK = ScaleTask
'''

SHOW = 'wb.rate_on_scale("mood", "Your mood", "How do you feel?")'
TEST = 'wb.grade("mood", value=4)'


@pytest.fixture
def scale_kind(tmp_path, monkeypatch):
    """The kind in a module of its own, in a folder the registry searches."""
    kinds_folder = tmp_path / "more_kinds"
    kinds_folder.mkdir()
    (kinds_folder / "scale.py").write_text(SCALE_KIND, encoding="utf-8")
    monkeypatch.setattr(tasks, "__path__", [*tasks.__path__, str(kinds_folder)])
    tasks.forget()
    yield
    monkeypatch.undo()
    tasks.forget()


def _notebook(path, *cells: tuple[str, dict]) -> None:
    nb = nbformat.v4.new_notebook()
    for source, meta in cells:
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta}))
    nbformat.write(nb, path)


def test_a_new_kind_module_is_picked_up_everywhere(scale_kind, tmp_path, monkeypatch):
    assert tasks.kinds()["scale"].method == "rate_on_scale"

    # The Workbook shows it, saves it and grades it.
    monkeypatch.setattr("careerlab.workbook.book.display", lambda *_: None)
    student = tmp_path / "student"
    student.mkdir()
    wb = Workbook("demo", folder=student)
    exec(SHOW, {"wb": wb})
    assert "rate_on_scale" in dir(wb)
    wb["mood"].fill(4)
    wb.grade("mood", value=4)
    with pytest.raises(AssertionError, match="Your mood: not yet"):
        wb.grade("mood", value=2)
    reopened = Workbook("demo", folder=student)
    exec(SHOW, {"wb": reopened})
    assert reopened["mood"].value == 4

    # The author checks find the task (it has no solution yet).
    source = tmp_path / "demo.ipynb"
    _notebook(
        source,
        ('from careerlab import Workbook\nwb = Workbook("demo")', {}),
        (SHOW, {"locked": True, "grade_id": "show-mood", "solution": False, "grade": False}),
        (TEST, {"locked": True, "grade_id": "test-mood", "grade": True, "points": 1}),
    )
    problems = check_notebook(source, solutions={})
    assert any("no solution for task(s) mood" in problem for problem in problems), problems
    assert not any("mood" in p and "solution" in p for p in check_notebook(source, {"mood": 4}))

    # Autograde knows which kind the author's locked cell shows, and judges its answer.
    nb = nbformat.read(source, as_version=4)
    kinds = shown_kinds(nb)
    assert kinds == {"mood": "scale"}
    checks = declared_checks(TEST)
    answer = {"kind": "scale", "state": {"title": "Your mood", "value": 4}}
    assert judged_outputs(checks, {"tasks": {"mood": answer}}, kinds) == []
    wrong = {"kind": "scale", "state": {"title": "Your mood", "value": 1}}
    outputs = judged_outputs(checks, {"tasks": {"mood": wrong}}, kinds)
    assert outputs and "not yet" in outputs[0]["evalue"]

    # Feedback names the task by its title.
    titles, tests = read_tasks(source)
    assert titles == {"mood": "Your mood"} and tests == {"test-mood": "mood"}


def test_the_kind_leaves_with_its_module(scale_kind, monkeypatch):
    monkeypatch.undo()
    tasks.forget()
    assert "scale" not in tasks.kinds()
    with pytest.raises(AttributeError):
        _ = Workbook.__new__(Workbook).rate_on_scale


def test_a_kind_module_without_task_fails_loudly(tmp_path, monkeypatch):
    folder = tmp_path / "broken_kinds"
    folder.mkdir()
    (folder / "forgotten.py").write_text(textwrap.dedent("X = 1\n"), encoding="utf-8")
    monkeypatch.setattr(tasks, "__path__", [*tasks.__path__, str(folder)])
    tasks.forget()
    try:
        with pytest.raises(TypeError, match="forgotten is a task kind module without TASK"):
            tasks.kinds()
    finally:
        monkeypatch.undo()
        tasks.forget()
