"""Hostile files in a submission: links (file and folder) to the gradebook, the answer
key, a classmate's work or a device, named pipes, sockets, device nodes, files over
the size limit, and a student id that breaks the course's rule.

One course (first-paycheck). The hostile submissions are put in the exchange and
collected with ``nbgrader collect`` (CareerLab's SafeCollect), then the same
folders are placed straight into ``submitted/`` (as by hand or zip_collect) and
graded by ``careerlab autograde`` and stock ``nbgrader autograde``. Each must be
refused with a reason naming the file, nothing of it opened; the classmate is
collected and graded as usual.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from careerlab.testing.classroom import gradebook_grades
from careerlab.workbook.answers import answers_filename

from ..conftest import course_env
from .conftest import Paycheck, grade_both, paycheck_course

ASSIGNMENT = "first-paycheck"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ANSWERS = answers_filename(ASSIGNMENT)
STAMP = "2026-11-30 10:00:00.000000 UTC"
# Small enough to test, large enough for a real submission (nbgrader counts kilobytes).
SIZE_CONFIG = "\nc.CourseDirectory.max_file_size = 300\nc.CourseDirectory.max_dir_size = 2000\n"

Plant = Callable[[Path, Path, Path], None]  # (submission folder, course root, victim folder)


def _link(name: str, target: Callable[[Path, Path], Path]) -> Plant:
    def plant(folder: Path, root: Path, victim: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target(root, victim))

    return plant


def _fifo(folder: Path, root: Path, victim: Path) -> None:
    os.mkfifo(folder / "pipe")


def _socket(folder: Path, root: Path, victim: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    server.close()  # the socket file stays


def _device(folder: Path, root: Path, victim: Path) -> None:
    os.mknod(folder / "zero", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero


def _large(folder: Path, root: Path, victim: Path) -> None:
    (folder / "video.bin").write_bytes(b"x" * 400_000)


# student -> (what is planted, the word the reason's detail must hold)
HOSTILE: dict[str, tuple[Plant, str]] = {
    "link-gradebook": (_link("notes.txt", lambda r, v: r / "gradebook.db"), "symbolic link"),
    "link-key": (
        _link("key.yml", lambda r, v: r / "workbooks" / ASSIGNMENT / "solutions.yml"),
        "symbolic link",
    ),
    "link-classmate": (_link(ANSWERS, lambda r, v: v / ANSWERS), "symbolic link"),
    "link-notebook": (_link(NOTEBOOK, lambda r, v: v / NOTEBOOK), "symbolic link"),
    "link-folder": (_link("data", lambda r, v: r / "workbooks"), "symbolic link"),
    "link-deep": (_link("sub/inner/passwd", lambda r, v: Path("/etc/passwd")), "symbolic link"),
    "link-dev-zero": (_link("big.bin", lambda r, v: Path("/dev/zero")), "symbolic link"),
    "fifo": (_fifo, "named pipe"),
    "socket": (_socket, "socket"),
    "device": (_device, "character device"),
    "too-large": (_large, "video.bin"),
}
REASONS = {"too-large": "too-large"}  # every other student: unsafe-file


def _plant_all(base: Path, work: Path, root: Path, victim: Path) -> dict[str, Path]:
    folders = {}
    for student, (plant, _) in HOSTILE.items():
        folder = base / student
        shutil.copytree(work, folder)
        plant(folder, root, victim)
        folders[student] = folder
    return folders


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory, paycheck: Paycheck) -> dict:
    base = tmp_path_factory.mktemp("submission-files")
    root = paycheck_course(paycheck, base / "course", SIZE_CONFIG)
    return {"base": base, "root": root, "kinds": paycheck.kinds}


@pytest.fixture(scope="module")
def collected(course: dict) -> dict:
    root, kinds = course["root"], course["kinds"]
    inbound = root / "exchange" / "careerlab" / "inbound"
    inbound.mkdir(parents=True)

    def entry(student: str) -> Path:
        return inbound / f"{student}+{ASSIGNMENT}+{STAMP}"

    victim = entry("classmate")
    shutil.copytree(kinds["correct"], victim)
    for student, folder in _plant_all(
        course["base"] / "inbound", kinds["empty"], root, victim
    ).items():
        shutil.move(folder, entry(student))
    shutil.copytree(kinds["correct"], entry("bad id"))
    shutil.copytree(kinds["correct"], inbound / f"odd+{ASSIGNMENT}+not a time")
    for folder in inbound.iterdir():
        (folder / "timestamp.txt").write_text(STAMP)
    before = {p.name: sorted(os.listdir(p)) for p in inbound.iterdir()}
    # A FIFO or device opened by mistake would block or never end: a short timeout.
    result = subprocess.run(
        ["nbgrader", "collect", ASSIGNMENT],
        cwd=root,
        env=course_env(root),
        capture_output=True,
        text=True,
        timeout=120,
    )
    after = {p.name: sorted(os.listdir(p)) for p in inbound.iterdir()}
    return {"result": result, "root": root, "before": before, "after": after}


def test_collect_finishes_and_takes_the_classmate(collected: dict) -> None:
    assert collected["result"].returncode == 0, collected["result"].stderr[-3000:]
    submitted = collected["root"] / "submitted"
    assert (submitted / "classmate" / ASSIGNMENT / ANSWERS).is_file()
    assert sorted(p.name for p in submitted.iterdir()) == ["classmate"]
    assert collected["before"] == collected["after"]  # nothing in the exchange was touched


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_collect_refuses_each_unsafe_submission(collected: dict, student: str) -> None:
    log = collected["result"].stderr
    reason = REASONS.get(student, "unsafe-file")
    lines = [line for line in log.splitlines() if f"by '{student}' ({reason})" in line]
    assert lines, log[-3000:]
    assert HOSTILE[student][1] in lines[0]


def test_collect_refuses_a_bad_student_id(collected: dict) -> None:
    assert "by 'bad id' (bad-student-id)" in collected["result"].stderr


def test_collect_refuses_a_bad_folder_name_alone(collected: dict) -> None:
    # nbgrader's collect stopped for the whole class at a name it could not parse.
    assert "by 'odd' (bad-submission-name)" in collected["result"].stderr


@pytest.fixture(scope="module")
def autograded(course: dict, collected: dict) -> dict:
    """The hostile folders placed straight into submitted/, graded by both graders."""
    root, kinds = course["root"], course["kinds"]
    stock = course["base"] / "stock"
    # The exchange and submitted/ hold pipes and devices: never copied, built in each.
    shutil.copytree(root, stock, ignore=shutil.ignore_patterns("exchange", "submitted"))
    for course_root in (root, stock):
        submitted = course_root / "submitted"
        victim = submitted / "classmate" / ASSIGNMENT
        if not victim.exists():  # the collect tests check collect; these need the classmate
            shutil.copytree(kinds["correct"], victim)
        placed = _plant_all(
            course["base"] / f"placed-{course_root.name}", kinds["empty"], course_root, victim
        )
        for student, folder in placed.items():
            (submitted / student).mkdir(exist_ok=True)
            if (submitted / student / ASSIGNMENT).exists():  # let in by an unsafe collect
                shutil.rmtree(submitted / student / ASSIGNMENT)
            os.rename(folder, submitted / student / ASSIGNMENT)
        # The submission folder itself a link to the classmate's.
        (submitted / "link-submission").mkdir()
        (submitted / "link-submission" / ASSIGNMENT).symlink_to(victim)
    runs = grade_both(root, stock, course["base"] / "report")
    return {
        "root": root,
        "stock": stock,
        "stock_log": runs.stock.stderr,
        "fast_output": runs.fast.stdout + runs.fast.stderr,
        "outcomes": {o["student"]: o for o in runs.outcomes},
        "fast_grades": gradebook_grades(root / "gradebook.db"),
        "stock_grades": gradebook_grades(stock / "gradebook.db"),
    }


@pytest.mark.parametrize("student", [*sorted(HOSTILE), "link-submission"])
def test_careerlab_autograde_refuses_before_copying(autograded: dict, student: str) -> None:
    outcome = autograded["outcomes"][student]
    assert outcome["status"] == "failed", outcome
    assert outcome["reason"] == REASONS.get(student, "unsafe-file"), outcome
    assert HOSTILE.get(student, (None, "symbolic link"))[1] in outcome["detail"]
    # Nothing of it was copied into the autograded folder.
    assert not (autograded["root"] / "autograded" / student).exists()


def test_careerlab_autograde_grades_the_classmate(autograded: dict) -> None:
    assert autograded["outcomes"]["classmate"]["status"] == "graded"
    score = autograded["fast_grades"][(ASSIGNMENT, "classmate")][0]
    assert score == autograded["stock_grades"][(ASSIGNMENT, "classmate")][0] > 0


@pytest.mark.parametrize("student", [*sorted(HOSTILE), "link-submission"])
def test_stock_autograde_grades_without_the_unsafe_entries(autograded: dict, student: str) -> None:
    stock = autograded["stock"]
    placed = stock / "submitted" / student / ASSIGNMENT
    assert f"{placed} ({REASONS.get(student, 'unsafe-file')}): " in autograded["stock_log"]
    # Everything unsafe was moved aside, not opened; nothing of it reached autograded/.
    assert Path(f"{placed}.refused").exists() or Path(f"{placed}.refused").is_symlink()
    out = stock / "autograded" / student / ASSIGNMENT
    for path in out.rglob("*") if out.exists() else []:
        assert not path.is_symlink() and (path.is_dir() or path.is_file())
        if path.is_file():
            assert path.stat().st_size < 300_000
    # The classmate's answers never score for this student.
    grades = autograded["stock_grades"]
    if (ASSIGNMENT, student) in grades:
        assert grades[(ASSIGNMENT, student)][0] < grades[(ASSIGNMENT, "classmate")][0]
