"""A task declared as data, checked field by field and turned into notebook cells.

The fields a task takes come from its kind's own code (the ``Task`` subclass's
constructor and its ``Key``), so a new task kind needs no change here. What a block
becomes, in order (``<cells>`` is the ``cells:`` field, else the task's id)::

    <cells>-hint       Markdown, when the task has a ``hint``
    <cells>-task       wb.<kind>(id, title, prompt, ...): the widget the student uses
    <cells>-code-intro Markdown and
    <cells>-code       the code path: a cell where a student who codes sets a variable
                       (the author's solution, from Python or declared analysis steps,
                       is removed from the student's copy)
    <cells>-test       the hidden test with the answer key and the points
"""

from __future__ import annotations

import dataclasses
import inspect
import keyword
import re
from collections.abc import Callable
from typing import Any

from careerlab.author.workbook_text import NAME, Problem, TaskBlock
from careerlab.workbook.answers import TASK_ID
from careerlab.workbook.tasks import kinds

COMMON = ("id", "title", "prompt")
OWN = ("answer", "points", "hint", "code_path", "cells")  # not passed to the widget
CODE_PATH = ("variable", "intro", "solution", "steps", "data")
LINE_LENGTH = 100  # ruff's, so built notebooks pass `make lint` as they are
MAX_POINTS = 100


@dataclasses.dataclass(frozen=True)
class Cell:
    kind: str  # markdown | code | solution | test
    name: str
    source: str
    points: float = 0


class Variable(str):
    """A table's variable name, written into code as a name, not as a string."""


def kind_fields(kind: str) -> dict[str, inspect.Parameter]:
    """The widget's own fields for ``kind``: its constructor after (context, id, title, prompt)."""
    parameters = list(inspect.signature(kinds()[kind].__init__).parameters.values())
    return {p.name: p for p in parameters[5:]}


def _is_table(parameter: inspect.Parameter) -> bool:
    return "DataFrame" in str(parameter.annotation)


def key_fields(kind: str) -> list[str]:
    return [f.name for f in dataclasses.fields(kinds()[kind].Key)]


def check(
    block: TaskBlock, check_steps: Callable[..., list[Problem]] | None = None
) -> list[Problem]:
    """Every problem with one task block, each naming its field (``tasks.<id>.<field>``)."""
    fields = block.fields
    task_id = fields.get("id")
    where = f"tasks.{task_id if isinstance(task_id, str) else block.line}"
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(f"{where}.{field}" if field else where, message, block.line))

    if block.kind not in kinds():
        problem("kind", f"{block.kind!r} is not a task kind; the kinds are {', '.join(kinds())}.")
        return problems
    own = kind_fields(block.kind)
    known = (*COMMON, *own, *OWN)
    for name in fields:
        if name not in known:
            problem(
                name, f"{block.kind} tasks have no field {name!r}; they have {', '.join(known)}."
            )
    if not (isinstance(task_id, str) and TASK_ID.match(task_id)):
        problem(
            "id",
            "id: a short name of lowercase letters, digits and - (the answer is stored under it).",
        )
    for name in ("title", "prompt"):
        if not (isinstance(fields.get(name), str) and fields[name].strip()):
            problem(name, f"{name}: the task needs a {name} (text).")
    for name, parameter in own.items():
        if name not in fields:
            if parameter.default is inspect.Parameter.empty:
                problem(name, f"{name}: a {block.kind} task needs this field.")
        elif _is_table(parameter) and not _is_name(fields[name]):
            problem(name, f"{name}: the name of a table from a {{data}} block, such as sites.")
    for name, message in kinds()[block.kind].field_problems(fields):
        problem(name, message)
    if block.kind == "choice":
        options = fields.get("options")
        if (
            not isinstance(options, dict)
            or not options
            or not all(
                isinstance(k, str) and TASK_ID.match(k) and isinstance(v, str) and v.strip()
                for k, v in options.items()
            )
        ):
            problem("options", "options: a short key and the text the student reads, one per line.")
    points = fields.get("points", 0)
    if (
        isinstance(points, bool)
        or not isinstance(points, int | float)
        or not 0 <= points <= MAX_POINTS
    ):
        problem("points", f"points: a number from 0 to {MAX_POINTS}.")
    if "answer" in fields:
        problems.extend(
            Problem(f"{where}.answer", message, block.line) for message in _key_problems(block)
        )
        if not points:
            problem("points", "points: a task with an answer key is worth points (1 or more).")
    elif points:
        problem("answer", "answer: a task worth points needs its answer key.")
    if "hint" in fields and not (isinstance(fields["hint"], str) and fields["hint"].strip()):
        problem("hint", "hint: text, or leave the field out.")
    cells = fields.get("cells")
    if cells is not None and not (isinstance(cells, str) and NAME.fullmatch(cells)):
        problem("cells", "cells: letters, digits, - and _ (a name for this task's cells).")
    if "code_path" in fields:
        problems.extend(_code_path_problems(block, where, check_steps))
    return problems


def _is_name(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.isidentifier()
        and value.isascii()
        and not keyword.iskeyword(value)
    )


def key_arguments(block: TaskBlock) -> dict[str, Any]:
    """The answer as ``wb.grade`` takes it: a single value is the kind's first key field."""
    answer = block.fields.get("answer")
    if isinstance(answer, dict):
        return dict(answer)
    return {key_fields(block.kind)[0]: answer}


def _key_problems(block: TaskBlock) -> list[str]:
    arguments = key_arguments(block)
    names = key_fields(block.kind)
    unknown = [name for name in arguments if name not in names]
    if unknown:
        return [
            f"answer: {', '.join(map(str, unknown))} is not part of a {block.kind} key "
            f"({', '.join(names)})."
        ]
    try:
        key = kinds()[block.kind].Key(**arguments)
    except (TypeError, ValueError) as error:
        return [f"answer: not a {block.kind} key ({error})."]
    problems = []
    options = block.fields.get("options")
    if block.kind == "choice" and isinstance(options, dict):
        wrong = [str(k) for k in key.accepted() if k not in options]
        if wrong:
            problems.append(
                f"answer: {', '.join(wrong)} is not one of the options ({', '.join(options)})."
            )
    measures = block.fields.get("measures")
    if block.kind == "chart" and isinstance(measures, list):
        wrong = [str(m) for m in arguments.get("measures", ()) if m not in measures]
        if wrong:
            problems.append(f"answer: {', '.join(wrong)} is not one of the measures offered.")
    return problems


def _code_path_problems(
    block: TaskBlock, where: str, check_steps: Callable[..., list[Problem]] | None
) -> list[Problem]:
    path = block.fields["code_path"]
    at = f"{where}.code_path"
    if not isinstance(path, dict):
        return [Problem(at, "code_path: fields variable and solution (or steps).", block.line)]
    problems = [
        Problem(
            f"{at}.{name}",
            f"a code path has no field {name!r} ({', '.join(CODE_PATH)}).",
            block.line,
        )
        for name in path
        if name not in CODE_PATH
    ]
    if not hasattr(kinds()[block.kind], "record"):
        problems.append(
            Problem(at, f"a {block.kind} task's answer cannot come from code.", block.line)
        )
    if not _is_name(path.get("variable")):
        problems.append(
            Problem(
                f"{at}.variable",
                "variable: the name the student sets, such as busiest.",
                block.line,
            )
        )
    has_code, has_steps = "solution" in path, "steps" in path
    if has_code == has_steps:
        problems.append(
            Problem(
                at,
                "give the author's solution as Python (solution) or as steps, one of the two.",
                block.line,
            )
        )
    if has_code and not (isinstance(path["solution"], str) and path["solution"].strip()):
        problems.append(
            Problem(f"{at}.solution", "solution: Python code that sets the variable.", block.line)
        )
    table = path.get("data", block.fields.get("data"))
    if has_steps and not _is_name(table):
        problems.append(Problem(f"{at}.data", "data: the table the steps start from.", block.line))
    for name in ("intro",):
        if name in path and not isinstance(path[name], str):
            problems.append(Problem(f"{at}.{name}", f"{name}: text.", block.line))
    if has_steps and check_steps is not None and _is_name(table):
        problems.extend(check_steps(block, str(table), f"{at}.steps"))
    return problems


# Cells -------------------------------------------------------------------------------


def cells(block: TaskBlock, steps_code: Callable[[TaskBlock], str] | None = None) -> list[Cell]:
    """The notebook cells of a checked task block, in order."""
    fields = block.fields
    task_id = fields["id"]
    name = fields.get("cells") or task_id
    method = kinds()[block.kind].method
    own = kind_fields(block.kind)
    found: list[Cell] = []
    if fields.get("hint"):
        found.append(
            Cell(
                "markdown",
                f"{name}-hint",
                f"<details><summary>Hint</summary>\n\n{fields['hint'].strip()}\n\n</details>",
            )
        )
    arguments: list[Any] = [task_id, fields["title"], fields["prompt"]]
    keywords = {
        key: Variable(value) if _is_table(own[key]) else _as_declared(value, own[key].annotation)
        for key, value in fields.items()
        if key in own
    }
    found.append(Cell("code", f"{name}-task", call(f"wb.{method}", arguments, keywords)))
    path = fields.get("code_path")
    if path:
        variable = path["variable"]
        intro = path.get("intro") or (
            f"**Code path (optional):** set `{variable}` to your answer, then run the cell. "
            "If you used the menus, you can leave this cell as it is."
        )
        solution = path["solution"].strip("\n") if "solution" in path else steps_code(block)  # type: ignore[misc]
        found.append(Cell("markdown", f"{name}-code-intro", intro.strip("\n")))
        found.append(
            Cell(
                "solution",
                f"{name}-code",
                f"{variable} = None\n### BEGIN SOLUTION\n{solution}\n### END SOLUTION\n"
                + call("wb.record", [task_id, Variable(variable)], {}),
            )
        )
    if "answer" in fields:
        types = {f.name: f.type for f in dataclasses.fields(kinds()[block.kind].Key)}
        key = {k: _as_declared(v, types.get(k)) for k, v in key_arguments(block).items()}
        test = call("wb.grade", [task_id], key)
        found.append(
            Cell(
                "test",
                f"{name}-test",
                f"### BEGIN HIDDEN TESTS\n{test}\n### END HIDDEN TESTS",
                fields["points"],
            )
        )
    return found


def _as_declared(value: Any, annotation: Any) -> Any:
    """A YAML list as the tuple the kind's code declares (``products=("memo", "slide")``)."""
    return tuple(value) if isinstance(value, list) and "tuple" in str(annotation) else value


# Code as ruff formats it ---------------------------------------------------------------


def literal(value: Any) -> str:
    """``value`` as Python source, with ruff's quotes, so built cells pass `make lint`."""
    if isinstance(value, Variable):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 1000 else str(value)
    if isinstance(value, float):
        return repr(int(value)) + ".0" if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, list | tuple):
        inner = ", ".join(map(literal, value))
        return (
            f"({inner},)"
            if isinstance(value, tuple) and len(value) == 1
            else (f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):  # a YAML date: keep it as the author wrote it
        return _string(value.isoformat())
    raise TypeError(f"cannot write {type(value).__name__} into a notebook")


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(text: str) -> str:
    # ruff prefers double quotes unless that means more escapes than single quotes.
    quote = "'" if text.count('"') > text.count("'") else '"'
    body = "".join(
        _ESCAPES.get(
            ch, f"\\{ch}" if ch == quote else ch if ch.isprintable() else f"\\u{ord(ch):04x}"
        )
        for ch in text
    )
    return f"{quote}{body}{quote}"


def call(function: str, arguments: list[Any], keywords: dict[str, Any]) -> str:
    """``function(...)`` laid out as ruff lays it out: on one line when it fits, else one
    argument a line with a trailing comma (which ruff keeps), and a long list or dict
    argument one item a line the same way, as deep as it takes (a chart's ``columns``)."""
    items = [literal(a) for a in arguments] + [f"{k}={literal(v)}" for k, v in keywords.items()]
    one_line = f"{function}({', '.join(items)})"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    lines = [f"{function}("]
    for value in arguments:
        lines += _item_lines("    ", "", value)
    for key, value in keywords.items():
        lines += _item_lines("    ", f"{key}=", value)
    lines.append(")")
    return "\n".join(lines)


def _item_lines(indent: str, prefix: str, value: Any) -> list[str]:
    """One argument or item and its comma: on one line when it fits (or cannot be split),
    else a list, tuple or dict one item a line, a level deeper."""
    one_line = f"{indent}{prefix}{literal(value)},"
    if len(one_line) <= LINE_LENGTH or not isinstance(value, list | dict | tuple) or not value:
        return [one_line]
    brackets = "[]" if isinstance(value, list) else "{}" if isinstance(value, dict) else "()"
    deeper = indent + "    "
    lines = [f"{indent}{prefix}{brackets[0]}"]
    if isinstance(value, dict):
        for key, item in value.items():
            lines += _item_lines(deeper, f"{literal(key)}: ", item)
    else:
        for item in value:
            lines += _item_lines(deeper, "", item)
    lines.append(f"{indent}{brackets[1]},")
    return lines


def is_plain_call(source: str) -> bool:
    """Whether a cell is one ``wb.<method>(...)`` call and nothing else (for the converter)."""
    return bool(re.fullmatch(r"wb\.\w+\((?s:.*)\)", source.strip()))
