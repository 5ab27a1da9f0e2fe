"""``careerlab autograde`` that kills itself with SIGKILL at a chosen moment (test-only).

Usage: ``python crash_grader.py autograde ASSIGNMENT ...`` (careerlab's own arguments),
with one of:

- ``CRASH_AT=<point>:<n>:<when>``: on the n-th call of the point, SIGKILL this process
  ``before`` the call, ``after`` it returns, or (``half``, for writes and copies) after
  writing half of the file the call would have written, as a write cut off by a crash.
- ``CRASH_COUNT=<file>``: count the calls of every point and write them there as JSON.

The points are the real functions a grading writes through, patched here, in the test,
so the product carries no fault-injection code:

- ``commit``: SQLAlchemy's commit of a gradebook transaction (the call into SQLite's
  commit; SQLite commits atomically, so before and after bracket every moment inside);
- ``write``: nbconvert's FilesWriter, which writes each sanitized and autograded notebook;
- ``copy``: ``shutil.copy``, which nbgrader uses to copy files into the autograded folder;
- ``rename``: ``os.rename`` / ``os.replace`` (moving a folder or file into place).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbconvert.writers import FilesWriter
from sqlalchemy.engine.default import DefaultDialect

from careerlab import cli

calls: Counter[str] = Counter()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def half_write(point: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Leave what a write cut off in the middle leaves: the first half of the file."""
    if point == "write":
        writer, output, resources = args[:3]
        name = kwargs.get("notebook_name") or (args[3] if len(args) > 3 else "notebook")
        target = Path(writer.build_directory) / (name + resources.get("output_extension", ""))
        data = output.encode() if isinstance(output, str) else output
    elif point == "copy":
        source, target = Path(args[0]), Path(args[1])
        if target.is_dir():
            target = target / source.name
        data = source.read_bytes()
    else:
        raise ValueError(f"{point}: no half write")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data[: len(data) // 2])


def patch(point: str, owner: Any, attr: str, crash: tuple[str, int, str] | None) -> None:
    original: Callable[..., Any] = getattr(owner, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[point] += 1
        hit = crash is not None and crash[0] == point and crash[1] == calls[point]
        if hit and crash[2] == "before":
            die()
        if hit and crash[2] == "half":
            half_write(point, args, kwargs)
            die()
        result = original(*args, **kwargs)
        if hit and crash[2] == "after":
            die()
        return result

    setattr(owner, attr, wrapper)


def main() -> int:
    crash = None
    if os.environ.get("CRASH_AT"):
        point, n, when = os.environ["CRASH_AT"].split(":")
        crash = (point, int(n), when)
    patch("commit", DefaultDialect, "do_commit", crash)
    patch("write", FilesWriter, "write", crash)
    patch("copy", shutil, "copy", crash)
    patch("rename", os, "rename", crash)
    patch("rename", os, "replace", crash)
    if os.environ.get("CRASH_COUNT"):
        counts = Path(os.environ["CRASH_COUNT"])
        atexit.register(lambda: counts.write_text(json.dumps(dict(calls))))
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
