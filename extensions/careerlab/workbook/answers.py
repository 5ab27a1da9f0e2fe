"""The answers file: where every widget answer a student gives is kept.

One JSON file beside the notebook, ``<workbook>.answers.json``::

    {"schema": 1, "workbook": "first-paycheck",
     "answers": {"gross-pay": {"kind": "number", "value": 496.0,
                               "saved": "2026-11-29T19:30:00+00:00"}}}

Why a file: nbgrader re-executes notebooks in a fresh kernel and clears outputs,
so widget values only reach the grader if the kernel writes them somewhere the
next run can read (see docs/architecture.md).

Rules this module owns:
- A save changes exactly one task, under a lock, and replaces the file
  atomically, so two tabs or a crash can never cost another task's answer.
- The file belongs to the student and may be damaged or hostile. Reading never
  raises: problems come back as plain sentences. A file that cannot be read is
  never written over; the next save first moves it aside as
  ``<name>.damaged-<time>.json`` so a teacher can still recover it.
- Entries this code cannot use (unknown tasks, bad shapes) are reported and left
  in the file untouched.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

SCHEMA_VERSION = 1
# Far above any honest file (a long essay is ~20 kB); refusing bigger files keeps
# a hostile one from eating the kernel's memory.
MAX_FILE_BYTES = 2_000_000
MAX_NESTING = 20
LOCK_TIMEOUT_SECONDS = 10.0
TASK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

ANSWERS_SUFFIX = ".answers.json"
# Patterns of the helper files a save leaves beside the answers file. nbgrader's
# CourseDirectory.ignore lists them so they are never submitted or released.
HELPER_FILE_PATTERNS = ["*.answers.lock", "*.answers.json.*.tmp"]


def answers_filename(workbook_id: str) -> str:
    return f"{workbook_id}{ANSWERS_SUFFIX}"


class SaveError(Exception):
    """A save did not happen; the message says why in plain words."""


@dataclass
class Loaded:
    """What was read from an answers file.

    ``entries`` holds every well-formed entry by task id; ``problems`` holds one
    sentence per thing that could not be used, naming the task where there is one.
    """

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # True when the file exists but could not be used at all: the next save
    # moves it aside instead of writing over it.
    unreadable: bool = False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"the value {name} is not allowed")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, stopping early once past ``limit``."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


def parse_answers(data: bytes) -> Loaded:
    """Parse the bytes of an answers file. Never raises."""
    loaded = Loaded()
    if len(data) > MAX_FILE_BYTES:
        loaded.unreadable = True
        loaded.problems.append(
            f"The answers file is too large ({len(data):,} bytes; the limit is "
            f"{MAX_FILE_BYTES:,}), so it was not read."
        )
        return loaded
    try:
        text = data.decode("utf-8")
        document = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        loaded.unreadable = True
        reason = "it is not valid text" if isinstance(error, UnicodeDecodeError) else str(error)
        loaded.problems.append(f"The answers file is damaged and could not be read ({reason}).")
        return loaded
    if not isinstance(document, dict):
        loaded.unreadable = True
        loaded.problems.append("The answers file does not hold a set of answers.")
        return loaded
    schema = document.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        loaded.unreadable = True
        loaded.problems.append("The answers file has no valid schema version.")
        return loaded
    if schema > SCHEMA_VERSION:
        loaded.unreadable = True
        loaded.problems.append(
            f"The answers file was written by a newer CareerLab (schema {schema}; this one "
            f"reads up to {SCHEMA_VERSION}). Ask your teacher to update CareerLab."
        )
        return loaded
    answers = document.get("answers", {})
    if not isinstance(answers, dict):
        loaded.unreadable = True
        loaded.problems.append("The answers file's list of answers is not in the expected form.")
        return loaded
    for task_id, entry in answers.items():
        if not TASK_ID.match(task_id):
            loaded.problems.append(f"Ignored an answer with an invalid task id {task_id[:80]!r}.")
            continue
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("kind"), str)
            or "value" not in entry
        ):
            loaded.problems.append(
                f"Task '{task_id}': the saved answer is not in the expected form."
            )
            continue
        if _depth(entry, MAX_NESTING) > MAX_NESTING:
            loaded.problems.append(f"Task '{task_id}': the saved answer is nested too deeply.")
            continue
        loaded.entries[task_id] = entry
    return loaded


def _check_json_safe(value: Any) -> None:
    """Refuse values that would make the file unreadable (NaN, sets, objects)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SaveError("A number that is not finite cannot be saved.")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise SaveError("Answer fields must be named with text.")
            _check_json_safe(item)
    elif isinstance(value, list):
        for item in value:
            _check_json_safe(item)
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise SaveError(f"A value of type {type(value).__name__} cannot be saved.")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class AnswersStore:
    """One workbook's answers file."""

    def __init__(self, path: str | os.PathLike[str], workbook_id: str) -> None:
        self.path = Path(path)
        self.workbook_id = workbook_id
        # Hidden, so students do not see it beside their notebook.
        self.lock_path = self.path.with_name("." + self.path.name[: -len(".json")] + ".lock")

    # Reading -----------------------------------------------------------------
    def _read_bytes(self) -> bytes | None:
        try:
            with open(self.path, "rb") as handle:
                # Read one byte past the limit so "too large" is detected
                # without loading a huge file.
                return handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return None

    def load(self) -> Loaded:
        """Read every answer. Never raises; problems come back as sentences."""
        try:
            data = self._read_bytes()
        except OSError as error:
            loaded = Loaded(unreadable=True)
            loaded.problems.append(f"The answers file could not be opened ({error.strerror}).")
            return loaded
        if data is None:
            return Loaded()
        return parse_answers(data)

    # Writing -----------------------------------------------------------------
    def save(self, task_id: str, kind: str, value: Any, **extra: Any) -> str | None:
        """Store one task's answer, keeping every other task as it is on disk.

        Returns the name of the file a damaged answers file was moved aside to,
        if that had to happen. Raises SaveError with a plain message when the
        answer could not be saved; the file on disk is then unchanged.
        """
        if not TASK_ID.match(task_id):
            raise SaveError(f"{task_id!r} is not a valid task id.")
        entry = {"kind": kind, "value": value, **extra}
        _check_json_safe(entry)
        entry["saved"] = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT_SECONDS):
                return self._save_locked(task_id, entry)
        except Timeout as error:
            raise SaveError(
                "Another window is saving this workbook right now. Try again in a moment."
            ) from error
        except OSError as error:
            raise SaveError(
                f"Your answer could not be saved ({error.strerror or error}). "
                "Your earlier answers are safe."
            ) from error

    def _save_locked(self, task_id: str, entry: dict[str, Any]) -> str | None:
        moved_to = None
        document: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "workbook": self.workbook_id,
            "answers": {},
        }
        data = self._read_bytes()
        if data is not None:
            loaded = parse_answers(data)
            if loaded.unreadable:
                moved_to = self._move_aside()
            else:
                current = json.loads(data.decode("utf-8"))
                # Keep every entry exactly as it was, even ones this version
                # cannot use: they are the student's and may matter to someone.
                document["answers"] = current.get("answers", {})
        document["answers"][task_id] = entry
        self._write_atomically(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        return moved_to

    def _move_aside(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path.with_name(f"{self.path.name[: -len('.json')]}.damaged-{stamp}.json")
        os.replace(self.path, target)
        return target.name

    def _write_atomically(self, text: str) -> None:
        directory = self.path.parent
        fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp makes the file private to its owner; give it the mode any
            # new file of the student's gets, as notebooks have.
            os.chmod(temp_name, 0o666 & ~_current_umask())
            os.replace(temp_name, self.path)
        except BaseException:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
            raise
        try:
            dir_fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)
