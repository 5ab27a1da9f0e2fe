"""The student's copy of a release holds no cell a hidden test was cut out of.

nbgrader's release strips a test cell's ``### BEGIN HIDDEN TESTS`` part and keeps the
cell, so a student meets an empty, locked code cell under every task. ``LeaveOutEmptyTests``
is the last step of ``nbgrader generate_assignment`` (``c.GenerateAssignment.preprocessors``
in jupyter_config.py): it takes such cells out of the released notebook and writes each
one, as nbgrader left it, with its place, into the notebook's metadata
(``careerlab.left_out``). The gradebook already holds their full source (nbgrader saves
cells before it strips hidden tests).

``with_left_out_cells`` gives the author's whole copy back from the teacher's release: the
autograde step that restores author cells (``careerlab.autograde.author_cells``) reads it,
so every test cell is back at its place before nbgrader's OverwriteCells puts its hidden
tests back from the gradebook. The student's own copy of the metadata is never read.
"""

from __future__ import annotations

import copy
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

METADATA_KEY = "careerlab"
LEFT_OUT_KEY = "left_out"


def _emptied_test(cell: NotebookNode) -> bool:
    """A graded, locked test cell with nothing left for a student to see or run."""
    return (
        cell.cell_type == "code"
        and utils.is_grade(cell)
        and not utils.is_solution(cell)
        and not cell.source.strip()
    )


class LeaveOutEmptyTests(NbGraderPreprocessor):
    """generate_assignment's last step: take out the test cells nbgrader left empty."""

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        kept, left_out = [], []
        for index, cell in enumerate(nb.cells):
            if _emptied_test(cell):
                left_out.append({"index": index, "cell": copy.deepcopy(cell)})
            else:
                kept.append(cell)
        if left_out:
            nb.cells = kept
            nb.metadata.setdefault(METADATA_KEY, {})[LEFT_OUT_KEY] = left_out
        return nb, resources


def left_out(nb: NotebookNode) -> list[dict[str, Any]]:
    """The cells a release left out, in the order they were in (none for another notebook)."""
    entries = nb.get("metadata", {}).get(METADATA_KEY, {}).get(LEFT_OUT_KEY, [])
    if not isinstance(entries, list):
        return []
    found = [
        e
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("index"), int) and "cell" in e
    ]
    return sorted(found, key=lambda e: e["index"])


def with_left_out_cells(nb: NotebookNode) -> tuple[NotebookNode, frozenset[str]]:
    """The author's whole notebook from a release (a copy), and the grade_ids of the cells
    put back: a student's copy lacks these without the student having deleted anything."""
    whole = copy.deepcopy(nb)
    names = set()
    for entry in left_out(nb):
        cell = from_dict(entry["cell"])
        whole.cells.insert(min(entry["index"], len(whole.cells)), cell)
        names.add(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
    whole.metadata.get(METADATA_KEY, {}).pop(LEFT_OUT_KEY, None)
    return whole, frozenset(n for n in names if isinstance(n, str))
