"""Hostile submissions in a student's Assignment List (the receipt shown after Submit,
careerlab.exchange.receipt): a notebook that is not JSON, file names full of markup and
line breaks, hundreds of notebooks, a notebook whose set-up never ends, a damaged receipt
and a cached copy whose name is no time. The list still answers, each line is short plain
text, and every file of the copies stays as it was."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest
from nbgrader.coursedir import CourseDirectory

from careerlab.exchange import receipt
from careerlab.exchange.listing import ListBeforeRelease

COURSE, ASSIGNMENT = "careerlab", "ps1"
MARKUP = "<img src=x onerror=alert(1)>\n<b onclick=alert(2)>"  # no "/": file names
MAX_LINE = 400


def set_up_notebook(source: str) -> str:
    """A notebook whose read-only set-up cell runs ``source`` (as a workbook's set-up runs)."""
    cell = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"locked": True, "grade": False, "solution": False}},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def never_ending_notebook() -> str:
    return set_up_notebook("while True:\n    pass")


def copy(cache: Path, stamp: str, files: dict[str, str]) -> Path:
    folder = cache / COURSE / f"ana+{ASSIGNMENT}+{stamp}"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def files_of(cache: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(cache)): p.read_bytes()
        for p in sorted(cache.rglob("*"))
        if p.is_file() and p.name != receipt.RECEIPT_FILE  # the receipts are ours
    }


def test_the_list_answers_with_short_plain_text(tmp_path, monkeypatch):
    monkeypatch.setattr(receipt, "COUNT_TIMEOUT_SECONDS", 5)
    cache = tmp_path / "cache"
    copy(cache, "2026-12-01 09:00:00.000000 UTC", {f"{MARKUP}.ipynb": "not json {{{"})
    many = {f"{MARKUP[:20]}{n:04}.ipynb": "garbage" for n in range(600)}
    copy(cache, "2026-12-01 10:00:00.000000 UTC", many)
    copy(cache, "2026-12-01 11:00:00.000000 UTC", {"stuck.ipynb": never_ending_notebook()})
    damaged = copy(cache, "2026-12-01 12:00:00.000000 UTC", {"ps1.ipynb": "{}"})
    (damaged / receipt.RECEIPT_FILE).write_text("\x00 not a receipt" * 10_000)
    forged = copy(cache, "2026-12-01 13:00:00.000000 UTC", {"ps1.ipynb": "{}"})
    huge = {"notebook": MARKUP * 1000, "answered": 10**100, "total": 10**100}
    (forged / receipt.RECEIPT_FILE).write_text(json.dumps({"notebooks": [huge], "more": 10**50}))
    copy(cache, f"<b>{MARKUP}", {"ps1.ipynb": "{}"})
    before = files_of(cache)

    coursedir = CourseDirectory(course_id=COURSE, student_id="")
    lister = ListBeforeRelease(
        coursedir=coursedir, cached=True, cache=str(cache), root=str(tmp_path / "none")
    )
    [listed] = lister.start()
    lines = [str(s["timestamp"]) for s in listed["submissions"]]

    assert len(lines) == 6
    for line in lines:
        assert len(line) <= MAX_LINE, line
        assert line.isprintable(), repr(line)  # one line: no breaks or control characters
    first, many_line, stuck, fixed, forged_line, nameless = lines
    assert first.startswith("Turned in ")
    assert "<img src=x onerror=alert(1)> <b onclick=alert(2)>" in first  # shown as text
    assert "tasks answered" not in first  # not JSON: named, not counted
    assert many_line.endswith("and 597 more")
    assert stuck.endswith(": stuck.ipynb")  # past the time limit: named, not counted
    assert fixed.endswith(": ps1.ipynb")  # the damaged receipt was made again
    assert receipt.read_receipt(damaged / receipt.RECEIPT_FILE) is not None
    assert "tasks answered" not in forged_line and "more" not in forged_line  # not counts
    assert nameless.startswith("Turned in <b><img src=x") and len(nameless) <= MAX_LINE
    assert files_of(cache) == before  # nothing lost, nothing changed


@pytest.mark.parametrize("text", [MARKUP, "a\u202eb\u0000c\td" * 50, ""])
def test_student_text_becomes_one_short_line(text):
    line = receipt.plain(text)
    assert line.isprintable() and len(line) <= receipt.MAX_NAME_CHARS


def test_what_the_set_up_prints_never_reaches_the_servers_memory(tmp_path):
    """Counting runs the copy's set-up in a child process: 300 MB it writes straight to its
    standard output (past Python's capture) go nowhere, never into the student's server."""
    printing = set_up_notebook("import os\nfor _ in range(300):\n    os.write(1, b'x' * 2**20)")
    folder = copy(tmp_path / "cache", "2026-12-01 09:00:00.000000 UTC", {"ps1.ipynb": printing})
    grown_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    made = receipt.make_receipt(folder)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_before  # KiB
    assert made == {"notebooks": [{"notebook": "ps1.ipynb"}], "more": 0}
    assert grown < 100 * 1024, f"the server grew by {grown // 1024} MB"
