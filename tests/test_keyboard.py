"""The JupyterLab settings override that keeps keys inside tasks (careerlab/workbook/keyboard.py).

The browser test (test_browser.py) shows it working in JupyterLab; these check
that the committed file is what the installed JupyterLab needs, and where it goes.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

from careerlab.workbook import keyboard

from .conftest import REPO


def test_the_committed_override_covers_the_installed_jupyterlab():
    """Every shortcut of this JupyterLab that would act in a task is switched off and
    back on outside tasks (entries for shortcuts an older JupyterLab had do no harm)."""
    committed = json.loads(keyboard.OVERRIDES_FILE.read_text(encoding="utf-8"))
    entries = committed[keyboard.SHORTCUTS_PLUGIN]["shortcuts"]
    needed = json.loads(keyboard.render())[keyboard.SHORTCUTS_PLUGIN]["shortcuts"]
    missing = [entry for entry in needed if entry not in entries]
    assert not missing, (
        "JupyterLab's shortcuts changed: run `python -m careerlab.workbook.keyboard` and commit "
        f"{keyboard.OVERRIDES_FILE.name}. Missing: {missing[:3]}"
    )


def test_every_command_mode_key_is_switched_off_in_tasks_only():
    shortcuts = keyboard.focus_shortcuts(keyboard.lab_schemas_dir())
    keys = {" ".join(s["keys"]) for s in shortcuts}
    # The keys students hit by accident, and the ones a menu or radio group needs.
    assert {"ArrowDown", "ArrowUp", "A", "B", "M", "X", "D D", "Z"} <= keys
    entries = json.loads(keyboard.render())[keyboard.SHORTCUTS_PLUGIN]["shortcuts"]
    off = [e for e in entries if e.get("disabled")]
    on = [e for e in entries if not e.get("disabled")]
    assert len(off) == len(on) == len(shortcuts)
    for original, disabled, outside in zip(shortcuts, off, on, strict=True):
        assert disabled == {**original, "disabled": True}
        assert outside["selector"] == original["selector"] + ":not(.careerlab-task *)"
        assert {k: v for k, v in outside.items() if k != "selector"} == {
            k: v for k, v in original.items() if k != "selector"
        }


def test_installs_where_jupyterlab_reads_overrides():
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"
    ]
    relative = keyboard.OVERRIDES_FILE.relative_to(REPO).as_posix()
    assert data_files["share/jupyter/lab/settings/overrides.d"] == [relative]
    # This environment (make venv copies it for the editable install).
    installed = Path(sys.prefix) / "share/jupyter/lab/settings/overrides.d/careerlab.json"
    assert installed.read_bytes() == keyboard.OVERRIDES_FILE.read_bytes()
