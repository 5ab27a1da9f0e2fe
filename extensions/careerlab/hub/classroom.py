"""The classroom file: which courses a hub serves, and who teaches and learns in each.

One YAML file (the repository's ``classroom.yml`` for `make hub`, a school's own with
``--classroom``) lists each course with its teachers and students by their hub names,
the names people sign in with (often e-mail addresses). Everything else a hub builds,
accounts, groups, course folders, formgrader services, is derived from it; the next
issue's roster import writes the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from careerlab.course import StudentIdError, check_student_id

# A course id is a hub group suffix, a service name, a URL part and a folder name.
COURSE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
COURSE_ID_RULE = "a course id is 1 to 40 lower-case letters, digits and '-', first not '-'"


class ClassroomError(ValueError):
    """The classroom file is wrong; ``problems`` lists each problem in plain words."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    teachers: tuple[str, ...]
    students: tuple[str, ...]
    # Project ids (folders of workbooks/) this course gets; empty means every project.
    projects: tuple[str, ...] = ()

    @property
    def teachers_group(self) -> str:
        """nbgrader's hub group for a course's graders (its JupyterHubAuthPlugin reads it)."""
        return f"formgrade-{self.id}"

    @property
    def students_group(self) -> str:
        """nbgrader's hub group for a course's students."""
        return f"nbgrader-{self.id}"


@dataclass(frozen=True)
class Classroom:
    courses: tuple[Course, ...]
    source: Path | None = field(default=None, compare=False)

    def people(self) -> list[str]:
        """Every hub name, each once, in the order the file names them."""
        seen: dict[str, None] = {}
        for course in self.courses:
            for name in (*course.teachers, *course.students):
                seen.setdefault(name, None)
        return list(seen)

    def course(self, course_id: str) -> Course:
        for course in self.courses:
            if course.id == course_id:
                return course
        raise ClassroomError([f"no course {course_id!r} in the classroom file"])


def _names(value: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(f"{where}: a list of hub names is expected")
        return ()
    names = []
    for item in value:
        try:
            # Hub names become student ids in nbgrader: the one rule (careerlab.course).
            names.append(check_student_id(item).lower())
        except StudentIdError as error:
            problems.append(f"{where}: {error}")
    return tuple(names)


def parse(document: object, source: Path | None = None) -> Classroom:
    """A Classroom from the file's YAML; every problem is reported at once."""
    problems: list[str] = []
    where = str(source or "classroom")
    entries = document.get("courses") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ClassroomError([f"{where}: 'courses' must list at least one course"])
    courses = []
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"{where}: course {index} is not a mapping")
            continue
        course_id = entry.get("id")
        if not isinstance(course_id, str) or not COURSE_ID.fullmatch(course_id):
            problems.append(f"{where}: course {index}: {course_id!r}: {COURSE_ID_RULE}")
            continue
        here = f"{where}: course {course_id}"
        teachers = _names(entry.get("teachers"), f"{here}: teachers", problems)
        students = _names(entry.get("students"), f"{here}: students", problems)
        if not teachers:
            problems.append(f"{here}: needs at least one teacher")
        both = set(teachers) & set(students)
        if both:
            problems.append(f"{here}: {sorted(both)} are listed as teacher and student")
        projects = entry.get("projects") or []
        if projects == "all":
            projects = []
        if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
            problems.append(f"{here}: projects must be 'all' or a list of project ids")
            projects = []
        courses.append(
            Course(
                id=course_id,
                title=str(entry.get("title") or course_id),
                teachers=teachers,
                students=students,
                projects=tuple(projects),
            )
        )
    ids = [c.id for c in courses]
    for twice in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{where}: course {twice} is listed twice")
    if problems:
        raise ClassroomError(problems)
    return Classroom(courses=tuple(courses), source=source)


def load(path: Path) -> Classroom:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ClassroomError([f"{path}: cannot read the classroom file: {error}"]) from error
    return parse(document, Path(path))
