"""What a student cannot do on the classroom hub, tried as that student: their own sign-in,
their own token, code in their own server (as their own Unix account), never root or an
admin token. Each case asserts the refusal. The exchange's own refusals (another's
submission, a forged timestamp, no token) are tried in test_exchange.py."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from .classroom_hub import ANA, BEN, COURSE, CY, OTHER_COURSE, PROJECT

# Run in Ana's kernel: try each path; print what happened to each.
_TRY_READ = """
import json, os
paths = json.loads({paths!r})
seen = {{}}
for path in paths:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        seen[path] = "read"
    except PermissionError:
        seen[path] = "refused"
    except FileNotFoundError:
        seen[path] = "missing"
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def students(hub):
    ana, ben, cy = hub.person(ANA), hub.person(BEN), hub.person(CY)
    for student in (ana, ben):
        student.start_server()
    return ana, ben, cy


def unix_home(hub, name: str) -> str:
    names = json.loads((hub.root / "hub" / "accounts.json").read_text())
    return str(hub.root / "home" / names[name])


def test_a_student_cannot_read_a_classmate_or_the_course_on_disk(hub, students):
    ana, _, _ = students
    ben_home = unix_home(hub, BEN)
    theirs = [
        ben_home,
        f"{ben_home}/{COURSE}/{PROJECT}/{PROJECT}.ipynb",
        str(hub.root / "courses" / COURSE),
        str(hub.root / "courses" / COURSE / "gradebook.db"),
        str(hub.root / "exchange"),
        str(hub.root / "hub" / "jupyterhub.sqlite"),
        str(hub.root / "hub" / "try-out-password"),
        str(hub.root / "hub" / "jupyterhub_cookie_secret"),
    ]
    seen = json.loads(ana.run(ana.server, _TRY_READ.format(paths=json.dumps(theirs))))
    assert seen == dict.fromkeys(theirs, "refused")
    # Her own home is hers alone, and so is every classmate's (mode 0700, not useradd's 0755).
    for name in (ANA, BEN, CY):
        assert (hub.root / "home").joinpath(unix_home(hub, name)).stat().st_mode & 0o777 == 0o700


def test_a_student_cannot_see_the_hubs_secrets_through_proc(hub, students):
    ana, _, _ = students
    code = (
        "import os, json\nseen = {}\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    try:\n"
        "        if os.stat(f'/proc/{pid}').st_uid == os.getuid():\n"
        "            continue\n"
        "        open(f'/proc/{pid}/environ', 'rb').read(1)\n"
        "        seen[pid] = 'read'\n"
        "    except (PermissionError, FileNotFoundError, ProcessLookupError):\n"
        "        pass\n"
        "print(json.dumps(seen))"
    )
    assert json.loads(ana.run(ana.server, code)) == {}


def test_a_student_cannot_open_a_classmates_server(students):
    ana, ben, _ = students
    for path in ("api/contents", "api/kernels", "lab", "api/status"):
        answer = ana.call("GET", f"user/{quote(BEN, safe='@+')}/{path}", allow_redirects=False)
        assert answer.status_code == 403, (path, answer.status_code, answer.text[:200])
    # and cannot start, stop or read it through the hub's API either
    for method, path in (
        ("POST", f"hub/api/users/{BEN}/server"),
        ("DELETE", f"hub/api/users/{BEN}/server"),
        ("GET", f"hub/api/users/{BEN}"),
        ("POST", f"hub/api/users/{BEN}/tokens"),
        ("GET", "hub/api/users"),
    ):
        answer = ana.call(method, path)
        assert answer.status_code in (403, 404), (method, path, answer.status_code)
    assert ben.call("GET", f"{ben.server}api/status").status_code == 200  # still his


@pytest.mark.parametrize(
    "path",
    [
        f"services/{COURSE}/formgrader",
        f"services/{COURSE}/lab",
        f"services/{COURSE}/api/contents",
        f"services/{COURSE}/careerlab/grade/{PROJECT}",
        f"services/{COURSE}/careerlab/api/grade/{PROJECT}",
        f"services/{COURSE}/careerlab/api/grade/{PROJECT}/{BEN}/work",
        f"services/{COURSE}/formgrader/static/js/utils.js",  # with the projects' titles
        f"services/{OTHER_COURSE}/formgrader",
    ],
)
def test_a_student_cannot_open_a_teachers_pages(students, path):
    ana, _, _ = students
    answer = ana.call("GET", path, allow_redirects=False)
    assert answer.status_code == 403, (path, answer.status_code, answer.text[:200])


def test_a_student_sees_and_fetches_only_their_own_courses(students, hub):
    ana, _, cy = students
    cy.start_server()
    # Cy studies biology: Ana's course is not in his list, and fetching from it is refused.
    courses = cy.call("GET", f"{cy.server}assignments?course_id={COURSE}").json()
    assert courses.get("value") in ([], None) or courses.get("success") is False, courses
    fetched = cy.call(
        "POST",
        f"{cy.server}assignments/fetch",
        data={"course_id": COURSE, "assignment_id": PROJECT},
    )
    listing = cy.call("GET", f"{cy.server}api/contents/{COURSE}")
    assert listing.status_code == 404, (fetched.text[:300], listing.text[:300])
