"""A course that renames nbgrader's folders and has its own course id (as each course on
JupyterHub does) is graded, shown and exported from its own folders and gradebook rows.

One course copy is built once: coffee-site, with jupyter_config.py naming the course
"cte-101" and its submitted, autograded and feedback folders "handed-in", "graded" and
"returned". Two students' work is autograded with `careerlab autograde`; a third is
collected after it. Tests that write grade their own copy of it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from careerlab import course as layout
from careerlab.catalog import page as catalog_page
from careerlab.district.export import collect
from careerlab.feedback import read_rubric_data
from careerlab.grading_page import data, render
from careerlab.showcase.page import showcase_html
from careerlab.testing.classroom import build_kinds, enroll

from .conftest import BIN, make_course, only_coffee_site, run_app

ASSIGNMENT = "coffee-site"
COURSE_ID = "cte-101"
HANDED_IN, GRADED, RETURNED = "handed-in", "graded", "returned"
RENAMED = f"""
# A course on JupyterHub: its own id and its own folder names.
c.CourseDirectory.course_id = "{COURSE_ID}"
c.CourseDirectory.submitted_directory = "{HANDED_IN}"
c.CourseDirectory.autograded_directory = "{GRADED}"
c.CourseDirectory.feedback_directory = "{RETURNED}"
"""
CRITERION = "market-analysis"


NBGRADER_DEFAULT = "default_course"  # nbgrader's own preprocessors open Gradebook(db_url)


def course_ids(root: Path) -> tuple[set[str], set[str]]:
    """(every course in the gradebook but nbgrader's default, every course its assignments
    belong to)."""
    with sqlite3.connect(root / "gradebook.db") as connection:
        courses = {row[0] for row in connection.execute("SELECT id FROM course")}
        courses.discard(NBGRADER_DEFAULT)
        owners = {row[0] for row in connection.execute("SELECT course_id FROM assignment")}
    return courses, owners


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("renamed") / "course")
    only_coffee_site(root)
    with (root / "jupyter_config.py").open("a") as config:
        config.write(RENAMED)
    run_app(root, str(BIN / "careerlab"), "release", ASSIGNMENT)
    kinds = build_kinds(
        root / "release" / ASSIGNMENT, root / "workbooks" / ASSIGNMENT, root.parent / "kinds"
    )
    enroll(kinds, root / HANDED_IN, ASSIGNMENT, {"ana": "correct", "ben": "wrong"})
    run_app(root, str(BIN / "careerlab"), "autograde", ASSIGNMENT)
    assert (root / GRADED / "ana" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    enroll(kinds, root / HANDED_IN, ASSIGNMENT, {"cruz": "partial"})  # not autograded yet
    return root


@pytest.fixture
def course(graded: Path, tmp_path: Path) -> Path:
    """This test's own copy (its jupyter_config.py points at the copy's own gradebook)."""
    root = tmp_path / "course"
    shutil.copytree(graded, root)
    return root


def test_the_course_directory_is_the_courses_own(graded):
    directory = layout.course_directory(graded)
    assert directory.course_id == COURSE_ID
    assert Path(directory.root) == graded
    assert layout.work_stages(directory) == (GRADED, HANDED_IN)
    assert layout.course_directory(graded) is directory  # read once per course and process
    # The one-machine course (this repository's own config) keeps its id.
    assert layout.course_directory(layout.find_root()).course_id == layout.DEFAULT_COURSE_ID


def test_the_grading_page_reads_the_renamed_folders(graded):
    ctx = data.Course.at(graded)
    listed = data.submission_list(ctx, ASSIGNMENT, anonymous=False)
    assert [s["student"] for s in listed["submissions"]] == ["ana", "ben"]
    assert listed["waiting_for_autograde"] == ["cruz"]
    ana = data.submission_detail(ctx, ASSIGNMENT, "ana", anonymous=False)
    assert ana["product"]  # from her answers file in graded/
    ben = data.submission_detail(ctx, ASSIGNMENT, "ben", anonymous=False)
    failed = [check for check in ben["autograde"] if not check["passed"]]
    assert failed
    # Each failed check explains itself with the message from ben's autograded notebook.
    assert all(not check["message"].endswith(" points.") for check in failed), failed
    work = render.render_work(str(graded), ASSIGNMENT, "ana", ASSIGNMENT)
    assert work["code"] and not work["problems"]


def test_the_showcase_reads_the_renamed_folders(graded):
    page = showcase_html(graded, ASSIGNMENT, "ana")
    assert "Work by ana" in page and "The finished product" in page


def test_levels_page_export_and_feedback_share_the_courses_gradebook_rows(course):
    assert course_ids(course) == ({COURSE_ID}, {COURSE_ID})  # after autograde and its hook
    ctx = data.Course.at(course)
    data.submission_list(ctx, ASSIGNMENT, anonymous=False)
    assert course_ids(course) == ({COURSE_ID}, {COURSE_ID})
    saved = data.save_criterion(
        ctx, ASSIGNMENT, "ana", CRITERION, {"level": "proficient"}, False, "teacher"
    )
    assert saved["criterion"]["level"] == "proficient"
    assert course_ids(course) == ({COURSE_ID}, {COURSE_ID})
    detail = data.submission_detail(ctx, ASSIGNMENT, "ana", anonymous=False)
    given = {c["id"]: c["level"] for c in detail["criteria"]}
    assert given[CRITERION] == "proficient" and detail["autograde"]
    assert course_ids(course) == ({COURSE_ID}, {COURSE_ID})
    exported = collect(course, ASSIGNMENT)
    rows = {(r["student"], r["criterion"]): r["level"] for r in exported.criteria}
    assert rows[("ana", CRITERION)] == "proficient" and ("ben", CRITERION) in rows
    assert course_ids(course) == ({COURSE_ID}, {COURSE_ID})

    generated = run_app(course, "nbgrader", "generate_feedback", ASSIGNMENT)
    assert "could not add the rubric" not in generated.stderr, generated.stderr
    page = (course / RETURNED / "ana" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    embedded = read_rubric_data(page)
    assert embedded is not None
    assert embedded["levels"][CRITERION]["level"] == "proficient"
    assert embedded["product"]  # from ana's answers file in graded/
    assert embedded["tasks"]  # autograde's results, read from the course's gradebook
    assert course_ids(course) == ({COURSE_ID}, {COURSE_ID})


def test_a_student_fetches_from_the_courses_own_exchange_folder(graded, tmp_path, monkeypatch):
    exchange = tmp_path / "exchange"
    (exchange / COURSE_ID / "outbound" / ASSIGNMENT).mkdir(parents=True)
    monkeypatch.setenv("CAREERLAB_EXCHANGE", str(exchange))
    monkeypatch.setenv("CAREERLAB_STUDENT_DIR", str(tmp_path / "student"))
    ran: list[list[str]] = []
    monkeypatch.setattr(catalog_page.subprocess, "run", lambda args, **_: ran.append(args))
    catalog_page.open_for_student(graded, ASSIGNMENT)
    assert ["nbgrader", "fetch_assignment", ASSIGNMENT] in ran
