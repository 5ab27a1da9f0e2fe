"""What ``careerlab build`` writes into a data question's or a chart's call from the
project's other files, so an author says each thing once:

- ``asks``: a data question asks for a row's name ("which neighborhood?") when its answer
  key is text, else for a number; the task then refuses an answer of the other kind
  (``careerlab.workbook.tasks.data_analysis``), also in the released notebook, which has
  no key. An author writes ``asks:`` only for a question without a key.
- ``datasheet``: the data file whose datasheet labels the task's columns (with units), when
  ``data:`` names a table a ``{data}`` block reads. For a table the notebook's code makes
  from a data file, the author writes ``datasheet: <that file>.csv``.

``problems`` is what ``careerlab check`` adds: a ``datasheet:`` naming a file the project
does not have.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from careerlab.author import task_blocks
from careerlab.author.workbook_text import Data, Problem, TaskBlock, WorkbookText
from careerlab.workbook.datasheet import datasheet_path

DATA_QUESTION, CHART = "data_analysis", "chart"


def described_file(workbook: WorkbookText, block: TaskBlock) -> str | None:
    """The data file whose datasheet labels the task's table: its ``datasheet:``, else the
    file of the data block it names (None when neither is known)."""
    named = block.fields.get("datasheet")
    if isinstance(named, str):
        return named
    tables = {part.name: part for part in workbook.parts if isinstance(part, Data)}
    table = tables.get(str(block.fields.get("data")))
    return table.file if table is not None else None


def as_built(folder: Path, workbook: WorkbookText, block: TaskBlock) -> TaskBlock:
    """The block as it is built, with ``asks`` and ``datasheet`` filled in."""
    if block.kind not in (DATA_QUESTION, CHART):
        return block
    fields = dict(block.fields)
    if block.kind == DATA_QUESTION and "asks" not in fields and "answer" in fields:
        # Imported here: the task's module brings pandas and ipywidgets, which most
        # careerlab commands do not need.
        from careerlab.workbook.tasks.data_analysis import asks_for

        fields["asks"] = asks_for(task_blocks.key_arguments(block).get("value"))
    tables = {part.name: part for part in workbook.parts if isinstance(part, Data)}
    table = tables.get(str(fields.get("data")))
    if "datasheet" not in fields and table is not None:
        if datasheet_path(folder / table.file).is_file():
            fields["datasheet"] = table.file
    return dataclasses.replace(block, fields=fields)


def problems(folder: Path, workbook: WorkbookText) -> list[Problem]:
    """Every ``datasheet:`` that names a data file without a datasheet in the project."""
    found: list[Problem] = []
    for block in workbook.tasks:
        name = block.fields.get("datasheet")
        if block.kind not in (DATA_QUESTION, CHART) or not isinstance(name, str):
            continue
        if Path(name).name == name and not datasheet_path(folder / name).is_file():
            task_id = block.fields.get("id")
            found.append(
                Problem(
                    f"tasks.{task_id if isinstance(task_id, str) else block.line}.datasheet",
                    f"datasheet: {name!r} has no datasheet in this folder "
                    f"({datasheet_path(Path(name)).name}); name a data file of the project.",
                    block.line,
                )
            )
    return found
