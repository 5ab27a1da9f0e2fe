"""`careerlab check`: every project ends with a self-assessment (when it has a rubric to
rate against) and a career-fit reflection; a project without one is a problem naming
workbook.md and what to add."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from careerlab import course
from careerlab.author import build, check_assignment
from careerlab.author.reflection import check_reflection

REPO = Path(__file__).resolve().parents[1]
SELF = 'wb.self_assess("self-check", "Rate your own work", "Choose your level.")'
FIT = 'wb.career_fit("career-fit", "Is this job for you?", "Think about it.")'
# The reflection's Markdown cell and task block in a workbook.md.
REFLECTION = re.compile(r"\+\+\+ career-fit-intro\n.*?```\{task\} career_fit\n.*?```\n\n", re.S)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / course.TEXT_FILE).write_text("+++ intro\nHello.\n", encoding="utf-8")
    (tmp_path / course.METADATA_FILE).write_text(yaml.safe_dump({"rubric": "demo"}))
    return tmp_path


def test_both_closing_tasks_pass(project: Path) -> None:
    assert check_reflection(project, f"{SELF}\n{FIT}") == []


def test_each_missing_one_names_the_file_and_what_to_add(project: Path) -> None:
    problems = check_reflection(project, "wb.choice('a', 'A', 'Pick.', options={'x': 'X'})")
    assert len(problems) == 2
    assert all(p.startswith(f"{project / course.TEXT_FILE}: ") for p in problems)
    assert "no self_assessment task" in problems[0] and "{task} self_assessment" in problems[0]
    assert "no career_fit task" in problems[1] and "{task} career_fit" in problems[1]
    assert check_reflection(project, SELF) == [problems[1]]
    assert check_reflection(project, FIT) == [problems[0]]


def test_a_task_only_mentioned_in_text_does_not_count(project: Path) -> None:
    # "career_fit" in prose or a comment is not the widget: only wb.<method>( is.
    assert len(check_reflection(project, "# wb.career_fit is next\ncareer_fit = 1")) == 2


def test_without_a_rubric_only_the_reflection_is_asked_for(project: Path) -> None:
    (project / course.METADATA_FILE).write_text(yaml.safe_dump({"title": "No rubric"}))
    assert check_reflection(project, FIT) == []
    assert ["career_fit" in p for p in check_reflection(project, "")] == [True]
    (project / course.METADATA_FILE).unlink()  # the catalog check names a missing file
    assert ["career_fit" in p for p in check_reflection(project, "")] == [True]


def test_a_real_project_without_its_reflection_fails_the_check(tmp_path: Path) -> None:
    from tests.conftest import make_course

    root = make_course(tmp_path / "course")
    folder = root / course.SOURCE_DIRECTORY / "coffee-site"
    notebook = build.notebook_path(folder)
    assert check_reflection(folder, notebook.read_text(encoding="utf-8")) == []
    text = build.source_path(folder)
    source = text.read_text(encoding="utf-8")
    without = REFLECTION.sub("", source)
    assert without != source
    text.write_text(without, encoding="utf-8")
    build.build(folder)
    problems = [p for p in check_assignment(folder) if "career_fit" in p]
    assert problems == [
        f"{text}: no career_fit task; add a career-fit reflection at the end: a "
        "```{task} career_fit``` block (id, title, prompt; answer: 3, points: 1) after the "
        "self-assessment, before the progress check, and its answers in solutions.yml."
    ]
