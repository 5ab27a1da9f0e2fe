"""Every chart axis carries its unit (issue #15): ``careerlab check`` names each measure a
chart task offers that would be drawn without a label and unit.

A measure's label and unit come from its data file's datasheet (the file ``careerlab
build`` names in the call, ``careerlab.author.data_questions``) or, for a column the
notebook's code makes, from the task's own ``columns:`` in the same form
(``careerlab.workbook.tasks.chart``): the same names the student's menu and axis show
(``ColumnNames``). A count takes a unit too ("cafes", "people"), as the datasheets do.
"""

from __future__ import annotations

from pathlib import Path

from careerlab.author import data_questions
from careerlab.author.workbook_text import Problem, TaskBlock, WorkbookText
from careerlab.workbook.datasheet import ColumnNames, datasheet_path

CHART = "chart"


def problems(folder: Path, workbook: WorkbookText, block: TaskBlock) -> list[Problem]:
    """Each measure of a chart task (whose fields are otherwise sound) without a unit."""
    measures = block.fields.get("measures")
    if block.kind != CHART or not isinstance(measures, list):
        return []
    described = data_questions.described_file(workbook, block)
    if described is not None and not datasheet_path(folder / described).is_file():
        return []  # the datasheet check names the missing datasheet: the cause, said once
    built = data_questions.as_built(folder, workbook, block)
    datasheet = built.fields.get("datasheet")
    names = ColumnNames.read(folder, datasheet if isinstance(datasheet, str) else None)
    names = names.and_given(block.fields.get("columns"))
    where = f"tasks.{block.fields.get('id')}.columns"
    chart = f"chart {block.fields.get('id')!r}"
    found = []
    for measure in map(str, measures):
        if names.unit(measure):
            continue
        if measure in names.described:
            label = names.short(measure)
            message = (
                f"columns: {measure!r} has a label but no unit in {chart}, so its axis reads "
                f"{label!r} alone; a count takes a unit too (cafes, people): add "
                f"`{measure}: {{label: {label}, unit: ...}}` under columns:."
            )
        else:
            source = f"{datasheet}'s datasheet" if isinstance(datasheet, str) else "a datasheet"
            message = (
                f"columns: {measure!r} has no label and no unit in {chart} ({source} does "
                f"not describe it); add `{measure}: {{label: ..., unit: ...}}` under columns:, "
                "as the notebook's code computes it."
            )
        found.append(Problem(where, message, block.line))
    return found
