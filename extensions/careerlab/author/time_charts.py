"""Charts over time: which chart tasks chart time, and the author's mistakes with them.

A chart task charts time when its table has a time column: named on the task
(``time: month``, for a table the notebook's code makes) or, for a table a ``{data}``
block reads, marked ``time: true`` in that file's datasheet. ``careerlab build`` writes
the datasheet's time column into the task's call (``with_time``), so the datasheet is the
one place that says it and the chart task (``careerlab.workbook.tasks.chart``) draws a
line in time order wherever the chart is shown. ``problems`` is what ``careerlab check``
and the authoring page report: bars offered for time (bars sort by value and scramble
time), a line offered for something that is not time, and a chart whose category is a
time column of the project's data (kept by the code that made its table) that does not
say so.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from careerlab.author.workbook_text import Data, Problem, TaskBlock, WorkbookText
from careerlab.workbook.charts import BARS, KINDS, LINE
from careerlab.workbook.datasheet import time_column

CHART = "chart"


def _tables(workbook: WorkbookText) -> dict[str, Data]:
    return {part.name: part for part in workbook.parts if isinstance(part, Data)}


def _datasheet_time(folder: Path, table: Data | None) -> str | None:
    return time_column(folder, table.file) if table is not None else None


def project_times(folder: Path) -> dict[str, str]:
    """Each time column any datasheet of the project declares -> its data file's name."""
    found: dict[str, str] = {}
    for data in sorted(folder.rglob("*.csv")):
        column = time_column(data.parent, data.name)
        if column is not None:
            found.setdefault(column, data.relative_to(folder).as_posix())
    return found


def chart_time(folder: Path, workbook: WorkbookText, block: TaskBlock) -> str | None:
    """The time column a chart task charts, or None when it charts categories."""
    declared = block.fields.get("time")
    if isinstance(declared, str) and declared:
        return declared
    return _datasheet_time(folder, _tables(workbook).get(str(block.fields.get("data"))))


def with_time(folder: Path, workbook: WorkbookText, block: TaskBlock) -> TaskBlock:
    """The block as it is built: a chart of a datasheet's time column gets ``time:``."""
    if block.kind != CHART or "time" in block.fields:
        return block
    time = chart_time(folder, workbook, block)
    if time is None:
        return block
    return dataclasses.replace(block, fields={**block.fields, "time": time})


def problems(folder: Path, workbook: WorkbookText) -> list[Problem]:
    """Every chart task that would draw time as bars, or categories as a line."""
    found: list[Problem] = []
    times = project_times(folder)
    tables = _tables(workbook)
    for block in workbook.tasks:
        if block.kind == CHART:
            found += _chart_problems(folder, block, tables, times)
    return found


def _chart_problems(
    folder: Path, block: TaskBlock, tables: dict[str, Data], times: dict[str, str]
) -> list[Problem]:
    fields: dict[str, Any] = block.fields
    task_id = fields.get("id")
    where = f"tasks.{task_id if isinstance(task_id, str) else block.line}"
    chart = f"chart {task_id!r}"
    found: list[Problem] = []

    def problem(field: str, message: str) -> None:
        found.append(Problem(f"{where}.{field}", message, block.line))

    declared = fields.get("time")
    if "time" in fields and not (
        isinstance(declared, str) and declared.isidentifier() and declared.isascii()
    ):
        problem("time", f"time: the name of the time column {chart} draws, such as month.")
        return found
    table = tables.get(str(fields.get("data")))
    from_sheet = _datasheet_time(folder, table)
    if declared and from_sheet and declared != from_sheet:
        problem(
            "time",
            f"time: {table.file}'s datasheet says its time column is {from_sheet!r}, "  # type: ignore[union-attr]
            f"not {declared!r}; leave time out ({chart} takes it from the datasheet).",
        )
        return found
    time = declared or from_sheet
    category = fields.get("category")
    kinds = fields.get("kinds")
    if kinds is not None and not (
        isinstance(kinds, list) and kinds and all(kind in KINDS for kind in kinds)
    ):
        problem("kinds", f"kinds: a list of chart types ({', '.join(KINDS)}), or leave it out.")
        kinds = None
    if time is None:
        if isinstance(category, str) and category in times:
            problem(
                "time",
                f"time: {chart} draws {category!r}, the time column of {times[category]} "
                "(its datasheet says time: true), as bars sorted by value; add "
                f"`time: {category}` so it is a line in time order (or rename the column if "
                "it is not time).",
            )
        elif kinds and LINE in kinds:
            problem(
                "kinds",
                f"kinds: a line is for a chart over time, and {chart} names no time column; "
                "add `time: <its time column>` or offer bars.",
            )
        return found
    if category != time:
        problem(
            "category",
            f"category: {chart} is over time, so its x axis is the time column; "
            f"set category: {time}.",
        )
    bars = [kind for kind in kinds or () if kind in BARS]
    if bars:
        problem(
            "kinds",
            f"kinds: {chart} is over time ({time!r}), so it is a line in time order; "
            f"{', '.join(bars)} would sort the {time} values by size. Leave kinds out.",
        )
    return found
