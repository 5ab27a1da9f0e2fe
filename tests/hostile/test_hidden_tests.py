"""Answer keys and hidden tests never reach the student's process (careerlab.autograde.keys).

One small class of first-paycheck, graded by ``careerlab autograde`` and by stock
``nbgrader autograde`` side by side. Beside honest wrong work, three students hand
in the same wrong work plus code that goes after the keys or the grading: one
prints ``In``, the history, ``linecache`` and every string it can find after the
tests have run; one replaces ``Workbook.grade`` and every task kind's check to pass;
one forges what its tasks report (another kind, odd types, a task that raises).
Stock nbgrader is fooled by the first two (the test says so, so it can fail if
the attack stops working); careerlab scores each like the wrong work it is, and
neither its notebooks nor the feedback hold a hidden test or a key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from careerlab.autograde.keys import declared_checks, judged_outputs, report_answers, shown_kinds
from careerlab.testing.classroom import enroll, gradebook_grades

from ..conftest import run_app
from .conftest import Paycheck, add_cell, grade_both, paycheck_course

ASSIGNMENT = "first-paycheck"

# Runs after every test cell (appended at the end of the notebook).
LEAK = """
import gc, linecache
ip = get_ipython()
seen = [*In, *_ih, *(str(v) for v in Out.values())]
seen += [line for _, _, line in ip.history_manager.get_range(raw=True)]
seen += ["".join(lines) for _, _, lines, _ in linecache.cache.values() if lines]
seen += [o for o in gc.get_objects() if isinstance(o, str) and "grade" in o]
print("LEAK-START")
for text in seen:
    print(text)
print("LEAK-END")
"""
# Runs right after the set-up cell, before any test.
PATCH = """
import careerlab.workbook.book, careerlab.workbook.tasks
from careerlab.workbook.tasks.base import Check
careerlab.workbook.book.Workbook.grade = lambda *args, **kwargs: None
for kind in careerlab.workbook.tasks.KINDS.values():
    kind.check = lambda self, key: Check(True, "patched")
    kind.judge = classmethod(lambda cls, state, key: Check(True, "patched"))
"""
FORGE = """
import careerlab.workbook.tasks
from careerlab.workbook.tasks.long_text import LongTextTask
forged = [
    {"title": "x", "value": "w " * 5000},  # a long text's state, whatever the kind
    {"title": ["not", "text"], "value": {"measure": object.__name__}},
    {"title": "x", "parts": [["a", "b"]] * 3, "value": 1e308},
]
for position, kind in enumerate(careerlab.workbook.tasks.KINDS.values()):
    kind.kind = "long_text"  # claim the kind with the loosest check
    if position % 3 == 2:
        kind.check_state = lambda self: 1 / 0
    else:
        kind.check_state = lambda self, state=forged[position % 2]: state
"""
HOSTILE = {"leak": ("end", LEAK), "patch": ("setup", PATCH), "forge": ("setup", FORGE)}


def _hidden_lines(course: Path) -> list[str]:
    """Every line of every hidden test, as the author wrote it (keys included)."""
    lines = []
    for path in (course / "workbooks" / ASSIGNMENT).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if "BEGIN HIDDEN TESTS" in cell.source:
                lines += [
                    line.strip()
                    for line in cell.source.splitlines()
                    if line.strip() and "HIDDEN TESTS" not in line
                ]
    assert lines and all("grade(" in line for line in lines)
    return lines


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, paycheck: Paycheck) -> dict:
    base = tmp_path_factory.mktemp("hidden-tests")
    root = paycheck_course(paycheck, base / "course")
    folders = paycheck.kinds
    students = {"correct": "correct", "wrong": "wrong", **{name: "wrong" for name in HOSTILE}}
    enroll(folders, root / "submitted", ASSIGNMENT, students)
    for name, (where, code) in HOSTILE.items():
        (notebook,) = (root / "submitted" / name / ASSIGNMENT).glob("*.ipynb")
        add_cell(notebook, code, at_end=where == "end")
    stock = base / "stock"
    shutil.copytree(root, stock)
    for name in ("correct", "forge"):  # stock needs only the attacks it is shown to fall for
        shutil.rmtree(stock / "submitted" / name)
    runs = grade_both(root, stock, base / "report")
    assert runs.stock.returncode == 0 and runs.fast.returncode == 0, runs.fast.stderr[-3000:]
    return {
        "fast": root,
        "stock": stock,
        "fast_grades": gradebook_grades(root / "gradebook.db"),
        "stock_grades": gradebook_grades(stock / "gradebook.db"),
        "hidden": _hidden_lines(root),
    }


def _score(grades: dict, student: str) -> float:
    return grades[(ASSIGNMENT, student)][0]


def _outputs_text(course: Path, student: str) -> str:
    """Every text of every output of a student's autograded notebook."""
    (path,) = (course / "autograded" / student / ASSIGNMENT).glob("*.ipynb")
    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            texts += [output.get("text", ""), output.get("evalue", "")]
            texts += output.get("traceback", [])
            texts += [str(value) for value in output.get("data", {}).values()]
    return "\n".join(texts)


def test_the_class_is_not_vacuous(graded):
    grades = graded["fast_grades"]
    assert _score(grades, "correct") > _score(grades, "wrong")
    assert _score(graded["stock_grades"], "wrong") == _score(grades, "wrong")


def test_stock_nbgrader_falls_for_the_attacks(graded):
    """What careerlab protects against is real: under stock nbgrader the patch passes
    every test and the leak prints the hidden tests, keys included."""
    stock = graded["stock_grades"]
    assert _score(stock, "patch") > _score(stock, "wrong")
    leaked = _outputs_text(graded["stock"], "leak")
    assert any(line in leaked for line in graded["hidden"])


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_an_attack_scores_like_the_wrong_work_it_is(graded, student):
    grades = graded["fast_grades"]
    assert _score(grades, student) == _score(grades, "wrong")
    for key, value in grades.items():
        if key[:2] == (ASSIGNMENT, student) and len(key) == 4:
            assert value == grades[(ASSIGNMENT, "wrong", *key[2:])], key


def test_the_student_process_never_held_a_hidden_test(graded):
    text = _outputs_text(graded["fast"], "leak")
    assert "LEAK-START" in text and "LEAK-END" in text  # the leak ran to the end
    for line in graded["hidden"]:
        assert line not in text, line


def test_feedback_holds_no_hidden_test_whatever_was_printed(graded):
    fast = graded["fast"]
    run_app(fast, "nbgrader", "generate_feedback", ASSIGNMENT, "--student=leak")
    folder = fast / "feedback" / "leak" / ASSIGNMENT
    html = (folder / f"{ASSIGNMENT}.html").read_text()
    assert "LEAK-START" in html
    # The feedback page and the showcase that goes with it.
    assert sorted(p.name for p in folder.glob("*.html")) == [f"{ASSIGNMENT}.html", "showcase.html"]
    for page in folder.glob("*.html"):
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text, page.name
        for line in graded["hidden"]:
            assert line not in text, (page.name, line)


# --- The parts, without a class --------------------------------------------------------------
def test_only_literal_grade_calls_are_judged_in_the_grader():
    (check,) = declared_checks('### BEGIN HIDDEN TESTS\nwb.grade("a", value=3, tolerance=0.5)\n')
    assert (check.workbook, check.task, check.key) == ("wb", "a", {"value": 3, "tolerance": 0.5})
    assert (
        len(declared_checks('wb.grade("a", correct="x")\nwb.grade("b", correct=("y", "z"))')) == 2
    )
    for source in (
        'wb.grade("a", value=answer())',  # a computed key
        'wb.grade("a", **keys)',
        'assert wb.grade("a", correct="x") is None',
        'x = 1\nwb.grade("a", correct="x")',
        "wb.grade(task_id, correct='x')",
        "wb.other('a', correct='x')",
        "",
        "wb.grade(",
    ):
        assert declared_checks(source) is None, source


class _FakeTask:
    kind = "number"

    def __init__(self, value):
        self.value = value

    def check_state(self):
        return {"title": "Net pay", "value": self.value, "unit": "dollars"}


def test_a_report_is_judged_against_the_key_in_the_grader():
    (check,) = declared_checks('wb.grade("net", value=412.5, tolerance=0.01)')
    locked = {"cell_type": "code", "metadata": {"nbgrader": {"locked": True}}}
    notebook = {"cells": [{**locked, "source": 'wb.number("net", "Net pay", "How much?")'}]}
    kinds = shown_kinds(notebook)
    assert kinds == {"net": "number"}

    def outputs(value, kind="number"):
        task = _FakeTask(value)
        task.kind = kind
        report = report_answers(
            {"wb": type("W", (), {"tasks": {"net": task}})()},
            {
                "workbook": "wb",
                "tasks": ["net"],
            },
        )
        return judged_outputs([check], report, kinds)

    assert outputs(412.5) == []
    (wrong,) = outputs(400.0)
    assert (wrong["ename"], wrong["evalue"]) == (
        "AssertionError",
        "Net pay: $400.00 is not correct yet.",
    )
    for forged in ("412.5", [412.5], {"v": 1}, True, None):
        assert outputs(forged)[0]["ename"] == "AssertionError", forged
    # Another kind claimed than the author's cell shows: never judged as that kind.
    assert outputs(412.5, kind="data_analysis")[0]["ename"] == "AssertionError"
    assert judged_outputs([check], {"tasks": {}}, kinds)[0]["evalue"].startswith("Task 'net'")
    assert judged_outputs([check], {"error": ["NameError", "name 'wb' is not defined"]}, kinds)
    assert judged_outputs([check], "junk", kinds)[0]["ename"] == "GraderError"
    assert report_answers({}, {"workbook": "wb", "tasks": ["net"]})["error"][0] == "NameError"
