"""Answer a workbook the way a student does, without a browser.

Runs the notebook cell by cell in a real kernel (nbclient). Right after the cell
that shows a task, it sets that task's widgets through the widgets' own code
(``Task.fill``), so their handlers save to the answers file exactly as in
JupyterLab, and the later cells (hidden tests in a source copy) see the answer.
The notebook is written back with its outputs, as after "Save". Used by the
tests, the benchmarks, and to check an author's solutions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from careerlab.course import SOLUTIONS_FILE

# Runs in the student's kernel after each code cell: fill each task once, as
# soon as the cell that shows it has run.
_FILL = """\
import json as _careerlab_json
_careerlab_wb = globals().get("wb")
_careerlab_filled = globals().setdefault("_careerlab_filled", set())
if _careerlab_wb is not None:
    for _task, _response in _careerlab_json.loads({payload}).items():
        if _task in _careerlab_wb.tasks and _task not in _careerlab_filled:
            _careerlab_wb[_task].fill(_response)
            _careerlab_filled.add(_task)
"""


def answer(
    notebook: Path,
    responses: dict[str, Any] | None = None,
    code: dict[str, str] | None = None,
    timeout: int = 60,
) -> nbformat.NotebookNode:
    """Run ``notebook`` and answer it; raise if a cell fails.

    ``responses`` maps task ids to what the student enters (see each kind's
    ``fill``); ``code`` maps nbgrader grade ids of solution cells to the source
    the student typed there. The notebook is saved in place.
    """
    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if code and grade_id in code:
            cell.source = code[grade_id]
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    fill = nbformat.v4.new_code_cell(_FILL.format(payload=json.dumps(json.dumps(responses or {}))))
    with client.setup_kernel():
        for index, cell in enumerate(list(nb.cells)):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            if responses:
                # nbclient stores outputs in nb.cells, so the helper cell joins
                # the notebook while it runs and leaves straight after.
                nb.cells.append(fill)
                try:
                    client.execute_cell(fill, len(nb.cells) - 1)
                finally:
                    nb.cells.pop()
    nbformat.write(nb, notebook)
    return nb


def load_solutions(assignment: Path) -> dict[str, dict[str, Any]]:
    """The author's solutions.yml: per notebook, what a fully correct student enters."""
    import yaml

    path = assignment / SOLUTIONS_FILE
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text()) or {}
