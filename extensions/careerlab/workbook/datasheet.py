"""A data file's datasheet as the student's side reads it: the human label and unit of
each column, so a table can show "Weekday foot traffic (people a day)" instead of
``weekday_foot_traffic``, and which column is time (``time: true``), so a chart of the
table is a line in time order (``careerlab.workbook.timeline``).

A datasheet is ``<stem>.datasheet.yml`` beside ``<stem>.csv`` in a workbook folder
(docs/authoring.md, "Data files and their datasheets"); ``careerlab check`` validates it
(``careerlab.author.datasheets``). Here it is only read, and read defensively: in a
student's folder the file is the student's to edit, so anything odd gives no labels (the
raw column names are shown) rather than an error. Labels are plain text: escape them
(``careerlab.html.escape``) wherever they go into HTML.

Kernel side: imports only the standard library and yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATASHEET_SUFFIX = ".datasheet.yml"
# A datasheet is a few dozen lines; a bigger file is not one (and is not parsed).
MAX_DATASHEET_BYTES = 100_000
# A label names a column in a menu or on a chart's axis; a longer one is not a label.
MAX_LABEL_CHARS = 100


def datasheet_path(data_file: Path) -> Path:
    """Where a data file's datasheet is: ``sites.csv`` -> ``sites.datasheet.yml``."""
    return data_file.with_name(data_file.stem + DATASHEET_SUFFIX)


# The bracketed words a label may end with: "Net pay (take-home)".
_LAST_BRACKETS = re.compile(r"\(([^()]*)\)\s*$")


def column_label(label: str, unit: str | None = None) -> str:
    """How a column is named to a person: its label, with its unit in brackets. A label
    that ends in brackets takes the unit inside them ("Net pay (take-home, dollars)"), as
    two brackets in a row ("Net pay (take-home) (dollars)") read badly."""
    if not unit:
        return label
    last = _LAST_BRACKETS.search(label)
    if last is None:
        return f"{label} ({unit})"
    inside, before = last.group(1).strip(), label[: last.start()].rstrip()
    if not inside:
        return f"{before} ({unit})"
    if inside.casefold() == unit.casefold():  # "Rent (dollars)": the unit is there already
        return label
    return f"{before} ({inside}, {unit})"


def _columns(folder: Path | str, csv_name: str) -> dict[object, object]:
    """The datasheet's ``columns`` mapping as YAML gives it, or {} if there is none
    (read-only: it may be the cached one)."""
    path = datasheet_path(Path(folder) / csv_name)
    try:
        if path.stat().st_size > MAX_DATASHEET_BYTES:
            return {}
        return _parsed(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError: bad UTF-8
        return {}


# A workbook reads a datasheet once per data question and chart, and pure-Python YAML
# takes tens of milliseconds each time on a busy machine: parse each text once (keyed by
# the text itself, so an edited file is parsed again however fast it was edited).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=32)
def _parsed(text: str) -> dict[object, object]:
    try:
        data = yaml.load(text, Loader=_LOADER)
    except (yaml.YAMLError, RecursionError):
        return {}
    columns = data.get("columns") if isinstance(data, dict) else None
    return columns if isinstance(columns, dict) else {}


@dataclass(frozen=True)
class Column:
    """A column as a person reads it: its label and, if it has one, its unit."""

    label: str
    unit: str | None = None

    def __str__(self) -> str:
        return column_label(self.label, self.unit)


def columns(folder: Path | str, csv_name: str) -> dict[str, Column]:
    """Each column of ``folder/csv_name`` -> its label and unit, from the datasheet.

    Columns without a usable label are left out (show the raw name); no datasheet, or one
    that cannot be read, gives {}.
    """
    return described(_columns(folder, csv_name))


def described(columns: object) -> dict[str, Column]:
    """A ``columns`` mapping as a datasheet writes it (``{name: {label, unit}}``; a chart
    task's ``columns:`` too) -> each column's label and unit. Columns without a usable
    label are left out (show the raw name); anything but a mapping gives {}."""
    found: dict[str, Column] = {}
    for name, column in (columns if isinstance(columns, dict) else {}).items():
        if not isinstance(name, str) or not isinstance(column, dict):
            continue
        label, unit = column.get("label"), column.get("unit")
        if isinstance(label, str) and 0 < len(label.strip()) <= MAX_LABEL_CHARS:
            unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
            if unit is None or len(unit) <= MAX_LABEL_CHARS:
                found[name] = Column(label.strip(), unit)
    return found


def column_labels(folder: Path | str, csv_name: str) -> dict[str, str]:
    """Each column of ``folder/csv_name`` -> its label with unit, from the datasheet."""
    return {name: str(column) for name, column in columns(folder, csv_name).items()}


def datasheet_problem(datasheet: object) -> str | None:
    """What is wrong with a task's ``datasheet`` field: the data file (a CSV beside the
    notebook) whose datasheet labels the task's table; careerlab build sets it."""
    if datasheet is None:
        return None
    if not isinstance(datasheet, str) or Path(datasheet).name != datasheet:
        return "datasheet: the file name of a CSV beside the notebook, such as sites.csv."
    if not datasheet.endswith(".csv"):
        return "datasheet: the data file (a .csv) whose datasheet labels the columns."
    return None


def plain_name(name: str) -> str:
    """A column no datasheet describes (one the notebook's code made), as words:
    ``rent_per_customer`` -> "Rent per customer"."""
    return name.replace("_", " ").strip().capitalize() or name


class ColumnNames:
    """How a table's columns are shown: the datasheet's label and unit where it has one,
    the name as words otherwise. Labels are plain text: escape them in HTML."""

    def __init__(self, described: dict[str, Column] | None = None) -> None:
        self.described = dict(described or {})

    @classmethod
    def read(cls, folder: Path | str, data_file: str | None) -> ColumnNames:
        """The names from ``data_file``'s datasheet (a file name in ``folder``; anything
        else, like a path, gives none)."""
        if not data_file or Path(data_file).name != data_file:
            return cls()
        return cls(columns(folder, data_file))

    def and_given(self, columns: object) -> ColumnNames:
        """These names and those a task gives for the columns the notebook's code makes
        (a chart's ``columns:``, in a datasheet's form); a column in both takes the task's,
        which describes the table the task shows."""
        return ColumnNames({**self.described, **described(columns)})

    def label(self, name: str) -> str:
        """With its unit: "Weekday foot traffic (people a day)"."""
        column = self.described.get(name)
        return str(column) if column else plain_name(str(name))

    def short(self, name: str) -> str:
        """Without its unit: "Weekday foot traffic"."""
        column = self.described.get(name)
        return column.label if column else plain_name(str(name))

    def unit(self, name: str) -> str:
        column = self.described.get(name)
        return (column.unit or "") if column else ""

    def with_unit(self, name: str, unit: str) -> ColumnNames:
        """These names, with ``name`` (a column a step made or changed) in ``unit`` ("": no
        unit): a step's table is shown by the names after it."""
        return ColumnNames({**self.described, name: Column(self.short(name), unit or None)})


def time_column(folder: Path | str, csv_name: str) -> str | None:
    """The column of ``folder/csv_name`` its datasheet marks ``time: true``, or None.

    Only ``true`` itself counts (not "yes" as text), and a datasheet that marks two columns
    marks none: ``careerlab check`` reports both mistakes (``careerlab.author.datasheets``).
    """
    marked = [
        name
        for name, column in _columns(folder, csv_name).items()
        if isinstance(name, str) and isinstance(column, dict) and column.get("time") is True
    ]
    return marked[0] if len(marked) == 1 else None
