"""Rubric results out of the gradebook, for a spreadsheet or a district warehouse.

``careerlab export ASSIGNMENT [--out DIR]`` writes six files:

- ``<assignment>-criteria.csv`` / ``.json``: one row per student per criterion
  (level, points, max points, skills, comment). A criterion not scored yet has
  an empty level and points, so every student has every row.
- ``<assignment>-skills.csv`` / ``.json``: per student, per skill, the points of
  the criteria that evidence the skill (a criterion counts toward each skill it
  lists) and their maximum.
- ``<assignment>-answered.csv`` / ``.json``: per student, how many tasks are answered by
  each kind's one rule (``Task.still_to_do``: the count the student's progress list,
  Validate and the grading page give) and the ids of those that are not.

The students are those with an autograded submission in the gradebook. In the
CSV files a text cell that a spreadsheet would run as a formula is prefixed with
an apostrophe (OWASP's CSV-injection advice): one that starts with a tab or a
carriage return, or whose first character after any spaces or line breaks is
=, +, - or @, also in their full-width forms (＝＋－＠, which spreadsheets read
as the plain ones). Numbers stay numbers, negative ones too. The JSON keeps
every value exactly as stored.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory

from careerlab import course
from careerlab.rubrics.format import SKILLS, Rubric
from careerlab.rubrics.levels import assignment_state, project_rubric

CRITERIA_FIELDS = [
    "assignment",
    "student",
    "criterion",
    "criterion_title",
    "level",
    "level_name",
    "points",
    "max_points",
    "skills",
    "comment",
]
ANSWERED_FIELDS = [
    "assignment",
    "student",
    "tasks_answered",
    "tasks_total",
    "not_answered",
    "problem",
]
SKILL_FIELDS = [
    "assignment",
    "student",
    "skill",
    "skill_name",
    "points",
    "max_points",
    "criteria_scored",
    "criteria",
]
FORMULA_START = ("=", "+", "-", "@")
CONTROL_START = ("\t", "\r")


@dataclass(frozen=True)
class Export:
    criteria: list[dict[str, Any]]
    skills: list[dict[str, Any]]
    answered: list[dict[str, Any]]


def _students(coursedir: CourseDirectory, assignment: str, notebook: str) -> list[str]:
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        return sorted(s.student.id for s in gradebook.notebook_submissions(notebook, assignment))


def collect(root: Path, assignment: str) -> Export:
    """Every row, from the gradebook, as plain data."""
    rubric: Rubric = project_rubric(root, assignment)
    coursedir = course.course_directory(root)
    notebooks = [nb.stem for nb in course.notebooks(root / course.SOURCE_DIRECTORY / assignment)]
    notebook = assignment if assignment in notebooks else notebooks[0]
    state = assignment_state(coursedir, assignment, notebook)
    criteria_rows: list[dict[str, Any]] = []
    skill_rows: list[dict[str, Any]] = []
    for student in _students(coursedir, assignment, notebook):
        given = state.get(student, {})
        totals: dict[str, dict[str, Any]] = {}
        for criterion in rubric.criteria:
            stored = given.get(criterion.id)
            level = stored.level if stored else None
            points = stored.points if stored else None
            criteria_rows.append(
                {
                    "assignment": assignment,
                    "student": student,
                    "criterion": criterion.id,
                    "criterion_title": criterion.title,
                    "level": level,
                    "level_name": rubric.level(level).name if level else None,
                    "points": points,
                    "max_points": rubric.max_points(criterion),
                    "skills": list(criterion.skills),
                    "comment": stored.comment if stored else "",
                }
            )
            for skill in criterion.skills:
                total = totals.setdefault(
                    skill, {"points": 0.0, "max_points": 0.0, "scored": 0, "criteria": []}
                )
                total["max_points"] += rubric.max_points(criterion)
                total["criteria"].append(criterion.id)
                if points is not None:
                    total["points"] += points
                    total["scored"] += 1
        for skill, total in totals.items():
            skill_rows.append(
                {
                    "assignment": assignment,
                    "student": student,
                    "skill": skill,
                    "skill_name": SKILLS.get(skill, skill),
                    "points": round(total["points"], 4),
                    "max_points": round(total["max_points"], 4),
                    "criteria_scored": total["scored"],
                    "criteria": total["criteria"],
                }
            )
    answered_rows = [
        {"assignment": assignment, "student": student, **answered(root, assignment, student)}
        for student in _students(coursedir, assignment, notebook)
    ]
    return Export(criteria_rows, skill_rows, answered_rows)


def answered(root: Path, assignment: str, student: str) -> dict[str, Any]:
    """How much of the work is answered, read as the grading page reads it: the tasks from
    the course's own notebooks (trusted code), each student's answers as data."""
    from careerlab.showcase.page import load_workbook
    from careerlab.workbook.progress import progress

    done, total, left = 0, 0, []
    try:
        for notebook in course.notebooks(root / course.SOURCE_DIRECTORY / assignment):
            workbook = load_workbook(root, assignment, student, notebook.stem, missing_ok=True)
            found = progress(workbook.tasks.values()).as_data()
            done, total = done + found["answered"], total + found["total"]
            left += found["not_answered"]
    except Exception as error:  # one submission that cannot be read: the others go on
        return {
            "tasks_answered": None,
            "tasks_total": None,
            "not_answered": [],
            "problem": f"the tasks cannot be counted ({type(error).__name__}: {error})"[:300],
        }
    return {"tasks_answered": done, "tasks_total": total, "not_answered": left, "problem": ""}


def is_formula(text: str) -> bool:
    """Would a spreadsheet evaluate this text? NFKC turns full-width ＝ into =."""
    first = unicodedata.normalize("NFKC", text).lstrip()
    return text.startswith(CONTROL_START) or first.startswith(FORMULA_START)


def _cell(value: Any) -> Any:
    """One CSV cell: lists joined with ';', no value a spreadsheet would run."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _write_csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({field: _cell(row[field]) for field in fields})


def _write_json(path: Path, assignment: str, rows: list[dict[str, Any]]) -> None:
    document = {
        "assignment": assignment,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write(root: Path, assignment: str, out: Path) -> list[Path]:
    """Write the six files into ``out``; returns their paths."""
    data = collect(root, assignment)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fields, rows in (
        ("criteria", CRITERIA_FIELDS, data.criteria),
        ("skills", SKILL_FIELDS, data.skills),
        ("answered", ANSWERED_FIELDS, data.answered),
    ):
        csv_path, json_path = out / f"{assignment}-{name}.csv", out / f"{assignment}-{name}.json"
        _write_csv(csv_path, fields, rows)
        _write_json(json_path, assignment, rows)
        paths += [csv_path, json_path]
    return paths
