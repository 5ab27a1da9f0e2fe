"""The classroom hub over a term's life: a restart keeps everything, idle servers are
culled, and a course is backed up, retired at the end of term and restored from its archive
(the steps docs/deploy.md shows, run as the district's IT person does: as root)."""

from __future__ import annotations

import json
import pwd
import sqlite3
import subprocess
import time

import pytest
import yaml

from careerlab.hub.accounts import AccountMap, course_account, exists

from ..conftest import REPO
from .classroom_hub import ANA, BEN, CO_TEACHER, COURSE, CY, OTHER_COURSE, PROJECT, TEACHER


def careerlab(hub, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "careerlab"), "hub", *args, f"--root={hub.root}"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def gradebook_rows(hub) -> list[tuple]:
    database = hub.root / "courses" / COURSE / "gradebook.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return sorted(
            connection.execute("SELECT id, assignment_id, student_id FROM submitted_assignment")
        )


def without_names(listing: dict) -> dict:
    """The grading page's list of submissions without the names it shows."""
    entries = [{k: v for k, v in e.items() if k != "label"} for e in listing["submissions"]]
    return {**listing, "submissions": entries}


def test_a_restart_keeps_people_tokens_groups_and_grades_and_idle_servers_are_culled(hub):
    teacher, ben = hub.person(TEACHER), hub.person(BEN)
    before = teacher.call("GET", f"services/{COURSE}/careerlab/api/grade/{PROJECT}").json()
    # While the hub is down, the co-teacher is taken out of the classroom file.
    co_teacher = hub.person(CO_TEACHER)
    assert co_teacher.call("GET", f"services/{COURSE}/api/status").status_code == 200
    hub.stop()
    classroom_file = hub.root / "classroom.yml"
    classroom = yaml.safe_load(classroom_file.read_text())
    for course in classroom["courses"]:
        course["teachers"] = [t for t in course["teachers"] if t != CO_TEACHER]
    # The file changes Ana's name; the teacher had changed Ben's in Formgrader.
    classroom["people"][ANA] = {"first_name": "Ana María", "last_name": "Lee"}
    classroom_file.write_text(yaml.safe_dump(classroom))
    gradebook = hub.root / "courses" / COURSE / "gradebook.db"
    with sqlite3.connect(gradebook) as db:
        db.execute("UPDATE student SET first_name = 'Benny' WHERE id = ?", (BEN,))
    hub.restart(idle_timeout=10)
    with sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True) as db:
        names = dict(db.execute("SELECT id, first_name FROM student").fetchall())
    assert (names[ANA], names[BEN]) == ("Ana María", "Benny")
    # At start the hub's groups follow the file: the co-teacher's token no longer opens it.
    assert co_teacher.call("GET", f"services/{COURSE}/api/status").status_code == 403
    # The same token still works (the hub's database kept it), the teacher still reaches
    # only her course, and the grading page shows the same work, under the new names.
    assert teacher.call("GET", "hub/api/user").json()["name"] == TEACHER
    after = teacher.call("GET", f"services/{COURSE}/careerlab/api/grade/{PROJECT}")
    assert after.status_code == 200 and without_names(after.json()) == without_names(before)
    labels = {entry["student"]: entry["label"] for entry in after.json()["submissions"]}
    assert "Ana María" in labels[ANA] and "Benny" in labels[BEN]
    assert teacher.call("GET", f"services/{OTHER_COURSE}/api/status").status_code == 403
    groups = ben.call("GET", f"hub/api/users/{BEN}").json()["groups"]
    assert groups == [f"nbgrader-{COURSE}"]
    # An idle server is stopped by jupyterhub-idle-culler (10 s here, an hour by default).
    ben.start_server()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not ben.call("GET", f"hub/api/users/{BEN}").json()["servers"]:
            break
        time.sleep(2)
    else:
        pytest.fail("the idle culler did not stop Ben's idle server in 90 s")


def test_a_course_is_backed_up_retired_and_restored(hub, tmp_path):
    hub.stop()  # as docs/deploy.md says: servers stopped before retiring a course
    names = AccountMap(hub.root / "hub")
    rows = gradebook_rows(hub)
    assert len(rows) == 2
    ana_work = hub.root / "home" / names.unix_name(ANA) / COURSE / PROJECT / f"{PROJECT}.ipynb"
    notebook = ana_work.read_bytes()
    classroom = f"--classroom={hub.root / 'classroom.yml'}"

    backup = tmp_path / "backup.tar.gz"
    done = careerlab(hub, "backup", COURSE, f"--to={backup}", classroom)
    assert done.returncode == 0, done.stderr
    archive = tmp_path / "end-of-term.tar.gz"
    done = careerlab(hub, "retire", COURSE, f"--archive={archive}", classroom)
    assert done.returncode == 0, done.stderr
    # Gone: the course, its exchange, its accounts, and the people in no other course.
    assert not (hub.root / "courses" / COURSE).exists()
    assert not (hub.root / "exchange" / COURSE).exists()
    assert not exists(course_account(COURSE))
    assert not exists(names.unix_name(ANA)) and not exists(names.unix_name(BEN))
    assert exists(names.unix_name(CY)) and exists(course_account(OTHER_COURSE))
    assert archive.stat().st_mode & 0o777 == 0o600

    done = careerlab(hub, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert gradebook_rows(hub) == rows
    assert ana_work.read_bytes() == notebook
    assert pwd.getpwuid(ana_work.stat().st_uid).pw_name == names.unix_name(ANA)
    course_folder = hub.root / "courses" / COURSE
    assert pwd.getpwuid(course_folder.stat().st_uid).pw_name == course_account(COURSE)
    assert course_folder.stat().st_mode & 0o777 == 0o700
    # Restoring again would write over the course: refused, nothing touched.
    again = careerlab(hub, "restore", str(backup))
    assert again.returncode == 1 and "existing data" in again.stderr
    assert json.loads((hub.root / "hub" / "accounts.json").read_text())[ANA] == names.unix_name(ANA)
    # The restored course works on the hub again: the teacher sees the same submissions.
    hub.restart()
    teacher = hub.person(TEACHER)
    listed = teacher.call("GET", f"services/{COURSE}/careerlab/api/grade/{PROJECT}")
    assert listed.status_code == 200 and listed.json()["progress"]["total"] == 2
