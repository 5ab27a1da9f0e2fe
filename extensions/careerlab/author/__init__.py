"""Checks an author runs before releasing: a broken workbook fails here, loudly,
naming the file and the problem, instead of in class.

Owns the author checks (here; ``careerlab check``; the data files a notebook reads:
``data_files``), the reading-level measure
(``readability``), the seeded data generators (``datasets``) and docs/reference.md
(``reference``), and ``careerlab simulate`` (``simulated_class``). May import the
catalog, ``rubrics.format``, the kernel side's task registry, products and chart types,
``testing.simulate``'s reader of ``solutions.yml``, and ``testing.classroom`` (the class
``careerlab simulate`` grades).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from careerlab import course, project
from careerlab.author.data_files import check_data_files
from careerlab.catalog import CatalogError, load_project
from careerlab.course import SOLUTIONS_FILE
from careerlab.rubrics.format import Criterion, Rubric, RubricError
from careerlab.testing.simulate import load_solutions
from careerlab.workbook.answers import ANSWERS_SUFFIX
from careerlab.workbook.products import all_products
from careerlab.workbook.tasks import task_call

WORKBOOK_CALL = re.compile(r"""^wb\s*=\s*Workbook\(\s*["']([^"']+)["']\s*\)""", re.MULTILINE)
MAX_DATA_BYTES = 5_000_000  # what a notebook loads stays small, so grading stays fast


def check_assignment(folder: Path) -> list[str]:
    """Every problem found in one workbook folder, each naming its file."""
    problems: list[str] = []
    notebooks = course.notebooks(folder)
    if not notebooks:
        problems.append(f"{folder}: no notebook in this workbook folder.")
    for stray in folder.rglob(f"*{ANSWERS_SUFFIX}"):
        problems.append(
            f"{stray}: an answers file must never be in a workbook folder "
            "(nbgrader would give it to every student). Delete it."
        )
    for data in folder.rglob("*"):
        if data.is_file() and data.suffix != ".ipynb" and data.stat().st_size > MAX_DATA_BYTES:
            problems.append(f"{data}: {data.stat().st_size:,} bytes; keep data under 5 MB.")
    try:
        solutions = load_solutions(folder)
    except Exception as error:  # a YAML error names the line; pass it on
        problems.append(f"{folder / SOLUTIONS_FILE}: not readable ({error}).")
        solutions = {}
    rubric = None
    metadata_path = folder / course.METADATA_FILE
    try:
        load_project(folder, {p.stem for p in (folder.parent.parent / "rubrics").glob("*.yml")})
    except CatalogError as error:
        problems.extend(error.problems)
    if metadata_path.exists():
        try:
            rubric = workbook_rubric(folder)
        except (RubricError, KeyError, ValueError) as error:  # ProjectFileError is a ValueError
            problems.append(f"{metadata_path}: its rubric cannot be used ({error}).")
    for notebook in notebooks:
        problems.extend(check_notebook(notebook, solutions.get(notebook.stem)))
        if rubric is not None:
            problems.extend(
                check_rubric_cells(notebook, nbformat.read(notebook, as_version=4), rubric)
            )
    if any("wb.self_assess(" in notebook.read_text(encoding="utf-8") for notebook in notebooks):
        problems.extend(check_rubric_snapshot(folder, rubric))
    return problems


def workbook_rubric(folder: Path) -> Rubric | None:
    """The combined rubric named in a workbook folder's workbook.yml, if any."""
    from careerlab.rubrics.format import combined, load_all

    rubric_id = project.read(folder).rubric
    if rubric_id is None:
        return None
    rubrics_dir = folder.parent.parent / course.RUBRICS_DIRECTORY
    rubrics = load_all(rubrics_dir)
    if rubric_id not in rubrics:
        raise KeyError(f"no rubric '{rubric_id}' in {rubrics_dir}")
    return combined(rubrics, rubric_id)


def check_notebook(path: Path, solutions: dict | None = None) -> list[str]:
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for broken files
        return [f"{path}: not a readable notebook ({error})."]
    problems = []
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    ids = WORKBOOK_CALL.findall(sources)
    if ids != [path.stem]:
        problems.append(
            f'{path}: needs exactly one line `wb = Workbook("{path.stem}")` '
            f"(the id must be the notebook's name); found {ids or 'none'}."
        )
    tasks = task_call().findall(sources)
    for task_id in sorted({t for t in tasks if tasks.count(t) > 1}):
        problems.append(f"{path}: task id {task_id!r} is shown twice.")
    missing = [t for t in tasks if t not in (solutions or {})]
    if missing:
        problems.append(
            f"{path.parent / SOLUTIONS_FILE}: no solution for task(s) {', '.join(missing)} "
            f"of {path.name} (what a fully correct student enters)."
        )
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells, start=1):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if grade_id in seen:
            problems.append(f"{path}: cell {index}: grade id {grade_id!r} is used twice.")
        seen.add(grade_id)
        if meta.get("grade") and not (meta.get("points") or 0) > 0:
            problems.append(f"{path}: cell {index} ({grade_id}): a graded cell needs points.")
        if meta.get("grade") and not meta.get("solution") and "wb.grade(" in cell.source:
            if "### BEGIN HIDDEN TESTS" not in cell.source:
                problems.append(
                    f"{path}: cell {index} ({grade_id}): wb.grade(...) must be inside "
                    "### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS, or students see the key."
                )
    problems.extend(check_data_files(path, nb))
    return problems


def check_course(root: Path) -> list[str]:
    problems = []
    for assignment in course.assignments(root):
        problems.extend(check_assignment(assignment))
    release = root / course.RELEASE_DIRECTORY
    if release.is_dir():
        for stray in release.rglob(f"*{ANSWERS_SUFFIX}"):
            problems.append(f"{stray}: an answers file must never be in release/. Delete it.")
    return problems


# Rubric cells ---------------------------------------------------------------------
RUBRIC_HEADER_ID = "rubric-intro"


def _rubric_cell_source(rubric: Rubric, criterion: Criterion) -> str:
    ordered = sorted(rubric.levels, key=lambda level: level.points)
    header = " | ".join(f"{level.name} ({level.points:g})" for level in ordered)
    lines = [
        f"### {criterion.title} ({rubric.max_points(criterion):g} points)",
        "",
        f"**{criterion.i_can}**",
        "",
    ]
    variants = list(criterion.descriptors.items())
    first = "Product | " if len(variants) > 1 else ""
    lines += [f"| {first}{header} |", "|" + " --- |" * (len(ordered) + (1 if first else 0))]
    names = {pid: p.name for pid, p in all_products().items()}
    for product, descriptors in variants:
        label = f"{names.get(product, product)} | " if first else ""
        cells = " | ".join(descriptors[level.id].replace("|", "/") for level in ordered)
        lines.append(f"| {label}{cells} |")
    return "\n".join(lines)


def rubric_cells(rubric: Rubric) -> list[nbformat.NotebookNode]:
    """The notebook cells for a rubric: an introduction, then one manually graded
    task cell per criterion (max points = top level's points x weight)."""
    intro = nbformat.v4.new_markdown_cell(
        "## How your work will be scored\n\n"
        "Your teacher scores your work with this rubric. Read the **I can** statements "
        "before you start, and check your work against them before you submit.",
        metadata={
            "nbgrader": {
                "grade": False,
                "solution": False,
                "locked": True,
                "grade_id": RUBRIC_HEADER_ID,
                "schema_version": 3,
            },
            "careerlab": {"rubric": rubric.id},
        },
    )
    cells = [intro]
    for criterion in rubric.criteria:
        cells.append(
            nbformat.v4.new_markdown_cell(
                _rubric_cell_source(rubric, criterion),
                metadata={
                    "nbgrader": {
                        "task": True,
                        "grade": False,
                        "solution": False,
                        "locked": True,
                        "points": rubric.max_points(criterion),
                        "grade_id": f"rubric-{criterion.id}",
                        "schema_version": 3,
                    },
                    "careerlab": {"rubric": rubric.id, "criterion": criterion.id},
                },
            )
        )
    return cells


def _is_rubric_cell(cell: nbformat.NotebookNode) -> bool:
    return "rubric" in cell.get("metadata", {}).get("careerlab", {})


def apply_rubric(path: Path, rubric: Rubric) -> None:
    """Write the rubric's cells into a notebook: where they were, or else just
    before the section that shows the product task."""
    nb = nbformat.read(path, as_version=4)
    existing = [i for i, cell in enumerate(nb.cells) if _is_rubric_cell(cell)]
    if existing:
        at = existing[0]
    else:
        product = next(
            (
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and "wb.product(" in c.source
            ),
            len(nb.cells),
        )
        at = product
        while at > 0 and nb.cells[at - 1].cell_type == "markdown":
            at -= 1
    kept = [cell for cell in nb.cells if not _is_rubric_cell(cell)]
    at -= sum(1 for i in existing if i < at)
    nb.cells = kept[:at] + rubric_cells(rubric) + kept[at:]
    nbformat.write(nb, path)


def check_rubric_cells(path: Path, nb: nbformat.NotebookNode, rubric: Rubric) -> list[str]:
    """The notebook's rubric cells must be exactly what the rubric makes."""
    have = [c for c in nb.cells if _is_rubric_cell(c)]
    want = rubric_cells(rubric)
    same = len(have) == len(want) and all(
        h.source == w.source and h.metadata == w.metadata for h, w in zip(have, want, strict=True)
    )
    if same:
        return []
    return [
        f"{path}: its rubric cells do not match rubrics/{rubric.id}.yml; run "
        f"`careerlab rubric apply {path.parent.name}`."
    ]


# The rubric snapshot a self-assessment reads where the course is out of reach ---------
def rubric_snapshot(rubric: Rubric) -> str:
    from careerlab.rubrics.format import as_data

    return json.dumps(as_data(rubric), indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_rubric_snapshot(folder: Path, rubric: Rubric) -> Path:
    """Write ``rubric.json`` beside the notebook; nbgrader releases it with the workbook."""
    from careerlab.workbook.tasks.self_assessment import RUBRIC_SNAPSHOT

    path = folder / RUBRIC_SNAPSHOT
    path.write_text(rubric_snapshot(rubric), encoding="utf-8")
    return path


def check_rubric_snapshot(folder: Path, rubric: Rubric | None) -> list[str]:
    """A workbook with a self-assessment ships its rubric, matching rubrics/."""
    from careerlab.workbook.tasks.self_assessment import RUBRIC_SNAPSHOT

    path = folder / RUBRIC_SNAPSHOT
    if rubric is None:
        return [f"{folder / course.METADATA_FILE}: a self-assessment needs the workbook's rubric."]
    if not path.exists() or path.read_text(encoding="utf-8") != rubric_snapshot(rubric):
        return [
            f"{path}: missing or out of date (the self-assessment reads it); run "
            f"`careerlab rubric apply {folder.name}`."
        ]
    return []
