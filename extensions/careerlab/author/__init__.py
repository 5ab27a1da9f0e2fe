"""Checks an author runs before releasing: a broken workbook fails here, loudly,
naming the file and the problem, instead of in class.

Owns the author checks (here; ``careerlab check``; the data files a notebook reads:
``data_files``; choice options that give the answer away by length: ``choice_options``),
the reading-level measure and its bands (``readability``), the seeded data generators
(``datasets``), the data files' datasheets (``datasheets``), charts over time (``time_charts``),
the units on chart axes (``chart_units``), that each standard's tasks exist (``standards``),
docs/reference.md
(``reference``), and ``careerlab simulate`` (``simulated_class``). May import the
catalog, ``rubrics.format``, the kernel side's task registry, analysis steps, products,
chart types and datasheet reader,
``testing.simulate``'s reader of ``solutions.yml``, and ``testing.classroom`` (the class
``careerlab simulate`` grades).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from careerlab import course
from careerlab.author.build import check_built, is_answered_check
from careerlab.author.choice_options import check_choice_lengths
from careerlab.author.data_files import check_data_files
from careerlab.author.datasheets import check_datasheets
from careerlab.author.people import check_people
from careerlab.author.product_snapshot import check_products_snapshot
from careerlab.author.readability import check_reading_level
from careerlab.author.reflection import check_reflection
from careerlab.author.rubric_cells import (
    check_rubric_cells,
    check_rubric_snapshot,
    workbook_rubric,
)
from careerlab.author.standards import check_standards
from careerlab.catalog import CatalogError, load_project
from careerlab.course import SOLUTIONS_FILE
from careerlab.rubrics.format import RubricError
from careerlab.testing.simulate import load_solutions
from careerlab.workbook.answers import ANSWERS_SUFFIX
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
        card = load_project(
            folder, {p.stem for p in (folder.parent.parent / "rubrics").glob("*.yml")}
        )
    except CatalogError as error:
        problems.extend(error.problems)
        card = None
    if metadata_path.exists():
        try:
            rubric = workbook_rubric(folder)
        except (RubricError, KeyError, ValueError) as error:  # ProjectFileError is a ValueError
            problems.append(f"{metadata_path}: its rubric cannot be used ({error}).")
            card = None  # its criteria are unknown: a standard naming one cannot be checked
    if card is not None:
        problems.extend(check_standards(folder, card, rubric))
        problems.extend(check_reading_level(folder, card.grade_band))
    for notebook in notebooks:
        problems.extend(check_notebook(notebook, solutions.get(notebook.stem)))
        if rubric is not None:
            problems.extend(
                check_rubric_cells(notebook, nbformat.read(notebook, as_version=4), rubric)
            )
    problems.extend(check_built(folder))
    problems.extend(check_choice_lengths(folder))
    if any("wb.self_assess(" in notebook.read_text(encoding="utf-8") for notebook in notebooks):
        problems.extend(check_rubric_snapshot(folder, rubric))
    problems.extend(check_products_snapshot(folder))
    problems.extend(check_datasheets(folder))
    # Imported here: careerlab.guide reads workbook.md with this package's own modules.
    from careerlab.guide.prose import check as check_guide

    problems.extend(check_guide(folder))
    problems.extend(
        check_reflection(folder, "\n".join(nb.read_text(encoding="utf-8") for nb in notebooks))
    )
    return problems


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
        if meta.get("grade") and not (meta.get("points") or 0) > 0 and not is_answered_check(cell):
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
    problems.extend(check_people(root))  # course-wide: a name used in two stories
    problems.extend(check_rubrics(root))
    release = root / course.RELEASE_DIRECTORY
    if release.is_dir():
        for stray in release.rglob(f"*{ANSWERS_SUFFIX}"):
            problems.append(f"{stray}: an answers file must never be in release/. Delete it.")
    return problems


def check_rubrics(root: Path) -> list[str]:
    """Every rubric in rubrics/, with the course's rules (a level for missing work, an
    observed criterion per project): a workbook's own load is lenient, so grading goes on."""
    from careerlab.rubrics.format import load_all

    try:
        load_all(root / course.RUBRICS_DIRECTORY, strict=True)
    except RubricError as error:
        return list(error.problems)
    return []


# Rubric cells ---------------------------------------------------------------------
