"""A small project folder for the author checks' tests: one table (``sales.csv``) with its
datasheet, a code cell, and one chart task, written as `careerlab build` reads them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATASHEET_HEAD = (
    "title: Sales\nabout: Sales of a made-up shop.\nmade: by-hand\n"
    "source: The CareerLab authors\nlicense: CC0-1.0\nsynthetic: true\ncolumns:\n"
)


def chart_project(tmp_path: Path, *, table: str, columns: str, code: str, chart: str) -> Path:
    """``table``: the CSV text; ``columns``: the datasheet's column lines; ``code``: the
    source of a code cell (after the data cell); ``chart``: the chart task's fields after its
    id, title and prompt."""
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "sales.csv").write_text(table)
    (folder / "sales.datasheet.yml").write_text(DATASHEET_HEAD + columns)
    (folder / "workbook.md").write_text(
        "+++ intro\n# Demo\n\n```{code} setup\nimport pandas as pd\n\n"
        'from careerlab import Workbook\n\nwb = Workbook("demo")\n```\n\n'
        "```{data} sales\nfile: sales.csv\n```\n\n"
        f"```{{code}} made\n{code}\n```\n\n"
        f"```{{task}} chart\nid: sales-chart\ntitle: Sales\nprompt: Make a chart.\n{chart}```\n"
    )
    return folder


def assert_ruff_formatted(folder: Path) -> None:
    """Code CareerLab writes into notebooks reads as `ruff format` would write it."""
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [ruff, "format", "--check", "--line-length", "100", "--no-cache", str(folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
