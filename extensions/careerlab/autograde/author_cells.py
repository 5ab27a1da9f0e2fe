"""Locked and test cells are graded exactly as the author wrote them, metadata included.

A submitted notebook is the student's file, every byte of it. nbgrader's
OverwriteCells restores the source and a few nbgrader fields of the cells it
finds by ``grade_id``, but everything else a student can change in a cell
decides what runs and how it is scored: the ``skip-execution`` tag makes
nbclient skip a hidden test (and a test with no output passes), a test cell
turned into markdown never runs, a test cell that lost its ``nbgrader`` block
or was deleted is never scored, ``transient.remove_source`` hides a cell's
code from every nbconvert view of the notebook.

``RestoreAuthorCells`` is a sanitize step, run before DeduplicateIds and
OverwriteCells (``c.Autograde.sanitize_preprocessors`` in jupyter_config.py;
``careerlab autograde`` adds it in any course). It rebuilds the notebook from
the author's copy (the release, with the emptied test cells it left out of the student's
copy put back, see ``careerlab.exchange.student_copy``; or the source notebook if there is
no release):

- every author cell with a ``grade_id`` that is not a solution cell (locked
  cells, test cells, task cells) comes back whole, type, source and metadata,
  at the author's place in the order, even if the student deleted or moved it;
- every solution cell keeps the student's source but gets the author's type
  and metadata;
- every other cell (the student's own, and unlocked author cells) loses the
  tags and keys that change execution or what a grader sees, and any
  ``nbgrader`` block that claims a grade_id the author did not write.

Each change is logged as a warning (stock ``nbgrader autograde``) and becomes a
``cell-metadata`` note on the submission (``careerlab autograde``'s report).
An honest notebook passes through unchanged.
"""

from __future__ import annotations

import copy
import functools
import os
import uuid
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from careerlab.exchange.student_copy import with_left_out_cells

NOTES_KEY = "careerlab_cell_notes"  # resources key: the notes, for the converter
# Tags nbclient reads (skip a cell; do not stop on its error).
EXECUTION_TAGS = frozenset({"skip-execution", "raises-exception"})
# Cell metadata keys that change what nbconvert shows a grader (transient.remove_source
# hides a cell's code in every HTML view); dropped from a student's own cells.
HIDING_KEYS = ("transient",)
# Metadata a front end writes while a student works (view state, timings): restored
# on locked cells like everything else, but not worth a note.
VIEW_KEYS = frozenset(
    {
        "execution",
        "collapsed",
        "scrolled",
        "jupyter",
        "editable",
        "deletable",
        "trusted",
        "jp-MarkdownHeadingCollapsed",
    }
)
_MAX_LISTED = 8  # cells named in one note


def _grade_id(cell: NotebookNode) -> str | None:
    block = cell.get("metadata", {}).get("nbgrader")
    if not isinstance(block, dict):
        return None
    value = block.get("grade_id")
    return value if isinstance(value, str) else None


def _claims_grading(cell: NotebookNode) -> bool:
    """Whether a cell's nbgrader block claims to be graded, locked or an answer."""
    block = cell.get("metadata", {}).get("nbgrader")
    if not isinstance(block, dict):
        return False
    return any(block.get(key) for key in ("grade", "solution", "locked", "task", "grade_id"))


def _tags(cell: NotebookNode) -> set[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return {t for t in tags if isinstance(t, str)} if isinstance(tags, list) else set()


def _nbgrader_meaning(cell: NotebookNode) -> tuple[Any, ...]:
    """What nbgrader reads from a cell's block (not the checksum the release adds)."""
    block = cell.metadata.get("nbgrader", {})
    points = block.get("points") if isinstance(block, dict) else None
    try:
        points = float(points) if points is not None else None
    except (TypeError, ValueError):
        points = repr(points)
    return (
        _grade_id(cell),
        bool(utils.is_grade(cell)),
        bool(utils.is_solution(cell)),
        bool(utils.is_locked(cell)),
        bool(block.get("locked")) if isinstance(block, dict) else None,
        bool(utils.is_task(cell)),
        points,
    )


def differences(student: NotebookNode, author: NotebookNode) -> list[str]:
    """What a student changed in an author's cell that affects running or grading."""
    changed = []
    if student.cell_type != author.cell_type:
        changed.append(f"type {author.cell_type} -> {student.cell_type}")
    if "nbgrader" not in student.metadata and "nbgrader" in author.metadata:
        changed.append("nbgrader metadata removed")
    elif _nbgrader_meaning(student) != _nbgrader_meaning(author):
        changed.append("nbgrader metadata")
    added, removed = _tags(student) - _tags(author), _tags(author) - _tags(student)
    if added or removed:
        changed.append(
            "tags "
            + " ".join([*(f"+{t}" for t in sorted(added)), *(f"-{t}" for t in sorted(removed))])
        )
    keys = (set(student.metadata) | set(author.metadata)) - VIEW_KEYS - {"nbgrader", "tags"}
    for key in sorted(keys):
        if student.metadata.get(key) != author.metadata.get(key):
            changed.append(f"metadata {key!r}")
    return changed


def author_notebook_path(coursedir: CourseDirectory, assignment: str, notebook: str) -> str | None:
    """The released notebook (what honest students have), else the source notebook."""
    for directory in (coursedir.release_directory, coursedir.source_directory):
        path = os.path.join(coursedir.format_path(directory, ".", assignment), f"{notebook}.ipynb")
        if os.path.isfile(path):
            return path
    return None


@functools.lru_cache(maxsize=32)
def _read_author(path: str, mtime_ns: int) -> tuple[NotebookNode, frozenset[str]]:
    # Read once per batch, not once per student (restore() copies what it uses);
    # the modification time in the key makes an edited notebook read again. A release
    # leaves emptied test cells out of the student's copy: the author's copy has them.
    return with_left_out_cells(nbformat.read(path, as_version=4))


class RestoreAuthorCells(NbGraderPreprocessor):
    """Sanitize step: rebuild a submission around the author's locked and test cells."""

    def _coursedir(self) -> CourseDirectory:
        # The converter that runs this step owns the course directory in use
        # (command-line options included); walk up to it.
        parent = self.parent
        while parent is not None:
            coursedir = getattr(parent, "coursedir", None)
            if isinstance(coursedir, CourseDirectory):
                return coursedir
            parent = getattr(parent, "parent", None)
        return CourseDirectory(config=self.config)

    def _skip_tags(self) -> set[str]:
        from nbgrader.preprocessors import Execute

        return set(EXECUTION_TAGS) | {Execute(config=self.config).skip_cells_with_tag}

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        info = resources.get("nbgrader", {})
        assignment, name = info.get("assignment"), info.get("notebook")
        path = author_notebook_path(self._coursedir(), assignment, name) if name else None
        if path is None:
            self.log.warning("No author notebook for %s/%s: cells not restored", assignment, name)
            return nb, resources
        author, left_out = _read_author(path, os.stat(path).st_mtime_ns)
        notes = restore(nb, author, self._skip_tags(), left_out)
        for note in notes:
            self.log.warning("%s: %s", name, note)
        # nbconvert deep-copies resources before the steps run: the converter reads
        # the notes from the resources the pass returns.
        resources[NOTES_KEY] = [f"{name}: {note}" for note in notes]
        return nb, resources


def _new_id(taken: set[str]) -> str:
    while True:
        candidate = uuid.uuid4().hex[:8]
        if candidate not in taken:
            return candidate


def _listed(ids: list[str]) -> str:
    shown = ", ".join(repr(i)[:60] for i in ids[:_MAX_LISTED])
    more = len(ids) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def restore(
    nb: NotebookNode,
    author: NotebookNode,
    skip_tags: set[str],
    left_out: frozenset[str] = frozenset(),
) -> list[str]:
    """Rebuild ``nb`` (in place) around ``author``'s cells; returns what was changed.
    ``left_out``: cells the student's copy never had (put back without a note)."""
    author_cells = {gid: c for c in author.cells if (gid := _grade_id(c)) is not None}
    author_order = [gid for c in author.cells if (gid := _grade_id(c)) is not None]
    fixed = {gid for gid, c in author_cells.items() if not utils.is_solution(c)}
    author_by_id = {c.get("id"): c for c in author.cells if c.get("id")}

    # Which student cell stands for each author cell: the one carrying its grade_id
    # (the last, as nbgrader's DeduplicateIds keeps the last), else, for a locked
    # cell that lost its nbgrader block, the one with its cell id.
    anchor: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid in author_cells:
            anchor[gid] = index
    for index, cell in enumerate(nb.cells):
        twin = author_by_id.get(cell.get("id"))
        gid = _grade_id(twin) if twin is not None else None
        if gid in fixed and gid not in anchor and _grade_id(cell) not in author_cells:
            anchor[gid] = index
    anchored = {index: gid for gid, index in anchor.items()}

    changed: dict[str, list[str]] = {}
    claimed: list[str] = []
    stripped: list[str] = []
    # Each other cell travels with the anchored cell it follows in the student's order.
    leading: list[NotebookNode] = []
    following: dict[str, list[NotebookNode]] = {gid: [] for gid in author_order}
    current: list[NotebookNode] = leading
    for index, cell in enumerate(nb.cells):
        if index in anchored:
            current = following[anchored[index]]
            continue
        gid = _grade_id(cell)
        block = cell.metadata.get("nbgrader")
        if "nbgrader" in cell.metadata and (
            gid is not None or _claims_grading(cell) or not isinstance(block, dict)
        ):
            if gid in author_cells:
                claimed.append(gid)
            else:
                stripped.append(f"nbgrader metadata on cell {index}")
            del cell.metadata["nbgrader"]
        allowed = _tags(author_by_id[cell.get("id")]) if cell.get("id") in author_by_id else set()
        if isinstance(cell.metadata.get("tags"), list):
            kept = [t for t in cell.metadata.tags if t not in skip_tags or t in allowed]
            if len(kept) != len(cell.metadata.tags):
                dropped = sorted({t for t in cell.metadata.tags if t not in kept}, key=str)
                stripped.append(f"tags {dropped} on cell {index}")
                cell.metadata.tags = kept
        for key in HIDING_KEYS:
            if key in cell.metadata:
                del cell.metadata[key]
                stripped.append(f"metadata {key!r} on cell {index}")
        current.append(cell)

    taken = {c.get("id") for c in nb.cells if c.get("id")}
    with_ids = nb.get("nbformat_minor", 0) >= 5
    cells: list[NotebookNode] = list(leading)
    deleted = []
    for gid in author_order:
        source_cell = author_cells[gid]
        if gid in anchor:
            student = nb.cells[anchor[gid]]
            diff = differences(student, source_cell)
            if diff:
                changed[gid] = diff
            cell = copy.deepcopy(source_cell)
            if gid not in fixed:  # a solution cell: the student's answer, the author's cell
                cell.source = student.source
                if "attachments" in student and cell.cell_type == "markdown":
                    cell.attachments = student.attachments
            if student.get("id"):
                cell.id = student.id
        elif gid in fixed:
            deleted.append(gid)
            cell = copy.deepcopy(source_cell)
            if cell.get("id") in taken:
                cell.id = _new_id(taken)
        else:
            cells.extend(following[gid])  # a deleted answer stays deleted, as in nbgrader
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        if with_ids and not cell.get("id"):
            cell.id = _new_id(taken)
        if not with_ids:
            cell.pop("id", None)
        if cell.get("id"):
            taken.add(cell.id)
        cells.append(cell)
        cells.extend(following[gid])

    order = [gid for index, gid in sorted(anchored.items())]
    moved = [
        gid
        for gid, expected in zip(order, [g for g in author_order if g in anchor], strict=True)
        if gid != expected
    ]
    nb.cells = cells

    notes = []
    if changed:
        listed = [f"{gid!r} ({', '.join(diff)})"[:200] for gid, diff in changed.items()]
        notes.append(
            "restored as the author wrote them: "
            + "; ".join(listed[:_MAX_LISTED])
            + (f" and {len(listed) - _MAX_LISTED} more" if len(listed) > _MAX_LISTED else "")
        )
    deleted = [gid for gid in deleted if gid not in left_out]
    if deleted:
        notes.append(f"deleted cells put back: {_listed(deleted)}")
    if moved:
        notes.append(f"moved cells put back in the author's order: {_listed(moved)}")
    if claimed:
        notes.append(f"cells claiming an author's grade_id made plain cells: {_listed(claimed)}")
    if stripped:
        shown = ", ".join(stripped[:_MAX_LISTED])
        more = len(stripped) - _MAX_LISTED
        notes.append(
            f"removed from the student's cells: {shown}" + (f" and {more} more" if more > 0 else "")
        )
    return notes


def with_author_cells(preprocessors: list[Any]) -> list[Any]:
    """A sanitize pass that restores author cells: ``preprocessors`` with RestoreAuthorCells
    before DeduplicateIds (or first), unless the course's configuration lists it already."""
    from traitlets.utils.importstring import import_item

    classes = [import_item(p) if isinstance(p, str) else p for p in preprocessors]
    if RestoreAuthorCells in classes:
        return list(preprocessors)
    from nbgrader.preprocessors import DeduplicateIds

    at = classes.index(DeduplicateIds) if DeduplicateIds in classes else 0
    return [*preprocessors[:at], RestoreAuthorCells, *preprocessors[at:]]
