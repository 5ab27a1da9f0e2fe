"""A workbook's rubric in its notebook: the cells that show it, and the snapshot the
self-assessment reads in a student's copy. The rubric itself is data in rubrics/
(``careerlab.rubrics.format``); ``careerlab build`` and ``careerlab rubric apply`` call this.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from careerlab import course, project
from careerlab.rubrics.format import Criterion, Rubric
from careerlab.workbook.products import all_products


def fix_command(folder: Path) -> str:
    """What rewrites a workbook's rubric cells and snapshots: its build when it is
    written as text (the build owns every cell), else ``careerlab rubric apply``."""
    if (folder / course.TEXT_FILE).exists():
        return f"careerlab build {folder.name}"
    return f"careerlab rubric apply {folder.name}"


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


CELL_PREFIX = "rubric-"  # every rubric cell's grade id starts so (readability leaves them out)
RUBRIC_HEADER_ID = f"{CELL_PREFIX}intro"


def _rubric_cell_source(rubric: Rubric, criterion: Criterion) -> str:
    ordered = sorted(rubric.levels, key=lambda level: level.points)
    variants = list(criterion.descriptors.items())
    # A level whose text is the same for every criterion (the 0-point "Missing") is one
    # line under the table, not a column repeating it in every row.
    shared = [
        level
        for level in ordered
        if level.descriptor and all(d[level.id] == level.descriptor for _, d in variants)
    ]
    columns = [level for level in ordered if level not in shared]
    header = " | ".join(f"{level.name} ({level.points:g})" for level in columns)
    lines = [
        f"### {criterion.title} ({rubric.max_points(criterion):g} points)",
        "",
        f"**{criterion.i_can}**",
        "",
    ]
    if criterion.observed:
        # Students should know they are watched, when, and for what.
        observed = criterion.observed
        lines += [
            f"Your teacher scores this by watching your {observed.skill}: {observed.when}",
            "",
            "Your teacher looks for:",
            "",
            *(f"- {look_for}" for look_for in observed.look_for),
            "",
        ]
    first = "Product | " if len(variants) > 1 else ""
    lines += [f"| {first}{header} |", "|" + " --- |" * (len(columns) + (1 if first else 0))]
    names = {pid: p.name for pid, p in all_products().items()}
    for product, descriptors in variants:
        label = f"{names.get(product, product)} | " if first else ""
        cells = " | ".join(descriptors[level.id].replace("|", "/") for level in columns)
        lines.append(f"| {label}{cells} |")
    for level in shared:
        lines += ["", f"**{level.name} ({level.points:g}):** {level.descriptor}"]
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
                        "grade_id": f"{CELL_PREFIX}{criterion.id}",
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
        f"`{fix_command(path.parent)}`."
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
            f"`{fix_command(folder)}`."
        ]
    return []
