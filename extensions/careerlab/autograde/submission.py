"""The unit of work: one submission in, its executed cells out, as plain data.

``grade_submission(job)`` takes a ``Job`` (the notebooks as nbgrader's sanitize
pass left them, the submission's other files as bytes, the limits) and returns
a ``Result`` (each executed cell's outputs, or why the submission failed, and
the files the notebooks changed). It touches no gradebook and no course folder,
so a cluster can run it anywhere a warm process runs; ``Job.to_dict`` and
``Result.to_dict`` are JSON-ready for sending it there.

Each notebook runs in its own process, forked from the warm process, in a
private folder holding only this submission's files. Everything that comes back
from that process is treated as untrusted data and checked here.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from careerlab.autograde.child import (
    EXIT_OUT_OF_MEMORY,
    ProtocolError,
    receive_message,
    send_message,
)
from careerlab.autograde.keys import (
    DeclaredCheck,
    declared_checks,
    judged_outputs,
    report_request,
    shown_kinds,
)
from careerlab.autograde.limits import Limits
from careerlab.autograde.warm import WarmProcess, WarmProcessError
from careerlab.sanitize import output_metadata

# Reasons a submission fails; docs/grading.md explains each to teachers.
FAILURES = {
    "notebook-timeout": "The notebook ran longer than the time limit for a whole notebook.",
    "cell-timeout": "A cell ran past its time limit and could not be interrupted.",
    "memory-limit": "The notebook used more memory than the limit.",
    "output-limit": "The notebook printed or displayed more than the output limit.",
    "exited": "The notebook stopped its own Python process (exit() or similar).",
    "crashed": "The notebook's Python process ended unexpectedly.",
    "invalid-notebook": "A submitted notebook is not a notebook file nbgrader can read.",
    "grader-error": "The grader itself could not finish this submission.",
    "bad-student-id": "The submission's folder name is not a valid student id; not graded.",
    "unsafe-file": "The submission holds a link or special file; it was not opened or graded.",
    "too-large": "The submission is over nbgrader's size limits; it was not copied or graded.",
}
# Notes on a submission that was graded all the same.
NOTES = {
    "cell-timeout": "A cell ran past its time limit; as in nbgrader, it was interrupted "
    "(CellTimeoutError) and the notebook went on.",
    "answers-file": "The student's answers file has problems; the notebook shows them.",
    "missing-notebook": "A notebook of the assignment was not submitted; its tests score zero.",
    "files-limit": "The notebook wrote more files than the grader keeps; the rest were dropped.",
    "cell-metadata": "The student changed locked or test cells (or tags that change what runs); "
    "they were graded as the author wrote them.",
}
_MIME_TEXT_SUFFIXES = ("json",)


@dataclass
class NotebookJob:
    name: str  # the notebook's id: its file name without .ipynb
    notebook: dict[str, Any]  # nbformat 4 JSON, after nbgrader's sanitize pass


@dataclass
class Job:
    student: str
    assignment: str
    notebooks: list[NotebookJob]
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> content
    limits: Limits = field(default_factory=Limits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "assignment": self.assignment,
            "notebooks": [asdict(n) for n in self.notebooks],
            "files": {k: base64.b64encode(v).decode("ascii") for k, v in self.files.items()},
            "limits": self.limits.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        return cls(
            student=data["student"],
            assignment=data["assignment"],
            notebooks=[NotebookJob(**n) for n in data["notebooks"]],
            files={k: base64.b64decode(v) for k, v in data.get("files", {}).items()},
            limits=Limits.from_dict(data.get("limits", {})),
        )


@dataclass
class CellResult:
    index: int
    execution_count: int | None
    outputs: list[dict[str, Any]]
    started: str = ""
    finished: str = ""


@dataclass
class NotebookResult:
    name: str
    ok: bool
    cells: list[CellResult] = field(default_factory=list)
    reason: str = ""
    detail: str = ""
    seconds: float = 0.0
    sandbox: str = ""


@dataclass
class Note:
    reason: str
    detail: str


@dataclass
class Result:
    student: str
    assignment: str
    ok: bool
    notebooks: list[NotebookResult] = field(default_factory=list)
    reason: str = ""
    detail: str = ""
    notes: list[Note] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # written or changed by the notebooks
    deleted: list[str] = field(default_factory=list)  # job files the notebooks removed
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = {k: base64.b64encode(v).decode("ascii") for k, v in self.files.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        notebooks = [
            NotebookResult(**{**n, "cells": [CellResult(**c) for c in n["cells"]]})
            for n in data.get("notebooks", [])
        ]
        return cls(
            **{
                **data,
                "notebooks": notebooks,
                "notes": [Note(**n) for n in data.get("notes", [])],
                "files": {k: base64.b64decode(v) for k, v in data.get("files", {}).items()},
            }
        )


# --- Checking what the child sent ---------------------------------------------------------
class _BadOutput(ValueError):
    pass


def _text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if not isinstance(value, str):
        raise _BadOutput("text expected")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def _bundle(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _BadOutput("a mime bundle must be a mapping")
    bundle = {}
    for mime, value in data.items():
        if not isinstance(mime, str) or "/" not in mime:
            raise _BadOutput("bad mime type")
        # JSON mime types carry structured data; every other type is text.
        bundle[mime] = value if mime.endswith(_MIME_TEXT_SUFFIXES) else _text(value)
    return bundle


def _output(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _BadOutput("an output must be a mapping")
    kind = raw.get("output_type")
    if kind == "stream":
        if raw.get("name") not in ("stdout", "stderr"):
            raise _BadOutput("bad stream name")
        return {"output_type": "stream", "name": raw["name"], "text": _text(raw.get("text"))}
    if kind in ("display_data", "execute_result"):
        metadata = raw.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise _BadOutput("metadata must be a mapping")
        output = {
            "output_type": kind,
            "data": _bundle(raw.get("data")),
            "metadata": output_metadata(metadata),  # careerlab.sanitize: markup in sizes
        }
        if kind == "execute_result":
            count = raw.get("execution_count")
            if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
                raise _BadOutput("bad execution count")
            output["execution_count"] = count
        return output
    if kind == "error":
        traceback = raw.get("traceback")
        if not isinstance(traceback, list):
            raise _BadOutput("a traceback must be a list")
        return {
            "output_type": "error",
            "ename": _text(raw.get("ename")),
            "evalue": _text(raw.get("evalue")),
            "traceback": [_text(line) for line in traceback],
        }
    raise _BadOutput(f"unknown output type {str(kind)[:40]!r}")


def _outputs(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raw = [raw]
    outputs = []
    for item in raw:
        try:
            outputs.append(_output(item))
        except _BadOutput as problem:
            # Only a tampered-with process sends these; an error keeps the cell
            # from ever counting as passed.
            outputs.append(
                {
                    "output_type": "error",
                    "ename": "GraderError",
                    "evalue": f"The grader received an output it could not read ({problem}).",
                    "traceback": [],
                }
            )
    return outputs


# --- Running one notebook ---------------------------------------------------------------
def _code_cells(notebook: dict[str, Any]) -> list[tuple[int, str]]:
    """The cells nbclient executes: code cells with source, not tagged skip-execution."""
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        tags = cell.get("metadata", {}).get("tags", [])
        if not source.strip() or "skip-execution" in tags:
            continue
        cells.append((index, source))
    return cells


def _declared_test(notebook: dict[str, Any], index: int, source: str) -> list[DeclaredCheck] | None:
    """The ``wb.grade`` checks of a test cell, judged here rather than in the student's
    process (careerlab.autograde.keys); None for any other cell."""
    meta = notebook["cells"][index].get("metadata", {}).get("nbgrader", {})
    return declared_checks(source) if meta.get("grade") else None


def _describe_exit(status: int | None) -> str:
    if status is None:
        return "it stopped answering"
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        name = signal.Signals(-code).name
        if -code == signal.SIGKILL:
            return f"it was killed ({name}); the computer may have run out of memory"
        return f"it was ended by the signal {name}"
    return f"it exited with code {code}"


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _cell(index: int, raw: dict[str, Any]) -> CellResult:
    count = raw.get("execution_count")
    return CellResult(
        index=index,
        execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        outputs=_outputs(raw.get("outputs")),
        started=str(raw.get("started", ""))[:40],
        finished=str(raw.get("finished", ""))[:40],
    )


def _receive(sock: socket.socket, timeout: float, max_bytes: int) -> dict[str, Any]:
    sock.settimeout(max(timeout, 0.001))
    return receive_message(sock, max_bytes)


def run_notebook(
    warm: WarmProcess, root: Path, job: NotebookJob, limits: Limits
) -> tuple[NotebookResult, list[Note]]:
    started = time.monotonic()
    deadline = started + limits.notebook_timeout
    result = NotebookResult(name=job.name, ok=True)
    notes: list[Note] = []
    by_index: dict[int, CellResult] = {}
    max_bytes = int(limits.output_mb * 1024 * 1024 * 2) + (16 << 20)

    def fail(reason: str, detail: str) -> None:
        result.ok, result.reason, result.detail = False, reason, detail

    try:
        sock, pid = warm.fork()
    except WarmProcessError as error:
        fail("grader-error", str(error))
        return result, notes
    reaped = False

    def ended(where: str) -> None:
        """The process ended without answering: why, from its exit status."""
        nonlocal reaped
        reaped = True
        # Its exit status first (killing it now could hide how it ended).
        status = warm.exit_status(pid, timeout=2.0)
        if status is None:
            _kill(pid)
            status = warm.exit_status(pid)
        if status is not None and os.waitstatus_to_exitcode(status) == EXIT_OUT_OF_MEMORY:
            fail(
                "memory-limit", f"{where}, the notebook ran out of memory ({limits.memory_mb} MB)."
            )
        else:
            fail("crashed", f"{where}, {_describe_exit(status)}.")

    try:
        send_message(sock, {"root": str(root), "limits": limits.to_dict()})
        try:
            ready = _receive(sock, min(30.0, deadline - time.monotonic()), 1 << 20)
            result.sandbox = str(ready.get("ready", {}).get("sandbox", ""))
        except (EOFError, OSError, ProtocolError):
            ended("Before the first cell")
            return result, notes
        kinds = shown_kinds(job.notebook)
        for index, source in _code_cells(job.notebook):
            checks = _declared_test(job.notebook, index, source)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                fail(
                    "notebook-timeout",
                    f"The notebook ran longer than {limits.notebook_timeout:g} s.",
                )
                break
            wait = min(limits.cell_timeout + limits.kill_grace, remaining)
            try:
                if checks:  # the key stays here: only where to look is sent
                    send_message(sock, {"cell": index, "report": report_request(checks)})
                else:
                    send_message(sock, {"cell": index, "source": source})
                message = _receive(sock, wait, max_bytes)
            except TimeoutError:
                if wait >= remaining:
                    fail(
                        "notebook-timeout",
                        f"The notebook ran longer than {limits.notebook_timeout:g} s "
                        f"(stopped in cell {index}).",
                    )
                else:
                    fail(
                        "cell-timeout",
                        f"Cell {index} ran past {limits.cell_timeout:g} s and ignored the "
                        "interruption, so its process was stopped.",
                    )
                break
            except (EOFError, OSError):
                ended(f"While running cell {index}")
                break
            except ProtocolError as problem:
                fail("crashed", f"While running cell {index}, the process sent {problem}.")
                break
            raw = message.get("result")
            if not isinstance(raw, dict) or raw.get("index") != index:
                fail("crashed", f"While running cell {index}, the process sent no result.")
                break
            cell = _cell(index, raw)
            if checks:
                cell.outputs = judged_outputs(checks, raw.get("report"), kinds)
            by_index[index] = cell
            result.cells.append(cell)
            # display(..., display_id=...).update() may change earlier cells.
            updated = raw.get("updated")
            for key, outputs in (updated if isinstance(updated, dict) else {}).items():
                earlier = by_index.get(int(key)) if str(key).isdigit() else None
                if earlier is not None:
                    earlier.outputs = _outputs(outputs)
            if raw.get("timed_out"):
                notes.append(
                    Note(
                        "cell-timeout",
                        f"{job.name}: cell {index} ran past {limits.cell_timeout:g} s.",
                    )
                )
            stop = raw.get("stop")
            if stop:
                detail = {
                    "output-limit": f"Cell {index} took the output past {limits.output_mb:g} MB.",
                    "memory-limit": f"Cell {index} ran out of memory ({limits.memory_mb} MB).",
                    "exited": f"Cell {index} stopped the notebook's process.",
                }.get(str(stop))
                if detail is None:
                    fail("crashed", f"Cell {index} stopped for an unknown reason.")
                else:
                    fail(str(stop), detail)
                break
        else:
            # Let the process end on its own, as a kernel is shut down: files the
            # notebook left open are flushed when its objects go away.
            with contextlib.suppress(EOFError, OSError, ProtocolError):
                send_message(sock, {"done": True})
                _receive(sock, min(5.0, max(deadline - time.monotonic(), 0.1)), 1 << 20)
    finally:
        _kill(pid)  # the process, if still running, and anything it started in its group
        sock.close()
        if not reaped:
            warm.release(pid)
        result.seconds = round(time.monotonic() - started, 3)
    return result, notes


# --- Files ------------------------------------------------------------------------------
def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise ValueError(f"not a relative path inside the submission: {name!r}")
    return path


def _write_files(work: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = work / _safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _read_regular(path: Path, limit: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


def _collect_files(
    work: Path, given: dict[str, bytes], skip_suffixes: tuple[str, ...], limit: int
) -> tuple[dict[str, bytes], list[str], bool]:
    """Regular files the notebooks wrote or changed, and job files they removed."""
    changed: dict[str, bytes] = {}
    total = 0
    dropped = False
    seen: set[str] = set()
    for folder, _, names in os.walk(work, followlinks=False):
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(work).as_posix()
            seen.add(relative)
            if relative.endswith(skip_suffixes):
                continue
            data = _read_regular(path, limit)
            if data is None or given.get(relative) == data:
                continue
            if total + len(data) > limit:
                dropped = True
                continue
            total += len(data)
            changed[relative] = data
    deleted = sorted(name for name in given if name not in seen)
    return changed, deleted, dropped


def _remove_tree(root: Path) -> None:
    def retry(function: Any, path: str, _: Any) -> None:
        # The notebook may have taken permissions away from its own files.
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            function(path)

    shutil.rmtree(root, onerror=retry)


# --- The unit of work -----------------------------------------------------------------
_default_warm: WarmProcess | None = None
_default_lock = threading.Lock()


def default_warm() -> WarmProcess:
    """This machine's warm process, started on first use."""
    global _default_warm
    with _default_lock:
        if _default_warm is None:
            _default_warm = WarmProcess()
        return _default_warm


def grade_submission(job: Job, warm: WarmProcess | None = None) -> Result:
    """Execute one submission's notebooks, each in a fresh sandboxed process."""
    warm = warm or default_warm()
    started = time.monotonic()
    result = Result(student=job.student, assignment=job.assignment, ok=True)
    root = Path(tempfile.mkdtemp(prefix="careerlab-grading-"))
    try:
        work = root / "work"
        work.mkdir()
        try:
            _write_files(work, job.files)
        except (ValueError, OSError) as error:
            result.ok, result.reason, result.detail = False, "grader-error", str(error)
            return result
        for notebook in job.notebooks:
            ran, notes = run_notebook(warm, root, notebook, job.limits)
            result.notebooks.append(ran)
            result.notes.extend(notes)
            if not ran.ok:
                # nbgrader, too, gives up on the whole submission when one
                # notebook cannot be graded.
                result.ok, result.reason = False, ran.reason
                result.detail = f"{notebook.name}: {ran.detail}"
                break
        if result.ok:
            limit = job.limits.file_mb * 1024 * 1024
            result.files, result.deleted, dropped = _collect_files(
                work, job.files, (".ipynb",), limit
            )
            if dropped:
                result.notes.append(
                    Note(
                        "files-limit",
                        f"The notebooks wrote more than {job.limits.file_mb} MB of files.",
                    )
                )
    finally:
        _remove_tree(root)
        result.seconds = round(time.monotonic() - started, 3)
    return result
