"""The process forked for one notebook: it fences itself in, then runs the cells it is sent.

The grader sends the cells one at a time over the socket, so a hidden test is
in this process only from the moment it is its turn to run; the notebook file
with the tests is never here at all. Messages are length-prefixed JSON both
ways: nothing from this process is ever unpickled by the grader.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

from careerlab.autograde import sandbox
from careerlab.autograde.limits import Limits
from careerlab.autograde.shell import CellRunner, GradingShell, Recorder

_HEADER = struct.Struct("!I")
# Exit codes the grader reads (the warm process exits 70 if serve itself fails).
EXIT_OUT_OF_MEMORY = 75


class ProtocolError(Exception):
    """The other side sent something that is not a message."""


def send_message(sock: socket.socket, message: dict[str, Any]) -> None:
    # ASCII JSON: any text a cell printed (lone surrogates included) travels intact.
    data = json.dumps(message, allow_nan=False).encode("ascii")
    sock.sendall(_HEADER.pack(len(data)) + data)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive_message(sock: socket.socket, max_bytes: int) -> dict[str, Any]:
    (size,) = _HEADER.unpack(_receive_exactly(sock, _HEADER.size))
    if size > max_bytes:
        raise ProtocolError(f"a message of {size:,} bytes (the limit is {max_bytes:,})")
    try:
        message = json.loads(_receive_exactly(sock, size).decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"not a message: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a message")
    return message


def _enter_folder(root: Path) -> None:
    work = root / "work"
    temp = root / "tmp"
    temp.mkdir(exist_ok=True)
    os.chdir(work)
    # A kernel started by nbclient has the notebook's folder first on sys.path,
    # so modules submitted beside the notebook import.
    sys.path.insert(0, str(work))
    os.environ["TMPDIR"] = str(temp)
    tempfile.tempdir = str(temp)
    # Set by nbgrader around its autograde pass; notebooks may check it.
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    os.environ["JPY_PARENT_PID"] = str(os.getppid())


def serve(sock: socket.socket, shell: GradingShell, confinement: sandbox.Confinement) -> int:
    """Run one notebook's cells as the grader sends them; returns the exit code."""
    header = receive_message(sock, 1 << 20)
    root = Path(header["root"])
    limits = Limits.from_dict(header["limits"])
    sandbox.clean_environment()
    _enter_folder(root)
    sandbox.capture_fds(root)
    fenced = sandbox.confine(confinement, root)
    sandbox.set_limits(limits.memory_mb, limits.file_mb)
    recorder = Recorder(int(limits.output_mb * 1024 * 1024))
    runner = CellRunner(shell, recorder, limits.timeout_error)
    send_message(sock, {"ready": {"sandbox": fenced}})
    try:
        return _serve_cells(sock, shell, runner, limits)
    except MemoryError:
        # Out of memory in this module's own code: reported as memory-limit.
        return EXIT_OUT_OF_MEMORY


def _serve_cells(
    sock: socket.socket, shell: GradingShell, runner: CellRunner, limits: Limits
) -> int:
    while True:
        try:
            message = receive_message(sock, 64 << 20)
        except (EOFError, ProtocolError):
            return 0
        if "cell" not in message:
            # Like a kernel shutting down: drop the notebook's objects so open
            # files are flushed and closed, then say goodbye.
            shell.user_ns.clear()
            gc.collect()
            send_message(sock, {"bye": True})
            return 0
        if "report" in message:  # a CareerLab test: the grader judges it (grading.keys)
            result = runner.report(int(message["cell"]), message["report"], limits.cell_timeout)
        else:
            result = runner.run(int(message["cell"]), str(message["source"]), limits.cell_timeout)
        send_message(sock, {"result": result})
        if result["stop"]:
            return 0
