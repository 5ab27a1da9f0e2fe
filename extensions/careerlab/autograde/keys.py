"""Answer keys stay in the grader: CareerLab's hidden tests are judged in the grader's process.

A CareerLab hidden test is a list of ``wb.grade("task-id", key=...)`` calls with
literal keys. Run in the student's process, as nbgrader runs every test, its
source would stay in ``In``, the history and linecache, where the student's own
code can print it into the feedback; and a student who replaces
``Workbook.grade`` passes every test. So ``careerlab autograde`` never sends such
a cell to the student's process. It asks that process what the student recorded
for each task (``Task.check_state``: plain JSON data, checked here like every
other message from it) and judges it here against the key (``Task.judge``). The
cell's outputs are the ones the test would have produced: nothing when it
passes, an error with the same message when it fails, so scores are nbgrader's.

A test cell written any other way (plain ``assert``, a call with a computed
key) runs in the student's process as in nbgrader; docs/security.md says what
that leaves open.

The two sides: ``declared_checks`` and ``judged_outputs`` run in the grader;
``report_answers`` runs in the student's process, in the process forked for
one notebook (careerlab.autograde.child), so it imports nothing of the grader's.
"""

from __future__ import annotations

import ast
import json
import threading
from dataclasses import dataclass
from typing import Any

# The most a report may hold; a larger one is refused in the student's process.
MAX_REPORT_BYTES = 4 << 20


@dataclass(frozen=True)
class DeclaredCheck:
    workbook: str  # the name of the variable holding the Workbook, e.g. "wb"
    task: str
    key: dict[str, Any]


# CPython 3.11 keeps one recursion counter per interpreter while it turns a parse into
# ``ast`` objects: two grading threads parsing at once (a garbage collection in one lets
# the other run) can leave it off by one, and the parse fails with "SystemError: AST
# constructor recursion depth mismatch" (CPython gh-106905; seen once in CI, failing a
# submission as a grader error). Parses here go one thread at a time; each takes
# microseconds.
_PARSE_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)``, one thread at a time (tests/test_parse_in_threads.py)."""
    with _PARSE_LOCK:
        return ast.parse(source)


def _literal(node: ast.AST) -> Any:
    return ast.literal_eval(node)


def declared_checks(source: str) -> list[DeclaredCheck] | None:
    """The checks a test cell declares, or None if the cell is anything but
    ``NAME.grade("task-id", name=literal, ...)`` calls (comments aside)."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return None
    checks = []
    for statement in tree.body:
        if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
            return None
        call = statement.value
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "grade"
            and isinstance(func.value, ast.Name)
            and len(call.args) == 1
            and all(keyword.arg is not None for keyword in call.keywords)
        ):
            return None
        try:
            task = _literal(call.args[0])
            key = {str(keyword.arg): _literal(keyword.value) for keyword in call.keywords}
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        if not isinstance(task, str):
            return None
        checks.append(DeclaredCheck(func.value.id, task, key))
    return checks or None


def shown_kinds(notebook: dict[str, Any]) -> dict[str, str]:
    """task id -> kind, from the author's locked cells (``wb.choice("id", ...)``).

    The grader takes a task's kind from here, never from the student's process,
    so a tampered process cannot have an answer judged as another kind."""
    from careerlab.workbook.tasks import by_method

    shown_by = by_method()  # Workbook method -> the kind it shows
    kinds: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("locked") or meta.get("solution"):
            continue
        source = cell.get("source", "")
        try:
            tree = parse("".join(source) if isinstance(source, list) else str(source))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            if node.func.attr in shown_by:
                kinds[node.args[0].value] = shown_by[node.func.attr].kind
    return kinds


def report_request(checks: list[DeclaredCheck]) -> dict[str, Any]:
    """What the student's process is asked: no key, only where to look."""
    return {"workbook": checks[0].workbook, "tasks": [check.task for check in checks]}


# --- In the student's process ----------------------------------------------------------------
def report_answers(user_ns: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """What the student recorded for each task asked about, as plain data.

    Runs the workbook's own code (``check_state``), which the student may have
    replaced: whatever it returns is only a claim about their own answer, and
    the grader checks its shape."""
    name = str(request.get("workbook", ""))
    if name not in user_ns:
        return {"error": ["NameError", f"name '{name}' is not defined"]}
    tasks = getattr(user_ns[name], "tasks", None)
    if not isinstance(tasks, dict):
        return {"error": ["AttributeError", f"'{name}' has no tasks; it is not a Workbook"]}
    answers: dict[str, Any] = {}
    for task_id in request.get("tasks", []):
        task = tasks.get(task_id)
        if task is None:
            answers[task_id] = None
            continue
        try:
            answers[task_id] = {"kind": str(task.kind), "state": task.check_state()}
            json.dumps(answers[task_id], allow_nan=False)
        except Exception as error:
            answers[task_id] = {"unreadable": f"{type(error).__name__}"}
    report = {"tasks": answers}
    if len(json.dumps(report)) > MAX_REPORT_BYTES:
        return {"error": ["ValueError", "the recorded answers are too large to read"]}
    return report


# --- In the grader -----------------------------------------------------------------------------
def _error(ename: str, evalue: str) -> list[dict[str, Any]]:
    return [
        {
            "output_type": "error",
            "ename": ename,
            "evalue": evalue,
            "traceback": [f"{ename}: {evalue}"],
        }
    ]


def judged_outputs(
    checks: list[DeclaredCheck], report: Any, kinds: dict[str, str]
) -> list[dict[str, Any]]:
    """The outputs the test cell would have had: none if every check passes, else
    the error the first failing ``wb.grade`` raises (nbgrader scores it zero).
    ``kinds`` is ``shown_kinds`` of the notebook."""
    from careerlab.workbook.tasks import kinds as registered_kinds

    known_kinds = registered_kinds()

    if not isinstance(report, dict):
        return _error("GraderError", "The grader could not read the recorded answers.")
    if "error" in report:
        error = report["error"]
        if isinstance(error, list) and len(error) == 2:
            return _error(str(error[0])[:80], str(error[1])[:500])
        return _error("GraderError", "The grader could not read the recorded answers.")
    answers = report.get("tasks")
    if not isinstance(answers, dict):
        return _error("GraderError", "The grader could not read the recorded answers.")
    for check in checks:
        answer = answers.get(check.task)
        if answer is None:
            message = f"Task '{check.task}' was not shown, so it has no answer."
            return _error("AssertionError", message)
        claimed = answer.get("kind") if isinstance(answer, dict) else None
        state = answer.get("state") if isinstance(answer, dict) else None
        known = isinstance(claimed, str) and claimed in known_kinds
        kind = known_kinds.get(kinds.get(check.task, claimed)) if known else None
        if kind is None or kind.kind != claimed or not isinstance(state, dict):
            return _error("AssertionError", f"Task '{check.task}': the answer could not be read.")
        try:
            key = kind.Key(**check.key)
        except TypeError as error:  # the author's key does not fit the task's kind
            return _error("TypeError", str(error))
        try:
            result = kind.judge(state, key)
        except Exception:  # a tampered state: never a pass
            return _error("AssertionError", f"Task '{check.task}': the answer could not be read.")
        if not result.correct:
            return _error("AssertionError", result.message)
    return []
