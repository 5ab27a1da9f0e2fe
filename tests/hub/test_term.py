"""A term on the real classroom hub, through its URLs, each person with their own token.

Students fetch a project, answer it in their own servers (as their own Unix accounts) and
submit; the teacher collects and autogrades in the course's formgrader server (as the
course's account), scores the rubric on the grading page and releases feedback; students
fetch their feedback and open their showcase.
"""

from __future__ import annotations

import json
import re

import pytest

from careerlab.catalog.page import NOTEBOOK_PATH as CATALOG
from careerlab.testing.classroom import solution_sources
from careerlab.testing.simulate import load_solutions

from ..conftest import REPO
from .classroom_hub import ANA, BEN, CO_TEACHER, COURSE, PROJECT, TEACHER

SOURCE = REPO / "workbooks" / PROJECT
COURSE_SERVER = f"services/{COURSE}/"


def shell(person, base: str, *command: str) -> str:
    """Run a command in the server at ``base`` as that server's account (a teacher's
    terminal, a student's terminal); fail with its output if it fails."""
    out = person.run(
        base,
        "import subprocess, json\n"
        f"done = subprocess.run({list(command)!r}, capture_output=True, text=True)\n"
        "print(json.dumps([done.returncode, done.stdout[-4000:], done.stderr[-4000:]]))",
    )
    code, stdout, stderr = json.loads(out)
    assert code == 0, f"{command} failed:\n{stdout}\n{stderr}"
    return stdout


def action(student, verb: str) -> list[dict]:
    """The Assignment List's own request (JupyterLab's nbgrader panel sends this)."""
    answer = student.call(
        "POST",
        f"{student.server}assignments/{verb}",
        data={"course_id": COURSE, "assignment_id": PROJECT},
    )
    assert answer.status_code == 200, (verb, answer.status_code, answer.text[:500])
    body = answer.json()
    assert not (isinstance(body, dict) and body.get("success") is False), body
    return body


@pytest.fixture(scope="module")
def term(hub):
    """The whole term, once; the tests below check what each person ends up with."""
    teacher, ana, ben = hub.person(TEACHER), hub.person(ANA), hub.person(BEN)
    shell(teacher, COURSE_SERVER, "nbgrader", "release_assignment", PROJECT)

    for student in (ana, ben):
        student.start_server()
        listed = student.call("GET", f"{student.server}assignments?course_id={COURSE}").json()
        assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [
            (PROJECT, "released")
        ], listed
        action(student, "fetch")

    # Ana answers every task in her own server, through the widgets' own code in a kernel
    # there; Ben hands the workbook in untouched.
    notebook = f"{COURSE}/{PROJECT}/{PROJECT}.ipynb"
    responses = load_solutions(SOURCE).get(PROJECT, {})
    code = solution_sources(SOURCE / f"{PROJECT}.ipynb")
    ana.run(
        ana.server,
        "import json\nfrom careerlab.testing.simulate import answer\n"
        f"answer({notebook!r}, json.loads({json.dumps(responses)!r}),"
        f" code=json.loads({json.dumps(code)!r}))",
    )
    submitted = {"ana": action(ana, "submit")["value"], "ben": action(ben, "submit")["value"]}

    shell(teacher, COURSE_SERVER, "nbgrader", "collect", PROJECT)
    shell(teacher, COURSE_SERVER, "careerlab", "autograde", PROJECT, "--quiet", "--report=graded")
    return {"teacher": teacher, "ana": ana, "ben": ben, "hub": hub, "submitted": submitted}


def test_after_submit_the_list_says_what_was_submitted_and_when(term):
    """The Assignment List's answer to Submit: the receipt made in the student's server."""
    for student, answered in (("ana", r"(\d+) of \1"), ("ben", r"0 of \d+")):
        [mine] = [a for a in term["submitted"][student] if a["status"] == "submitted"]
        [shown] = [s["timestamp"] for s in mine["submissions"]]
        expected = rf"Turned in .+: {PROJECT}\.ipynb \({answered} tasks answered\)"
        assert re.fullmatch(expected, shown), shown


def gradebook_totals(teacher) -> dict[str, float]:
    out = teacher.run(
        COURSE_SERVER,
        "import json\nfrom nbgrader.api import Gradebook\nfrom careerlab import course\n"
        "root = course.find_root()\n"
        f"with Gradebook(course.gradebook_url(root), {COURSE!r}) as gb:\n"
        f"    print(json.dumps({{s.student.id: s.score for s in "
        f"gb.assignment_submissions({PROJECT!r})}}))",
    )
    return json.loads(out)


def test_students_work_is_collected_and_autograded(term):
    totals = gradebook_totals(term["teacher"])
    assert set(totals) == {ANA, BEN}
    assert totals[ANA] > 0 and totals[BEN] == 0, totals


def test_autograde_runs_as_the_courses_account_in_its_sandbox(term):
    """Not root: the course's own account, with the sandbox's non-root fences."""
    out = term["teacher"].run(
        COURSE_SERVER,
        "import getpass, json\n"
        "print(json.dumps([getpass.getuser(), json.load(open('graded.json'))]))",
    )
    account, report = json.loads(out)
    assert account == f"cl-course-{COURSE}"
    rows = report["submissions"]
    assert len(rows) == 2, report
    for row in rows:
        assert row["status"] == "graded", row
        assert "landlock-v" in row["sandbox"] and "seccomp-sockets" in row["sandbox"], row


def test_teachers_score_the_rubric_on_the_grading_page(term, hub):
    teacher = term["teacher"]
    api = f"{COURSE_SERVER}careerlab/api/grade/{PROJECT}"
    listed = teacher.call("GET", api)
    assert listed.status_code == 200, listed.text[:300]
    assert listed.json()["progress"]["total"] == 2
    saved = teacher.call("PUT", f"{api}/{ANA}/criteria/market-analysis", json={"level": "advanced"})
    assert saved.status_code == 200, saved.text[:300]
    # The co-teacher grades the same course and sees the same level.
    co_teacher = hub.person(CO_TEACHER)
    detail = co_teacher.call("GET", f"{api}/{ANA}")
    assert detail.status_code == 200, detail.text[:300]
    assert "advanced" in json.dumps(detail.json())
    # The grading page itself answers under the service's prefix, links included.
    page = teacher.call("GET", f"{COURSE_SERVER}careerlab/grade/{PROJECT}")
    assert page.status_code == 200 and f"/{COURSE_SERVER}careerlab/" in page.text
    # The catalog, a Voila page of the course's own, answers under the prefix (its content is
    # drawn in the browser: the browser test below reads it).
    catalog = teacher.call("GET", f"{COURSE_SERVER}voila/render/{CATALOG}")
    assert catalog.status_code == 200 and f"/{COURSE_SERVER}voila/" in catalog.text


def test_students_get_their_own_feedback_and_showcase(term):
    teacher, ana = term["teacher"], term["ana"]
    teacher.call(
        "PUT",
        f"{COURSE_SERVER}careerlab/api/grade/{PROJECT}/{ANA}/criteria/trade-offs",
        json={"level": "proficient"},
    )
    shell(teacher, COURSE_SERVER, "nbgrader", "generate_feedback", PROJECT)
    shell(teacher, COURSE_SERVER, "nbgrader", "release_feedback", PROJECT)
    action(ana, "fetch_feedback")
    folder = f"{ana.server}api/contents/{COURSE}/{PROJECT}/feedback"
    listing = ana.call("GET", folder)
    assert listing.status_code == 200, listing.text[:300]
    (stamp,) = [entry["name"] for entry in listing.json()["content"]]
    names = {e["name"] for e in ana.call("GET", f"{folder}/{stamp}").json()["content"]}
    assert f"{PROJECT}.html" in names and "showcase.html" in names, names
    base = f"{ana.server}files/{COURSE}/{PROJECT}/feedback/{stamp}/"
    feedback = ana.call("GET", f"{base}{PROJECT}.html").text
    assert "Proficient" in feedback or "proficient" in feedback
    showcase = ana.call("GET", f"{base}showcase.html")
    assert showcase.status_code == 200 and ANA in showcase.text


# --- In a real browser, through the proxy --------------------------------------------------
def sign_in_page(page, hub, name: str) -> None:
    page.goto(f"{hub.url}hub/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", hub.password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


FRAME_LOADS = """async (src) => {
  const frame = document.createElement('iframe');
  frame.src = src;
  document.body.appendChild(frame);
  await new Promise(done => { frame.onload = done; setTimeout(done, 20000); });
  try { return frame.contentDocument ? frame.contentDocument.title : null; }
  catch (e) { return null; }
}"""


def test_in_the_browser_a_student_works_and_a_teacher_grades(term, hub, tmp_path):
    from playwright.sync_api import expect

    from ..servers import chromium_page

    ana_lab = f"{hub.url}user/{ANA}/lab/tree/{COURSE}/{PROJECT}/{PROJECT}.ipynb"
    with chromium_page(tmp_path) as page:
        sign_in_page(page, hub, ANA)
        page.goto(ana_lab)
        # JupyterLab may ask which kernel; Ana's own answers come back when the cells run.
        chooser = page.locator(".jp-Dialog", has_text="Select Kernel")
        try:
            chooser.locator(".jp-mod-accept").click(timeout=15_000)
        except Exception:  # noqa: BLE001 -- no dialog: the notebook's kernel started
            pass
        expect(page.locator(".jp-Notebook")).to_be_visible(timeout=60_000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells")).click()
        progress = page.locator(".careerlab-progress")
        expect(progress).to_contain_text(re.compile(r"(\d+) of \1 tasks answered"), timeout=90_000)
        assert page.locator(".careerlab-task").count() > 0
        assert not page.dialogs

    with chromium_page(tmp_path) as page:
        sign_in_page(page, hub, TEACHER)
        page.goto(f"{hub.url}services/{COURSE}/careerlab/grade/{PROJECT}")
        # Ana by her name from the classroom file's people: (hub start put it in the gradebook).
        student = page.get_by_role("link", name="Ana Lee")
        expect(student).to_be_visible(timeout=30_000)
        student.click()
        page.wait_for_load_state()
        assert page.url.startswith(f"{hub.url}services/{COURSE}/careerlab/grade/{PROJECT}/")
        expect(page.get_by_text("Accurate market analysis").first).to_be_visible(timeout=30_000)
        # The catalog lists the course's project.
        page.goto(f"{hub.url}{COURSE_SERVER}voila/render/{CATALOG}")
        expect(page.get_by_text("Riverbend Coffee").first).to_be_visible(timeout=60_000)
        # nbgrader's Lab panel shows Formgrader in a frame of the same server: it loads.
        page.goto(f"{hub.url}services/{COURSE}/lab")
        expect(page.locator(".jp-LabShell")).to_be_visible(timeout=60_000)
        title = page.evaluate(FRAME_LOADS, f"{hub.url}services/{COURSE}/formgrader")
        assert title and "formgrade" in title.lower(), title
        assert not page.dialogs
