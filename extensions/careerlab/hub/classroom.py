"""The classroom file: which courses a hub serves, and who teaches and learns in each.

One YAML file (the repository's ``classroom.yml`` for `make hub`, a school's own with
``--classroom``) lists each course with its teachers and students by their hub names,
the names people sign in with (often e-mail addresses). Everything else a hub builds,
accounts, groups, course folders, formgrader services, is derived from it; the next
issue's roster import writes the same file.

An optional top-level ``people:`` mapping gives people's names (hub name -> ``first_name``,
``last_name``): `careerlab roster import` writes it and puts the names in each course's
gradebook, so Formgrader shows real names. Files without it stay valid.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from careerlab import ProblemsError
from careerlab.course import StudentIdError, check_student_id

# A course id is a hub group suffix, a service name, a URL part and a folder name.
# Also a valid Kubernetes name part (docs/deploy.md: the Service careerlab-course-<id>).
COURSE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
COURSE_ID_RULE = (
    "a course id is 1 to 40 lower-case letters, digits and '-', not starting or ending in '-'"
)


class ClassroomError(ProblemsError):
    """The classroom file is wrong; ``problems`` lists each problem in plain words."""


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    teachers: tuple[str, ...]
    students: tuple[str, ...]
    # Project ids (folders of workbooks/) this course gets; empty means every project.
    projects: tuple[str, ...] = ()
    # The LMS courses (LTI 1.3 context ids) whose launches land in this course.
    lti_context_ids: tuple[str, ...] = ()

    @property
    def teachers_group(self) -> str:
        """nbgrader's hub group for a course's graders (its JupyterHubAuthPlugin reads it)."""
        return f"formgrade-{self.id}"

    @property
    def students_group(self) -> str:
        """nbgrader's hub group for a course's students."""
        return f"nbgrader-{self.id}"


@dataclass(frozen=True)
class Name:
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class Classroom:
    courses: tuple[Course, ...]
    source: Path | None = field(default=None, compare=False)
    # People's names by hub name (the file's ``people:``); anyone may be missing.
    names: dict[str, Name] = field(default_factory=dict)

    def people(self) -> list[str]:
        """Every hub name, each once, in the order the file names them."""
        seen: dict[str, None] = {}
        for course in self.courses:
            for name in (*course.teachers, *course.students):
                seen.setdefault(name, None)
        return list(seen)

    def course_for_context(self, context_id: str) -> Course | None:
        """The course an LMS course (its LTI context id) is linked to, if any."""
        for course in self.courses:
            if context_id in course.lti_context_ids:
                return course
        return None

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


def _people(value: object, where: str, problems: list[str]) -> dict[str, Name]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: people must map hub names to first_name and last_name")
        return {}
    names = {}
    for hub_name, entry in value.items():
        try:
            key = check_student_id(hub_name).lower()
        except StudentIdError as error:
            problems.append(f"{where}: people: {error}")
            continue
        entry = entry or {}
        first = entry.get("first_name") or "" if isinstance(entry, dict) else None
        last = entry.get("last_name") or "" if isinstance(entry, dict) else None
        if not isinstance(first, str) or not isinstance(last, str):
            problems.append(f"{where}: people: {key}: first_name and last_name must be text")
            continue
        names[key] = Name(first, last)
    return names


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
        contexts = entry.get("lti_context_ids") or []
        if not isinstance(contexts, list) or not all(
            isinstance(c, str) and c.strip() for c in contexts
        ):
            problems.append(f"{here}: lti_context_ids must be a list of LMS course ids")
            contexts = []
        # A course linked to the LMS gets its people from LTI launches; otherwise the file
        # is the only place its teacher can come from.
        if not teachers and not contexts:
            problems.append(f"{here}: needs at least one teacher (or lti_context_ids)")
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
                lti_context_ids=tuple(contexts),
            )
        )
    ids = [c.id for c in courses]
    for twice in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{where}: course {twice} is listed twice")
    linked: dict[str, str] = {}
    for course in courses:
        for context in course.lti_context_ids:
            if linked.setdefault(context, course.id) != course.id:
                problems.append(
                    f"{where}: LMS course {context!r} is linked to both "
                    f"{linked[context]} and {course.id}"
                )
    names = _people(document.get("people"), where, problems)
    if problems:
        raise ClassroomError(problems)
    return Classroom(courses=tuple(courses), source=source, names=names)


def load(path: Path) -> Classroom:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ClassroomError([f"{path}: cannot read the classroom file: {error}"]) from error
    return parse(document, Path(path))


def replace_people(
    path: Path,
    course_id: str,
    teachers: list[str] | None,
    students: list[str] | None,
    names: dict[str, Name],
) -> bool:
    """Set a course's teachers and/or students (None: keep) and people's names in the file.

    The rest of the file is kept as it is (its comments are not: YAML is written back).
    The new document is checked with ``parse`` before it replaces the file, atomically and
    with the file's mode. Returns False, writing nothing, when nothing would change.
    """
    path = Path(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    parse(document, path)  # the file as it is must be valid
    entry = next(e for e in document["courses"] if isinstance(e, dict) and e["id"] == course_id)
    before = yaml.safe_dump(document, sort_keys=False)
    if teachers is not None:
        entry["teachers"] = list(teachers)
    if students is not None:
        entry["students"] = list(students)
    people = document.get("people") or {}
    for hub_name, name in names.items():
        if name.first_name or name.last_name:
            people[hub_name] = {"first_name": name.first_name, "last_name": name.last_name}
    if people:
        document["people"] = people
    after = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if after == yaml.safe_dump(yaml.safe_load(before), sort_keys=False, allow_unicode=True):
        return False
    parse(yaml.safe_load(after), path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(after)
            out.flush()
            os.fsync(out.fileno())
        kept = path.stat()
        os.chmod(temporary, kept.st_mode & 0o7777)
        if os.geteuid() == 0:
            os.chown(temporary, kept.st_uid, kept.st_gid)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return True
