"""What the grading page shows and saves, as plain data (every page has a JSON twin).

No web framework here: the handlers call these functions (in a worker thread)
and the tests call them directly against a real gradebook. Student work is not
rendered here (see render.py); everything read from a student's files is data.

Anonymous grading hides names to reduce bias while grading: submissions get a
stable label derived from a hash of the assignment and student id, are listed
in that label's order, and no name or id is in the page or the API. It is not
a secret from the teacher, who can switch names back on at any time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbgrader.coursedir import CourseDirectory
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from traitlets.config import Config

from careerlab import course
from careerlab.feedback.autograded import results
from careerlab.rubrics import comment_bank
from careerlab.rubrics.format import Criterion, Rubric, RubricError, as_data, rubric_files
from careerlab.rubrics.levels import (
    CELL_PREFIX,
    CommentChanged,
    ScoringError,
    assignment_state,
    clear_level,
    conflicts,
    criteria_state,
    engine,
    grade_rows,
    project_rubric,
    record_comment,
    record_level,
)
from careerlab.workbook.answers import answers_filename

# Student ids follow careerlab.course's one rule (STUDENT_ID): they are used in URLs,
# file paths and pages. Anonymous keys ("anon-" and hex digits) follow it too.
ANONYMOUS_PREFIX = "anon-"
MAX_COMMENT_CHARS = 10_000
POINTS_TOLERANCE = 1e-6


class GradingError(ValueError):
    """A request the grading page cannot serve; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


@dataclass(frozen=True)
class Course:
    root: Path
    coursedir: CourseDirectory  # the course's id, gradebook and folders (careerlab.course)

    @classmethod
    def at(cls, root: Path, config: Config | None = None) -> Course:
        """The course at ``root``; a server passes the config it already loaded."""
        return cls(root, course.course_directory(root, config))


def anonymous_key(assignment: str, student: str) -> str:
    digest = hashlib.sha256(f"careerlab:{assignment}:{student}".encode()).hexdigest()
    return f"{ANONYMOUS_PREFIX}{digest[:8]}"


def anonymous_label(key: str) -> str:
    return f"Submission {key.removeprefix(ANONYMOUS_PREFIX)[:4].upper()}"


def notebook_of(root: Path, assignment: str) -> str:
    """The notebook that carries the rubric cells: a workbook's notebook is named after it."""
    notebooks = course.notebooks(root / course.SOURCE_DIRECTORY / assignment)
    names = [nb.stem for nb in notebooks]
    if not names:
        raise GradingError(f"There is no project '{assignment}'.", 404)
    return assignment if assignment in names else names[0]


# (root, assignment) -> (the stamp of the files it was read from, the rubric)
_RUBRICS: dict[tuple[Path, str], tuple[course.FileStamp, Rubric]] = {}


def rubric_of(root: Path, assignment: str) -> Rubric:
    # Only a project of this course: the name then never leaves workbooks/.
    if assignment not in {folder.name for folder in course.assignments(root)}:
        raise GradingError(f"There is no project '{assignment[:80]}'.", 404)
    # Reading every rubric file is a tenth of a second, on every request: read again only
    # when the workbook's metadata or a rubric file (or the folder: one added) changed.
    rubrics = root / course.RUBRICS_DIRECTORY
    metadata = root / course.SOURCE_DIRECTORY / assignment / course.METADATA_FILE
    stamp = course.file_stamp(metadata, rubrics, *rubric_files(rubrics))
    cached = _RUBRICS.get((root, assignment))
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        rubric = project_rubric(root, assignment)
    except (ScoringError, RubricError, KeyError) as error:
        raise GradingError(f"'{assignment}' has no rubric to grade with ({error}).", 404) from None
    _RUBRICS[(root, assignment)] = (stamp, rubric)
    return rubric


# The list of submissions ----------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One submission in an assignment's list."""

    student: str
    name: str
    key: str  # what URLs use: the student id, or an anonymous key
    label: str  # what people read: the name, or an anonymous label
    given: int
    conflicts: int
    auto_points: float
    auto_max: float
    rubric_points: float

    def status(self, total: int) -> str:
        if self.conflicts:
            return "conflict"
        if self.given >= total:
            return "graded"
        return "in progress" if self.given else "not started"


def _entries(ctx: Course, assignment: str, rubric: Rubric, anonymous: bool) -> list[Entry]:
    notebook = notebook_of(ctx.root, assignment)
    criteria = {c.id for c in rubric.criteria}
    stored = {
        student: {c: st.points for c, st in rows.items() if c in criteria and st.points is not None}
        for student, rows in assignment_state(ctx.coursedir, assignment, notebook).items()
    }
    with Session(engine(ctx.coursedir)) as session:
        rows = grade_rows(session, assignment, notebook)
    by_student: dict[str, list[Row[Any]]] = {}
    for row in rows:
        by_student.setdefault(row.student, []).append(row)
    entries = []
    for student, grades in by_student.items():
        if not course.is_student_id(student):
            continue  # in the gradebook from before the rule: cannot be shown safely
        levels = stored.get(student, {})
        auto_points = auto_max = 0.0
        manual: dict[str, float | None] = {}
        for grade in grades:
            if grade.name is None:
                continue  # a submission without grades
            if grade.name.startswith(CELL_PREFIX):
                manual[grade.name.removeprefix(CELL_PREFIX)] = grade.manual_score
            elif grade.cell_type == "code":
                auto_points += float(grade.score or 0)
                auto_max += float(grade.max_score or 0)
        disagree = sum(
            1
            for criterion in criteria
            if _disagree(levels.get(criterion), manual.get(criterion, None))
        )
        first, last = grades[0].first_name, grades[0].last_name
        name = " ".join(p for p in (first, last) if p) or student
        key = anonymous_key(assignment, student) if anonymous else student
        label = anonymous_label(key) if anonymous else name
        entries.append(
            Entry(
                student,
                name,
                key,
                label,
                len(levels),
                disagree,
                auto_points,
                auto_max,
                sum(levels.values()),
            )
        )
    if anonymous:
        return sorted(entries, key=lambda e: e.key)
    return sorted(entries, key=lambda e: (e.name.split()[-1].lower(), e.name.lower(), e.student))


def _disagree(level_points: float | None, manual: float | None) -> bool:
    if level_points is None:
        return manual is not None
    return manual is None or abs(manual - level_points) > POINTS_TOLERANCE


def waiting_for_autograde(ctx: Course, assignment: str, graded: set[str]) -> list[str]:
    """Students whose submission was collected but is not in the gradebook yet."""
    collected = course.students_in(ctx.coursedir, ctx.coursedir.submitted_directory, assignment)
    return [student for student in collected if student not in graded]


def _entry_data(entry: Entry, total: int, anonymous: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": entry.key,
        "label": entry.label,
        "status": entry.status(total),
        "criteria_given": entry.given,
        "criteria_total": total,
        "conflicts": entry.conflicts,
        "autograde_points": entry.auto_points,
        "autograde_max": entry.auto_max,
        "rubric_points": entry.rubric_points,
    }
    if not anonymous:
        data["student"] = entry.student
    return data


def progress(entries: list[Entry], total: int) -> dict[str, int]:
    graded = sum(1 for e in entries if e.status(total) == "graded")
    return {"graded": graded, "total": len(entries)}


def submission_list(ctx: Course, assignment: str, anonymous: bool) -> dict[str, Any]:
    rubric = rubric_of(ctx.root, assignment)
    entries = _entries(ctx, assignment, rubric, anonymous)
    total = len(rubric.criteria)
    waiting = waiting_for_autograde(ctx, assignment, {e.student for e in entries})
    return {
        "assignment": assignment,
        "title": rubric.title,
        "anonymous": anonymous,
        "rubric_max": sum(rubric.max_points(c) for c in rubric.criteria),
        "progress": progress(entries, total),
        "submissions": [_entry_data(e, total, anonymous) for e in entries],
        "waiting_for_autograde": len(waiting) if anonymous else waiting,
    }


def assignment_index(ctx: Course) -> list[dict[str, Any]]:
    """Every project with a rubric, and how far its grading is."""
    found = []
    for folder in course.assignments(ctx.root):
        try:
            rubric = project_rubric(ctx.root, folder.name)
            entries = _entries(ctx, folder.name, rubric, anonymous=False)
        except (ScoringError, RubricError, KeyError, GradingError):
            continue  # no rubric, or no notebook yet: nothing to grade here
        found.append(
            {
                "assignment": folder.name,
                "title": rubric.title,
                "progress": progress(entries, len(rubric.criteria)),
            }
        )
    return found


# One submission ----------------------------------------------------------------------------
def resolve(ctx: Course, assignment: str, key: str, anonymous: bool) -> tuple[list[Entry], int]:
    """The list (in the order shown) and the index of the submission ``key`` names."""
    rubric = rubric_of(ctx.root, assignment)
    try:
        course.check_student_id(key)
    except course.StudentIdError as error:
        raise GradingError(str(error), 404) from None
    entries = _entries(ctx, assignment, rubric, anonymous)
    for index, entry in enumerate(entries):
        if key in (entry.key, entry.student):
            return entries, index
    raise GradingError(f"No autograded submission '{key}' for {assignment}.", 404)


def answers_path(coursedir: CourseDirectory, assignment: str, student: str, notebook: str) -> Path:
    found = course.find_answers(coursedir, assignment, student, notebook)
    graded = course.work_folder(coursedir, coursedir.autograded_directory, student, assignment)
    return found or graded / answers_filename(notebook)


def student_choices(answers: Path, rubric: Rubric) -> tuple[str | None, dict[str, str] | None]:
    """(the product type made, the self-assessment) from the answers file, read as data."""
    # careerlab.feedback imports every task kind (pandas, matplotlib): only when a page
    # needs it, so a Jupyter server whose grading page is never opened does not load them.
    from careerlab.feedback import chosen_product, self_ratings

    return chosen_product(rubric, answers), self_ratings(answers, rubric)


def prepare() -> None:
    """Import what opening a submission reads with (careerlab.feedback; every task kind, for
    the author's task titles: pandas), so the first one opened after the server starts
    does not wait for it (0.4 s of imports)."""
    from careerlab.feedback import chosen_product  # noqa: F401
    from careerlab.workbook import tasks

    tasks.kinds()


def criterion_view(rubric: Rubric, criterion: Criterion, product: str | None) -> dict[str, Any]:
    """What the rubric says of one criterion for this student's product: its levels
    (lowest first, with their keys) and, when scored by watching, when and what to look for."""
    ordered = sorted(rubric.levels, key=lambda level: level.points)
    # Digits choose levels: a 0-point level ("Missing") is 0, so 1 stays Beginning.
    first_key = 0 if ordered and ordered[0].points == 0 else 1
    observed = criterion.observed
    return {
        "id": criterion.id,
        "title": criterion.title,
        "i_can": criterion.i_can,
        "weight": criterion.weight,
        "max_points": rubric.max_points(criterion),
        "skills": list(criterion.skills),
        "levels": [
            {
                "id": level.id,
                "name": level.name,
                "points": rubric.points(criterion, level.id),
                "descriptor": criterion.descriptor(level.id, product),
                "key": str(key),
            }
            for key, level in enumerate(ordered, start=first_key)
        ],
        "observed": None
        if observed is None
        else {"skill": observed.skill, "when": observed.when, "look_for": list(observed.look_for)},
    }


def criteria_data(
    ctx: Course,
    rubric: Rubric,
    assignment: str,
    notebook: str,
    student: str,
    choices: tuple[str | None, dict[str, str] | None] | None = None,
) -> list[dict[str, Any]]:
    """Each criterion: descriptors for the student's product, what is stored, any conflict,
    and the student's own rating (``choices``: student_choices, if already read)."""
    if choices is None:
        answers = answers_path(ctx.coursedir, assignment, student, notebook)
        choices = student_choices(answers, rubric)
    product, ratings = choices
    state = criteria_state(ctx.coursedir, assignment, notebook, student)
    found = conflicts(ctx.coursedir, rubric, assignment, notebook, student)
    data = []
    for criterion in rubric.criteria:
        stored = state.get(criterion.id)
        conflict = found.get(criterion.id)
        data.append(
            {
                **criterion_view(rubric, criterion, product),
                "level": stored.level if stored else None,
                "points": stored.points if stored else None,
                "comment": stored.comment if stored else "",
                "updated_at": stored.updated_at.isoformat() if stored else None,
                "self_rating": (ratings or {}).get(criterion.id),
                "conflict": None
                if conflict is None
                else {
                    "level": conflict.level,
                    "level_points": conflict.level_points,
                    "gradebook_points": conflict.gradebook_points,
                },
            }
        )
    return data


@dataclass(frozen=True)
class Opened:
    """One submission as the grading page opens it: what it shows (without the rendered
    work), whose it is, and whose comes next (rendered ahead, so "Next" opens at once)."""

    detail: dict[str, Any]
    student: str
    next_student: str | None


def open_submission(ctx: Course, assignment: str, key: str, anonymous: bool) -> Opened:
    entries, index = resolve(ctx, assignment, key, anonymous)
    following = entries[index + 1].student if index + 1 < len(entries) else None
    return Opened(
        _detail(ctx, assignment, entries, index, anonymous), entries[index].student, following
    )


def first_to_grade(ctx: Course, assignment: str, anonymous: bool) -> tuple[str, str] | None:
    """(student, notebook) of the submission a teacher most likely opens first from the
    list: the first one not graded yet, in the list's order (else the first)."""
    rubric = rubric_of(ctx.root, assignment)
    entries = _entries(ctx, assignment, rubric, anonymous)
    total = len(rubric.criteria)
    waiting = [e for e in entries if e.status(total) != "graded"] or entries
    return (waiting[0].student, notebook_of(ctx.root, assignment)) if waiting else None


def submission_detail(ctx: Course, assignment: str, key: str, anonymous: bool) -> dict[str, Any]:
    """Everything the grading page shows for one submission, except the rendered work."""
    return open_submission(ctx, assignment, key, anonymous).detail


def _detail(
    ctx: Course, assignment: str, entries: list[Entry], index: int, anonymous: bool
) -> dict[str, Any]:
    rubric = rubric_of(ctx.root, assignment)
    entry = entries[index]
    notebook = notebook_of(ctx.root, assignment)
    answers = answers_path(ctx.coursedir, assignment, entry.student, notebook)
    total = len(rubric.criteria)
    checks = results(ctx.coursedir, assignment, notebook, entry.student)
    choices = product, ratings = student_choices(answers, rubric)
    bank: dict[str, list[dict[str, Any]]] = {c.id: [] for c in rubric.criteria}
    for banked in comment_bank.comments(ctx.coursedir, assignment):
        bank.setdefault(banked.criterion, []).append({"id": banked.id, "text": banked.text})
    data: dict[str, Any] = {
        "assignment": assignment,
        "title": rubric.title,
        "notebook": notebook,
        "anonymous": anonymous,
        "key": entry.key,
        "label": entry.label,
        "position": {"index": index + 1, "total": len(entries)},
        "previous": entries[index - 1].key if index > 0 else None,
        "next": entries[index + 1].key if index + 1 < len(entries) else None,
        "progress": progress(entries, total),
        "status": entry.status(total),
        "product": product,
        "rubric": as_data(rubric),
        "criteria": criteria_data(ctx, rubric, assignment, notebook, entry.student, choices),
        "self_assessment": ratings is not None,
        "autograde": [r.as_data() for r in checks],
        "autograde_points": sum(r.points for r in checks),
        "autograde_max": sum(r.max_points for r in checks),
        "comment_bank": bank,
    }
    if not anonymous:
        data["student"] = entry.student
    return data


def save_criterion(
    ctx: Course,
    assignment: str,
    key: str,
    criterion: str,
    body: dict[str, Any],
    anonymous: bool,
    grader: str,
) -> dict[str, Any]:
    """Save what one action on one criterion changed, at once, and report the new state.

    ``body``: ``{"level": id}`` gives a level (the comment is kept), ``{"level": null}``
    takes it back; ``{"comment": text, "comment_base": text seen}`` saves the comment.
    """
    rubric = rubric_of(ctx.root, assignment)
    entries, index = resolve(ctx, assignment, key, anonymous)
    student = entries[index].student
    notebook = notebook_of(ctx.root, assignment)
    if criterion not in {c.id for c in rubric.criteria}:
        raise GradingError(f"'{criterion}' is not a criterion of this rubric.", 404)
    if not isinstance(body, dict) or not ({"level", "comment"} & set(body)):
        raise GradingError("Send a level, a comment, or both.")
    try:
        if "comment" in body:
            comment, base = body["comment"], body.get("comment_base")
            if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
                raise GradingError(f"A comment has at most {MAX_COMMENT_CHARS:,} characters.")
            if base is not None and not isinstance(base, str):
                raise GradingError("comment_base must be text.")
            record_comment(
                ctx.coursedir,
                rubric,
                assignment,
                notebook,
                student,
                criterion,
                comment,
                grader,
                base,
            )
        if "level" in body:
            level = body["level"]
            if level is None:
                clear_level(ctx.coursedir, assignment, notebook, student, criterion)
            elif isinstance(level, str):
                record_level(
                    ctx.coursedir,
                    rubric,
                    assignment,
                    notebook,
                    student,
                    criterion,
                    level,
                    comment=None,
                    grader=grader,
                )
            else:
                raise GradingError("A level is one of the rubric's level ids, or null.")
    except CommentChanged as changed:
        raise GradingError(str(changed), 409, current=changed.current) from None
    except ScoringError as error:
        raise GradingError(str(error), 400) from None
    after = _entries(ctx, assignment, rubric, anonymous)
    mine = next(e for e in after if e.student == student)
    state = criteria_data(ctx, rubric, assignment, notebook, student)
    return {
        "criterion": next(c for c in state if c["id"] == criterion),
        "status": mine.status(len(rubric.criteria)),
        "progress": progress(after, len(rubric.criteria)),
    }


# The comment bank ------------------------------------------------------------------------
def bank_list(ctx: Course, assignment: str) -> dict[str, Any]:
    rubric_of(ctx.root, assignment)
    return {
        "assignment": assignment,
        "comments": [
            {"id": c.id, "criterion": c.criterion, "text": c.text}
            for c in comment_bank.comments(ctx.coursedir, assignment)
        ],
    }


def bank_add(ctx: Course, assignment: str, body: Any) -> dict[str, Any]:
    rubric = rubric_of(ctx.root, assignment)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise GradingError("Send the comment's text and its criterion.")
    criterion = body.get("criterion")
    if criterion not in {c.id for c in rubric.criteria}:
        raise GradingError("That is not a criterion of this rubric.")
    try:
        added = comment_bank.add(ctx.coursedir, assignment, criterion, body["text"])
    except comment_bank.BankError as error:
        raise GradingError(str(error)) from None
    return {"id": added.id, "criterion": added.criterion, "text": added.text}


def bank_remove(ctx: Course, assignment: str, comment_id: int) -> None:
    rubric_of(ctx.root, assignment)
    if not comment_bank.remove(ctx.coursedir, assignment, comment_id):
        raise GradingError("That comment is not in the bank.", 404)
