"""``careerlab convert``: an nbgrader notebook written by hand to a workbook's text.

For a project that began as a notebook (CareerLab's first six did, and a teacher who
codes may bring one): each cell becomes the part of ``workbook.md`` that builds it
again, tasks become data. A cell the format cannot say is an error naming the cell,
never dropped. ``careerlab build`` then writes the notebook back from the text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import nbformat

from careerlab.author.build import is_answered_check
from careerlab.author.task_blocks import key_fields
from careerlab.author.workbook_text import (
    Code,
    Data,
    Part,
    Rubric,
    TaskBlock,
    Text,
    WorkbookText,
)
from careerlab.workbook.tasks import by_method

_DATA = re.compile(
    r"(?P<name>[A-Za-z_]\w*) = pd\.read_csv\(\"(?P<file>[A-Za-z0-9][A-Za-z0-9._-]*\.csv)\"\)\n"
    r"(?P=name)(?:\.head\((?P<rows>\d+)\))?"
)
_CODE_PATH = re.compile(
    r"(?P<var>[A-Za-z_]\w*) = None\n### BEGIN SOLUTION\n(?P<code>.*)\n### END SOLUTION\n"
    r"wb\.record\(\"(?P<id>[^\"]+)\", (?P=var)\)",
    re.DOTALL,
)
_TEST = re.compile(r"### BEGIN HIDDEN TESTS\n(?P<call>.*)\n### END HIDDEN TESTS", re.DOTALL)
_HINT = re.compile(r"<details><summary>Hint</summary>\n\n(?P<hint>.*)\n\n</details>", re.DOTALL)
_WHOLE_SOLUTION = re.compile(r"### BEGIN SOLUTION\n(?P<code>.*)\n### END SOLUTION", re.DOTALL)


class ConvertError(ValueError):
    pass


def _nbgrader(cell: nbformat.NotebookNode) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def _name(cell: nbformat.NotebookNode) -> str:
    return _nbgrader(cell).get("grade_id", "")


def _call(source: str) -> ast.Call | None:
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return None
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        node = tree.body[0].value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "wb":
                return node
    return None


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Name):
        return node.id  # a table's variable: the build writes it back as a name
    value = ast.literal_eval(node)
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def convert(nb: nbformat.NotebookNode) -> WorkbookText:
    cells = list(nb.cells)
    parts: list[Part] = []
    index = 0
    rubric_done = False
    while index < len(cells):
        cell = cells[index]
        name = _name(cell)
        meta = _nbgrader(cell)
        where = f"cell {index + 1} ({name or 'no name'})"
        if not meta:
            raise ConvertError(f"{where}: has no nbgrader metadata.")
        if "rubric" in cell.get("metadata", {}).get("careerlab", {}):
            if not rubric_done:
                parts.append(Rubric())
                rubric_done = True
            index += 1
            continue
        if cell.cell_type == "markdown":
            hint = _HINT.fullmatch(cell.source)
            following = _name(cells[index + 1]) if index + 1 < len(cells) else ""
            if hint and name.endswith("-hint") and following == f"{name[:-5]}-task":
                # A task's hint is built just before its widget: it goes back into the task.
                block, index = _task(cells, index + 1, _call(cells[index + 1].source))
                block.fields = _with_hint(block.fields, hint.group("hint"))
                parts.append(block)
                continue
            parts.append(Text(cell.source, name))
            index += 1
            continue
        source = cell.source
        if meta.get("solution"):
            whole = _WHOLE_SOLUTION.fullmatch(source)
            parts.append(Code(whole.group("code") if whole else source, name, solution=True))
            index += 1
            continue
        if meta.get("grade") and not is_answered_check(cell):
            raise ConvertError(f"{where}: a test that follows no task.")
        data = _DATA.fullmatch(source)
        if data:
            rows = data.group("rows")
            cell_name = name if name != f"{data.group('name')}-data" else None
            parts.append(
                Data(data.group("name"), data.group("file"), int(rows) if rows else None, cell_name)
            )
            index += 1
            continue
        call = _call(source)
        if (
            call is not None
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in by_method()
        ):
            block, index = _task(cells, index, call)
            parts.append(block)
            continue
        parts.append(Code(source, name))
        index += 1
    return WorkbookText(parts)


def _task(cells: list[nbformat.NotebookNode], index: int, call: ast.Call) -> tuple[TaskBlock, int]:
    kind = by_method()[call.func.attr].kind  # type: ignore[attr-defined]
    name = _name(cells[index])
    if not name.endswith("-task") or len(call.args) != 3:
        raise ConvertError(
            f"cell {index + 1} ({name}): a task cell is named <name>-task "
            "and has an id, a title and a prompt."
        )
    prefix = name.removesuffix("-task")
    task_id, title, prompt = (_value(a) for a in call.args)
    fields: dict[str, Any] = {"id": task_id, "title": title, "prompt": prompt}
    fields.update({k.arg: _value(k.value) for k in call.keywords if k.arg})
    index += 1
    if (
        index + 1 < len(cells)
        and _name(cells[index]) == f"{prefix}-code-intro"
        and _name(cells[index + 1]) == f"{prefix}-code"
    ):
        match = _CODE_PATH.fullmatch(cells[index + 1].source)
        if match is None or match.group("id") != task_id:
            raise ConvertError(f"cell {index + 2} ({prefix}-code): not a code path for {task_id}.")
        fields["code_path"] = {
            "variable": match.group("var"),
            "intro": cells[index].source,
            "solution": match.group("code"),
        }
        index += 2
    if index < len(cells) and _name(cells[index]) == f"{prefix}-test":
        test = _TEST.fullmatch(cells[index].source)
        grade = _call(test.group("call")) if test else None
        if grade is None or grade.args[0].value != task_id:  # type: ignore[attr-defined]
            raise ConvertError(
                f"cell {index + 1} ({prefix}-test): not one wb.grade call for {task_id}."
            )
        key = {k.arg: _value(k.value) for k in grade.keywords if k.arg}
        first = key_fields(kind)[0]
        fields["answer"] = key[first] if list(key) == [first] else key
        points = _nbgrader(cells[index]).get("points", 0)
        fields["points"] = int(points) if float(points).is_integer() else points
        index += 1
    if prefix != task_id:
        fields["cells"] = prefix
    return TaskBlock(kind, fields), index


def _with_hint(fields: dict[str, Any], hint: str) -> dict[str, Any]:
    """The fields with the hint after the kind's own fields, where authors write it."""
    before = {
        k: v for k, v in fields.items() if k not in ("code_path", "answer", "points", "cells")
    }
    after = {k: v for k, v in fields.items() if k not in before}
    return {**before, "hint": hint, **after}


def convert_file(path: Path) -> WorkbookText:
    return convert(nbformat.read(path, as_version=4))
