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

from pathlib import Path

import yaml

DATASHEET_SUFFIX = ".datasheet.yml"
# A datasheet is a few dozen lines; a bigger file is not one (and is not parsed).
MAX_DATASHEET_BYTES = 100_000


def datasheet_path(data_file: Path) -> Path:
    """Where a data file's datasheet is: ``sites.csv`` -> ``sites.datasheet.yml``."""
    return data_file.with_name(data_file.stem + DATASHEET_SUFFIX)


def column_label(label: str, unit: str | None = None) -> str:
    """How a column is named to a person: its label, with its unit in brackets."""
    return f"{label} ({unit})" if unit else label


def _columns(folder: Path | str, csv_name: str) -> dict[object, object]:
    """The datasheet's ``columns`` mapping as YAML gives it, or {} if there is none."""
    path = datasheet_path(Path(folder) / csv_name)
    try:
        if path.stat().st_size > MAX_DATASHEET_BYTES:
            return {}
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError, RecursionError):  # ValueError: bad UTF-8
        return {}
    columns = data.get("columns") if isinstance(data, dict) else None
    return columns if isinstance(columns, dict) else {}


def column_labels(folder: Path | str, csv_name: str) -> dict[str, str]:
    """Each column of ``folder/csv_name`` -> its label with unit, from the datasheet.

    Columns without a usable label are left out (show the raw name); no datasheet, or one
    that cannot be read, gives {}.
    """
    labels: dict[str, str] = {}
    for name, column in _columns(folder, csv_name).items():
        if not isinstance(name, str) or not isinstance(column, dict):
            continue
        label, unit = column.get("label"), column.get("unit")
        if isinstance(label, str) and label.strip():
            unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
            labels[name] = column_label(label.strip(), unit)
    return labels


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
