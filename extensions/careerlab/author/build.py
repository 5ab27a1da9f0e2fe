"""``careerlab build``: a workbook's plain files to its nbgrader source notebook.

The author writes ``workbook.md`` (``careerlab.author.workbook_text``) beside
``workbook.yml`` and the data files; this module writes ``<id>.ipynb`` from them with
every cell's nbgrader metadata (names, locks, points, hidden tests, solutions), so
nobody sets that metadata by hand. The same files always give the same notebook, byte
for byte. The notebook stays in the repository beside its text because nbgrader,
JupyterLab and the tests read notebooks; ``careerlab check`` flags one that no longer
matches its text, and a build never overwrites a notebook someone edited by hand.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path
from typing import Any

import nbformat

from careerlab import course
from careerlab.author import chart_units, data_questions, task_blocks, time_charts
from careerlab.author.workbook_text import (
    SOURCE_FILE,
    Code,
    Data,
    Problem,
    Rubric,
    TaskBlock,
    Text,
    WorkbookText,
    WorkbookTextError,
    parse,
)

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class BuildError(ValueError):
    def __init__(self, path: Path, problems: list[Problem]) -> None:
        super().__init__("\n".join(f"{path}: {p}" for p in problems))
        self.path = path
        self.problems = problems


def source_path(folder: Path) -> Path:
    return folder / SOURCE_FILE


def has_source(folder: Path) -> bool:
    return source_path(folder).is_file()


def notebook_path(folder: Path) -> Path:
    return folder / f"{folder.name}.ipynb"


def read(folder: Path) -> WorkbookText:
    path = source_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(path, [Problem("file", f"cannot be read ({error}).")]) from error
    try:
        return parse(text)
    except WorkbookTextError as error:
        raise BuildError(path, error.problems) from error


def problems(folder: Path, workbook: WorkbookText | None = None) -> list[Problem]:
    """Everything wrong with a workbook's text, each problem naming its field."""
    try:
        workbook = workbook or read(folder)
    except BuildError as error:
        return error.problems
    found: list[Problem] = []
    tables = {part.name: part for part in workbook.parts if isinstance(part, Data)}
    for part in workbook.parts:
        if isinstance(part, Data) and not (folder / part.file).is_file():
            found.append(
                Problem(
                    f"data.{part.name}.file", f"{part.file} is not in {folder.name}/.", part.line
                )
            )
        if isinstance(part, TaskBlock):
            block_problems = task_blocks.check(part, _steps_checker(folder, tables))
            found.extend(
                block_problems
                or _menu_steps_problems(folder, tables, part)
                + chart_units.problems(folder, workbook, part)
            )
    found.extend(time_charts.problems(folder, workbook))
    found.extend(data_questions.problems(folder, workbook))
    ids = [t.fields.get("id") for t in workbook.tasks]
    for task_id in sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1}):
        found.append(Problem(f"tasks.{task_id}.id", f"two tasks are called {task_id!r}."))
    if any(isinstance(part, Rubric) for part in workbook.parts):
        try:
            rubric = _rubric(folder)
        except (KeyError, ValueError) as error:
            found.append(
                Problem("rubric", f"the rubric in {course.METADATA_FILE} cannot be used ({error}).")
            )
        else:
            if rubric is None:
                found.append(
                    Problem(
                        "rubric", f"a {{rubric}} block needs `rubric:` in {course.METADATA_FILE}."
                    )
                )
    if not found:
        names = [cell["metadata"]["nbgrader"]["grade_id"] for cell in _cells(folder, workbook)]
        for name in sorted({n for n in names if names.count(n) > 1}):
            found.append(
                Problem("cells", f"two cells are called {name!r}; rename one (cells: or +++ name).")
            )
    return found


def _steps_checker(folder: Path, tables: dict[str, Data]):
    def check_steps(block: TaskBlock, table: str, where: str) -> list[Problem]:
        from careerlab.workbook import analysis_steps

        data = tables.get(table)
        if data is None:
            return [
                Problem(
                    where,
                    f"steps start from a table read by a {{data}} block; {table!r} is not one.",
                    block.line,
                )
            ]
        frame = _read_table(folder, data)
        if frame is None:
            return []  # the missing file is its own problem
        steps, found = analysis_steps.parse(block.fields["code_path"]["steps"], list(frame.columns))
        problems = [
            Problem(f"{where}.{p.path}" if p.path else where, p.message, block.line) for p in found
        ]
        if problems or "answer" not in block.fields:
            return problems
        result = analysis_steps.evaluate(frame, steps)
        key = task_blocks.key_arguments(block)
        if not _agrees(result, key):
            problems.append(
                Problem(
                    f"tasks.{block.fields['id']}.answer",
                    f"the steps give {result!r}, but the answer key says {key.get('value')!r}.",
                    block.line,
                )
            )
        return problems

    return check_steps


def _menu_steps_problems(folder: Path, tables: dict[str, Data], block: TaskBlock) -> list[Problem]:
    """A data question whose solutions.yml entry has steps: the menus must be able to make
    them, and what they give must agree with the answer key (as for code_path steps)."""
    from careerlab.testing.simulate import load_solutions
    from careerlab.workbook.tasks.data_analysis import DataAnalysisTask, StepsProblem, menu_answer

    if block.kind != "data_analysis":
        return []
    try:
        entry = (load_solutions(folder).get(folder.name) or {}).get(block.fields["id"])
    except Exception:  # an unreadable solutions.yml is its own problem (careerlab check)
        return []
    if not (isinstance(entry, dict) and "steps" in entry):
        return []
    where = f"tasks.{block.fields['id']}"
    data = tables.get(str(block.fields.get("data")))
    frame = None if data is None else _read_table(folder, data)
    columns, label = block.fields.get("columns"), block.fields.get("label_column")
    if frame is None or not isinstance(columns, list):
        return []  # the missing table or file, or a wrong field, is its own problem
    if not set([*columns, *([label] if label else [])]) <= set(frame.columns):
        return []  # columns the notebook's code adds: `careerlab simulate` checks those
    offered = block.fields.get("steps") or []
    if not offered:
        return [
            Problem(
                f"{where}.steps",
                f"steps: {course.SOLUTIONS_FILE} answers {block.fields['id']} with steps, but "
                "the task offers none (add steps: with the kinds it uses).",
                block.line,
            )
        ]
    try:
        result = menu_answer(frame, columns, label, offered, entry)
    except (StepsProblem, ValueError, KeyError, TypeError) as error:  # AnswerError too
        return [
            Problem(
                f"{where}.steps",
                f"steps: the menus cannot give {block.fields['id']}'s answer in "
                f"{course.SOLUTIONS_FILE} ({error}).",
                block.line,
            )
        ]
    key = task_blocks.key_arguments(block)
    judged = {"title": block.fields["id"], "value": result}  # judged as autograde judges it
    if (
        "answer" in block.fields
        and not DataAnalysisTask.judge(judged, DataAnalysisTask.Key(**key)).correct
    ):
        return [
            Problem(
                f"{where}.answer",
                f"answer: the steps in {course.SOLUTIONS_FILE} give {result!r}, "
                f"but the answer key says {key.get('value')!r}.",
                block.line,
            )
        ]
    return []


def _agrees(result: Any, key: dict[str, Any]) -> bool:
    expected = key.get("value")
    if isinstance(expected, str) or isinstance(result, str):
        return str(result).strip().casefold() == str(expected).strip().casefold()
    try:
        return abs(float(result) - float(expected)) <= float(key.get("tolerance") or 0) + 1e-9
    except (TypeError, ValueError):
        return False


def _read_table(folder: Path, data: Data):
    import pandas as pd

    try:
        return pd.read_csv(folder / data.file)
    except (OSError, ValueError):
        return None


def _rubric(folder: Path):
    from careerlab.author.rubric_cells import workbook_rubric

    return workbook_rubric(folder)


def _steps_code(folder: Path, workbook: WorkbookText):
    def code(block: TaskBlock) -> str:
        from careerlab.workbook import analysis_steps

        path = block.fields["code_path"]
        table = str(path.get("data", block.fields.get("data")))
        data = next(p for p in workbook.parts if isinstance(p, Data) and p.name == table)
        frame = _read_table(folder, data)
        steps, _ = analysis_steps.parse(path["steps"], list(frame.columns))
        return analysis_steps.pandas_code(table, steps, path["variable"])

    return code


def shows_only_careerlab(code: str) -> bool:
    """Whether a read-only cell only shows CareerLab's widgets or pages (``wb.choice(...)``,
    ``wb.check()``, a career profile's ``display(...)``), so its code is machinery to a
    student: every statement imports from careerlab or calls ``wb.<method>`` or ``display``."""
    try:
        statements = ast.parse(code).body
    except SyntaxError:
        return False

    def shows(node: ast.stmt) -> bool:
        if isinstance(node, ast.ImportFrom):
            return (node.module or "").split(".")[0] == "careerlab"
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return False
        called = node.value.func
        if isinstance(called, ast.Name):
            return called.id == "display"
        return (
            isinstance(called, ast.Attribute)
            and isinstance(called.value, ast.Name)
            and called.value.id == "wb"
        )

    return bool(statements) and all(shows(node) for node in statements)


def _meta(
    name: str,
    *,
    locked: bool = True,
    solution: bool = False,
    points: float = 0,
    hidden: bool = False,
) -> dict:
    nbgrader: dict[str, Any] = {
        "grade": bool(points),
        "grade_id": name,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if points:
        nbgrader["points"] = points
    if hidden:
        # JupyterLab shows the cell's output (the task) with its code folded away: one
        # click on the bar shows it to a student who codes. Written by the build, so
        # nbgrader's release keeps it.
        return {"jupyter": {"source_hidden": True}, "nbgrader": nbgrader}
    return {"nbgrader": nbgrader}


def _markdown(name: str, text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text, metadata=_meta(name))
    cell["id"] = name
    return cell


def _code(name: str, source: str, **meta: Any) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata=_meta(name, **meta))
    cell["id"] = name
    return cell


def _solution_source(code: str) -> str:
    return code if "### BEGIN SOLUTION" in code else f"### BEGIN SOLUTION\n{code}\n### END SOLUTION"


def _cells(folder: Path, workbook: WorkbookText) -> list[nbformat.NotebookNode]:
    cells: list[nbformat.NotebookNode] = []
    for number, part in enumerate(workbook.parts, start=1):
        if isinstance(part, Text):
            cells.append(_markdown(part.name or f"text-{number}", part.text))
        elif isinstance(part, Code):
            name = part.name or f"code-{number}"
            if part.solution:
                cells.append(_code(name, _solution_source(part.code), locked=False, solution=True))
            else:
                cells.append(_code(name, part.code, hidden=shows_only_careerlab(part.code)))
        elif isinstance(part, Data):
            show = part.name if part.show is None else f"{part.name}.head({part.show})"
            source = f"{part.name} = pd.read_csv({task_blocks.literal(part.file)})\n{show}"
            cells.append(_code(part.cell or f"{part.name}-data", source))
        elif isinstance(part, TaskBlock):
            built = time_charts.with_time(folder, workbook, part)  # a datasheet's time column
            built = data_questions.as_built(folder, workbook, built)  # asks, datasheet
            for cell in task_blocks.cells(built, _steps_code(folder, workbook)):
                if cell.kind == "markdown":
                    cells.append(_markdown(cell.name, cell.source))
                elif cell.kind == "solution":
                    cells.append(_code(cell.name, cell.source, locked=False, solution=True))
                else:
                    task = cell.kind == "code"  # the wb.<kind>(...) call that shows the task
                    cells.append(_code(cell.name, cell.source, points=cell.points, hidden=task))
        else:
            for cell in _rubric_cells(folder):
                cell["id"] = cell["metadata"]["nbgrader"]["grade_id"]
                cells.append(cell)
    for cell in cells:
        if is_answered_check(cell):
            # Validate checks only tests: the progress cell is one, worth zero points, that
            # fails under Validate while tasks are unanswered (careerlab.workbook.progress).
            cell["metadata"]["nbgrader"].update(grade=True, points=0)
    return cells


def is_answered_check(cell: dict[str, Any]) -> bool:
    """Whether a cell is the workbook's progress check (``wb.check()``, read-only)."""
    from careerlab.workbook.progress import CHECK_SOURCE

    meta = cell.get("metadata", {}).get("nbgrader", {})
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    return (
        cell.get("cell_type") == "code"
        and not meta.get("solution")
        and source.strip() == CHECK_SOURCE
    )


def _rubric_cells(folder: Path) -> list[nbformat.NotebookNode]:
    from careerlab.author.rubric_cells import rubric_cells

    return rubric_cells(_rubric(folder))


def fingerprint(nb: nbformat.NotebookNode) -> str:
    """What a build decides about a notebook: each cell's type, name, source and
    grading metadata. Outputs and what JupyterLab adds on save are left out, so a
    teacher who runs the notebook to try it has not "edited" it."""
    cells = [
        [
            cell.get("cell_type"),
            cell.get("source"),
            cell.get("metadata", {}).get("nbgrader"),
            cell.get("metadata", {}).get("careerlab"),
        ]
        for cell in nb.get("cells", [])
    ]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def notebook(folder: Path) -> nbformat.NotebookNode:
    """The notebook ``folder``'s plain files build; raises BuildError with every problem."""
    workbook = read(folder)
    found = problems(folder, workbook)
    if found:
        raise BuildError(source_path(folder), found)
    nb = nbformat.v4.new_notebook()
    nb.cells = _cells(folder, workbook)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nb.metadata["careerlab"] = {"built_from": SOURCE_FILE, "cells_sha256": fingerprint(nb)}
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


class HandEdited(ValueError):
    """The notebook was changed since it was built; building would lose that change."""


def build(folder: Path, *, force: bool = False) -> tuple[Path, bool]:
    """Write ``<id>.ipynb`` and the snapshots it needs; returns (path, whether it changed).
    Refuses (HandEdited) to overwrite a notebook edited by hand since its last build."""
    nb = notebook(folder)
    path = notebook_path(folder)
    if path.exists() and not force:
        edited = hand_edited(path)
        if edited:
            raise HandEdited(
                f"{path}: {edited} Move the change into {SOURCE_FILE} (or the authoring page), "
                "then build again; `careerlab build --force` throws the notebook's change away."
            )
    new = text(nb)
    changed = not path.exists() or path.read_text(encoding="utf-8") != new
    if changed:
        path.write_text(new, encoding="utf-8")
    write_snapshots(folder, nb)
    return path, changed


def hand_edited(path: Path) -> str | None:
    """Why the notebook at ``path`` is not as a build left it, or None."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # an unreadable notebook holds nothing a build could lose
        return None
    recorded = nb.metadata.get("careerlab", {}).get("cells_sha256")
    if recorded is None:
        return f"was not built from {SOURCE_FILE}, so building would replace it."
    if recorded != fingerprint(nb):
        return "was edited after it was built."
    return None


def write_snapshots(folder: Path, nb: nbformat.NotebookNode) -> None:
    """What the student's kernel reads beside the notebook: the rubric for the
    self-assessment, and the products its product tasks offer."""
    from careerlab.author.product_snapshot import write_snapshot as write_products_snapshot
    from careerlab.author.rubric_cells import write_rubric_snapshot

    write_products_snapshot(folder)  # reads the notebook just written
    sources = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    if "wb.self_assess(" in sources:
        rubric = _rubric(folder)
        if rubric is not None:
            write_rubric_snapshot(folder, rubric)


def check_built(folder: Path) -> list[str]:
    """For ``careerlab check``: the text's problems, and a notebook that is not what
    the text builds."""
    if not has_source(folder):
        return []
    path = source_path(folder)
    try:
        nb = notebook(folder)
    except BuildError as error:
        return [f"{path}: {problem}" for problem in error.problems]
    target = notebook_path(folder)
    if not target.exists():
        return [f"{target}: missing; run `careerlab build {folder.name}`."]
    if target.read_text(encoding="utf-8") != text(nb):
        return [
            f"{target}: does not match {SOURCE_FILE}; run `careerlab build {folder.name}` "
            "(notebooks are built from it, never edited by hand)."
        ]
    return []
