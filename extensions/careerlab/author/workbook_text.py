"""A workbook's text, ``workbook.md``: what an author writes instead of a notebook.

The format is Markdown with MyST-style fenced directives, chosen because it reads as
plain prose in a diff and on GitHub, a teacher who does not code edits it (or the
authoring page edits it for them), and nothing in it is nbgrader metadata. Each part
becomes one or more notebook cells in order (``careerlab.author.build``)::

    +++ intro                   a Markdown cell (its name after +++ is optional)
    # Where should the store open?

    ```{data} sites             read a data file into a table and show it
    file: neighborhoods.csv
    show: all                   all | the number of first rows to show
    ```

    ```{task} choice            a task, declared as data (YAML)
    id: research-question
    title: The research question
    prompt: Which question should your research answer?
    options: {people: ..., value: ...}
    answer: value               the key: never released (hidden test)
    points: 1
    ```

    ```{code} setup             a read-only code cell, for an author who codes
    ```

    ```{solution} extension     a cell the student edits; its body is the author's own
    ```                         solution, removed from the student's copy

    ```{rubric}                 the rubric named in workbook.yml, one cell per criterion
    ```

Parsing never runs anything: YAML is read with ``safe_load`` and code is kept as text.
Every problem is reported at once, each with its line and the field it names, so the
authoring page can show it next to that field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from careerlab.course import TEXT_FILE

SOURCE_FILE = TEXT_FILE
MAX_SOURCE_BYTES = 1_000_000  # a workbook's text is a few tens of kB; bigger is a mistake
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # a cell's name: nbgrader's grade id
_CELL_BREAK = re.compile(r"^\+\+\+(?:[ \t]+(\S+))?[ \t]*$")
_FENCE_OPEN = re.compile(r"^(`{3,})\{([a-z][a-z-]*)\}(?:[ \t]+(\S+))?[ \t]*$")
DIRECTIVES = ("task", "data", "code", "solution", "rubric")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is: ``where`` is a field path such as
    ``tasks.busiest-site.answer`` (or ``line 12`` when no field is known)."""

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        at = f"line {self.line}: " if self.line else ""
        return f"{at}{self.message}"


@dataclass
class Text:
    """Markdown shown to the student."""

    text: str
    name: str | None = None
    line: int = 0


@dataclass
class Code:
    """A read-only code cell (``solution=False``) or a cell the student edits with the
    author's solution (``solution=True``)."""

    code: str
    name: str | None = None
    solution: bool = False
    line: int = 0


@dataclass
class Data:
    """``name = pd.read_csv(file)``, then the table shown (all rows or the first ``show``)."""

    name: str
    file: str
    show: int | None = None  # None: the whole table
    cell: str | None = None  # the cell's name, when not ``<name>-data``
    line: int = 0


@dataclass
class TaskBlock:
    """A task as the author declared it; ``careerlab.author.tasks_data`` checks the fields."""

    kind: str
    fields: dict[str, Any]
    line: int = 0


@dataclass
class Rubric:
    line: int = 0


Part = Text | Code | Data | TaskBlock | Rubric


@dataclass
class WorkbookText:
    parts: list[Part] = field(default_factory=list)

    @property
    def tasks(self) -> list[TaskBlock]:
        return [part for part in self.parts if isinstance(part, TaskBlock)]


class WorkbookTextError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def parse(text: str) -> WorkbookText:
    """The parts of a workbook's text; raises WorkbookTextError with every problem."""
    problems: list[Problem] = []
    if len(text.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise WorkbookTextError(
            [Problem("file", f"is over {MAX_SOURCE_BYTES:,} bytes; a workbook's text is smaller.")]
        )
    lines = text.split("\n")
    parts: list[Part] = []
    prose: list[str] = []
    prose_name: str | None = None
    prose_line = 1
    prose_open = False  # a +++ line opens a Markdown cell even when it stays empty

    def end_prose() -> None:
        nonlocal prose, prose_name, prose_open
        body = "\n".join(prose).strip("\n")
        if body.strip() or prose_open:
            parts.append(Text(body, prose_name, prose_line))
        prose, prose_name, prose_open = [], None, False

    index = 0
    in_plain_fence = ""  # a ``` block inside prose: its lines are prose, never directives
    while index < len(lines):
        line = lines[index]
        number = index + 1
        if in_plain_fence:
            prose.append(line)
            if line.strip() == in_plain_fence:
                in_plain_fence = ""
            index += 1
            continue
        cell_break = _CELL_BREAK.match(line)
        opening = _FENCE_OPEN.match(line)
        if cell_break:
            end_prose()
            prose_name, prose_line, prose_open = cell_break.group(1), number + 1, True
            if prose_name and not NAME.fullmatch(prose_name):
                problems.append(_bad_name(prose_name, number))
            index += 1
            continue
        if opening:
            end_prose()
            fence, directive, argument = opening.groups()
            body, index = _directive_body(lines, index + 1, fence)
            if index > len(lines):
                problems.append(
                    Problem(f"line {number}", f"the {{{directive}}} block is never closed.", number)
                )
            part = _directive(directive, argument, body, number, problems)
            if part is not None:
                parts.append(part)
            continue
        if line.lstrip().startswith("```"):
            in_plain_fence = line.strip()[: len(line.strip()) - len(line.strip().lstrip("`"))]
        if not prose and not prose_open:
            prose_line = number
        prose.append(line)
        index += 1
    end_prose()
    if problems:
        raise WorkbookTextError(problems)
    return WorkbookText(parts)


def _bad_name(name: str, line: int) -> Problem:
    return Problem(
        f"line {line}",
        f"{name!r} is not a cell name: use letters, digits, - and _ (up to 64).",
        line,
    )


def _directive_body(lines: list[str], start: int, fence: str) -> tuple[str, int]:
    """The block's lines up to its closing fence, and the index after it (past the
    end of the file when it is never closed)."""
    for index in range(start, len(lines)):
        if lines[index].rstrip() == fence:
            return "\n".join(lines[start:index]), index + 1
    return "\n".join(lines[start:]), len(lines) + 1


def _directive(
    directive: str, argument: str | None, body: str, line: int, problems: list[Problem]
) -> Part | None:
    where = f"line {line}"
    if directive not in DIRECTIVES:
        known = ", ".join(f"{{{name}}}" for name in DIRECTIVES)
        problems.append(
            Problem(where, f"{{{directive}}} is not a block CareerLab knows ({known}).", line)
        )
        return None
    if argument and not NAME.fullmatch(argument):
        problems.append(_bad_name(argument, line))
        return None
    if directive in ("code", "solution"):
        return Code(body.strip("\n"), argument, directive == "solution", line)
    if directive == "rubric":
        if body.strip():
            problems.append(
                Problem(where, "a {rubric} block is empty: the rubric is in rubrics/.", line)
            )
        return Rubric(line)
    try:
        data = yaml.safe_load(body) if body.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = line + 1 + mark.line if mark is not None else line
        problems.append(
            Problem(where, f"the {{{directive}}} block is not valid YAML ({error}).", at)
        )
        return None
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        problems.append(
            Problem(where, f"a {{{directive}}} block holds fields (name: value).", line)
        )
        return None
    if directive == "task":
        if not argument:
            problems.append(Problem(where, "name the task's kind: ```{task} choice", line))
            return None
        return TaskBlock(argument, data, line)
    return _data_block(argument, data, line, problems)


def _data_block(
    name: str | None, data: dict[str, Any], line: int, problems: list[Problem]
) -> Data | None:
    where = f"data.{name}"
    before = len(problems)
    if not name or not name.isidentifier() or not name.isascii():
        problems.append(
            Problem(
                where,
                "name the table after {data}, e.g. ```{data} sites (letters, digits, _).",
                line,
            )
        )
    unknown = sorted(set(data) - {"file", "show", "cell"})
    if unknown:
        problems.append(
            Problem(where, f"unknown field(s) {', '.join(unknown)}: use file, show, cell.", line)
        )
    file = data.get("file")
    if not isinstance(file, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.csv", file):
        problems.append(
            Problem(
                f"{where}.file", "file: the name of a .csv file in this workbook's folder.", line
            )
        )
    show = data.get("show", "all")
    if show != "all" and not (
        isinstance(show, int) and not isinstance(show, bool) and 0 < show <= 1000
    ):
        problems.append(
            Problem(f"{where}.show", "show: all, or a number of rows from 1 to 1000.", line)
        )
    cell = data.get("cell")
    if cell is not None and not (isinstance(cell, str) and NAME.fullmatch(cell)):
        problems.append(_bad_name(str(cell), line))
    if len(problems) > before:
        return None
    return Data(name, file, None if show == "all" else show, cell, line)


# Writing ---------------------------------------------------------------------------


def dump(workbook: WorkbookText) -> str:
    """The text of ``workbook``: ``parse(dump(w))`` gives ``w`` back (lines aside)."""
    chunks: list[str] = []
    for part in workbook.parts:
        if isinstance(part, Text):
            head = f"+++ {part.name}" if part.name else "+++"
            chunks.append(f"{head}\n{part.text}" if part.text else head)
        elif isinstance(part, Code):
            chunks.append(_fenced("solution" if part.solution else "code", part.name, part.code))
        elif isinstance(part, Data):
            fields: dict[str, Any] = {"file": part.file, "show": part.show or "all"}
            if part.cell:
                fields["cell"] = part.cell
            chunks.append(_fenced("data", part.name, yaml_text(fields)))
        elif isinstance(part, TaskBlock):
            chunks.append(_fenced("task", part.kind, yaml_text(part.fields)))
        else:
            chunks.append(_fenced("rubric", None, ""))
    return "\n\n".join(chunks) + "\n"


def _fenced(directive: str, argument: str | None, body: str) -> str:
    longest = max((len(m) for m in re.findall(r"^`{3,}", body, re.MULTILINE)), default=2)
    fence = "`" * max(3, longest + 1)
    head = f"{fence}{{{directive}}}" + (f" {argument}" if argument else "")
    return f"{head}\n{body}\n{fence}" if body else f"{head}\n{fence}"


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Paragraphs as literal blocks, so a diff shows the prose as it reads.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def yaml_text(data: Any) -> str:
    """YAML as an author would write it: keys in the order given, prose unwrapped."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000
    ).rstrip("\n")
