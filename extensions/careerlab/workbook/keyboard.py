"""Keys pressed inside a task belong to the task, not to JupyterLab's notebook.

When a student's focus is on a radio button, a menu or a button of a task, the
notebook is in command mode, and JupyterLab's command-mode shortcuts would take
the keys: arrow keys move to another cell instead of changing a menu's answer,
and letters act on the cell (D D deletes it, M turns it into Markdown, X cuts
it). Text boxes are safe already (JupyterLab leaves editable fields alone).

JupyterLab reads settings overrides from ``share/jupyter/lab/settings/overrides.d``
in its environment (``pip install`` puts ``lab-settings/careerlab.json`` there).
That file disables each such shortcut and adds it back with the same keys and
a selector that excludes everything inside a task (``.careerlab-task``), so
the shortcuts work as before everywhere else in the notebook.

The file is generated from the installed JupyterLab's own shortcut list:
``python -m careerlab.workbook.keyboard`` rewrites it; a test checks it is current.
It also turns JupyterLab's news off (``NO_NEWS``), for teachers and students alike.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from careerlab.workbook.tasks.base import TASK_CLASS

SHORTCUTS_PLUGIN = "@jupyterlab/shortcuts-extension:shortcuts"
OVERRIDES_FILE = Path(__file__).resolve().parent / "lab-settings" / "careerlab.json"
# Selectors of shortcuts that fire when focus is on a non-editable element in a
# notebook (JupyterLab 4.1 and later spell them this way).
FOCUS_SELECTORS = (
    ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus",
    "[data-jp-kernel-user]:not(.jp-mod-readWrite) :focus:not(:read-write)",
)
OUTSIDE_TASKS = f":not(.{TASK_CLASS} *)"
# JupyterLab asks on first start whether to fetch Jupyter's news, in a pop-up over the
# workbook a student just opened; a classroom has no use for it, nor for update checks.
NO_NEWS = {
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"}
}


def lab_schemas_dir() -> Path:
    """The installed JupyterLab's plugin schemas."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir()) / "schemas"


def focus_shortcuts(schemas_dir: Path) -> list[dict[str, Any]]:
    """Every JupyterLab shortcut that would take a key from a focused task widget."""
    found = []
    for path in sorted(schemas_dir.rglob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        for shortcut in schema.get("jupyter.lab.shortcuts", []):
            if (
                shortcut.get("selector") in FOCUS_SELECTORS
                and any(shortcut.get("keys", []))  # JupyterLab skips key-less entries
                and not shortcut.get("disabled")
            ):
                found.append(shortcut)
    return found


def overrides(shortcuts: list[dict[str, Any]]) -> dict[str, Any]:
    """The settings override: each shortcut switched off, then back on outside tasks."""
    disabled = [{**s, "disabled": True} for s in shortcuts]
    outside = [{**s, "selector": s["selector"] + OUTSIDE_TASKS} for s in shortcuts]
    return {SHORTCUTS_PLUGIN: {"shortcuts": disabled + outside}}


def render(schemas_dir: Path | None = None) -> str:
    data = {**overrides(focus_shortcuts(schemas_dir or lab_schemas_dir())), **NO_NEWS}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main() -> int:
    OVERRIDES_FILE.parent.mkdir(exist_ok=True)
    OVERRIDES_FILE.write_text(render(), encoding="utf-8")
    print(f"Wrote {OVERRIDES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
