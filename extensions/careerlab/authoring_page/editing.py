"""What the authoring page does to a project's files, without any web code.

The page edits a project as parts (``careerlab.author.workbook_text``): Markdown
text, tasks as fields, and the code, data and rubric blocks kept as they are. Each
request carries the parts; this module turns them back into ``workbook.md`` with
``workbook_text.dump`` (which round-trips the projects as they are written), checks
them, and saves them.

- **Versions.** The page loads the text with its sha256; a save sends it back with the
  text it started from. If the file changed since (another teacher saved), the save is
  refused (409) with what changed, never written over. Saves hold a lock on the
  project's folder, so two saves never interleave; files are replaced atomically.
- **Locks.** Once ``release/<id>/`` exists (``careerlab release`` wrote the student
  version, which nbgrader hands out from there), students' answers are stored under
  its task ids and option keys: a save that renames or removes one is refused here,
  whatever the page sent.
- **Checks** run on a temporary copy of the project (and the course's rubrics), so
  nothing is written; problems keep their field path (``tasks.<id>.<field>``) so the
  page shows each next to its field.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from careerlab import course, project
from careerlab.author import build as builder
from careerlab.author import check_assignment, task_blocks
from careerlab.author.workbook_text import (
    Code,
    Data,
    Part,
    Problem,
    Rubric,
    TaskBlock,
    Text,
    WorkbookText,
    WorkbookTextError,
    dump,
    parse,
    yaml_text,
)
from careerlab.workbook.answers import TASK_ID

TEXT_FIELDS = ("id", "title", "prompt", "hint")
LOCK_REASON = (
    "This project was released: students' answers are stored under its task ids and "
    "option keys, so they cannot be changed or removed (text, answer keys and points can)."
)


class EditError(ValueError):
    """A request the page cannot carry out: ``status`` and the problems, if any."""

    def __init__(
        self, message: str, status: int = 400, problems: list[Problem] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []
        self.extra = extra


def version(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def folder(root: Path, project_id: str) -> Path:
    """The project's folder; 404 for anything that is not a project of this course."""
    path = root / course.SOURCE_DIRECTORY / project_id
    if not TASK_ID.match(project_id) or not builder.has_source(path):
        raise EditError(f"no project {project_id!r} with a {course.TEXT_FILE} here.", 404)
    return path


def released(root: Path, project_id: str) -> bool:
    return (root / course.RELEASE_DIRECTORY / project_id).is_dir()


def projects(root: Path) -> list[dict[str, Any]]:
    found = []
    for path in course.assignments(root):
        if builder.has_source(path):
            data = project.read(path).data
            title = data.get("title") if isinstance(data, dict) else None
            found.append(
                {
                    "id": path.name,
                    "title": str(title or path.name),
                    "released": released(root, path.name),
                }
            )
    return found


# Parts as the page sends and receives them -------------------------------------------
def _is_text_field(kind: str, name: str, value: Any) -> bool:
    if name in TEXT_FIELDS:
        return True
    parameter = task_blocks.kind_fields(kind).get(name) if kind in _kinds() else None
    declared = parameter is not None and str(parameter.annotation) in ("str", "<class 'str'>")
    return declared and (value is None or isinstance(value, str))


def _kinds() -> list[str]:
    from careerlab.workbook.tasks import kinds

    return list(kinds())


def task_form(block: TaskBlock) -> dict[str, Any]:
    """A task as form fields: each ``[name, mode, value]`` (mode text: the value as typed;
    yaml: read as YAML), in the file's order, then the fields its kind takes that it has not
    set. ``options`` (a choice's) is its own list of ``[key, text]`` rows."""
    fields = block.fields
    known = list(TEXT_FIELDS[:3])
    if block.kind in _kinds():
        known += [*task_blocks.kind_fields(block.kind), *task_blocks.OWN]
    names = list(dict.fromkeys([*TEXT_FIELDS[:3], *fields, *known]))
    form, options = [], None
    for name in names:
        value = fields.get(name)
        if name == "options" and (value is None or _is_options(value)):
            options = [[str(k), str(v)] for k, v in (value or {}).items()]
            continue
        if name in ("cells",) and value is None:
            continue  # an expert's field: shown only when a project uses it
        mode = "text" if _is_text_field(block.kind, name, value) else "yaml"
        shown = (
            ""
            if value is None
            else value
            if mode == "text"
            else yaml_text(value).removesuffix("\n...")
        )
        form.append([name, mode, shown])
    return {"kind": block.kind, "fields": form, "options": options}


def _is_options(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def part_json(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "text", "name": part.name, "text": part.text}
    if isinstance(part, TaskBlock):
        return {"type": "task", **task_form(part)}
    if isinstance(part, Code):
        return {"type": "code", "name": part.name, "code": part.code, "solution": part.solution}
    if isinstance(part, Data):
        return {"type": "data", "name": part.name, "file": part.file, "show": part.show,
                "cell": part.cell}  # fmt: skip
    return {"type": "rubric"}


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise EditError(f"{what} must be text.")
    return value.replace("\r\n", "\n")


def _optional_name(value: Any, what: str) -> str | None:
    return None if value in (None, "") else _string(value, what)


def task_from_form(data: dict[str, Any], problems: list[Problem]) -> TaskBlock:
    kind = _string(data.get("kind"), "a task's kind")
    rows = data.get("fields")
    if not isinstance(rows, list):
        raise EditError("a task's fields must be a list.")
    fields: dict[str, Any] = {}
    task_id = next((r[2] for r in rows if isinstance(r, list) and r[:1] == ["id"]), "?")
    for row in rows:
        if not (isinstance(row, list) and len(row) == 3):
            raise EditError("each field is [name, mode, value].")
        name, mode, value = (_string(item, "a field") for item in row)
        if not value.strip():
            continue  # an empty box leaves the field out
        if mode == "text":
            fields[name] = value.strip() if name == "id" else value
            continue
        try:
            fields[name] = yaml.safe_load(value)
        except yaml.YAMLError as error:
            problems.append(Problem(f"tasks.{task_id}.{name}", f"{name}: not a value ({error})."))
    options = data.get("options")
    if options is not None:
        if not isinstance(options, list):
            raise EditError("options must be a list of [key, text] rows.")
        pairs = {}
        for row in options:
            if not (isinstance(row, list) and len(row) == 2):
                raise EditError("each option is [key, text].")
            key, text = (_string(item, "an option") for item in row)
            if key.strip() or text.strip():
                pairs[key.strip()] = text
        if pairs:  # keep the place options had among the fields
            fields = {"options": pairs, **fields} if "options" not in fields else fields
            fields = _after(fields, "prompt", "options")
    return TaskBlock(kind, fields)


def _after(fields: dict[str, Any], anchor: str, name: str) -> dict[str, Any]:
    value = fields.pop(name)
    ordered: dict[str, Any] = {}
    for key, item in fields.items():
        ordered[key] = item
        if key == anchor:
            ordered[name] = value
    if name not in ordered:
        ordered[name] = value
    return ordered


def text_from_parts(parts: Any) -> tuple[str, list[Problem]]:
    """``workbook.md`` from the page's parts, and the problems found reading its fields."""
    if not isinstance(parts, list):
        raise EditError("parts must be a list.")
    problems: list[Problem] = []
    built: list[Part] = []
    for item in parts:
        if not isinstance(item, dict):
            raise EditError("each part is an object.")
        kind = item.get("type")
        if kind == "text":
            name = _optional_name(item.get("name"), "a cell name")
            built.append(Text(_string(item.get("text", ""), "text").strip("\n"), name))
        elif kind == "task":
            built.append(task_from_form(item, problems))
        elif kind == "code":
            built.append(
                Code(
                    _string(item.get("code", ""), "code"),
                    _optional_name(item.get("name"), "a cell name"),
                    bool(item.get("solution")),
                )
            )
        elif kind == "data":
            show = item.get("show")
            built.append(
                Data(
                    _string(item.get("name"), "a table name"),
                    _string(item.get("file"), "a file"),
                    show if isinstance(show, int) and not isinstance(show, bool) else None,
                    _optional_name(item.get("cell"), "a cell name"),
                )
            )
        elif kind == "rubric":
            built.append(Rubric())
        else:
            raise EditError(f"unknown part type {kind!r}.")
    return dump(WorkbookText(built)), problems


# Locks ------------------------------------------------------------------------------
def locked_keys(workbook: WorkbookText) -> dict[str, set[str]]:
    """Each task id, with its option keys: what students' answers are stored under."""
    found: dict[str, set[str]] = {}
    for task in workbook.tasks:
        task_id = task.fields.get("id")
        if isinstance(task_id, str):
            options = task.fields.get("options")
            found[task_id] = set(options) if isinstance(options, dict) else set()
    return found


def lock_problems(before: WorkbookText, after: WorkbookText) -> list[Problem]:
    now = locked_keys(after)
    problems = []
    for task_id, keys in locked_keys(before).items():
        if task_id not in now:
            problems.append(
                Problem(
                    f"tasks.{task_id}.id", f"task {task_id!r} is gone or renamed. {LOCK_REASON}"
                )
            )
            continue
        missing = sorted(keys - now[task_id])
        if missing:
            problems.append(
                Problem(
                    f"tasks.{task_id}.options",
                    f"option(s) {', '.join(missing)} are gone or renamed. {LOCK_REASON}",
                )
            )
    return problems


# The rubric's descriptors, edited in place ---------------------------------------------
def rubric_path(root: Path, path: Path) -> Path | None:
    rubric_id = project.read(path).rubric
    if rubric_id is None:
        return None
    found = root / course.RUBRICS_DIRECTORY / f"{rubric_id}.yml"
    return found if found.is_file() else None


def _descriptor_nodes(text: str) -> dict[tuple[str, str], yaml.ScalarNode]:
    """(criterion, level) -> the YAML node of its descriptor, where it is plain text."""
    found: dict[tuple[str, str], yaml.ScalarNode] = {}
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return found
    if not isinstance(document, yaml.MappingNode):
        return found
    criteria = next((v for k, v in document.value if k.value == "criteria"), None)
    if not isinstance(criteria, yaml.SequenceNode):
        return found
    for item in criteria.value:
        if not isinstance(item, yaml.MappingNode):
            continue
        values = {k.value: v for k, v in item.value}
        criterion, descriptors = values.get("id"), values.get("descriptors")
        if isinstance(criterion, yaml.ScalarNode) and isinstance(descriptors, yaml.MappingNode):
            for level, node in descriptors.value:
                if isinstance(node, yaml.ScalarNode):
                    found[(criterion.value, level.value)] = node
    return found


def rubric_form(text: str) -> list[dict[str, Any]]:
    criteria: dict[str, list[list[str]]] = {}
    for (criterion, level), node in _descriptor_nodes(text).items():
        criteria.setdefault(criterion, []).append([level, node.value])
    return [{"id": c, "descriptors": levels} for c, levels in criteria.items()]


def edit_descriptors(text: str, edits: Any) -> str:
    """The rubric file with the descriptors in ``edits`` ({criterion: {level: text}})
    replaced in place: the rest of the file (comments, layout) stays as written."""
    if not isinstance(edits, dict):
        raise EditError("descriptors must be {criterion: {level: text}}.")
    nodes = _descriptor_nodes(text)
    replacements = []
    for criterion, levels in edits.items():
        if not isinstance(levels, dict):
            raise EditError("descriptors must be {criterion: {level: text}}.")
        for level, value in levels.items():
            node = nodes.get((criterion, level))
            if node is None:
                raise EditError(f"the rubric has no descriptor {criterion}/{level}.")
            value = _string(value, "a descriptor").strip()
            if value == node.value:
                continue
            start, end = node.start_mark.index, node.end_mark.index
            tail = "\n" if text[start:end].endswith("\n") else ""
            scalar = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=10_000)
            replacements.append((start, end, scalar.rstrip("\n").removesuffix("\n...") + tail))
    for start, end, scalar in sorted(replacements, reverse=True):
        text = text[:start] + scalar + text[end:]
    return text


# Load, check, save, release ---------------------------------------------------------
def load(root: Path, project_id: str) -> dict[str, Any]:
    path = folder(root, project_id)
    text = builder.source_path(path).read_text(encoding="utf-8")
    try:
        workbook = parse(text)
    except WorkbookTextError as error:
        raise EditError(
            f"{course.TEXT_FILE} cannot be read as parts; fix it in the file first.",
            422,
            error.problems,
        ) from None
    rubric = rubric_path(root, path)
    rubric_text = rubric.read_text(encoding="utf-8") if rubric else ""
    return {
        "project": project_id,
        "text": text,
        "version": version(text),
        "parts": [part_json(part) for part in workbook.parts],
        "released": released(root, project_id),
        "lock_reason": LOCK_REASON,
        "rubric": {
            "file": f"{course.RUBRICS_DIRECTORY}/{rubric.name}" if rubric else None,
            "version": version(rubric_text),
            "criteria": rubric_form(rubric_text),
            "base": rubric_text,
        },
    }


def _new_rubric_text(
    root: Path, path: Path, body: dict[str, Any]
) -> tuple[Path | None, str | None]:
    edits = (body.get("rubric") or {}).get("descriptors") or {}
    rubric = rubric_path(root, path)
    if rubric is None or not edits:
        return rubric, None
    return rubric, edit_descriptors(rubric.read_text(encoding="utf-8"), edits)


def _with_field(problem: Problem) -> dict[str, Any]:
    return {"where": problem.where, "message": problem.message, "line": problem.line}


def check(root: Path, project_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The problems of the edited project, found in a temporary copy; nothing is written."""
    path = folder(root, project_id)
    text, problems = text_from_parts(body.get("parts"))
    rubric, rubric_text = _new_rubric_text(root, path, body)
    general: list[str] = []
    with tempfile.TemporaryDirectory(prefix="careerlab-check-") as scratch:
        copy = Path(scratch) / course.SOURCE_DIRECTORY / project_id
        shutil.copytree(path, copy, symlinks=True)
        for shared in (course.RUBRICS_DIRECTORY, course.PRODUCTS_DIRECTORY):  # builds read them
            if (root / shared).is_dir():
                shutil.copytree(root / shared, Path(scratch) / shared)
        builder.source_path(copy).write_text(text, encoding="utf-8")
        if rubric is not None and rubric_text is not None:
            (Path(scratch) / course.RUBRICS_DIRECTORY / rubric.name).write_text(rubric_text)
        try:
            workbook = parse(text)
        except WorkbookTextError as error:
            problems.extend(error.problems)
        else:
            if released(root, project_id):
                before = parse(builder.source_path(path).read_text(encoding="utf-8"))
                problems.extend(lock_problems(before, workbook))
            found = builder.problems(copy, workbook)
            problems.extend(found)
            if not found:
                try:
                    builder.build(copy, force=True)
                except Exception as error:  # any failure is the teacher's to read, not a 500
                    general.append(f"the notebook could not be built: {error}")
                general.extend(
                    message.replace(scratch, str(root)) for message in check_assignment(copy)
                )
    return {"problems": [_with_field(p) for p in problems], "general": general}


@contextmanager
def _locked(path: Path):
    """One save at a time for this project, across every server on this machine."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _write_atomic(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as writer:
            writer.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _conflict(what: str, base: str, current: str) -> EditError:
    diff = "".join(
        difflib.unified_diff(
            base.splitlines(keepends=True),
            current.splitlines(keepends=True),
            "what you opened",
            "what is saved now",
        )
    )
    return EditError(
        f"{what} was changed by someone else since you opened it; nothing was saved. "
        "Copy your changes, reload the page, and make them again.",
        409,
        diff=diff,
    )


def save(root: Path, project_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Write the edited text (and rubric) if nobody changed them since they were loaded,
    then build the notebook. Problems in the text do not stop the save (the teacher's work
    is kept); they stop the build and the release, and are shown next to their fields."""
    path = folder(root, project_id)
    base = _string(body.get("base"), "base")
    if version(base) != body.get("version"):
        raise EditError("base and version do not match.")
    text, problems = text_from_parts(body.get("parts"))
    try:
        workbook = parse(text)
    except WorkbookTextError as error:
        raise EditError("the text cannot be read back.", 400, error.problems) from None
    source = builder.source_path(path)
    with _locked(path):
        current = source.read_text(encoding="utf-8")
        if version(current) != body["version"]:
            raise _conflict(course.TEXT_FILE, base, current)
        rubric = rubric_path(root, path)
        rubric_text = None
        if rubric is not None and (body.get("rubric") or {}).get("descriptors"):
            now = rubric.read_text(encoding="utf-8")
            if version(now) != body["rubric"].get("version"):
                raise _conflict(f"rubrics/{rubric.name}", body["rubric"].get("base", ""), now)
            rubric_text = edit_descriptors(now, body["rubric"]["descriptors"])
            _check_rubric(root, rubric, rubric_text)
        if released(root, project_id):
            locked = lock_problems(parse(current), workbook)
            if locked:
                raise EditError("refused: " + LOCK_REASON, 409, locked, locked=True)
        _write_atomic(source, text)
        if rubric is not None and rubric_text is not None:
            _write_atomic(rubric, rubric_text)
        built, general = False, []
        problems.extend(builder.problems(path, workbook))
        if not problems:
            try:
                builder.build(path)
                built = True
            except builder.BuildError as error:
                problems.extend(error.problems)
            except builder.HandEdited as error:
                general.append(str(error))
    rubric_now = rubric.read_text(encoding="utf-8") if rubric else ""
    return {
        "saved": True,
        "built": built,
        "text": text,
        "version": version(text),
        "rubric": {"version": version(rubric_now), "base": rubric_now},
        "problems": [_with_field(p) for p in problems],
        "general": general,
    }


def _check_rubric(root: Path, rubric: Path, text: str) -> None:
    from careerlab.rubrics.format import RubricError, load_all

    with tempfile.TemporaryDirectory(prefix="careerlab-rubric-") as scratch:
        copy = Path(scratch) / course.RUBRICS_DIRECTORY
        shutil.copytree(root / course.RUBRICS_DIRECTORY, copy)
        (copy / rubric.name).write_text(text, encoding="utf-8")
        try:
            load_all(copy)
        except RubricError as error:
            problems = [Problem("rubric", p.replace(scratch + "/", "")) for p in error.problems]
            raise EditError(
                "the rubric would not be valid; nothing was saved.", 400, problems
            ) from None


def release(root: Path, project_id: str) -> dict[str, Any]:
    """``careerlab release <id>``, as the command runs it; its result as the teacher reads it."""
    folder(root, project_id)
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(root))
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "careerlab.cli", "release", project_id],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = (result.stdout + result.stderr).replace(str(root) + "/", "")
    return {"released": result.returncode == 0, "output": output.strip()}
