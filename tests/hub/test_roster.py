"""Rosters: every format read from small CSVs with the real header names (bad rows included,
and the hostile ones: markup and paths in ids, a huge field, a BOM, CRLF), the classroom
file rewritten only when something changes, and one import on the shared hub, checked as
the people themselves (their own sign-in and token)."""

from __future__ import annotations

import json
import pwd
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from careerlab.hub import roster
from careerlab.hub.classroom import ClassroomError, Name, load, parse, replace_people
from careerlab.hub.roster import Member, RosterError, read

from ..conftest import REPO


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def whys(result) -> dict[int, str]:
    return {p.line: p.why for p in result.problems}


def test_our_columns_with_bad_rows_reported_by_line(tmp_path):
    path = write(
        tmp_path,
        "roster.csv",
        "hub_name,role,first_name,last_name\n"
        "Ms.Rivera@School.org,teacher,Teresa,Rivera\n"  # 2: upper case is lowered
        "ana.lee@school.org,Student,Ana,Lee\n"  # 3
        ",student,No,Id\n"  # 4: missing id
        "../../etc/passwd,student,P,Ath\n"  # 5: a path
        "ana.lee@school.org,student,Ana,Again\n"  # 6: duplicate
        "ben@school.org,admin,Ben,Cruz\n"  # 7: unknown role
        "\n"  # blank: skipped silently
        "chloe@school.org,student,,\n",  # 9: no names is fine
    )
    result = read(path)
    assert result.format == "careerlab"
    assert result.members == [
        Member("ms.rivera@school.org", "teacher", "Teresa", "Rivera", 2),
        Member("ana.lee@school.org", "student", "Ana", "Lee", 3),
        Member("chloe@school.org", "student", "", "", 9),
    ]
    problems = whys(result)
    assert set(problems) == {4, 5, 6, 7}
    assert "no e-mail" in problems[4]
    assert "not a valid student id" in problems[5]
    assert "already on line 3" in problems[6]
    assert "role 'admin'" in problems[7]
    assert all(p.file == "roster.csv" for p in result.problems)


def test_google_classroom_export(tmp_path):
    path = write(
        tmp_path,
        "grades.csv",
        "Last Name,First Name,Email Address,Essay 1\n"
        "Lee,Ana,ana.lee@school.org,9\n"
        "Cruz,Ben,,7\n"
        "Nguyen,Chloe,Chloe.Nguyen@school.org,\n",
    )
    result = read(path)
    assert result.format == "google-classroom"
    assert [(m.hub_name, m.role, m.first_name, m.last_name) for m in result.members] == [
        ("ana.lee@school.org", "student", "Ana", "Lee"),
        ("chloe.nguyen@school.org", "student", "Chloe", "Nguyen"),
    ]
    assert list(whys(result)) == [3]


def test_clever_students_and_teachers(tmp_path):
    students = write(
        tmp_path,
        "students.csv",
        "School_id,Student_id,Student_number,Last_name,First_name,Grade,Student_email,Username\n"
        "s1,1001,1001,Lee,Ana,9,ana.lee@school.org,alee\n"
        "s1,1002,1002,Cruz,Ben,9,,bcruz\n"  # no e-mail: the username
        "s1,1003,1003,Doe,Jo,9,,\n",  # neither
    )
    result = read(students)
    assert result.format == "clever-students"
    assert [(m.hub_name, m.role) for m in result.members] == [
        ("ana.lee@school.org", "student"),
        ("bcruz", "student"),
    ]
    assert list(whys(result)) == [4]
    teachers = write(
        tmp_path,
        "teachers.csv",
        "School_id,Teacher_id,Teacher_number,Teacher_email,First_name,Last_name,Title\n"
        "s1,t1,t1,ms.rivera@school.org,Teresa,Rivera,Ms.\n",
    )
    result = read(teachers)
    assert result.format == "clever-teachers"
    assert result.members == [Member("ms.rivera@school.org", "teacher", "Teresa", "Rivera", 2)]


ONEROSTER_USERS = (
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
    "middleName,identifier,email,sms,phone\n"
    "u1,active,,true,trivera,,Teresa,Rivera,,,ms.rivera@school.org,,\n"
    "u2,active,,true,alee,,Ana,Lee,,,ana.lee@school.org,,\n"
    "u3,active,,false,bcruz,,Ben,Cruz,,,ben@school.org,,\n"  # disabled
    "u4,active,,true,dnew,,Dee,New,,,,,\n"  # no e-mail: the username
    "u5,active,,true,aide1,,Al,Aide,,,aide@school.org,,\n"
)
ONEROSTER_ENROLLMENTS = (
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
    "primary,beginDate,endDate\n"
    "e1,active,,c1,s1,u1,teacher,true,,\n"
    "e2,active,,c1,s1,u2,student,false,,\n"
    "e3,active,,c1,s1,u3,student,false,,\n"
    "e4,active,,c1,s1,u4,student,false,,\n"
    "e5,tobedeleted,,c1,s1,u2,student,false,,\n"  # a delta's removal: not a second row
    "e6,active,,c1,s1,u9,student,false,,\n"  # no such user
    "e7,active,,c1,s1,u5,aide,false,,\n"
    "e8,active,,c2,s1,u2,student,false,,\n"  # another class
)


def test_oneroster_users_and_enrollments(tmp_path):
    users = write(tmp_path, "users.csv", ONEROSTER_USERS)
    enrollments = write(tmp_path, "enrollments.csv", ONEROSTER_ENROLLMENTS)
    with pytest.raises(RosterError, match="--enrollments"):
        read(users)
    with pytest.raises(RosterError, match="2 classes"):
        read(users, enrollments=enrollments)
    result = read(users, enrollments=enrollments, class_id="c1")
    assert result.format == "oneroster"
    assert [(m.hub_name, m.role, m.first_name, m.line) for m in result.members] == [
        ("ms.rivera@school.org", "teacher", "Teresa", 2),
        ("ana.lee@school.org", "student", "Ana", 3),
        ("dnew", "student", "Dee", 5),
    ]
    problems = {(p.file, p.line): p.why for p in result.problems}
    assert "disabled" in problems[("users.csv", 4)]
    assert "no user 'u9'" in problems[("enrollments.csv", 7)]
    assert "role 'aide'" in problems[("users.csv", 6)]


def test_format_is_detected_or_forced_and_unknown_headers_refused(tmp_path):
    unknown = write(tmp_path, "x.csv", "name,mail\nA,a@x.org\n")
    with pytest.raises(RosterError, match="cannot tell the format"):
        read(unknown)
    with pytest.raises(RosterError, match="needs the column"):
        read(unknown, "careerlab")
    with pytest.raises(RosterError, match="empty"):
        read(write(tmp_path, "empty.csv", ""))


def test_hostile_rosters(tmp_path, monkeypatch):
    huge = "a" * 1_000_000
    path = write(
        tmp_path,
        "hostile.csv",
        # A BOM and CRLF line ends, as Excel writes them.
        (
            "\ufeffhub_name,role,first_name,last_name\r\n"
            '"<script>alert(1)</script>@x.org",student,A,B\r\n'  # 2: markup in the id
            "/etc/shadow,student,A,B\r\n"  # 3: an absolute path
            "\x1b[2J-rf,student,A,B\r\n"  # 4: an option and a terminal escape
            f"{huge}@x.org,student,A,B\r\n"  # 5: a 1 MB id
            f"ok1@x.org,student,{huge},B\r\n"  # 6: a 1 MB name
            'ok2@x.org,student,"<img src=x onerror=alert(1)>",B\r\n'  # 7: markup in a name
            'ok3@x.org,student,"Two\r\nLines",B\r\n'  # 8-9: a control character in a name
            "ok4@x.org,student,Zoë,O'Brien\r\n"  # 10: a real name with ' and ë is fine
        ).encode(),
    )
    result = read(path)
    assert result.format == "careerlab"  # the BOM did not hide the first column
    assert result.members == [Member("ok4@x.org", "student", "Zoë", "O'Brien", 10)]
    problems = whys(result)
    assert set(problems) == {2, 3, 4, 5, 6, 7, 8}
    assert all(len(why) < 400 for why in problems.values())  # a huge field is not echoed
    # Reported as plain text for the terminal: the id shown escaped, never raw control bytes.
    assert "not a valid student id" in problems[2]
    assert "\x1b" not in problems[4] and "\\x1b" in problems[4]
    # A file beyond the cap is refused whole, before it is parsed.
    monkeypatch.setattr(roster, "MAX_BYTES", 1000)
    with pytest.raises(RosterError, match="at most 1000"):
        read(path)
    with pytest.raises(RosterError, match="not UTF-8"):
        read(
            write(tmp_path, "latin.csv", "hub_name,role\nzo\xeb@x.org,student\n".encode("latin-1"))
        )


CLASSROOM = {
    "courses": [
        {"id": "c-1", "teachers": ["t@x.org"], "students": ["a@x.org", "b@x.org"]},
        {"id": "c-2", "teachers": ["t2@x.org"], "students": ["a@x.org"], "lti_context_ids": []},
    ]
}


def test_classroom_file_people_replaced_atomically_and_only_when_changed(tmp_path):
    path = tmp_path / "classroom.yml"
    path.write_text(yaml.safe_dump(CLASSROOM))
    path.chmod(0o640)
    assert load(path).names == {}  # a file without people: still valid
    names = {"d@x.org": Name("Dee", "New"), "a@x.org": Name("Ana", "Lee")}
    assert replace_people(path, "c-1", None, ["a@x.org", "d@x.org"], names)
    classroom = load(path)
    course = classroom.course("c-1")
    assert course.teachers == ("t@x.org",) and course.students == ("a@x.org", "d@x.org")
    assert classroom.course("c-2").students == ("a@x.org",)
    assert classroom.names["d@x.org"] == Name("Dee", "New")
    assert path.stat().st_mode & 0o777 == 0o640
    text = path.read_bytes()
    assert not replace_people(path, "c-1", None, ["a@x.org", "d@x.org"], names)
    assert path.read_bytes() == text
    # A change that would make the file wrong is refused and writes nothing.
    with pytest.raises(ClassroomError, match="teacher and student"):
        replace_people(path, "c-1", None, ["t@x.org"], {})
    assert path.read_bytes() == text
    assert [p.name for p in tmp_path.iterdir()] == ["classroom.yml"]
    with pytest.raises(ClassroomError, match="people"):
        parse({**CLASSROOM, "people": {"../x": {"first_name": "A"}}})
    with pytest.raises(ClassroomError, match="must be text"):
        parse({**CLASSROOM, "people": {"a@x.org": {"first_name": ["A"]}}})


# --- on the shared hub -------------------------------------------------------------------

DEE = "dee.new@school.org"


def roster_import(hub, roster_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "careerlab"),
            "roster",
            "import",
            str(roster_file),
            "--course=bio-201",
            f"--classroom={hub.root / 'classroom.yml'}",
            f"--root={hub.root}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def gradebook_students(hub) -> dict[str, tuple[str | None, str | None]]:
    database = hub.root / "courses" / "bio-201" / "gradebook.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, first_name, last_name FROM student").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_a_roster_import_adds_and_drops_on_the_running_hub(hub, tmp_path):
    from .classroom_hub import CY

    cy = hub.person(CY)  # signed in while still in bio-201
    cy.start_server()
    cy_home = Path(json.loads((hub.root / "hub" / "accounts.json").read_text())[CY])
    gradebook = hub.root / "courses" / "bio-201" / "gradebook.db"
    with sqlite3.connect(gradebook) as db:  # a row of cy's work, as autograde leaves it
        db.execute("INSERT OR IGNORE INTO student (id) VALUES (?)", (CY,))
    owner = gradebook.stat().st_uid
    roster_file = write(
        tmp_path,
        "bio.csv",
        "hub_name,role,first_name,last_name\n"
        "t3,teacher,Tess,Three\n"
        f"{DEE},student,Dee,New\n"
        "../cy,student,Bad,Row\n",
    )
    done = roster_import(hub, roster_file)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"added: {DEE} (student)" in done.stdout
    assert f"dropped: {CY} (student)" in done.stdout
    assert "bio.csv line 4:" in done.stdout
    assert "server stopped" in done.stdout

    # Dee, as herself: signs in now (no restart), is in the course's group, has her account.
    dee = hub.person(DEE)
    assert dee.call("GET", f"hub/api/users/{quote(DEE)}").json()["groups"] == ["nbgrader-bio-201"]
    names = json.loads((hub.root / "hub" / "accounts.json").read_text())
    account = pwd.getpwnam(names[DEE])
    dee_home = hub.root / "home" / names[DEE]
    assert account.pw_dir == str(dee_home) and dee_home.stat().st_uid == account.pw_uid
    assert dee_home.stat().st_mode & 0o777 == 0o700
    assert gradebook_students(hub)[DEE] == ("Dee", "New")
    assert gradebook.stat().st_uid == owner  # the course's account, not root
    folder = hub.root / "courses" / "bio-201"
    assert not [p for p in folder.glob("gradebook.db*") if p.stat().st_uid == 0]

    # Cy, as himself: no group, no server, cannot sign in again; his work is all kept.
    assert cy.call("GET", f"hub/api/users/{quote(CY)}").json()["groups"] == []
    deadline = time.monotonic() + 60
    while cy.call("GET", f"hub/api/users/{quote(CY)}").json()["servers"]:
        assert time.monotonic() < deadline, "cy's server was not stopped"
        time.sleep(0.5)
    with pytest.raises(AssertionError):
        hub.person(CY)
    assert (hub.root / "home" / cy_home).is_dir()
    assert CY in gradebook_students(hub)

    # The same roster again changes nothing.
    text = (hub.root / "classroom.yml").read_bytes()
    again = roster_import(hub, roster_file)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "updated" not in again.stdout and again.stdout.count("no changes") == 3
    assert (hub.root / "classroom.yml").read_bytes() == text
