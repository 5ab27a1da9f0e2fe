"""One student-id rule, in careerlab.course, everywhere a student enters or is shown.

What JupyterHub authenticators produce (login names, e-mail addresses) is
accepted; markup, paths, spaces, control characters and a leading dot or dash
are refused: by the gradebook itself (nbgrader's ``db student add``, its
autograde, Formgrader's student API), by ``careerlab autograde`` (reason
``bad-student-id``, the batch goes on), and by every page and command. A
student whose id is an e-mail address gets a grading page, a showcase, an export
and feedback like anyone else.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from nbgrader.api import Gradebook, MissingEntry

from careerlab import course as layout
from careerlab import showcase
from careerlab.grading_page import data, handlers

from ..conftest import BIN, run_app
from ..servers import jupyter_lab
from .hostile_class import ANA, ASSIGNMENT, MARKUP_ID

GOOD = [
    "ana",
    "ana.lee@school.org",
    "ana.lee+cs@school.org",
    "A_B-c.9",
    "s123456",
    "x" * 128,
]
BAD = [
    "",
    "<script>alert(1)</script>",
    MARKUP_ID,
    'ana"lee',
    "ana'lee",
    "ana&lee",
    "ana/lee",
    "..",
    "../etc",
    "ana..lee",
    "a\\b",
    "ana lee",
    "ana\n",
    "ana\tx",
    "ana\x00",
    "ana\u200blee",  # a zero-width space
    "anа",  # a Cyrillic а: looks like ana
    ".hidden",
    "-rf",
    "+ana",
    "@ana",
    "x" * 129,
]


def test_the_rule_accepts_real_ids_and_refuses_the_rest():
    for good in GOOD:
        assert layout.check_student_id(good) == good
    for bad in BAD:
        with pytest.raises(layout.StudentIdError) as refused:
            layout.check_student_id(bad)
        message = str(refused.value)
        # The id is shown (the teacher sees what), with control characters spelled out.
        assert "not a valid student id" in message, message
        assert not any(ch in message for ch in "\n\t\x00\u200b"), message
    for junk in (None, 5, b"ana", ["ana"]):
        with pytest.raises(layout.StudentIdError):
            layout.check_student_id(junk)


def test_every_page_and_command_uses_the_same_rule(hostile_class):
    root = hostile_class["root"]
    ctx = data.Course.at(root)
    for bad in BAD:
        with pytest.raises(showcase.ShowcaseError, match="not a valid student id"):
            showcase.showcase_html(root, ASSIGNMENT, bad)
        with pytest.raises(data.GradingError) as refused:
            data.resolve(ctx, ASSIGNMENT, bad, anonymous=False)
        assert refused.value.status == 404 and "not a valid student id" in str(refused.value)
    # Every good id reaches the grading page's handlers, as a browser quotes it.
    patterns = [re.compile(pattern) for pattern, _ in handlers.HANDLERS]
    for good in GOOD:
        path = f"careerlab/grade/{ASSIGNMENT}/{quote(good, safe='')}"
        assert any(p.fullmatch(path) for p in patterns), path
        if good != ANA:  # accepted by the showcase: it looks for the work
            with pytest.raises(showcase.ShowcaseError, match="No answers"):
                showcase.showcase_html(root, ASSIGNMENT, good)


def in_gradebook(root: Path, student: str) -> bool:
    coursedir = layout.course_directory(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        try:
            gradebook.find_student(student)
        except MissingEntry:
            return False
        return True


def test_a_markup_id_never_enters_the_gradebook(hostile_class):
    root, outcomes = hostile_class["root"], hostile_class["outcomes"]
    # careerlab autograde refused the folder, said why, and graded the others.
    refused = outcomes[MARKUP_ID]
    assert refused["status"] == "failed" and refused["reason"] == "bad-student-id", refused
    assert "not a valid student id" in refused["detail"]
    assert outcomes[ANA]["status"] == "graded"
    assert "bad-student-id" in hostile_class["autograde"].stdout
    assert not in_gradebook(root, MARKUP_ID)
    # nbgrader's own autograde and roster command are refused by the gradebook itself.
    run_app(root, "nbgrader", "autograde", ASSIGNMENT, f"--student={MARKUP_ID}", check=False)
    assert not in_gradebook(root, MARKUP_ID)
    for bad in ("<script>alert(1)</script>", "../x", ".hidden", "ana lee"):
        added = run_app(root, "nbgrader", "db", "student", "add", bad, check=False)
        assert added.returncode != 0 and "not a valid student id" in added.stderr, added.stderr
        assert not in_gradebook(root, bad)
    added = run_app(root, "nbgrader", "db", "student", "add", "ana.lee+cs@school.org")
    assert in_gradebook(root, "ana.lee+cs@school.org")


def call(url: str, token: str, method: str = "GET", body: bytes | None = None):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        url, method=method, data=body, headers={"Authorization": f"token {token}"}
    )
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_an_email_id_works_everywhere(hostile_class, tmp_path):
    root = hostile_class["root"]
    # The showcase, as a page file.
    out = tmp_path / "showcase.html"
    run_app(root, str(BIN / "careerlab"), "showcase", ASSIGNMENT, ANA, "--html", str(out))
    assert f"Work by {ANA}" in out.read_text(encoding="utf-8")
    # The export.
    run_app(root, str(BIN / "careerlab"), "export", ASSIGNMENT, "--out", str(tmp_path / "x"))
    rows = json.loads((tmp_path / "x" / f"{ASSIGNMENT}-criteria.json").read_text())["rows"]
    assert ANA in {row["student"] for row in rows}
    # The feedback, with the rubric.
    run_app(root, "nbgrader", "generate_feedback", ASSIGNMENT, f"--student={ANA}", check=False)
    page = root / "feedback" / ANA / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert "careerlab-rubric" in page.read_text(encoding="utf-8")
    # The grading page and its API, on a real server; Formgrader refuses a markup id.
    with jupyter_lab(root, root, tmp_path / "state") as server:
        quoted = quote(ANA, safe="")
        status, text = call(f"{server.url}/careerlab/api/grade/{ASSIGNMENT}", server.token)
        assert status == 200 and ANA in [s["student"] for s in json.loads(text)["submissions"]]
        status, text = call(f"{server.url}/careerlab/api/grade/{ASSIGNMENT}/{quoted}", server.token)
        assert status == 200 and json.loads(text)["student"] == ANA
        status, text = call(f"{server.url}/careerlab/grade/{ASSIGNMENT}/{quoted}", server.token)
        assert status == 200 and "careerlab-memo" in text
        # The work alone (a page sent before it was rendered fetches it): the same rule.
        work = f"{server.url}/careerlab/api/grade/{ASSIGNMENT}"
        status, text = call(f"{work}/{quoted}/work", server.token)
        assert status == 200 and "careerlab-memo" in json.loads(text)["html"]
        for bad in ("<script>alert(1)</script>", "..x", MARKUP_ID):
            status, text = call(f"{work}/{quote(bad, safe='')}/work", server.token)
            assert status == 404 and "not a valid student id" in text, (bad, text[:200])
        status, _ = call(
            f"{server.url}/careerlab/api/grade/{ASSIGNMENT}/{quoted}/criteria/evidence",
            server.token,
            "PUT",
            b'{"level": "proficient"}',
        )
        assert status == 200
        for bad in ("<script>alert(1)</script>", "ana lee", "..x"):
            status, _ = call(
                f"{server.url}/formgrader/api/student/{quote(bad, safe='')}",
                server.token,
                "PUT",
                b'{"first_name": "x"}',
            )
            assert status >= 400, bad
            assert not in_gradebook(root, bad.strip())
