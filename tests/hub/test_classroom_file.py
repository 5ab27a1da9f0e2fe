"""The classroom file and the hub-name -> Unix-name map (no hub needed)."""

from __future__ import annotations

import re

import pytest

from careerlab.hub import accounts
from careerlab.hub.classroom import ClassroomError, parse
from careerlab.hub.layout import Layout, for_this_user


def test_a_good_file_gives_courses_groups_and_people_once():
    classroom = parse(
        {
            "courses": [
                {"id": "cte-101", "teachers": ["Ms.Rivera@School.org"], "students": ["ana", "ben"]},
                {"id": "bio-201", "teachers": ["t3"], "students": ["ana"], "projects": ["x"]},
            ]
        }
    )
    assert classroom.people() == ["ms.rivera@school.org", "ana", "ben", "t3"]
    course = classroom.course("cte-101")
    assert (course.teachers_group, course.students_group) == (
        "formgrade-cte-101",
        "nbgrader-cte-101",
    )
    assert course.projects == () and classroom.course("bio-201").projects == ("x",)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ClassroomError) as refused:
        parse(
            {
                "courses": [
                    {"id": "../etc", "teachers": ["t"]},
                    {"id": "cte-101", "teachers": [], "students": ["<script>", "a b"]},
                    {"id": "cte-101", "teachers": ["t"], "students": ["t"]},
                    "not a course",
                ]
            }
        )
    problems = "\n".join(refused.value.problems)
    assert "'../etc'" in problems and "course id" in problems
    assert "needs at least one teacher" in problems
    assert "'<script>'" in problems and "'a b'" in problems
    assert "listed as teacher and student" in problems
    assert "course cte-101 is listed twice" in problems
    assert "course 4 is not a mapping" in problems
    with pytest.raises(ClassroomError):
        parse({"courses": []})


@pytest.mark.parametrize("course_id", ["cte-", "-cte", "CTE-101", "a" * 41, "cte_101"])
def test_a_course_id_is_a_valid_kubernetes_name(course_id):
    # A course becomes a Service `careerlab-course-<id>` on Kubernetes (DNS-1035 label):
    # a trailing '-' would make a classroom file that works on one machine but not there.
    with pytest.raises(ClassroomError) as refused:
        parse({"courses": [{"id": course_id, "teachers": ["t"]}]})
    assert "course id" in "\n".join(refused.value.problems)


def test_unix_names_are_short_stable_prefixed_and_never_shared(tmp_path):
    names = accounts.AccountMap(tmp_path)
    hub_names = [
        "ana.lee@school.org",
        "ana.lee@other-school.org",  # same slug, another person
        "a" * 120 + "@school.org",
        "ana.lee+cs@school.org",
        "root",
        "cl-course-cte-101",  # a person whose name looks like an account of ours
        "9lives",
    ]
    made = {hub_name: names.unix_name(hub_name) for hub_name in hub_names}
    assert len(set(made.values())) == len(hub_names)
    for unix_name in made.values():
        assert re.fullmatch(r"cl-[a-z0-9]{1,18}-[0-9a-f]{6,10}", unix_name), unix_name
        assert len(unix_name) <= 32
    assert made["ana.lee@school.org"].startswith("cl-analee-")
    assert made["root"] != "root" and made["cl-course-cte-101"] != accounts.course_account(
        "cte-101"
    )
    # The map is kept: a new reader gives the same names, and a collision moves on.
    again = accounts.AccountMap(tmp_path)
    assert {h: again.unix_name(h) for h in hub_names} == made
    taken = again.names["ana.lee@school.org"]
    again.names = {"someone-else": taken}
    assert again.unix_name("ana.lee@school.org") != taken


def test_without_root_the_hub_is_a_marked_single_account_try_out(tmp_path, monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    layout = for_this_user(tmp_path)
    assert layout.single_account and layout.root == tmp_path
    from traitlets.config import Config

    from careerlab.hub.classroom import parse as parse_file
    from careerlab.hub.config import configure

    c = Config()
    classroom = parse_file({"courses": [{"id": "cte-101", "teachers": ["t"], "students": ["s"]}]})
    layout.make_folders()
    configure(c, layout=layout, classroom=classroom, repository=tmp_path)
    assert "Try-out mode" in c.JupyterHub.template_vars["announcement"]
    assert c.CareerLabSpawner.single_account is True
    assert all("user" not in service for service in c.JupyterHub.services)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert for_this_user(tmp_path) == Layout(tmp_path.resolve(), single_account=False)
