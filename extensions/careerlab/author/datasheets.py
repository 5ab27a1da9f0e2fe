"""Datasheets: every data file in a workbook folder says where it comes from.

``<stem>.datasheet.yml`` sits beside ``<stem>.csv`` and is released with it (provenance
is for students to see; it holds no answers). docs/authoring.md, "Data files and their
datasheets", shows the format. A file is made one of three ways, and each way has its
own fields and no others:

- ``generator``: a seeded generator of ``careerlab/author/datasets`` (``generator``: its
  ``careerlab data`` name, which must write this very file; ``seed``: the seed it runs
  with, so the datasheet cannot drift from the code);
- ``downloaded``: ``source`` (who published it and the web address) and ``retrieved``
  (the date, YYYY-MM-DD);
- ``by-hand``: ``source`` (who wrote it).

One column may say ``time: true``: each row happened at its value (a month, an hour), so a
chart of the table is a line in time order (``careerlab.author.time_charts``); the rows
must then already be in that order (``careerlab.workbook.timeline``), which also catches
time written in a way CareerLab cannot order.

Datasheets are written by hand, also for generated files: one format for the three ways,
and the labels and units are written for students, which a generator's docstring (written
for authors) is not. The check ties a datasheet to its generator instead.

Every problem in a datasheet is reported at once, each as ``file:line: message``, the
way ``careerlab.rubrics.format`` reports a rubric's.
"""

from __future__ import annotations

import csv
import inspect
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from careerlab import ProblemsError
from careerlab.rubrics.format import _Checker
from careerlab.workbook import timeline
from careerlab.workbook.datasheet import DATASHEET_SUFFIX, MAX_DATASHEET_BYTES, datasheet_path

DATA_SUFFIX = ".csv"
COMMON_FIELDS = frozenset({"title", "about", "made", "license", "synthetic", "columns"})
# How a file was made -> the fields that way needs; each is allowed only with its way.
MADE = {
    "generator": ("generator", "seed"),
    "downloaded": ("source", "retrieved"),
    "by-hand": ("source",),
}
ALL_MADE_FIELDS = frozenset(field for fields in MADE.values() for field in fields)
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"


class DatasheetError(ProblemsError):
    """Every problem in a datasheet file, one ``file:line: message`` per line."""


@dataclass(frozen=True)
class Column:
    name: str  # as in the CSV header
    label: str
    unit: str | None
    line: int  # in the datasheet, for messages
    time: bool = False  # the column that says when each row happened (at most one)


@dataclass(frozen=True)
class Datasheet:
    path: str
    title: str
    about: str
    made: str
    license: str
    synthetic: bool
    columns: tuple[Column, ...]
    columns_line: int
    generator: str | None = None
    seed: int | None = None
    source: str | None = None
    retrieved: date | None = None

    @property
    def time(self) -> Column | None:
        return next((column for column in self.columns if column.time), None)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: Node, tag: str) -> object:
    """A plain YAML scalar of the given type (int, bool) as Python, else None."""
    if not isinstance(node, ScalarNode) or node.tag != tag:
        return None
    try:
        return yaml.safe_load(node.value)  # YAML's own rules: 1_000, 0x10, yes/no
    except yaml.YAMLError:
        return None


def _columns(check: _Checker, node: Node | None) -> tuple[Column, ...]:
    if not isinstance(node, MappingNode) or not node.value:
        check.fail(node, "columns must list every column of the CSV, each with its label.")
        return ()
    columns: list[Column] = []
    seen: set[str] = set()
    for key_node, value_node in node.value:
        name = key_node.value if isinstance(key_node, ScalarNode) else None
        if not name or not str(name).strip():
            check.fail(key_node, "a column's name must be text (as in the CSV header).")
            continue
        name = str(name)
        if name in seen:
            check.fail(key_node, f"column {name!r} is listed twice.")
            continue
        seen.add(name)
        where = f"column {name!r}"
        if not isinstance(value_node, MappingNode):
            check.fail(value_node, f"{where} needs {{label: ..., unit: ...}} (unit if it has one).")
            continue
        fields = check.mapping(value_node, where, {"label"}, {"unit", "time"})
        label = check.text(fields["label"], f"{where}: label") if "label" in fields else ""
        unit = check.text(fields["unit"], f"{where}: unit") if "unit" in fields else None
        time = _scalar(fields["time"], BOOL_TAG) if "time" in fields else False
        if not isinstance(time, bool):
            check.fail(
                fields["time"],
                f"{where}: time must be true (the column says when each row happened) or left out.",
            )
        columns.append(Column(name, label, unit or None, _line(key_node), time is True))
    marked = [column for column in columns if column.time]
    if len(marked) > 1:
        check.fail(
            node,
            f"columns {', '.join(repr(c.name) for c in marked)} all say time: true; "
            "a table has one time column, so keep time: true on one of them.",
        )
    return tuple(columns)


def _made_fields(
    check: _Checker, root: Node, made: str, fields: dict[str, Node]
) -> dict[str, object]:
    """The fields of the way the file was made, checked; a field of another way is a problem."""
    wanted = MADE.get(made, ())
    for field in sorted(ALL_MADE_FIELDS & set(fields) - set(wanted)):
        ways = " or ".join(way for way, names in MADE.items() if field in names)
        check.fail(fields[field], f"'{field}' is only for made: {ways}, not made: {made}.")
    for field in wanted:
        if field not in fields:
            check.fail(root, f"made: {made} needs '{field}'.")
    found: dict[str, object] = {}
    for field in wanted:
        node = fields.get(field)
        if node is None:
            continue
        if field == "seed":
            seed = _scalar(node, INT_TAG)
            if isinstance(seed, int) and not isinstance(seed, bool):
                found["seed"] = seed
            else:
                check.fail(node, "seed must be a whole number (the generator's seed).")
        elif field == "retrieved":
            try:
                found["retrieved"] = date.fromisoformat(str(node.value))
            except (ValueError, TypeError):
                check.fail(node, "retrieved must be the date it was downloaded, YYYY-MM-DD.")
        else:
            found[field] = check.text(node, field)
    source = found.get("source")
    if made == "downloaded" and source and "://" not in str(source):
        check.fail(fields["source"], "source must name who published it and its web address.")
    return found


def parse_datasheet(text: str, source: str = "<datasheet>") -> Datasheet:
    """Parse and validate one datasheet's text on its own. Raises DatasheetError."""
    check = _Checker(source)
    try:
        # compose, never construct: aliases stay shared nodes, so an alias bomb is never
        # expanded, and every value keeps its line for the messages.
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DatasheetError(
            [f"{source}:{mark.line + 1 if mark else 1}: not valid YAML ({error})"]
        ) from error
    if root is None:
        raise DatasheetError([f"{source}:1: the file is empty."])
    fields = check.mapping(root, "the datasheet", set(COMMON_FIELDS), set(ALL_MADE_FIELDS))
    made = check.text(fields.get("made"), "made") if "made" in fields else ""
    if made and made not in MADE:
        check.fail(fields["made"], f"made must be one of {', '.join(MADE)}; not {made!r}.")
    found = _made_fields(check, root, made, fields) if made in MADE else {}
    synthetic = _scalar(fields["synthetic"], BOOL_TAG) if "synthetic" in fields else None
    if "synthetic" in fields and not isinstance(synthetic, bool):
        check.fail(
            fields["synthetic"], "synthetic must be true (made-up people and places) or false."
        )
    texts = {
        key: check.text(fields[key], key) for key in ("title", "about", "license") if key in fields
    }
    columns = _columns(check, fields["columns"]) if "columns" in fields else ()
    if check.problems:
        raise DatasheetError(check.problems)
    return Datasheet(
        path=source,
        title=texts["title"],
        about=texts["about"],
        made=made,
        license=texts["license"],
        synthetic=synthetic is True,
        columns=columns,
        columns_line=_line(fields["columns"]),
        **found,  # type: ignore[arg-type]
    )


def load_datasheet(path: Path) -> Datasheet:
    """A datasheet file, validated on its own. Raises DatasheetError."""
    try:
        size = path.stat().st_size
        if size > MAX_DATASHEET_BYTES:
            raise DatasheetError(
                [f"{path}:1: {size:,} bytes; a datasheet is a few dozen lines (keep it small)."]
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DatasheetError([f"{path}:1: not readable ({error})."]) from error
    return parse_datasheet(text, str(path))


def csv_header(path: Path) -> list[str]:
    """A CSV's column names, as pandas reads them. Raises ValueError saying why not."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:  # pandas drops a BOM too
            return next(csv.reader(handle))
    except StopIteration:
        raise ValueError("it is empty; the first line must name the columns") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"not readable ({error})") from error


def _check_columns(sheet: Datasheet, header: list[str], data: Path) -> list[str]:
    where = f"{sheet.path}:{sheet.columns_line}"
    problems = [
        f"{where}: {data.name} names column {name!r} twice; give each column its own name."
        for name in sorted({name for name in header if header.count(name) > 1})
    ]
    listed = [column.name for column in sheet.columns]
    problems += [
        f"{where}: column {name!r} of {data.name} is not listed; add it with its label."
        for name in header
        if name not in listed
    ]
    problems += [
        f"{sheet.path}:{column.line}: column {column.name!r} is not in {data.name} "
        f"(its columns: {', '.join(map(repr, header))})."
        for column in sheet.columns
        if column.name not in header
    ]
    common = [name for name in listed if name in header]
    if not problems and common != header:
        problems.append(
            f"{where}: the columns must be listed in the CSV's order: {', '.join(header)}."
        )
    return problems


def _check_generator(sheet: Datasheet, folder: Path, data: Path) -> list[str]:
    from careerlab.author.datasets import generators

    known = generators()
    where = f"{sheet.path}:1"
    if sheet.generator not in known:
        return [
            f"{where}: no data generator {sheet.generator!r} (`careerlab data` has: "
            f"{', '.join(sorted(known))})."
        ]
    generate, writes = known[sheet.generator]
    this_file = f"{folder.name}/{data.relative_to(folder).as_posix()}"
    if writes != this_file:
        return [f"{where}: generator {sheet.generator!r} writes {writes}, not {this_file}."]
    default = inspect.signature(generate).parameters.get("seed")
    seed = None if default is None else default.default
    if seed != sheet.seed:
        return [
            f"{where}: seed {sheet.seed} is not the seed generator {sheet.generator!r} "
            f"runs with ({seed})."
        ]
    return []


def check_datasheet(folder: Path, data: Path) -> list[str]:
    """One data file's datasheet: valid, naming the CSV's columns in order, and true to
    its generator."""
    try:
        sheet = load_datasheet(datasheet_path(data))
    except DatasheetError as error:
        return error.problems
    problems: list[str] = []
    try:
        problems += _check_columns(sheet, csv_header(data), data)
    except ValueError as error:
        problems.append(f"{data}: {error}.")
    if sheet.made == "generator":
        problems += _check_generator(sheet, folder, data)
    if not problems and sheet.time is not None:
        problems += _check_time_order(sheet.time, data)
    return problems


def _check_time_order(column: Column, data: Path) -> list[str]:
    """A time column's rows are in time order, as a chart of them will be drawn."""
    try:
        with data.open(encoding="utf-8-sig", newline="") as handle:
            values = [row.get(column.name) for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return [f"{data}: not readable ({error})."]
    late = timeline.first_out_of_order(values)
    if late is None:
        return []
    return [
        f"{data}:{late + 2}: {values[late]!r} comes before {values[late - 1]!r} in time, but "
        f"after it in the file; put the rows in time order (the {column.name!r} column says "
        "time: true). Write dates year first (2026-03-14), months by name (Jan 2024), or "
        "labels that start with their number (1: day 2)."
    ]


def check_datasheets(folder: Path) -> list[str]:
    """Every data file in a workbook folder has a valid datasheet, and every datasheet
    its data file."""
    problems: list[str] = []
    for data in sorted(folder.rglob(f"*{DATA_SUFFIX}")):
        if not datasheet_path(data).is_file():
            problems.append(
                f"{data}: no datasheet; write {datasheet_path(data).name} beside it (where "
                "the data comes from, its license, each column's label: docs/authoring.md)."
            )
        else:
            problems += check_datasheet(folder, data)
    for sheet in sorted(folder.rglob(f"*{DATASHEET_SUFFIX}")):
        data = sheet.with_name(sheet.name.removesuffix(DATASHEET_SUFFIX) + DATA_SUFFIX)
        if not data.is_file():
            problems.append(
                f"{sheet}: no {data.name} beside it; add the data file or delete the datasheet."
            )
    return problems
