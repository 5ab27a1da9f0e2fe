"""A guide's facts, read from the workbook's own files each time a guide is rendered.

One source of truth: the title, GRASP and occupations come from workbook.yml, the
standards and the tasks that meet them from workbook.yml's ``standards:`` (a plain code,
or ``{code, tasks, why}``), the answer key from workbook.md's task blocks (the ``answer:``
the hidden tests are built from) and solutions.yml (what a correct student enters), code
solutions from the built notebook's solution cells, the exemplar product from
solutions.yml's product entry and the rubric from rubrics/. Nothing is copied into
guide.yml, so a change to any of them shows in the next guide.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careerlab import course, project
from careerlab.author import build
from careerlab.author.rubric_cells import workbook_rubric
from careerlab.author.task_blocks import key_arguments
from careerlab.rubrics.format import Rubric
from careerlab.testing.classroom import solution_sources
from careerlab.testing.simulate import load_solutions
from careerlab.workbook.products import find_products


@dataclass(frozen=True)
class Task:
    id: str
    kind: str
    title: str
    points: float
    key: dict[str, Any]  # what the hidden test checks (empty: scored by a person, or not at all)
    options: dict[str, str]  # a choice's option keys and texts
    entry: Any  # what a fully correct student enters (solutions.yml)
    code: str | None  # the code path's solution, as a student who codes types it


@dataclass(frozen=True)
class Standard:
    code: str
    tasks: tuple[str, ...]  # task or rubric criterion ids that meet it (none in the old form)
    why: str


@dataclass(frozen=True)
class Exemplar:
    task: str
    product: str  # its name, e.g. "Recommendation memo"
    parts: tuple[tuple[str, str], ...]  # (label, text)


@dataclass(frozen=True)
class Facts:
    id: str
    title: str
    grade_band: str
    hours: float
    grasp: dict[str, str]
    occupations: tuple[tuple[str, str], ...]  # (title, SOC code)
    standards: tuple[Standard, ...]
    tasks: tuple[Task, ...]
    other_code: dict[str, str]  # solution cells that are not a task's code path: cell -> code
    answer_key: dict[str, dict[str, Any]]  # notebook -> {"responses": ..., "code": ...}
    exemplar: Exemplar | None
    rubric: Rubric | None

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def standards(data: dict[str, Any]) -> tuple[Standard, ...]:
    """Both forms of ``standards:``: a list of codes, or of ``{code, tasks, why}`` entries."""
    found = []
    for entry in data.get("standards") or []:
        if isinstance(entry, str):
            found.append(Standard(entry, (), ""))
        elif isinstance(entry, dict) and isinstance(entry.get("code"), str):
            tasks = entry.get("tasks") or []
            named = tuple(str(t) for t in tasks) if isinstance(tasks, list) else (str(tasks),)
            found.append(Standard(entry["code"], named, _text(entry.get("why"))))
    return tuple(found)


def _exemplar(tasks: list[Task], folder: Path) -> Exemplar | None:
    for task in tasks:
        if task.kind != "product" or not isinstance(task.entry, dict):
            continue
        products = find_products(folder)
        product = products.get(task.entry.get("product"))
        parts = task.entry.get("parts") or {}
        if product is None or not isinstance(parts, dict):
            continue
        labels = {part.id: part.label for part in product.parts}
        return Exemplar(
            task.id,
            product.name,
            tuple((labels.get(k, k), str(v).strip()) for k, v in parts.items()),
        )
    return None


def read(folder: Path) -> Facts:
    """Every fact of the project in ``folder``; raises the readers' own errors
    (ProjectFileError, BuildError, RubricError) when a file is broken."""
    data = project.read(folder).data
    if not isinstance(data, dict):
        raise project.ProjectFileError(f"{folder / course.METADATA_FILE}: not a mapping.")
    notebook = build.notebook_path(folder)
    solutions = load_solutions(folder).get(notebook.stem) or {}
    code = solution_sources(notebook) if notebook.exists() else {}
    tasks = []
    paths = set()  # the code-path cells, named as task_blocks.cells names them
    for block in build.read(folder).tasks:
        fields = block.fields
        cell = f"{fields.get('cells') or fields['id']}-code"
        paths.add(cell)
        tasks.append(
            Task(
                id=str(fields["id"]),
                kind=block.kind,
                title=_text(fields.get("title")),
                points=float(fields.get("points") or 0),
                key=key_arguments(block) if "answer" in fields else {},
                options=dict(fields.get("options") or {}),
                entry=solutions.get(fields["id"]),
                code=code.get(cell) if fields.get("code_path") else None,
            )
        )
    return Facts(
        id=str(data.get("id", folder.name)),
        title=_text(data.get("title")),
        grade_band=str(data.get("grade_band", "")),
        hours=float(data.get("hours") or 0),
        grasp={k: _text(v) for k, v in (data.get("grasp") or {}).items()},
        occupations=tuple(
            (_text(o.get("title")), str(o.get("soc", "")))
            for o in data.get("occupations") or []
            if isinstance(o, dict)
        ),
        standards=standards(data),
        tasks=tuple(tasks),
        other_code={cell: source for cell, source in code.items() if cell not in paths},
        answer_key={notebook.stem: {"responses": solutions, "code": code}},
        exemplar=_exemplar(tasks, folder),
        rubric=workbook_rubric(folder),
    )
