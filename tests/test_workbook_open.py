"""A workbook opens fast: what its first task does not need stays unimported until used.

bench/workbook_open.py measures a whole open in a browser; this test keeps the imports
deferred so they cannot come back silently. It runs the cells in a fresh Python (this test
process has imported everything already), one Python for every workbook (a few seconds)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from careerlab.workbook.tasks import task_call

from .conftest import REPO

# Heavy modules that no workbook's first task needs; each is imported on first use.
DEFERRED = ("matplotlib",)
PROJECTS = sorted(p.name for p in (REPO / "workbooks").iterdir() if (p / "workbook.md").exists())

# Runs each folder's code cells in IPython, in that folder; prints sys.modules after each.
RUN_CELLS = """
import json, os, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for folder, cells in json.loads(sys.argv[1]):
    os.chdir(folder)
    for source in cells:
        result = shell.run_cell(source, silent=True)
        if not result.success:
            sys.exit(f"{folder}: this cell failed: {source[:200]}")
    print("MODULES", json.dumps(sorted(sys.modules)))
"""
DRAW_CHART = (
    "import pandas as pd\n"
    "from careerlab.workbook import charts\n"
    "frame = pd.DataFrame({'site': ['a', 'b'], 'people': [3, 5]})\n"
    "assert charts.draw_png(frame, 'site', 'people', 'bar', 'People').startswith(b'\\x89PNG')"
)


def modules_after(runs: list[tuple[str, list[str]]], state: Path) -> list[set[str]]:
    """The modules a fresh Python has imported after each of ``runs`` (folder, code cells);
    IPython and matplotlib keep their files in ``state``, not in the home folder."""
    env = dict(os.environ, IPYTHONDIR=str(state / "ipython"), MPLCONFIGDIR=str(state / "mpl"))
    result = subprocess.run(
        [sys.executable, "-c", RUN_CELLS, json.dumps(runs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    return [set(json.loads(line.removeprefix("MODULES "))) for line in lines if "MODULES " in line]


def loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def opening_cells(notebook: Path) -> list[str]:
    """A workbook's code cells up to and including its first task, as a student runs them."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    shown = task_call()
    opening = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        opening.append(source)
        if shown.search(source):
            return opening
    raise AssertionError(f"{notebook}: no cell shows a task.")


def test_opening_a_workbook_defers_heavy_imports(tmp_path: Path) -> None:
    """Every workbook's cells up to its first task (the Workbook, the career profile, the
    registry of every task kind, the first task's widget) leave matplotlib unimported;
    drawing a chart then imports it (so this check does see an import)."""
    runs = []
    for project in PROJECTS:
        folder = tmp_path / project  # a student's copy: outside the course, answers saved
        shutil.copytree(REPO / "workbooks" / project, folder)
        runs.append((str(folder), opening_cells(folder / f"{project}.ipynb")))
    runs.append((str(tmp_path), [DRAW_CHART]))
    *opened, drawn = modules_after(runs, tmp_path)  # the workbooks in turn, then a chart
    assert loaded(opened[-1], "careerlab.workbook.tasks.chart"), "every kind was registered"
    for name in DEFERRED:
        for project, modules in zip(PROJECTS, opened, strict=True):
            assert not loaded(modules, name), f"opening {project} imported {name}"
        assert loaded(drawn, name), f"drawing a chart did not import {name}"
