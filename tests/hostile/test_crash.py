"""A grader killed mid-batch loses no grade.

One class (nbgrader's quickstart ps1: two notebooks, nine students, one of whom
handed in only the first notebook) is graded once without interruption: the
reference. Then, each time in a fresh copy, ``careerlab autograde`` is killed with
SIGKILL (a laptop that sleeps for good, a server that restarts) at seeded random
moments, and at moments forced to land inside a gradebook commit, inside the write
of a notebook or the copy of a file into the autograded folder, and inside the
move of a finished folder into place. Right after the kill, each student's
autograded folder must exist only with their complete scores; after a plain rerun,
every score and every autograded notebook must equal the reference, with nobody
skipped who was missing.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbgrader
import pytest

from careerlab.autograde.gradebook import BatchGradebook, one_transaction, shared_engine
from careerlab.testing.classroom import build_kinds, class_kinds, enroll, gradebook_grades

from ..conftest import course_env, run_app

WRAPPER = Path(__file__).with_name("crash_grader.py")
ASSIGNMENT = "ps1"
STUDENTS = {**class_kinds(8), "student-009": "correct"}
ONE_NOTEBOOK = "student-009"  # hands in problem1 only: problem2's zeros come from nbgrader
# Where a killed run may have left a finished folder that was not yet moved into place.
STAGING = ".autograded-in-progress"


def grade(
    root: Path, *extra: str, crash: str = "", kill_after: float = 0.0, count: Path | None = None
) -> tuple[subprocess.CompletedProcess[str] | None, dict[str, Any], float]:
    """Run the grader (through the crash wrapper); return the run, its report and seconds."""
    report = root / f"report-{time.monotonic_ns()}"
    env = course_env(root)
    if crash:
        env["CRASH_AT"] = crash
    if count is not None:
        env["CRASH_COUNT"] = str(count)
    args = [sys.executable, str(WRAPPER), "autograde", ASSIGNMENT, "--quiet"]
    args += ["--report", str(report), *extra]
    started = time.monotonic()
    process = subprocess.Popen(
        args,
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=kill_after or 300)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=60)
    seconds = time.monotonic() - started
    run = subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
    json_report = report.with_suffix(".json")
    return run, (json.loads(json_report.read_text()) if json_report.exists() else {}), seconds


def notebook_view(path: Path) -> Any:
    """An autograded notebook as JSON, without the run's clock times."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable"
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
    return nb


def folder_view(folder: Path) -> dict[str, Any]:
    """Every file of an autograded folder: notebooks as JSON, other files as bytes."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {
        p.relative_to(folder).as_posix(): notebook_view(p)
        if p.suffix == ".ipynb"
        else p.read_bytes()
        for p in files
    }


def state(root: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """Per student: their gradebook rows (grades and total), and their autograded folder."""
    grades = gradebook_grades(root / "gradebook.db") if (root / "gradebook.db").exists() else {}
    rows = {s: {k: v for k, v in grades.items() if k[1] == s} for s in STUDENTS}
    folders = {}
    for student in STUDENTS:
        folder = root / "autograded" / student / ASSIGNMENT
        if folder.is_dir():
            folders[student] = folder_view(folder)
    return rows, folders


@pytest.fixture(scope="module")
def crash_class(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("crash")
    # What `nbgrader quickstart course101` makes, without its five nbgrader runs
    # (half a minute on a busy machine): the user guide's ps1 and the course id.
    pristine = base / "course101"
    shutil.copytree(
        Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide" / "source",
        pristine / "source",
        ignore=shutil.ignore_patterns("*.html", "autotests.yml", "ps1_autotest"),
    )
    (pristine / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "course101"\n'
        'c.IncludeHeaderFooter.header = "source/header.ipynb"\n'
        # ps1 imports nothing: a warm process without pandas and matplotlib starts faster.
        "c.FastAutograde.preload = []\n"
    )
    run_app(pristine, "nbgrader", "generate_assignment", ASSIGNMENT, "--log-level=ERROR")
    kinds = build_kinds(
        pristine / "release" / ASSIGNMENT, pristine / "source" / ASSIGNMENT, base / "kinds"
    )
    enroll(kinds, pristine / "submitted", ASSIGNMENT, STUDENTS)
    (pristine / "submitted" / ONE_NOTEBOOK / ASSIGNMENT / "problem2.ipynb").unlink()
    reference = copy(pristine, base / "reference")
    counts = base / "counts.json"
    run, report, seconds = grade(reference, count=counts)
    assert run.returncode == 0, run.stderr
    assert {o["status"] for o in report["submissions"]} == {"graded"}
    rows, folders = state(reference)
    assert set(folders) == set(STUDENTS)
    # Not vacuous: the class has full, partial and zero scores.
    totals = {s: rows[s][(ASSIGNMENT, s)][0] for s in STUDENTS}
    assert totals["student-001"] > totals["student-002"] > 0 == totals["student-004"], totals
    return {
        "base": base,
        "pristine": pristine,
        "reference": reference,
        "rows": rows,
        "folders": folders,
        "counts": json.loads(counts.read_text()),
        "seconds": seconds,
    }


def copy(root: Path, target: Path) -> Path:
    shutil.copytree(root, target, symlinks=True)
    return target


def check_after_kill(crash_class: dict[str, Any], root: Path) -> set[str]:
    """The invariant right after a kill; returns the students with a finished folder."""
    rows, folders = state(root)
    complete = {s for s in STUDENTS if rows[s] == crash_class["rows"][s]}
    for student, folder in folders.items():
        # A folder is there only with all its scores, and is the reference's, whole.
        assert student in complete, (student, rows[student])
        assert folder == crash_class["folders"][student], student
    for student in complete - set(folders):
        # The one moment both cannot be one step: the scores are committed and the
        # finished folder waits to be moved into place. The rerun grades it again.
        staged = root / STAGING / student / ASSIGNMENT
        assert staged.is_dir(), f"{student}: scores in the gradebook, no autograded folder"
        assert folder_view(staged) == crash_class["folders"][student], student
    assert len(complete - set(folders)) <= 1
    return set(folders)


def check_rerun(
    crash_class: dict[str, Any], root: Path, finished: set[str], *extra: str
) -> dict[str, Any]:
    run, report, _ = grade(root, *extra)
    assert run is not None and run.returncode == 0, run and run.stderr
    status = {o["student"]: o["status"] for o in report["submissions"]}
    expected = "graded" if "--force" in extra else "skipped"
    assert status == {s: expected if s in finished else "graded" for s in STUDENTS}
    rows, folders = state(root)
    assert rows == crash_class["rows"]
    assert folders == crash_class["folders"]
    assert not (root / STAGING).exists() or not any((root / STAGING).rglob("*.ipynb"))
    return report


def kill_and_rerun(
    crash_class: dict[str, Any], name: str, crash: str = "", kill_after: float = 0.0
) -> set[str]:
    root = copy(crash_class["pristine"], crash_class["base"] / name)
    run, _, _ = grade(root, crash=crash, kill_after=kill_after)
    while kill_after and run.returncode == 0:
        # A run faster than the reference (the machine got less busy) finished
        # before its moment came: again, in a fresh copy, killed sooner.
        shutil.rmtree(root)
        root, kill_after = copy(crash_class["pristine"], root), kill_after / 2
        run, _, _ = grade(root, kill_after=kill_after)
    assert run.returncode == -signal.SIGKILL, (name, run.returncode, run.stderr[-2000:])
    finished = check_after_kill(crash_class, root)
    check_rerun(crash_class, root, finished)
    return finished


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_at_a_random_moment(crash_class, seed):
    when = random.Random(seed).uniform(0.2, 0.75) * crash_class["seconds"]
    kill_and_rerun(crash_class, f"random-{seed}", kill_after=when)


@pytest.mark.parametrize(
    ("point", "when"),
    [
        ("commit", "before"),  # the transaction is rolled back
        ("commit", "after"),  # committed, nothing after it ran
        ("write", "half"),  # a notebook half written
        ("copy", "half"),  # a file half copied
        ("rename", "before"),  # scores committed, folder finished, not in place
    ],
)
def test_killed_inside(crash_class, point, when):
    count = crash_class["counts"].get(point, 0)
    assert count > 0, f"the reference run never called {point}"
    seed = f"{point}-{when}"
    n = random.Random(seed).randint(count // 3 + 1, count)
    kill_and_rerun(crash_class, f"{point}-{when}", crash=f"{point}:{n}:{when}")


def test_killed_while_regrading_with_force(crash_class):
    """--force keeps the previous grading in place until the new one is complete."""
    root = copy(crash_class["reference"], crash_class["base"] / "force")
    count = crash_class["counts"]["commit"]
    run, _, _ = grade(root, "--force", crash=f"commit:{count // 2}:after")
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    finished = check_after_kill(crash_class, root)
    assert finished == set(STUDENTS)  # nobody lost a folder or a score
    check_rerun(crash_class, root, finished)  # nothing is missing: everyone is skipped
    # nbgrader's own export lists every student, with the reference's total.
    run_app(root, "nbgrader", "export", "--log-level=ERROR")
    lines = (root / "grades.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    totals = {row["student_id"]: float(row["score"]) for row in rows}
    assert totals == {s: crash_class["rows"][s][(ASSIGNMENT, s)][0] for s in STUDENTS}


def test_a_folder_left_incomplete_is_graded_again(crash_class):
    """A folder another grader left behind (stock nbgrader or an older CareerLab killed
    mid-notebook, or a power cut) counts as graded only with its notebooks readable
    and its scores in the gradebook."""
    root = copy(crash_class["reference"], crash_class["base"] / "legacy")
    no_scores, cut_notebook = "student-002", "student-007"  # partial work, wrong work
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute(
            "UPDATE grade SET auto_score = NULL, needs_manual_grade = 1 WHERE notebook_id IN "
            "(SELECT n.id FROM submitted_notebook n JOIN submitted_assignment a "
            "ON n.assignment_id = a.id WHERE a.student_id = ?)",
            (no_scores,),
        )
    notebook = root / "autograded" / cut_notebook / ASSIGNMENT / "problem2.ipynb"
    notebook.write_bytes(notebook.read_bytes()[:100])
    finished = set(STUDENTS) - {no_scores, cut_notebook}
    check_rerun(crash_class, root, finished)


def test_graded_one_notebook_at_a_time(crash_class):
    """With nbgrader's --notebook (c.CourseDirectory.notebook_id), a notebook counts as
    graded once its file is in the autograded folder, and it is moved there only after
    its scores are committed. Killed, rerun, then the other notebook: the reference."""
    root = copy(crash_class["pristine"], crash_class["base"] / "by-notebook")
    config = root / "nbgrader_config.py"
    settings = config.read_text()
    config.write_text(settings + 'c.CourseDirectory.notebook_id = "problem1"\n')
    # Each submission moves two files into place, jupyter.png then problem1.ipynb:
    # this kill comes just before the fourth submission's notebook.
    run, _, _ = grade(root, crash="rename:8:before")
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    rows, _ = state(root)
    finished = set()
    for student in STUDENTS:
        graded = root / "autograded" / student / ASSIGNMENT / "problem1.ipynb"
        mine = {k: v for k, v in rows[student].items() if k[2:3] == ("problem1",)}
        reference = {
            k: v for k, v in crash_class["rows"][student].items() if k[2:3] == ("problem1",)
        }
        if graded.exists():
            finished.add(student)
            assert mine == reference, student
            assert notebook_view(graded) == crash_class["folders"][student]["problem1.ipynb"]
        elif mine == reference:
            assert (root / STAGING / student / ASSIGNMENT / "problem1.ipynb").exists(), student
    assert 0 < len(finished) < len(STUDENTS), finished
    _, report, _ = grade(root)
    status = {o["student"]: o["status"] for o in report["submissions"]}
    assert status == {s: "skipped" if s in finished else "graded" for s in STUDENTS}
    config.write_text(settings + 'c.CourseDirectory.notebook_id = "problem2"\n')
    _, report, _ = grade(root)
    assert {o["student"] for o in report["submissions"]} == set(STUDENTS) - {ONE_NOTEBOOK}
    assert state(root) == (crash_class["rows"], crash_class["folders"])


def test_one_transaction_commits_once_or_not_at_all(tmp_path):
    """What the record step relies on: nbgrader's commits inside only flush, nothing
    is visible to another connection until the block ends, and an error keeps none."""
    database = tmp_path / "gradebook.db"
    url = f"sqlite:///{database}"

    def visible() -> set[str]:
        with sqlite3.connect(database) as other:
            return {row[0] for row in other.execute("SELECT id FROM student")}

    with shared_engine():
        with BatchGradebook(url) as gradebook:
            gradebook.add_student("kept")  # nbgrader's add_student commits
        with pytest.raises(RuntimeError), one_transaction(url, "default_course"):
            with BatchGradebook(url) as gradebook:
                gradebook.add_student("lost")
            raise RuntimeError("stopped midway")
        with one_transaction(url, "default_course"):
            with BatchGradebook(url) as gradebook:
                gradebook.add_student("first")
            with BatchGradebook(url) as gradebook:
                gradebook.add_student("second")
                assert {s.id for s in gradebook.students} == {"kept", "first", "second"}
            assert visible() == {"kept"}
    assert visible() == {"kept", "first", "second"}
