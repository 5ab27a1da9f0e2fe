"""A course as `careerlab hub start` makes it, before anything is released: its gradebook
already knows the names of the classroom file's ``people:`` (issue #15), its formgrader
names projects by their titles, and a student's Assignment List is empty, not an error.

The rule for names (``careerlab.hub.courses.fill_gradebook``, shared with the roster
import) is first tried on a gradebook of its own: a name a teacher changed in Formgrader is
kept until the classroom file changes it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from nbgrader.api import Gradebook

from careerlab.hub.classroom import Course, Name
from careerlab.hub.courses import fill_gradebook
from careerlab.hub.layout import Layout
from careerlab.project import read as read_project

from ..conftest import REPO
from .classroom_hub import ANA, BEN, COURSE, CY, OTHER_COURSE, PROJECT, TEACHER

TITLES = "var careerlabProjectTitles = "


def students(database: Path) -> dict[str, tuple[str | None, str | None]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, first_name, last_name FROM student").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_names_follow_the_file_but_keep_a_teachers_change(tmp_path):
    layout = Layout(tmp_path, single_account=True)
    layout.state.mkdir()
    course = Course("c-1", "C", ("t@x.org",), ("a@x.org", "b@x.org", "c@x.org", "d@x.org"))
    folder = layout.course(course.id)
    folder.mkdir(parents=True)
    database = folder / "gradebook.db"
    with Gradebook(f"sqlite:///{database}", course_id=course.id) as gradebook:
        # As autograde leaves a row nobody named (careerlab.course.known_name), and a row
        # a teacher named before the file had names.
        gradebook.update_or_create_student("b@x.org", first_name="", last_name="b@x.org")
        gradebook.update_or_create_student("c@x.org", first_name="Cee", last_name="Teacher")
    names = {
        "a@x.org": Name("Ana", "Lee"),
        "b@x.org": Name("Bo", "Cruz"),
        "c@x.org": Name("Cy", "File"),
    }  # d@x.org: no name in the file

    assert fill_gradebook(layout, course, names) == ["a@x.org", "b@x.org"]
    assert students(database) == {
        "a@x.org": ("Ana", "Lee"),
        "b@x.org": ("Bo", "Cruz"),
        "c@x.org": ("Cee", "Teacher"),  # named by someone: kept, the file did not change it
    }
    # In Formgrader the teacher calls Ana "Annie"; the same file again keeps it.
    with Gradebook(f"sqlite:///{database}", course_id=course.id) as gradebook:
        gradebook.update_or_create_student("a@x.org", first_name="Annie", last_name="Lee")
    assert fill_gradebook(layout, course, names) == []
    assert students(database)["a@x.org"] == ("Annie", "Lee")
    # The file changes Ana's and Cy's names: the file's names win.
    names = {**names, "a@x.org": Name("Anna", "Lee"), "c@x.org": Name("Cy", "Fyle")}
    assert fill_gradebook(layout, course, names) == ["a@x.org", "c@x.org"]
    assert students(database)["a@x.org"] == ("Anna", "Lee")
    assert students(database)["c@x.org"] == ("Cy", "Fyle")
    assert "d@x.org" not in students(database)
    assert (layout.state / "gradebook-names.json").stat().st_mode & 0o777 == 0o600


def test_hub_start_puts_the_files_names_in_each_courses_gradebook(hub):
    rows = students(hub.root / "courses" / COURSE / "gradebook.db")
    assert rows[ANA] == ("Ana", "Lee") and rows[BEN] == ("Ben", "Cruz")
    assert TEACHER not in rows  # the file names her, but she is not a student


def test_the_courses_formgrader_names_projects_by_title(hub):
    teacher = hub.person(TEACHER)
    script = teacher.call("GET", f"services/{COURSE}/formgrader/static/js/utils.js")
    assert script.status_code == 200, script.text[:300]
    (line,) = [x for x in script.text.splitlines() if x.startswith(TITLES)]
    titles = json.loads(line.removeprefix(TITLES).rstrip(";"))
    assert titles == {PROJECT: f"{read_project(REPO / 'workbooks' / PROJECT).title} ({PROJECT})"}


def test_nothing_released_is_an_empty_assignment_list(hub):
    cy = hub.person(CY)
    cy.start_server()
    answer = cy.call("GET", f"{cy.server}assignments?course_id={OTHER_COURSE}")
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json() == {"success": True, "value": []}
