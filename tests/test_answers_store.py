"""The answers store: concurrent writers, a kill during a write, and every kind of bad file."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from careerlab.workbook import answers
from careerlab.workbook.answers import AnswersStore, SaveError, parse_answers


def store_in(folder: Path) -> AnswersStore:
    return AnswersStore(folder / "wb.answers.json", "wb")


def test_save_and_load_round_trip(tmp_path):
    store = store_in(tmp_path)
    store.save("q1", "number", 12.5)
    store.save("q2", "choice", "b", note="kept")
    loaded = store.load()
    assert loaded.problems == []
    assert loaded.entries["q1"]["value"] == 12.5
    assert loaded.entries["q2"]["note"] == "kept"
    document = json.loads(store.path.read_text())
    assert document["schema"] == answers.SCHEMA_VERSION
    assert document["workbook"] == "wb"


def test_saving_one_task_keeps_every_other_task(tmp_path):
    store = store_in(tmp_path)
    store.save("q1", "short_text", "first")
    store.save("q2", "short_text", "second")
    store.save("q1", "short_text", "changed")
    entries = store.load().entries
    assert entries["q1"]["value"] == "changed"
    assert entries["q2"]["value"] == "second"


def test_missing_file_is_simply_empty(tmp_path):
    loaded = store_in(tmp_path).load()
    assert loaded.entries == {} and loaded.problems == [] and not loaded.unreadable


def _writer(path: str, worker: int, rounds: int) -> None:
    store = AnswersStore(path, "wb")
    for i in range(rounds):
        store.save(f"own-{worker}", "number", float(i))
        store.save("shared", "short_text", f"worker {worker} round {i}")


def test_concurrent_writers_lose_no_task(tmp_path):
    """Two tabs (here: six processes) saving at once: every task survives, the
    shared task holds one whole value, and the file is valid throughout."""
    path = str(tmp_path / "wb.answers.json")
    rounds = 40
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, w, rounds)) for w in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    loaded = AnswersStore(path, "wb").load()
    assert loaded.problems == []
    for w in range(6):
        assert loaded.entries[f"own-{w}"]["value"] == float(rounds - 1)
    assert loaded.entries["shared"]["value"].endswith(f"round {rounds - 1}")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


KILL_WRITER = """
import sys
from careerlab.workbook.answers import AnswersStore
store = AnswersStore(sys.argv[1], "wb")
i = 0
print("ready", flush=True)
while True:
    i += 1
    # Large values make each write take long enough to be interrupted.
    store.save("essay", "long_text", "x" * 400_000 + str(i))
"""


def test_a_kill_during_a_write_leaves_a_whole_file(tmp_path):
    store = store_in(tmp_path)
    store.save("kept", "choice", "a")
    for attempt in range(8):
        process = subprocess.Popen(
            [sys.executable, "-c", KILL_WRITER, str(store.path)], stdout=subprocess.PIPE
        )
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(0.05 + attempt * 0.03)  # kill at different points of a write
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        loaded = store.load()
        assert not loaded.unreadable, loaded.problems
        assert loaded.entries["kept"]["value"] == "a"
    # A later save still works even with a killed writer's temp file around.
    store.save("after", "number", 1.0)
    assert store.load().entries["after"]["value"] == 1.0


def test_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    store = store_in(tmp_path)
    store.save("q1", "number", 1.0)
    before = store.path.read_bytes()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(SaveError, match="No space left on device"):
        store.save("q2", "number", 2.0)
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_held_lock_gives_a_plain_message(tmp_path, monkeypatch):
    store = store_in(tmp_path)
    monkeypatch.setattr(answers, "LOCK_TIMEOUT_SECONDS", 0.2)
    with FileLock(str(store.lock_path)):
        with pytest.raises(SaveError, match="Another window is saving"):
            store.save("q1", "number", 1.0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {1: "x"}, object()])
def test_values_that_would_break_the_file_are_refused(tmp_path, value):
    store = store_in(tmp_path)
    with pytest.raises(SaveError):
        store.save("q1", "number", value)
    assert not store.path.exists()


def test_a_bad_task_id_is_refused(tmp_path):
    with pytest.raises(SaveError, match="not a valid task id"):
        store_in(tmp_path).save("../../etc/passwd", "choice", "a")


GOOD_ENTRY = {"kind": "choice", "value": "a"}
BAD_FILES = {
    "not json": (b"{this is not json", "damaged"),
    "empty": (b"", "damaged"),
    "not utf-8": (b"\xff\xfe\x00garbage", "not valid text"),
    "a list": (b"[1, 2, 3]", "does not hold a set of answers"),
    "no schema": (json.dumps({"answers": {}}).encode(), "no valid schema"),
    "schema is true": (json.dumps({"schema": True, "answers": {}}).encode(), "no valid schema"),
    "newer schema": (json.dumps({"schema": 99, "answers": {}}).encode(), "newer CareerLab"),
    "answers a string": (json.dumps({"schema": 1, "answers": "x"}).encode(), "not in the expected"),
    "NaN": (b'{"schema": 1, "answers": {"q": {"kind": "number", "value": NaN}}}', "NaN"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "damaged"),
    "too large": (b" " * (answers.MAX_FILE_BYTES + 10), "too large"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_an_unreadable_file_is_reported_and_never_raises(tmp_path, name):
    data, message = BAD_FILES[name]
    loaded = parse_answers(data)
    assert loaded.unreadable
    assert loaded.entries == {}
    assert any(message in problem for problem in loaded.problems), loaded.problems


def test_bad_entries_are_reported_by_task_and_cost_no_other_answer(tmp_path):
    document = {
        "schema": 1,
        "answers": {
            "good": GOOD_ENTRY,
            "no-value": {"kind": "choice"},
            "not-a-dict": [1, 2],
            "Bad Id!": GOOD_ENTRY,
            "deep": {"kind": "x", "value": [[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]},
        },
    }
    store = store_in(tmp_path)
    store.path.write_text(json.dumps(document))
    loaded = store.load()
    assert not loaded.unreadable
    assert set(loaded.entries) == {"good"}
    text = " ".join(loaded.problems)
    for task in ("no-value", "not-a-dict", "deep"):
        assert f"Task '{task}'" in text
    assert "invalid task id" in text
    # Saving another task leaves even the unusable entries in the file.
    store.save("new", "number", 3.0)
    saved = json.loads(store.path.read_text())["answers"]
    assert saved["no-value"] == {"kind": "choice"} and saved["Bad Id!"] == GOOD_ENTRY
    assert saved["good"] == GOOD_ENTRY and saved["new"]["value"] == 3.0


def test_an_unreadable_file_is_moved_aside_not_overwritten(tmp_path):
    store = store_in(tmp_path)
    store.path.write_bytes(b'{"schema": 1, "answers": {"q1": {"kind": "choice", "val')
    moved = store.save("q2", "choice", "b")
    assert moved is not None and "damaged" in moved
    assert (tmp_path / moved).read_bytes().startswith(b'{"schema": 1, "answers"')
    assert store.load().entries["q2"]["value"] == "b"


def test_a_file_from_a_newer_careerlab_is_kept(tmp_path):
    store = store_in(tmp_path)
    newer = json.dumps({"schema": 2, "answers": {"q1": GOOD_ENTRY}}).encode()
    store.path.write_bytes(newer)
    moved = store.save("q2", "choice", "b")
    assert (tmp_path / moved).read_bytes() == newer
