"""One story per project: a person's name in two projects is a problem of
``careerlab check``, and ``people:`` in workbook.yml takes no hostile names.

Each test builds a tiny course of plain files (no kernel, no notebook), so the whole
module runs in well under a second; one test copies two real projects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from careerlab import course
from careerlab.author import check_course
from careerlab.author.people import check_people
from careerlab.catalog import validate

REPO = Path(__file__).resolve().parents[2]


def project(root: Path, name: str, people: object, text: str = "", **files: str) -> Path:
    folder = root / course.SOURCE_DIRECTORY / name
    folder.mkdir(parents=True)
    (folder / course.METADATA_FILE).write_text(
        yaml.safe_dump({"id": name, "people": people}), encoding="utf-8"
    )
    (folder / course.TEXT_FILE).write_text(text, encoding="utf-8")
    for file_name, content in files.items():
        (folder / file_name.replace("_", ".")).write_text(content, encoding="utf-8")
    return folder


def test_every_project_declares_its_people_and_shares_none() -> None:
    for folder in course.assignments(REPO):
        data = yaml.safe_load((folder / course.METADATA_FILE).read_text(encoding="utf-8"))
        assert isinstance(data.get("people"), list), f"{folder.name} declares no people:"
    assert check_people(REPO) == []


def test_a_declared_name_in_another_projects_files_names_both(tmp_path: Path) -> None:
    project(tmp_path, "store", ["Rosa Delgado"], "Rosa Delgado owns the store.")
    project(
        tmp_path,
        "clinic",
        ["Jamie Okafor"],
        "Jamie Okafor checks on the patient.\n\nIs Ms. Delgado getting worse?\n",
        solutions_yml="note: >-\n  the patient, Rosa\n  Delgado, is 64\n",
        vitals_csv="patient,temp\nRosa Delgado,38.1\n",
    )
    problems = "\n".join(check_people(tmp_path))
    clinic = tmp_path / "workbooks" / "clinic"
    store_yml = tmp_path / "workbooks" / "store" / "workbook.yml"
    # In the prose (the formal "Ms. Delgado"), folded across a YAML line, and in data.
    assert f"{clinic / 'workbook.md'}: line 3: 'Ms. Delgado'" in problems
    assert f"{clinic / 'solutions.yml'}: line 2: 'Rosa Delgado'" in problems
    assert f"{clinic / 'vitals.csv'}: line 2: 'Rosa Delgado'" in problems
    assert f"('Rosa Delgado' in {store_yml})" in problems


def test_a_name_or_first_name_declared_in_two_projects(tmp_path: Path) -> None:
    project(tmp_path, "store", ["Rosa Delgado", "Sam Okafor"])
    project(tmp_path, "clinic", ["Rosa Delgado", "Sam Rivera", "Mr. Lee"])
    project(tmp_path, "school", ["Dana Okafor"])  # a shared surname alone is allowed
    problems = check_people(tmp_path)
    assert len(problems) == 2, problems
    assert "'Rosa Delgado' is also a person in" in problems[0]
    assert "'Sam Rivera' and 'Sam Okafor'" in problems[1] and "first name 'Sam'" in problems[1]


def test_a_first_name_standing_for_another_storys_person(tmp_path: Path) -> None:
    project(tmp_path, "store", ["Rosa Delgado"], "Rosa reads the report.")
    project(tmp_path, "clinic", [], "Check on the patient.\nThen tell Rosa.\n")
    problems = check_people(tmp_path)
    assert len(problems) == 1 and "clinic/workbook.md: line 2: 'Rosa'" in problems[0]


def test_an_undeclared_full_name_in_the_prose(tmp_path: Path) -> None:
    text = "# Meet the Team\n\nYour manager, Emily Carter, and Rosa Vega (not Grace Is) help.\n"
    project(tmp_path, "store", ["Rosa Delgado"], "Rosa Delgado owns it.")
    folder = project(tmp_path, "clinic", [], text)
    problems = [p for p in check_people(tmp_path) if "Declare it or rename it." in p]
    # Emily is a common given name (SSA); Rosa is a first name some project declares.
    assert [p.split(": ", 2)[2][:14] for p in problems] == ["'Emily Carter'", "'Rosa Vega' lo"]
    assert problems[0].startswith(f"{folder / 'workbook.md'}: line 3: ")
    (folder / course.METADATA_FILE).write_text("people: [Emily Carter, Rosa Vega]\n")
    assert [p for p in check_people(tmp_path) if "Emily" in p] == []


HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "<b>Eve</b> Adams",
    "Rosa.* Delgado",
    "(a+)+$",
    "[A-Z]\\w+",
    "Eve " + "Adams" * 2000,
    "Robert'); DROP TABLE students;--",
    "Eve\nAdams",
    "",
    "   ",
    42,
    None,
    ["Eve"],
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_people_takes_only_plain_names(tmp_path: Path, name: object) -> None:
    problems = validate({"id": "store", "people": [name]}, tmp_path / "store")
    people = [p for p in problems if ": people: " in p]
    assert len(people) == 1 and "is not a person's name" in people[0], problems
    assert len(people[0]) < 400  # a 10,000-character name is cut short, never echoed
    # The check itself never turns a declared name into a pattern unescaped: these
    # match nothing and crash nothing, though every text below is full of words.
    project(tmp_path, "store", [name, "Rosa Delgado"], "Rosa Delgado owns it.")
    project(tmp_path, "other", [], "Eve Adams and Anna Smith (a+)+$ [A-Z]")
    problems = check_people(tmp_path)
    assert all("Anna Smith" in p for p in problems), problems


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ("Rosa Delgado", "must be a list"),
        (["Rosa Delgado", "Rosa Delgado"], "listed twice"),
        ([f"Person {chr(65 + i % 26)}" for i in range(41)], "at most 40"),
    ],
)
def test_people_shape(tmp_path: Path, people: object, message: str) -> None:
    problems = validate({"id": "store", "people": people}, tmp_path / "store")
    assert any(": people: " in p and message in p for p in problems), problems


def test_plain_names_pass(tmp_path: Path) -> None:
    names = ["Min-jun Kim", "Dr. Lena Park", "Sarah O'Neil", "José Núñez", "Sam", "Mr. Lee"]
    problems = validate({"id": "store", "people": names}, tmp_path / "store")
    assert not [p for p in problems if "people" in p]


def test_careerlab_check_names_the_story_a_renamed_person_came_back_to(tmp_path: Path) -> None:
    """The bad example the issue found: the store's owner was the patient's name. Put it
    back in a copy of the two real projects and ``careerlab check`` reports it."""
    root = tmp_path / "course"
    for name in ("log-detective", "vitals-care-plan"):
        shutil.copytree(REPO / "workbooks" / name, root / "workbooks" / name)
    shutil.copytree(REPO / "rubrics", root / "rubrics")
    store = root / "workbooks" / "log-detective"
    for file_name in ("workbook.md", "workbook.yml"):
        path = store / file_name
        path.write_text(path.read_text(encoding="utf-8").replace("Nora Haugen", "Rosa Delgado"))
    problems = [p for p in check_course(root) if "person" in p]
    assert any(
        "log-detective/workbook.yml: people: 'Rosa Delgado' is also a person in" in p
        and "vitals-care-plan/workbook.yml" in p
        for p in problems
    ), problems
