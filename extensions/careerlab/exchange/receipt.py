"""What a student sees after Submit: when, which notebooks, how many tasks were answered.

nbgrader's Assignment List shows each submission as its ``timestamp`` field alone, set as
plain text (``innerText``), and ``nbgrader submit`` logs the same raw time. Both exchanges
(one machine: ``careerlab.exchange.listing``; JupyterHub: ``careerlab.exchange.hub``) make
a receipt of the submitted copy where the student's own files are, keep it beside the
student's nbgrader cache, and at the very last step of a listing show it in that field.

The count is the workbook's one "answered" rule (``careerlab.workbook.progress``, as
Validate, the grading page and the export count): the copy's read-only cells set up its
tasks with the copy's answers file (``careerlab.showcase.page.workbook_from``). That runs
the notebook's code, so it runs in a child process of the student's own server, with a
time limit, never in the server itself nor in the exchange service. Everything in a receipt
came from the student (file names, counts): it is kept and shown as short plain text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from careerlab import course

RECEIPT_FILE = "careerlab-receipt.json"
COUNT_TIMEOUT_SECONDS = 120
MAX_NAMED = 3  # notebooks named and counted (a workbook has one); the rest as "and N more"
MAX_NAME_CHARS = 60
MAX_TASKS = 1000  # a count above this is not a workbook's
MAX_RECEIPT_BYTES = 20_000


def plain(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """Student-made text as one short line: no control or format characters."""
    kept = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in str(text)).split()
    line = " ".join(kept)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _count_here(folder: Path) -> list[dict[str, Any]]:
    """Runs in the child: per notebook, the tasks answered by the one rule."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from careerlab.showcase.page import workbook_from
    from careerlab.workbook.progress import progress

    rows: list[dict[str, Any]] = []
    for notebook in course.notebooks(folder)[:MAX_NAMED]:
        row: dict[str, Any] = {"notebook": notebook.name}
        try:
            found = progress(workbook_from(notebook, folder).tasks.values())
            row.update(answered=found.answered, total=found.total)
        except Exception:  # not a workbook (or a broken copy): named, not counted
            pass
        rows.append(row)
    return rows


def make_receipt(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The receipt of the work in ``folder`` (the copy as it was submitted)."""
    folder = Path(folder)
    names = [notebook.name for notebook in course.notebooks(folder)]
    counted: dict[str, dict[str, Any]] = {}
    # The counts come back in a file of their own: what the notebook's code prints (a
    # gigabyte, if it likes) goes nowhere, never into this server's memory.
    with tempfile.TemporaryDirectory(prefix="careerlab-receipt-") as scratch:
        out = Path(scratch) / "counts.json"
        try:
            subprocess.run(
                [sys.executable, "-m", "careerlab.exchange.receipt", str(folder), str(out)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=COUNT_TIMEOUT_SECONDS,
                check=True,
                cwd=folder,
            )
            with open(out, "rb") as reader:
                rows = json.loads(reader.read(MAX_RECEIPT_BYTES + 1)[:MAX_RECEIPT_BYTES])
            counted = {row["notebook"]: row for row in rows}
        except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
            pass  # the names still say what was submitted
    return receipt_of(names, counted)


def receipt_of(names: list[str], counted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The first notebooks by name, with their counts where known, and how many more."""
    rows = []
    for name in names[:MAX_NAMED]:
        row = {"notebook": plain(name)}
        answered, total = counted.get(name, {}).get("answered"), counted.get(name, {}).get("total")
        if _is_count(answered) and _is_count(total) and answered <= total:
            row.update(answered=answered, total=total)
        rows.append(row)
    return {"notebooks": rows, "more": max(len(names) - MAX_NAMED, 0)}


def _is_count(value: Any, limit: int = MAX_TASKS) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit


def save_receipt(path: str | os.PathLike[str], receipt: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(receipt), encoding="utf-8")


def read_receipt(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """A kept receipt, or None when there is none or it cannot be used."""
    try:
        with open(path, "rb") as reader:
            receipt = json.loads(reader.read(MAX_RECEIPT_BYTES + 1)[:MAX_RECEIPT_BYTES])
        if isinstance(receipt, dict) and isinstance(receipt.get("notebooks"), list):
            return receipt
    except (OSError, ValueError):
        pass
    return None


def when(timestamp: str) -> str:
    """nbgrader's UTC timestamp as a person reads it, in this computer's time zone."""
    from nbgrader.utils import parse_utc

    try:
        moment = parse_utc(timestamp).astimezone()
    except (ValueError, TypeError, OverflowError):
        return plain(timestamp)
    hour = moment.strftime("%I").lstrip("0")
    return (
        f"{moment:%a}, {moment:%b} {moment.day}, {moment.year} at "
        f"{hour}:{moment:%M:%S %p} {moment.tzname()}"
    )


def what(receipt: dict[str, Any]) -> str:
    """The notebooks submitted, each with its count of answered tasks. A kept receipt is
    the student's file: read again through ``receipt_of``, so it says nothing else."""
    rows = [r for r in receipt.get("notebooks", []) if isinstance(r, dict)]
    names = [str(r.get("notebook", "")) for r in rows]
    checked = receipt_of(names, {str(r.get("notebook", "")): r for r in rows})
    more = receipt.get("more")
    more = more if _is_count(more, limit=10**9) else 0
    shown = []
    for row in checked["notebooks"]:
        count = ""
        if row.get("total"):  # a notebook with no tasks (not a workbook) is only named
            count = f" ({row['answered']} of {row['total']} tasks answered)"
        shown.append(row["notebook"] + count)
    if more + checked["more"]:
        shown.append(f"and {more + checked['more']} more")
    return ", ".join(shown) if shown else "no notebook"


class ShownTime(str):
    """The text the Assignment List shows in a submission's ``timestamp`` field, ordered
    by the raw timestamp: nbgrader's handler sorts the submissions by this field after the
    exchange answered, and the list must stay oldest first."""

    raw: str

    def __new__(cls, text: str, raw: str) -> ShownTime:
        shown = super().__new__(cls, text)
        shown.raw = raw
        return shown

    def __lt__(self, other: object) -> bool:
        return self.raw < getattr(other, "raw", other)

    def __gt__(self, other: object) -> bool:
        return self.raw > getattr(other, "raw", other)


def shown(timestamp: str, receipt: dict[str, Any]) -> ShownTime:
    """What a student reads about one submission (grade 6-8 words, one line)."""
    return ShownTime(f"Turned in {when(timestamp)}: {what(receipt)}", timestamp)


def show_receipts(assignments: list[dict[str, Any]], receipt_of: Any) -> None:
    """nbgrader's listing with each submission's ``timestamp`` shown as its receipt, the
    last step (feedback folders and checks used the raw timestamp before this)."""
    for assignment in assignments:
        for info in assignment.get("submissions", []):
            info["timestamp"] = shown(info["timestamp"], receipt_of(info))


if __name__ == "__main__":
    counts = json.dumps(_count_here(Path(sys.argv[1])))
    Path(sys.argv[2]).write_text(counts, encoding="utf-8")
