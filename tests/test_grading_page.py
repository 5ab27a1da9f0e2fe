"""The rubric grading page, its JSON API, the export and the feedback, on a real gradebook.

One course copy is built once: coffee-site with a self-assessment added (in the
copy only), released, answered through the widgets' own code by three students
(alice: everything right and a full self-assessment; bob: nothing; carol: some
answers, hostile strings, a partial self-assessment), submitted, collected and
autograded with the real nbgrader apps. Each test grades its own copy of it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from nbgrader.api import Gradebook
from sqlalchemy import event
from sqlalchemy.engine import Engine

from careerlab import course as course_layout
from careerlab.feedback import read_rubric_data
from careerlab.grading_page import data, render
from careerlab.grading_page import page as page_module
from careerlab.rubrics.format import combined, load_all
from careerlab.rubrics.levels import levels_for, record_level
from careerlab.testing.simulate import answer, load_solutions

from .conftest import BIN, REPO, course_env, make_course, only_coffee_site, run_app
from .servers import CHROMIUM, Server, call_api, chromium_page, jupyter_lab, wait_until
from .test_project_loop import CAROL, CAROL_CODE, HOSTILE, add_hostile_cells, assert_inert

ASSIGNMENT = "coffee-site"
STUDENTS = ["alice", "bob", "carol"]
RUBRIC = combined(load_all(REPO / "rubrics"), ASSIGNMENT)
CRITERIA = [c.id for c in RUBRIC.criteria]
LEVELS = [level.id for level in sorted(RUBRIC.levels, key=lambda level: level.points)]
ALICE_SELF = dict.fromkeys(CRITERIA, "proficient")
CAROL_SELF = {"market-analysis": "advanced", "trade-offs": "developing"}
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def add_self_assessment(root: Path) -> None:
    """coffee-site has a self-assessment; this course's alice rates every criterion
    proficient, so the tests know what she said."""
    folder = root / "workbooks" / ASSIGNMENT
    notebook = nbformat.read(folder / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert any("wb.self_assess(" in cell.source for cell in notebook.cells)
    solutions_path = folder / course_layout.SOLUTIONS_FILE
    solutions = yaml.safe_load(solutions_path.read_text())
    solutions[ASSIGNMENT]["self-check"] = ALICE_SELF
    solutions_path.write_text(yaml.safe_dump(solutions, sort_keys=False))


@pytest.fixture(scope="module")
def autograded(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("grading") / "course")
    only_coffee_site(root)
    add_self_assessment(root)
    run_app(root, str(BIN / "careerlab"), "release", ASSIGNMENT)
    assert (root / "release" / ASSIGNMENT / "rubric.json").exists()
    run_app(root, "nbgrader", "release_assignment", ASSIGNMENT)
    solutions = load_solutions(root / "workbooks" / ASSIGNMENT)[ASSIGNMENT]
    for student in STUDENTS:
        home = root.parent / "home" / student
        home.mkdir(parents=True)
        run_app(root, "nbgrader", "fetch_assignment", ASSIGNMENT, cwd=home)
        notebook = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if student == "alice":
            answer(notebook, solutions)
        elif student == "carol":
            add_hostile_cells(notebook)
            answer(notebook, {**CAROL, "self-check": CAROL_SELF}, code=CAROL_CODE)
        run_app(root, "nbgrader", "submit", ASSIGNMENT, f"--student={student}", cwd=home)
    run_app(root, "nbgrader", "collect", ASSIGNMENT)
    run_app(root, "nbgrader", "autograde", ASSIGNMENT)
    return root


@pytest.fixture
def course(autograded: Path, tmp_path: Path) -> Path:
    """This test's own copy of the autograded course (same layout, own gradebook)."""
    root = tmp_path / "course"
    shutil.copytree(autograded, root)
    return root


@pytest.fixture(scope="module")
def served(autograded: Path, tmp_path_factory) -> Iterator[tuple[Path, Server]]:
    """One Jupyter server for the tests over HTTP, on its own copy of the course (each test
    works on its own students' data there)."""
    root = tmp_path_factory.mktemp("served") / "course"
    shutil.copytree(autograded, root)
    with jupyter_lab(root, root, root.parent / "state") as server:
        yield root, server


def ctx(root: Path) -> data.Course:
    return data.Course.at(root)


def grade_of(root: Path, student: str, criterion: str):
    with Gradebook(data.Course.at(root).coursedir.db_url, "careerlab") as gradebook:
        grade = gradebook.find_grade(f"rubric-{criterion}", ASSIGNMENT, ASSIGNMENT, student)
        return grade.manual_score, grade.needs_manual_grade


def points(criterion: str, level: str) -> float:
    return RUBRIC.points(RUBRIC.criterion(criterion), level)


def give(root: Path, student: str, criterion: str, level: str, comment: str = "") -> None:
    coursedir = data.Course.at(root).coursedir
    record_level(coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, student, criterion, level, comment)


def save(root: Path, student: str, criterion: str, body: dict) -> dict:
    return data.save_criterion(ctx(root), ASSIGNMENT, student, criterion, body, False, "teacher")


# --- The data behind every page ----------------------------------------------------------
def test_the_list_shows_every_submission_and_progress(course):
    listed = data.submission_list(ctx(course), ASSIGNMENT, anonymous=False)
    assert [s["student"] for s in listed["submissions"]] == STUDENTS
    assert listed["progress"] == {"graded": 0, "total": 3}
    assert {s["status"] for s in listed["submissions"]} == {"not started"}
    alice = listed["submissions"][0]
    assert alice["autograde_points"] == alice["autograde_max"] == 14
    # 4 points a level x weights: market-analysis 2, trade-offs 2, honest-data 1, pitch 1,
    # then the product's clear-recommendation 1, evidence 2, audience 1, risks-next-steps 1.
    assert listed["rubric_max"] == 44


def test_anonymous_grading_hides_every_name(course):
    first = data.submission_list(ctx(course), ASSIGNMENT, anonymous=True)
    again = data.submission_list(ctx(course), ASSIGNMENT, anonymous=True)
    keys = [s["key"] for s in first["submissions"]]
    assert keys == [s["key"] for s in again["submissions"]]  # stable
    assert all(k.startswith("anon-") for k in keys) and len(set(keys)) == 3
    detail = data.submission_detail(ctx(course), ASSIGNMENT, keys[0], anonymous=True)
    for document in (first, detail):
        text = json.dumps(document)
        assert not any(f'"{name}"' in text for name in STUDENTS), text[:300]
        assert "student" not in document
    assert detail["label"].startswith("Submission ")


def test_one_submission_has_rubric_autograde_and_self_assessment(course):
    carol = data.submission_detail(ctx(course), ASSIGNMENT, "carol", anonymous=False)
    assert carol["product"] == "slide" and carol["self_assessment"]
    by_id = {c["id"]: c for c in carol["criteria"]}
    assert [c["id"] for c in carol["criteria"]] == CRITERIA
    assert by_id["market-analysis"]["self_rating"] == "advanced"
    assert by_id["honest-data"]["self_rating"] is None
    # Slide descriptors for product criteria, the content rubric's own for the rest.
    clear = {lv["id"]: lv["descriptor"] for lv in by_id["clear-recommendation"]["levels"]}
    assert clear["proficient"] == RUBRIC.criterion("clear-recommendation").descriptor(
        "proficient", "slide"
    )
    checks = {r["cell"]: r for r in carol["autograde"]}
    assert checks["riverside-test"]["passed"] is False
    assert checks["riverside-test"]["message"] == (
        "Riverside's expected customers: 650 customers a day is not correct yet."
    )
    assert checks["question-test"]["passed"] and checks["question-test"]["points"] == 1
    assert "wb.grade" not in json.dumps(carol)  # never the hidden test's code
    assert carol["previous"] == "bob" and carol["next"] is None
    alice = data.submission_detail(ctx(course), ASSIGNMENT, "alice", anonymous=False)
    assert {c["id"]: c["self_rating"] for c in alice["criteria"]} == ALICE_SELF


def test_each_level_saved_sets_nbgrader_points_at_once(course):
    for number, criterion in enumerate(CRITERIA):
        level = LEVELS[number % len(LEVELS)]
        saved = data.save_criterion(
            ctx(course), ASSIGNMENT, "alice", criterion, {"level": level}, False, "teacher"
        )
        assert saved["criterion"]["level"] == level
        assert grade_of(course, "alice", criterion) == (points(criterion, level), False)
    assert saved["status"] == "graded" and saved["progress"] == {"graded": 1, "total": 3}
    # A level taken back: nbgrader's cell waits for a grader again.
    data.save_criterion(ctx(course), ASSIGNMENT, "alice", "evidence", {"level": None}, False, "t")
    assert grade_of(course, "alice", "evidence") == (None, True)
    listed = data.submission_list(ctx(course), ASSIGNMENT, anonymous=False)
    assert listed["progress"]["graded"] == 0
    with pytest.raises(data.GradingError) as refused:
        data.save_criterion(ctx(course), ASSIGNMENT, "alice", "evidence", {"level": "great"}, 0, "")
    assert refused.value.status == 400 and "not a level" in str(refused.value)


def test_comments_are_kept_without_a_level_and_never_overwritten_unseen(course):
    save = data.save_criterion
    save(ctx(course), ASSIGNMENT, "bob", "audience", {"comment": "Say hello to Jordan."}, 0, "t")
    assert levels_for(data.Course.at(course).coursedir, ASSIGNMENT, ASSIGNMENT, "bob") == {}
    save(ctx(course), ASSIGNMENT, "bob", "audience", {"level": "developing"}, 0, "t")
    given = levels_for(data.Course.at(course).coursedir, ASSIGNMENT, ASSIGNMENT, "bob")
    assert given["audience"].comment == "Say hello to Jordan."  # a level keeps the comment
    # A second tab saved "Tab two" while this one still had the first comment.
    body = {"comment": "Tab two", "comment_base": "Say hello to Jordan."}
    save(ctx(course), ASSIGNMENT, "bob", "audience", body, 0, "t")
    stale = {"comment": "Tab one", "comment_base": "Say hello to Jordan."}
    with pytest.raises(data.GradingError) as refused:
        save(ctx(course), ASSIGNMENT, "bob", "audience", stale, 0, "t")
    assert refused.value.status == 409 and refused.value.extra["current"] == "Tab two"
    # Having seen theirs, this tab may replace it.
    fresh = {"comment": "Tab one", "comment_base": "Tab two"}
    saved = save(ctx(course), ASSIGNMENT, "bob", "audience", fresh, 0, "t")
    assert saved["criterion"]["comment"] == "Tab one"
    assert saved["criterion"]["level"] == "developing"


def test_a_formgrader_points_edit_shows_as_a_conflict(course):
    coursedir = data.Course.at(course).coursedir
    give(course, "carol", "trade-offs", "proficient")
    # What nbgrader's formgrader does when a grader types points into the cell.
    with Gradebook(coursedir.db_url, "careerlab") as gradebook:
        grade = gradebook.find_grade("rubric-trade-offs", ASSIGNMENT, ASSIGNMENT, "carol")
        grade.manual_score = 5.0
        grade = gradebook.find_grade("rubric-honest-data", ASSIGNMENT, ASSIGNMENT, "carol")
        grade.manual_score = 2.0
        gradebook.db.commit()
    detail = data.submission_detail(ctx(course), ASSIGNMENT, "carol", anonymous=False)
    by_id = {c["id"]: c for c in detail["criteria"]}
    assert by_id["trade-offs"]["conflict"] == {
        "level": "proficient",
        "level_points": 6.0,
        "gradebook_points": 5.0,
    }
    assert by_id["honest-data"]["conflict"] == {
        "level": None,
        "level_points": None,
        "gradebook_points": 2.0,
    }
    assert by_id["audience"]["conflict"] is None
    listed = data.submission_list(ctx(course), ASSIGNMENT, anonymous=False)
    assert listed["submissions"][2]["status"] == "conflict"
    # Re-autograding keeps the disagreement visible instead of writing over it.
    run_app(course, "nbgrader", "autograde", ASSIGNMENT, "--student=carol", "--force")
    detail = data.submission_detail(ctx(course), ASSIGNMENT, "carol", anonymous=False)
    assert {c["id"] for c in detail["criteria"] if c["conflict"]} == {"trade-offs", "honest-data"}
    # Choosing a level settles it.
    data.save_criterion(
        ctx(course), ASSIGNMENT, "carol", "trade-offs", {"level": "advanced"}, 0, ""
    )
    data.save_criterion(
        ctx(course), ASSIGNMENT, "carol", "honest-data", {"level": "beginning"}, 0, ""
    )
    detail = data.submission_detail(ctx(course), ASSIGNMENT, "carol", anonymous=False)
    assert not [c for c in detail["criteria"] if c["conflict"]]
    assert grade_of(course, "carol", "trade-offs") == (8.0, False)


def test_concurrent_saves_from_threads_all_land(course):
    coursedir = data.Course.at(course).coursedir
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(CRITERIA) + 3)

    def give(criterion: str, level: str) -> None:
        try:
            barrier.wait()
            record_level(coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, "bob", criterion, level)
        except BaseException as error:  # collected: an assert in a thread is lost
            errors.append(error)

    jobs = [(c, "developing") for c in CRITERIA]
    # Three more saves on one criterion at the same moment: the last one wins, whole.
    jobs += [("evidence", level) for level in ("beginning", "proficient", "advanced")]
    threads = [threading.Thread(target=give, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    given = levels_for(coursedir, ASSIGNMENT, ASSIGNMENT, "bob")
    assert set(given) == set(CRITERIA)
    for criterion, level in given.items():
        assert grade_of(course, "bob", criterion) == (level.points, False), criterion


def test_concurrent_saves_from_separate_processes_all_land(course):
    env = course_env(course)
    processes = [
        subprocess.Popen(
            [str(BIN / "careerlab"), "rubric", "score", ASSIGNMENT, student, criterion, "advanced"],
            cwd=course,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for student in ("alice", "carol")
        for criterion in CRITERIA[:3]
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    coursedir = data.Course.at(course).coursedir
    for student in ("alice", "carol"):
        given = levels_for(coursedir, ASSIGNMENT, ASSIGNMENT, student)
        assert {c: g.level for c, g in given.items()} == dict.fromkeys(CRITERIA[:3], "advanced")
        for criterion in CRITERIA[:3]:
            assert grade_of(course, student, criterion) == (points(criterion, "advanced"), False)


def test_the_comment_bank_is_per_assignment_and_criterion(course):
    added = data.bank_add(ctx(course), ASSIGNMENT, {"criterion": "evidence", "text": " Cite it. "})
    same = data.bank_add(ctx(course), ASSIGNMENT, {"criterion": "evidence", "text": "Cite it."})
    assert added == same == {"id": added["id"], "criterion": "evidence", "text": "Cite it."}
    data.bank_add(ctx(course), ASSIGNMENT, {"criterion": "audience", "text": HOSTILE})
    detail = data.submission_detail(ctx(course), ASSIGNMENT, "bob", anonymous=False)
    assert [c["text"] for c in detail["comment_bank"]["evidence"]] == ["Cite it."]
    assert [c["text"] for c in detail["comment_bank"]["audience"]] == [HOSTILE]
    data.bank_remove(ctx(course), ASSIGNMENT, added["id"])
    assert data.bank_list(ctx(course), ASSIGNMENT)["comments"][0]["criterion"] == "audience"
    with pytest.raises(data.GradingError):
        data.bank_add(ctx(course), ASSIGNMENT, {"criterion": "nope", "text": "x"})
    with pytest.raises(data.GradingError):
        data.bank_remove(ctx(course), ASSIGNMENT, added["id"])


def test_levels_and_the_comment_bank_share_one_engine(course):
    """Every rubric-level and comment-bank call works on the one engine of the gradebook
    (not a new engine, pool and query cache per call)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from careerlab.rubrics import comment_bank, levels

    coursedir = data.Course.at(course).coursedir
    engines: dict[int, Engine] = {}  # kept alive, so no id is reused

    def connected(connection) -> None:
        engines[id(connection.engine)] = connection.engine

    event.listen(Engine, "engine_connect", connected)
    try:
        give(course, "alice", "evidence", "advanced", "Well cited.")
        levels.record_comment(coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, "alice", "audience", "Hi")
        levels.clear_level(coursedir, ASSIGNMENT, ASSIGNMENT, "alice", "evidence")
        levels.conflicts(coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, "alice")
        levels.assignment_state(coursedir, ASSIGNMENT, ASSIGNMENT)
        added = comment_bank.add(coursedir, ASSIGNMENT, "evidence", "Cite it.")
        assert comment_bank.comments(coursedir, ASSIGNMENT) == [added]
        assert comment_bank.remove(coursedir, ASSIGNMENT, added.id)
    finally:
        event.remove(Engine, "engine_connect", connected)
    assert len(engines) == 1, engines
    states = levels.criteria_state(coursedir, ASSIGNMENT, ASSIGNMENT, "alice")
    assert (states["evidence"].level, states["evidence"].comment) == (None, "Well cited.")
    assert (states["audience"].level, states["audience"].comment) == (None, "Hi")
    assert grade_of(course, "alice", "evidence") == (None, True)


def test_a_level_that_fails_midway_leaves_nothing_behind(course, monkeypatch):
    """The level row and nbgrader's points are one transaction: a failure after the
    points were set rolls both back."""
    from careerlab.rubrics import levels

    give(course, "bob", "evidence", "developing", "First.")
    before = grade_of(course, "bob", "evidence")

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(levels, "_upsert", broken)
    with pytest.raises(RuntimeError):
        give(course, "bob", "evidence", "advanced", "Second.")
    given = levels_for(data.Course.at(course).coursedir, ASSIGNMENT, ASSIGNMENT, "bob")
    assert (given["evidence"].level, given["evidence"].comment) == ("developing", "First.")
    assert (
        grade_of(course, "bob", "evidence") == before == (points("evidence", "developing"), False)
    )


# --- The export ------------------------------------------------------------------------
def test_the_export_has_a_row_per_student_per_criterion_and_skill_totals(course):
    coursedir = data.Course.at(course).coursedir
    record_level(
        coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, "alice", "evidence", "advanced", "=SUM(A1)"
    )
    record_level(coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, "alice", "audience", "developing", "Hi")
    record_level(coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, "carol", "evidence", "beginning")
    out = course / "out"
    result = run_app(course, str(BIN / "careerlab"), "export", ASSIGNMENT, "--out", str(out))
    assert result.stdout.count("Wrote") == 6  # criteria, skills, answered: CSV and JSON
    with open(out / f"{ASSIGNMENT}-criteria.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(STUDENTS) * len(CRITERIA)
    alice = {r["criterion"]: r for r in rows if r["student"] == "alice"}
    assert alice["evidence"]["level"] == "advanced" and alice["evidence"]["points"] == "8"
    assert alice["evidence"]["max_points"] == "8"
    assert alice["evidence"]["skills"] == ";".join(RUBRIC.criterion("evidence").skills)
    assert alice["evidence"]["comment"] == "'=SUM(A1)"  # never a live formula in a spreadsheet
    assert alice["market-analysis"]["level"] == "" and alice["market-analysis"]["points"] == ""
    document = json.loads((out / f"{ASSIGNMENT}-criteria.json").read_text())
    as_json = {(r["student"], r["criterion"]): r for r in document["rows"]}
    assert as_json[("alice", "evidence")]["comment"] == "=SUM(A1)"  # JSON keeps it exactly
    assert as_json[("alice", "evidence")]["skills"] == list(RUBRIC.criterion("evidence").skills)
    assert as_json[("carol", "evidence")]["points"] == 2.0
    # Skill totals, worked out here from the rubric itself.
    skills = json.loads((out / f"{ASSIGNMENT}-skills.json").read_text())["rows"]
    given = {"evidence": 8.0, "audience": 2.0}
    alice_skills = {r["skill"]: r for r in skills if r["student"] == "alice"}
    assert set(alice_skills) == {s for c in RUBRIC.criteria for s in c.skills}
    for skill, row in alice_skills.items():
        having = [c for c in RUBRIC.criteria if skill in c.skills]
        assert row["max_points"] == sum(RUBRIC.max_points(c) for c in having), skill
        assert row["points"] == sum(given.get(c.id, 0.0) for c in having), skill
        assert row["criteria_scored"] == sum(1 for c in having if c.id in given), skill
    assert alice_skills["nace:communication"]["points"] == 2.0  # audience only
    with open(out / f"{ASSIGNMENT}-skills.csv", encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(skills) == 3 * len(alice_skills)


# --- The HTTP API on a real server --------------------------------------------------------
def test_the_api_over_http(served):
    api = f"/careerlab/api/grade/{ASSIGNMENT}"
    course, server = served
    status, listed = call_api(server, "GET", api)
    assert status == 200 and listed["progress"] == {"graded": 0, "total": 3}
    status, detail = call_api(server, "GET", f"{api}/carol")
    assert status == 200
    tasks = {t["id"]: t for t in detail["work"]["tasks"]}
    assert_inert(tasks["recommendation"]["html"])
    assert "&lt;script&gt;" in tasks["recommendation"]["html"]
    assert "self-check" in tasks and "Developing" in tasks["self-check"]["html"]

    # Seven saves at once, one per criterion: every one lands.
    results: dict[str, tuple[int, Any]] = {}

    def put(criterion: str) -> None:
        results[criterion] = call_api(
            server, "PUT", f"{api}/alice/criteria/{criterion}", {"level": "proficient"}
        )

    threads = [threading.Thread(target=put, args=(c,)) for c in CRITERIA]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert {c: r[0] for c, r in results.items()} == dict.fromkeys(CRITERIA, 200)
    given = levels_for(data.Course.at(course).coursedir, ASSIGNMENT, ASSIGNMENT, "alice")
    assert {c: g.level for c, g in given.items()} == dict.fromkeys(CRITERIA, "proficient")
    status, listed = call_api(server, "GET", api)
    assert listed["progress"] == {"graded": 1, "total": 3}

    status, refused = call_api(server, "PUT", f"{api}/alice/criteria/evidence", {"level": "x"})
    assert status == 400 and "not a level" in refused["message"]
    status, _ = call_api(server, "PUT", f"{api}/nobody/criteria/evidence", {"level": "advanced"})
    assert status == 404
    bank_api = f"/careerlab/api/bank/{ASSIGNMENT}"
    status, added = call_api(server, "POST", bank_api, {"criterion": "evidence", "text": "Units!"})
    assert status == 201
    status, bank = call_api(server, "GET", bank_api)
    assert [c["text"] for c in bank["comments"]] == ["Units!"]
    status, _ = call_api(server, "DELETE", f"{bank_api}/{added['id']}")
    assert status == 204

    # No token, no grading: the API refuses, the page sends to the login page.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as denied:
        opener.open(f"{server.url}{api}", timeout=30)
    assert denied.value.code in (401, 403)
    with opener.open(f"{server.url}/careerlab/grade/{ASSIGNMENT}", timeout=30) as response:
        assert "/login" in response.url
        assert "careerlab-grading-data" not in response.read().decode()
    # A browser's cookie alone cannot write without the XSRF token.
    anonymous_put = urllib.request.Request(
        f"{server.url}{api}/alice/criteria/evidence", method="PUT", data=b'{"level":null}'
    )
    with pytest.raises(urllib.error.HTTPError) as denied:
        opener.open(anonymous_put, timeout=30)
    assert denied.value.code in (401, 403)
    assert grade_of(course, "alice", "evidence") == (points("evidence", "proficient"), False)


# --- Answering at once, never stale (issue #15; bench/grading_page.py measures it) --------
def test_opening_a_submission_is_a_few_queries_whatever_the_class_size(course):
    """nbgrader's Grade.to_dict() loads each grade's cell, notebook and student one query at a
    time: opening one submission of a class of 30 ran 1,411 statements (1.3 s). The page
    reads the class's grades in one query, so the count does not grow with the class."""
    data.submission_list(ctx(course), ASSIGNMENT, anonymous=False)  # tables created
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        opened = data.open_submission(ctx(course), ASSIGNMENT, "carol", anonymous=False)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert opened.student == "carol" and opened.next_student is None
    assert opened.detail["autograde_max"] > 0 and len(opened.detail["criteria"]) == len(CRITERIA)
    assert len(statements) <= 10, "\n".join(s.split("\n")[0][:100] for s in statements)


def rewrite_in_place(path: Path, old: str, new: str) -> None:
    """Change a file the way that hides best from a cache: same size, same inode, and its
    modification time set back (cp -p, rsync -t, a clock step)."""
    assert len(old) == len(new)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_ino == before.st_ino


def test_a_cached_view_sees_a_file_rewritten_with_its_old_size_and_time(course):
    """The render cache and the rubric cache key on what can change a file (inode, size,
    modification and change time), not the modification time alone."""
    coursedir = data.Course.at(course).coursedir
    answers = course_layout.find_answers(coursedir, ASSIGNMENT, "carol", ASSIGNMENT)
    assert answers is not None
    stamp = render._stamp(course, ASSIGNMENT, "carol", ASSIGNMENT)
    rewrite_in_place(answers, '"slide"', '"memo!"')
    assert render._stamp(course, ASSIGNMENT, "carol", ASSIGNMENT) != stamp
    title = RUBRIC.criteria[0].title
    assert (
        data.submission_detail(ctx(course), ASSIGNMENT, "bob", False)["criteria"][0]["title"]
        == title
    )
    rewrite_in_place(course / "rubrics" / f"{ASSIGNMENT}.yml", title, title.upper())
    shown = data.submission_detail(ctx(course), ASSIGNMENT, "bob", False)["criteria"][0]
    assert shown["title"] == title.upper()


def test_nothing_stale_after_a_save_another_tab_another_grader_or_a_re_autograde(served):
    course, server = served
    api = f"/careerlab/api/grade/{ASSIGNMENT}"
    first, second = CRITERIA[0], CRITERIA[1]

    def shown(student: str, criterion: str) -> str | None:
        status, detail = call_api(server, "GET", f"{api}/{student}?work=0")
        assert status == 200
        return next(c for c in detail["criteria"] if c["id"] == criterion)["level"]

    status, alice = call_api(server, "GET", f"{api}/alice")
    status, bob = call_api(server, "GET", f"{api}/bob")  # rendered and cached
    assert status == 200 and bob["autograde_points"] < alice["autograde_points"]
    # A save in this tab, and one from another tab (another client of the server).
    assert call_api(server, "PUT", f"{api}/bob/criteria/{first}", {"level": "advanced"})[0]
    assert shown("bob", first) == "advanced"
    call_api(server, "PUT", f"{api}/bob/criteria/{first}", {"level": "beginning"})
    assert shown("bob", first) == "beginning"
    # Another grader, in another process, writing the gradebook directly.
    run_app(
        course,
        str(BIN / "careerlab"),
        "rubric",
        "score",
        ASSIGNMENT,
        "bob",
        second,
        "proficient",
    )
    assert shown("bob", second) == "proficient"
    # A re-autograde: bob's submission is now alice's work.
    submitted = course / "submitted"
    shutil.rmtree(submitted / "bob" / ASSIGNMENT)
    shutil.copytree(submitted / "alice" / ASSIGNMENT, submitted / "bob" / ASSIGNMENT)
    run_app(course, "nbgrader", "autograde", ASSIGNMENT, "--student=bob", "--force")
    status, regraded = call_api(server, "GET", f"{api}/bob")
    assert regraded["autograde_points"] == alice["autograde_points"]
    assert [r["passed"] for r in regraded["autograde"]] == [r["passed"] for r in alice["autograde"]]
    assert regraded["work"] != bob["work"]
    assert regraded["work"]["tasks"] == alice["work"]["tasks"]
    # Levels given before the re-autograde are kept (and shown).
    assert shown("bob", first) == "beginning" and shown("bob", second) == "proficient"


def not_rendered_yet(root: Path, student: str) -> None:
    """The student's answers file changes (its time), so no rendering of it is current."""
    answers = course_layout.find_answers(ctx(root).coursedir, ASSIGNMENT, student, ASSIGNMENT)
    assert answers is not None
    os.utime(answers)


def test_the_page_answers_before_the_work_is_rendered_and_the_work_arrives(served):
    """The first submission after the server starts must not wait for the render helper
    (its imports, the author's cells): the page comes with the rubric and the autograde
    results, and the work follows from its own address."""
    course, server = served
    not_rendered_yet(course, "carol")
    status, html = server.get(f"/careerlab/grade/{ASSIGNMENT}/carol")
    assert status == 200
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("#cl-answers[data-pending]") is not None
    assert not soup.select(".cl-task") and "xss-script" not in html  # the work is not in it
    assert len(soup.select("fieldset.cl-criterion")) == len(CRITERIA)
    assert soup.select("table.cl-autograde tr.cl-fail")
    config = json.loads(soup.select_one(f"#{page_module.DATA_ID}").get_text())
    assert config["work"] == f"/careerlab/api/grade/{ASSIGNMENT}/carol/work"

    status, view = call_api(server, "GET", config["work"])
    assert status == 200
    assert_inert(view["html"])
    assert "&lt;script&gt;" in view["html"] and 'id="task-recommendation"' in view["html"]
    # Rendered now: the page comes with it, the same as the work address gave.
    status, html = server.get(f"/careerlab/grade/{ASSIGNMENT}/carol")
    shown = BeautifulSoup(html, "html.parser").select_one("#cl-answers")
    assert not shown.has_attr("data-pending") and shown["data-version"] == view["version"]
    assert len(shown.select(".cl-task")) == view["html"].count('class="cl-task"')
    # Anonymous: the work comes under the anonymous key, with no name in it.
    key = data.anonymous_key(ASSIGNMENT, "carol")
    status, view = call_api(
        server, "GET", f"/careerlab/api/grade/{ASSIGNMENT}/{key}/work?anonymous=1"
    )
    assert status == 200 and "carol" not in view["html"].lower()


# --- Feedback students can act on -------------------------------------------------------
def feedback_page(root: Path, student: str) -> str:
    return (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def rubric_rows(page: str) -> dict[str, str]:
    """{criterion title: the text of its row header} in the feedback's rubric table."""
    section = BeautifulSoup(page, "html.parser").select_one("section.careerlab-rubric")
    return {
        row.th.strong.get_text(): " ".join(row.th.get_text(" ").split())
        for row in section.select("tbody tr")
    }


def test_feedback_tells_each_student_what_to_do_next(course):
    give(course, "carol", "market-analysis", "developing", "Check the percent.")
    give(course, "carol", "trade-offs", "advanced")
    run_app(course, "nbgrader", "generate_feedback", ASSIGNMENT)
    page = feedback_page(course, "carol")
    rows = rubric_rows(page)
    analysis = rows["Accurate market analysis"]
    assert "Teacher's comment: Check the percent." in analysis
    proficient = RUBRIC.criterion("market-analysis").descriptor("proficient")
    assert f"Next step: reach Proficient. {proficient}" in analysis
    assert "Your own rating: Advanced." in analysis  # her self-assessment
    assert "Top level reached." in rows["Reasoning about trade-offs"]
    assert "Next step" not in rows["Reasoning about trade-offs"]
    assert "not scored yet" in rows["Honest use of data"]
    checked = BeautifulSoup(page, "html.parser").select_one("section.careerlab-checked")
    items = [" ".join(li.get_text(" ").split()) for li in checked.select("li")]
    assert len(items) == 10  # every autograded task, the career-fit reflection too
    # The check's words without the title it repeats, then what to look at again.
    riverside = next(i for i in items if "Riverside's expected customers" in i)
    assert riverside.startswith(
        "Not yet: Riverside's expected customers (0 of 2 points). "
        "650 customers a day is not correct yet. Look again at “"
    )
    assert "✓ Correct: The research question (1 of 1 point)." in items
    assert "wb.grade" not in str(checked) and "195" not in checked.get_text()
    embedded = read_rubric_data(page)
    assert embedded["self_ratings"] == CAROL_SELF
    assert {t["cell"]: t["passed"] for t in embedded["tasks"]}["value-test"] is True
    assert 'name="viewport"' in page and '<html lang="en">' in page
    assert_inert(page)
    # Delivered by nbgrader itself: release_feedback, then the student's fetch_feedback.
    run_app(course, "nbgrader", "release_feedback", ASSIGNMENT)
    home = course.parent / "carol-home"
    home.mkdir()
    run_app(course, "nbgrader", "fetch_feedback", ASSIGNMENT, "--student=carol", cwd=home)
    fetched = (home / ASSIGNMENT / "feedback").rglob(f"{ASSIGNMENT}.html")
    # On one machine every student shares nbgrader's submission cache, so others' come too.
    assert embedded in [read_rubric_data(path.read_text()) for path in fetched]


# --- In a real browser --------------------------------------------------------------------
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)"),
    pytest.mark.skipif(not AXE.exists(), reason="needs node_modules/axe-core (make test-deps)"),
]


def in_a_browser(test):
    for mark in BROWSER:
        test = mark(test)
    return test


# The keys pressed per criterion, in the rubric's order (0 = Missing, 1 = Beginning, 4 = Advanced).
ALICE_KEYS = ["4", "3", "4", "4", "2", "4", "3", "1"]
BOB_KEYS = ["1", "1", "2", "0", "1", "1", "1", "1"]  # 0: Missing (bob gave no pitch)
ALICE_COMMENT = "Your customer counts are right for every site."


def expected(keys: list[str]) -> dict[str, str]:
    return {c: LEVELS[int(k)] for c, k in zip(CRITERIA, keys, strict=True)}  # LEVELS[0]: Missing


AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html.slice(0, 160))}))"""


def check_accessibility(page) -> None:
    # The page's content policy refuses injected <script> tags; evaluate axe directly.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(AXE_RUN)
    for violation in violations:
        print(f"axe {violation['impact']}: {violation['id']} {violation['nodes'][:2]}")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def ready(page, expect) -> None:
    expect(page.locator("body")).to_have_attribute("data-careerlab-ready", "1")


def press_to(page, target, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user does."""
    for _ in range(limit):
        if target.evaluate("node => node === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{limit} presses of {key} never reached {target}")


def grade_with_keys(page, expect, keys: list[str]) -> None:
    status = page.locator("#cl-status")
    for key in keys:
        page.keyboard.press(key)
    titles = [c.title for c in RUBRIC.criteria]
    expect(status).to_contain_text("Saved:")
    for criterion, key in zip(CRITERIA, keys, strict=True):
        radio = page.locator(f"#criterion-{criterion} input[data-key='{key}']")
        expect(radio, titles[CRITERIA.index(criterion)]).to_be_checked()


def check_levels_shown(page, expect, keys: list[str]) -> None:
    for criterion, key in zip(CRITERIA, keys, strict=True):
        card = page.locator(f"#criterion-{criterion} .cl-level:has(input[data-key='{key}'])")
        expect(card.locator("input")).to_be_checked()
        expect(card).to_contain_text("✓ Given")  # in words, not only colour


@in_a_browser
def test_grading_two_submissions_with_the_keyboard_behind_a_prefix(course, tmp_path):
    """As under JupyterHub: a URL prefix, and a policy that forbids iframes."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    with open(course / "jupyter_config.py", "a", encoding="utf-8") as config:
        config.write(
            "\nc.ServerApp.tornado_settings = "
            "{'headers': {'Content-Security-Policy': \"frame-ancestors 'none'\"}}\n"
        )
    base_url = "/user/teacher/"
    state = tmp_path / "state"
    with (
        jupyter_lab(course, course, state, base_url=base_url) as server,
        chromium_page(tmp_path) as page,
    ):
        assert server.url.endswith(base_url.rstrip("/"))
        response = page.goto(f"{server.url}/careerlab/grade/{ASSIGNMENT}?token={server.token}")
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe" not in policy
        assert page.evaluate("window.top === window.self")  # its own tab, not a frame
        expect(page.locator(".cl-progress")).to_have_text("0 of 3 graded")

        # Keyboard only from here on.
        press_to(page, page.get_by_role("link", name="Start grading"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{base_url}careerlab/grade/{ASSIGNMENT}/alice")
        ready(page, expect)
        page.keyboard.press("c")  # a comment on the criterion the teacher is on
        expect(page.locator("#comment-market-analysis")).to_be_focused()
        page.keyboard.type(ALICE_COMMENT)
        page.keyboard.press("Tab")  # leaving the box saves it
        expect(page.locator("#cl-status")).to_contain_text("Comment saved")
        grade_with_keys(page, expect, ALICE_KEYS)
        expect(page.locator("#cl-progress")).to_have_text("1 of 3 graded")
        expect(page.locator("#cl-next")).to_be_focused()  # after the last criterion
        page.keyboard.press("n")
        page.wait_for_url(f"**/careerlab/grade/{ASSIGNMENT}/bob")
        ready(page, expect)
        grade_with_keys(page, expect, BOB_KEYS)
        expect(page.locator("#cl-progress")).to_have_text("2 of 3 graded")

        page.reload()  # what is shown after a reload comes from the gradebook
        ready(page, expect)
        check_levels_shown(page, expect, BOB_KEYS)
        page.keyboard.press("p")
        page.wait_for_url(f"**/careerlab/grade/{ASSIGNMENT}/alice")
        ready(page, expect)
        check_levels_shown(page, expect, ALICE_KEYS)
        expect(page.locator("#comment-market-analysis")).to_have_value(ALICE_COMMENT)
        expect(page.locator("#cl-progress")).to_have_text("2 of 3 graded")
        check_accessibility(page)
        assert page.dialogs == []  # type: ignore[attr-defined]

    # The gradebook, the export and each student's feedback say the same.
    coursedir = data.Course.at(course).coursedir
    for student, keys in (("alice", ALICE_KEYS), ("bob", BOB_KEYS)):
        given = levels_for(coursedir, ASSIGNMENT, ASSIGNMENT, student)
        assert {c: g.level for c, g in given.items()} == expected(keys)
        for criterion, level in expected(keys).items():
            assert grade_of(course, student, criterion) == (points(criterion, level), False)
    assert levels_for(coursedir, ASSIGNMENT, ASSIGNMENT, "alice")["market-analysis"].comment == (
        ALICE_COMMENT
    )
    run_app(course, str(BIN / "careerlab"), "export", ASSIGNMENT)
    rows = json.loads((course / "exports" / f"{ASSIGNMENT}-criteria.json").read_text())["rows"]
    exported = {(r["student"], r["criterion"]): r["level"] for r in rows}
    for student, keys in (("alice", ALICE_KEYS), ("bob", BOB_KEYS)):
        assert {c: exported[(student, c)] for c in CRITERIA} == expected(keys)
    assert {exported[("carol", c)] for c in CRITERIA} == {None}
    run_app(course, "nbgrader", "generate_feedback", ASSIGNMENT)
    for student, keys in (("alice", ALICE_KEYS), ("bob", BOB_KEYS)):
        page_text = feedback_page(course, student)
        embedded = read_rubric_data(page_text)
        assert {c: v["level"] for c, v in embedded["levels"].items()} == expected(keys)
        rows_text = rubric_rows(page_text)
        for criterion in RUBRIC.criteria:
            level = RUBRIC.level(expected(keys)[criterion.id])
            following = RUBRIC.next_level(level.id)
            text = rows_text[criterion.title]
            if following:
                assert f"Next step: reach {following.name}." in text, (student, criterion.id)
            else:
                assert "Top level reached." in text
    assert ALICE_COMMENT in feedback_page(course, "alice")
    check_feedback_on_a_phone(course, tmp_path)


def check_feedback_on_a_phone(root: Path, tmp_path: Path) -> None:
    """The feedback file as a student opens it on a phone: nothing wider than the screen."""
    from playwright.sync_api import expect

    with chromium_page(tmp_path) as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto((root / "feedback" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.html").as_uri())
        section = page.locator("section.careerlab-rubric")
        expect(section).to_be_visible()
        expect(section.locator("td.careerlab-given").first).to_contain_text("✓ Level given")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert page.evaluate("() => document.body.clientWidth") <= 390


@in_a_browser
def test_the_page_at_the_server_root_with_hostile_work(course, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    with jupyter_lab(course, course, tmp_path / "state") as server, chromium_page(tmp_path) as page:
        page.goto(f"{server.url}/careerlab/grade/{ASSIGNMENT}/carol?token={server.token}")
        ready(page, expect)
        work = page.locator(".cl-work")
        expect(work).to_contain_text("Riverside <script>alert('xss-script')</script>")
        assert work.locator("img[src='x']").count() == 0
        expect(page.locator("#criterion-market-analysis .cl-self")).to_contain_text("Advanced")
        page.keyboard.press("2")  # the first criterion without a level
        expect(page.locator("#cl-status")).to_contain_text(
            "Saved: Accurate market analysis, Developing (4 points)."
        )
        page.reload()
        ready(page, expect)
        expect(page.locator("#criterion-market-analysis input[value=developing]")).to_be_checked()
        check_accessibility(page)
        assert page.dialogs == []  # type: ignore[attr-defined]
        # Anonymous grading: no name anywhere in the list or the page.
        page.goto(f"{server.url}/careerlab/grade/{ASSIGNMENT}?anonymous=1")
        page.get_by_role("link", name="Start grading").click()
        ready(page, expect)
        text = page.locator("body").inner_text() + page.url
        assert not any(name in text for name in STUDENTS), text[:500]
        check_accessibility(page)


@in_a_browser
def test_the_rubric_works_while_the_work_comes_and_a_late_answer_never_wins(served, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    course, server = served
    not_rendered_yet(course, "carol")
    held = []  # the page's first request for the work, answered last

    def hold_the_first(route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    with chromium_page(tmp_path) as page:
        page.route("**/work", hold_the_first)
        page.goto(f"{server.url}/careerlab/grade/{ASSIGNMENT}/carol?token={server.token}")
        ready(page, expect)
        answers = page.locator("#cl-answers")
        expect(answers).to_have_attribute("data-pending", "1")
        wait_until(lambda: held or page.wait_for_timeout(50), "the page asks for the work")
        page.keyboard.press("3")  # grading goes on while the work is on its way
        expect(page.locator("#cl-status")).to_contain_text("Saved:")
        # The tab comes back: a second request, answered first.
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        expect(answers.locator(".cl-task").first).to_be_visible()
        expect(answers).not_to_have_attribute("data-pending", "1")
        version = answers.get_attribute("data-version")
        held[0].fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"html": '<p id="earlier">an earlier answer</p>', "version": "0"}),
        )
        # Nothing to wait for (it must not happen): give the page time to handle it.
        page.evaluate("() => new Promise((done) => setTimeout(done, 300))")
        assert page.locator("#earlier").count() == 0
        assert answers.get_attribute("data-version") == version
        assert page.dialogs == []  # type: ignore[attr-defined]
    given = levels_for(ctx(course).coursedir, ASSIGNMENT, ASSIGNMENT, "carol")
    assert LEVELS[3] in {grade.level for grade in given.values()}
