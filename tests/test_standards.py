"""A standard is listed only with the tasks that meet it (issue #16).

Every project's ``standards:`` names, for each code, the tasks in workbook.md (or the
rubric criteria) that meet it and why; the catalog checks the shape and
``careerlab check`` that each task named exists. Hostile shapes and sizes are in
tests/hostile/test_standards.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from careerlab import course
from careerlab.author.rubric_cells import workbook_rubric
from careerlab.author.standards import check_standards, task_ids
from careerlab.catalog import CatalogError, load_catalog, load_project

from .conftest import REPO, run_app

COFFEE = "coffee-site"


def rubric_ids(root: Path) -> set[str]:
    return {p.stem for p in (root / course.RUBRICS_DIRECTORY).glob("*.yml")}


@pytest.fixture
def coffee(tmp_path: Path) -> Path:
    """A course of coffee-site alone (a full course copy is checked six times slower)."""
    for name in course.COURSE_FILES:
        if name == course.SOURCE_DIRECTORY:
            shutil.copytree(REPO / name / COFFEE, tmp_path / name / COFFEE)
        elif (REPO / name).is_dir():
            shutil.copytree(REPO / name, tmp_path / name)
        else:
            shutil.copy(REPO / name, tmp_path / name)
    return tmp_path / course.SOURCE_DIRECTORY / COFFEE


def set_standards(folder: Path, standards: object) -> Path:
    path = folder / course.METADATA_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["standards"] = standards
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def standards_problems(folder: Path) -> list[str]:
    """What ``careerlab check`` says about the standards (the rest of its checks are slow
    here and tested elsewhere; the command itself is run once below)."""
    project = load_project(folder, rubric_ids(folder.parent.parent))
    return check_standards(folder, project, workbook_rubric(folder))


@pytest.mark.parametrize("folder", sorted(p.name for p in (REPO / "workbooks").iterdir()))
def test_every_project_names_real_tasks_for_each_standard(folder):
    path = REPO / "workbooks" / folder
    project = load_project(path, rubric_ids(REPO))
    assert project.standards, f"{folder} lists no standard"
    for standard in project.standards:
        assert standard.tasks and standard.why.strip(), standard
    assert check_standards(path, project, workbook_rubric(path)) == []


def test_the_catalog_gives_each_standard_with_its_tasks():
    coffee = next(p for p in load_catalog(REPO) if p.id == COFFEE)
    by_code = {s.code: s for s in coffee.standards}
    assert "best-value" in by_code["CCSS.MATH.CONTENT.6.RP.A.3.B"].tasks
    # A mean alone is not center and spread (issue #16): no longer claimed.
    assert "CCSS.MATH.CONTENT.6.SP.B.5.C" not in coffee.codes
    card = coffee.as_dict()["standards"][0]
    assert set(card) == {"code", "tasks", "why"} and isinstance(card["tasks"], list)


def test_a_standard_naming_a_missing_task_is_a_problem(coffee):
    path = set_standards(
        coffee,
        [{"code": "MS-ESS1-1", "tasks": ["winter-sun"], "why": "A model of the seasons."}],
    )
    problems = standards_problems(coffee)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: standards: MS-ESS1-1 names 'winter-sun'")
    assert "not a task in workbook.md nor a criterion of rubric 'coffee-site'" in problems[0]
    assert "best-value" in problems[0]  # the tasks it could name


def test_a_standard_with_no_task_is_a_problem(coffee):
    path = set_standards(
        coffee, [{"code": "CCSS.MATH.CONTENT.6.SP.B.5.C", "tasks": [], "why": "The mean."}]
    )
    with pytest.raises(CatalogError) as failure:  # careerlab check reports catalog problems
        standards_problems(coffee)
    assert failure.value.problems == [
        f"{path}: standards: CCSS.MATH.CONTENT.6.SP.B.5.C names no task. Add `tasks: "
        "[task-id]` with the task(s) in workbook.md (or rubric criteria) that meet it, "
        "or remove the standard."
    ]


def test_a_plain_list_of_codes_says_what_to_write(coffee):
    path = set_standards(coffee, ["CCSS.MATH.CONTENT.6.RP.A.3.B"])
    with pytest.raises(CatalogError) as failure:
        load_project(coffee, rubric_ids(coffee.parent.parent))
    assert failure.value.problems == [
        f"{path}: standards: entry 1 ('CCSS.MATH.CONTENT.6.RP.A.3.B') must name the tasks "
        "that meet it: {code: CODE, tasks: [task-id], why: how the task meets it}."
    ]


def test_rubric_criteria_count_for_writing_standards(coffee):
    set_standards(
        coffee,
        [{"code": "CCSS.ELA-LITERACY.W.7.1", "tasks": ["evidence", "trade-offs"], "why": "x"}],
    )
    assert standards_problems(coffee) == []  # product (evidence) and project criteria
    (coffee / course.METADATA_FILE).write_text(
        (coffee / course.METADATA_FILE).read_text().replace("rubric: coffee-site\n", "")
    )
    problems = standards_problems(coffee)
    assert [p.split("names ")[1][:12] for p in problems] == ["'evidence', ", "'trade-offs'"]


def test_tasks_shown_by_an_authors_code_block_count(coffee):
    text = coffee / course.TEXT_FILE
    text.write_text(
        text.read_text() + '\n```{code} extra\nwb.number("hand-made", "How many?")\n```\n'
    )
    assert "hand-made" in task_ids(coffee)


def test_careerlab_check_names_the_file_and_the_standard(coffee):
    path = set_standards(
        coffee, [{"code": "HS-LS1-3", "tasks": ["homeostasis"], "why": "Feedback."}]
    )
    result = run_app(coffee.parent.parent, "careerlab", "check", check=False)
    assert result.returncode == 1
    assert f"{path}: standards: HS-LS1-3 names 'homeostasis'" in result.stderr


def test_new_projects_start_in_the_new_form(coffee):
    from careerlab.author.new_project import create

    root = coffee.parent.parent
    folder = create(root, "shed-roof", "Construction", "9-12")
    project = load_project(folder, rubric_ids(root))
    assert [(s.code, s.tasks) for s in project.standards] == [
        ("CCSS.MATH.PRACTICE.MP4", ("best-option",)),
        ("CCSS.ELA-LITERACY.WHST.9-10.1", ("recommendation",)),
    ]
    assert check_standards(folder, project, workbook_rubric(folder)) == []
