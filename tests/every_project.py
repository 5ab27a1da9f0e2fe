"""Every project in workbooks/ graded once a session, by stock nbgrader and by
``careerlab autograde``, for the tests that compare them (test_fast_grading.py), the
per-project checks (test_projects.py) and the teacher guides' answer keys (test_guides.py):
grading a class is the suite's dearest step.

One class is built for every project (correct, partial, wrong and empty work) and for
the course ``nbgrader quickstart`` makes. Two stock copies grade half the projects each;
the careerlab copy also holds the hostile students of test_fast_grading.py and a student
per project who enters its teacher guide's answer key.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from careerlab import course
from careerlab.guide.page import guide_html
from careerlab.testing.classroom import build_kinds, enroll
from careerlab.testing.simulate import answer
from careerlab.workbook.answers import answers_filename

from .conftest import course_env, make_course, run_app

KINDS = ["correct", "partial", "wrong", "empty"]
# Limits small enough that hostile notebooks fail fast.
TEST_LIMITS = """
c.GradingLimits.cell_timeout = 5
c.GradingLimits.notebook_timeout = 60
c.GradingLimits.memory_mb = 500
c.GradingLimits.output_mb = 2
"""
SECRET = "s3cret-hub-token"
# Each hostile student gets the empty workbook with this cell added after the first one.
HOSTILE = {
    "00-loop": "while True:\n    pass\n",
    "00-stubborn-loop": (
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass\n"
    ),
    "00-memory-hog": "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 * 1024))\n",
    "00-huge-output": "while True:\n    print('spam ' * 100)\n",
    "00-exit": "import os\nos._exit(3)\n",
}


GUIDE_STUDENT = "from-guide"
_GUIDE_KEY = re.compile(r'<script[^>]*\bid="answer-key-data"[^>]*>(.*?)</script>', re.S)


def enter_guide_keys(fast: Path, assignments: list[str], pool: ThreadPoolExecutor) -> dict:
    """Per project, the answer key read back from its rendered teacher guide, entered in the
    released workbook as a student would (in a real kernel) by GUIDE_STUDENT, to be graded in
    the batch with everyone else. A guide that cannot be read or entered is kept as its
    error, for test_guides.py to report; no submission is left for it."""

    def one(name: str) -> tuple[str, object]:
        folder = fast / "submitted" / GUIDE_STUDENT / name
        try:
            found = _GUIDE_KEY.search(guide_html(fast / "workbooks" / name))
            key = json.loads(found.group(1)) if found else {}
            shutil.copytree(fast / "release" / name, folder)
            for notebook, entries in key.items():
                answer(folder / f"{notebook}.ipynb", entries["responses"], code=entries["code"])
        except Exception as error:  # reported by test_guides.py, not a session error
            shutil.rmtree(folder, ignore_errors=True)
            return name, error
        return name, key

    found = dict(pool.map(one, assignments))
    return {
        "keys": {n: k for n, k in found.items() if not isinstance(k, Exception)},
        "errors": {n: repr(k) for n, k in found.items() if isinstance(k, Exception)},
    }


def snoop_code(course_root: Path, victim: Path, source: Path) -> str:
    """A student's cell that tries everything it should not be able to do, and reports.

    It signals with 0 (a permission check that kills nothing), so an unfenced
    machine loses no process."""
    return f"""
import os, pathlib
course = pathlib.Path({str(course_root)!r})
targets = {{
    "gradebook": course / "gradebook.db",
    "other-student": pathlib.Path({str(victim)!r}),
    "source": pathlib.Path({str(source)!r}),
}}
for name, path in targets.items():
    try:
        path.read_bytes()
        print("READ", name)
    except OSError as error:
        print("BLOCKED", name, type(error).__name__)
writes = {{"course": course / "hacked.txt", "tmp": pathlib.Path("/tmp/careerlab-hacked.txt")}}
for name, path in writes.items():
    try:
        path.write_text("hacked")
        print("WROTE", name)
    except OSError as error:
        print("BLOCKED", "write-" + name, type(error).__name__)
try:
    os.kill(os.getppid(), 0)
    print("SIGNALLED warm process")
except OSError as error:
    print("BLOCKED", "signal", type(error).__name__)
print("SECRET", os.environ.get("JUPYTERHUB_API_TOKEN"))
marker = ("### BEGIN " + "HIDDEN TESTS").encode()  # not the marker itself in this cell
files = [p for p in pathlib.Path(".").rglob("*") if p.is_file()]
hidden = [p.name for p in files if marker in p.read_bytes()]
print("HIDDEN-ON-DISK", hidden)
import careerlab.workbook.book
careerlab.workbook.book.Workbook.grade = lambda *args, **kwargs: None  # pass every test, here only
"""


def add_cell(notebook: Path, source: str) -> None:
    nb = nbformat.read(notebook, as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, notebook)


def copy_course(root: Path, name: str) -> Path:
    target = root.parent / name
    shutil.copytree(root, target, symlinks=True)
    return target


def build_class(
    root: Path, source_dir: str, assignments: list[str], pool: ThreadPoolExecutor
) -> None:
    def one(assignment: str) -> None:
        folders = build_kinds(
            root / "release" / assignment,
            root / source_dir / assignment,
            root.parent / "kinds" / assignment,
        )
        enroll(folders, root / "submitted", assignment, {kind: kind for kind in KINDS})

    list(pool.map(one, assignments))


def quickstart(base: Path) -> dict[str, Path]:
    base.mkdir()
    run_app(base, "nbgrader", "quickstart", "course101")
    root = base / "course101"
    run_app(root, "nbgrader", "generate_assignment", "ps1")
    with ThreadPoolExecutor(1) as pool:
        build_class(root, "source", ["ps1"], pool)
    stock, fast = copy_course(root, "stock"), copy_course(root, "fast")
    run_app(stock, "nbgrader", "autograde", "ps1")
    run_app(fast, "careerlab", "autograde", "ps1", "--quiet", "--report", str(base / "report"))
    return {"stock": stock, "fast": fast, "report": base / "report.json"}


@pytest.fixture(scope="session")
def every_project_graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("fast-grading")
    with ThreadPoolExecutor(4) as pool:
        # nbgrader quickstart alone takes ~20 s of subprocesses: run it alongside.
        quick = pool.submit(quickstart, base / "quickstart")
        root = make_course(base / "careerlab" / "course")
        assignments = [a.name for a in course.assignments(root)]
        run_app(root, "nbgrader", "generate_assignment", "*", "--force", "--log-level=ERROR")
        build_class(root, "workbooks", assignments, pool)
        probe = assignments[0]
        # Two stock copies grade half the projects each, at the same time.
        halves = [assignments[0::2], assignments[1::2]]
        stocks = [copy_course(root, f"stock-{i}") for i in range(2)]
        for stock, half in zip(stocks, halves, strict=True):
            for folder in (stock / "submitted").glob("*/*"):
                if folder.name not in half:
                    shutil.rmtree(folder)
        fast = copy_course(root, "fast")
        with open(fast / "jupyter_config.py", "a") as config:
            config.write(TEST_LIMITS)
        garbage = fast / "submitted" / "00-garbage-answers" / probe
        shutil.copytree(root / "release" / probe, garbage)
        for notebook in course.notebooks(garbage):
            (garbage / answers_filename(notebook.stem)).write_bytes(b"\x00\xffgarbage{{{")
        for student, code in HOSTILE.items():
            folder = fast / "submitted" / student / probe
            shutil.copytree(root / "release" / probe, folder)
            add_cell(course.notebooks(folder)[0], code)
        snoop = fast / "submitted" / "00-snoop" / probe
        shutil.copytree(root / "release" / probe, snoop)
        victim = course.notebooks(fast / "submitted" / "correct" / probe)[0]
        source = course.notebooks(fast / "workbooks" / probe)[0]
        add_cell(course.notebooks(snoop)[0], snoop_code(fast, victim, source))
        invalid = fast / "submitted" / "00-invalid-json" / probe
        shutil.copytree(root / "release" / probe, invalid)
        course.notebooks(invalid)[0].write_bytes(b"{ this is not a notebook")
        jobs = [
            pool.submit(
                run_app, stock, "nbgrader", "autograde", "*", "--log-level=ERROR", check=False
            )
            for stock, half in zip(stocks, halves, strict=True)
            if half
        ]
        # The guides' keys are entered, then the careerlab copy graded, meanwhile: the two
        # cores stay busy.
        guides = enter_guide_keys(fast, assignments, pool)
        result = run_fast(fast, {"JUPYTERHUB_API_TOKEN": SECRET})
        for job in jobs:
            job.result()
        return {
            "assignments": assignments,
            "probe": probe,
            "stock": {a: stocks[i % 2] for i, a in enumerate(assignments)},
            "fast": fast,
            "fast_run": result,
            "report": json.loads((fast / "report.json").read_text()),
            "quickstart": quick.result(),
            "guides": guides,
        }


def run_fast(fast: Path, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["careerlab", "autograde", "*", "--quiet", "--report", str(fast / "report")],
        cwd=fast,
        env={**course_env(fast), **extra_env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
