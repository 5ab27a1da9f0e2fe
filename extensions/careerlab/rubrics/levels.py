"""Rubric levels: the level a teacher gives each criterion, kept as data.

nbgrader knows one number per cell. Each rubric criterion is one manually graded
cell (``rubric-<criterion>``) whose points are level points x weight; the level
itself is kept in the gradebook's database, in CareerLab's own table, and is
what every later view (feedback, showcase, exports) reads. The points in
nbgrader are always derived from the level, never the other way round.

A comment can be written before a level is chosen: it is kept in a row whose
level is "" and whose points are 0, which ``levels_for`` leaves out. Every write
is one transaction that also sets nbgrader's points, retried while the database
is busy (``with_retry``). Levels and the comment bank work on the gradebook's one
engine in this process (``engine``), and leave commit and rollback to SQLAlchemy.
"""

from __future__ import annotations

import functools
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from nbgrader.api import (
    Assignment,
    BaseCell,
    Grade,
    MissingEntry,
    Notebook,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
)
from nbgrader.coursedir import CourseDirectory
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    MetaData,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from careerlab import course, project
from careerlab.autograde import gradebook
from careerlab.rubrics.format import Rubric, combined, load_all

CELL_PREFIX = "rubric-"
metadata = MetaData()
rubric_levels = Table(
    "careerlab_rubric_level",
    metadata,
    Column("assignment", String(128), primary_key=True),
    Column("notebook", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("criterion", String(64), primary_key=True),
    Column("rubric", String(64), nullable=False),
    Column("level", String(64), nullable=False),
    Column("points", Float, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("grader", String(128), nullable=False, default=""),
    Column("updated_at", DateTime, nullable=False),
)


class ScoringError(ValueError):
    """A level could not be recorded; the message says why in plain words."""


@dataclass(frozen=True)
class GivenLevel:
    criterion: str
    level: str
    points: float
    comment: str
    updated_at: datetime


def cell_id(criterion_id: str) -> str:
    return f"{CELL_PREFIX}{criterion_id}"


_TABLES_READY: set[tuple[str, int]] = set()  # (database, id of the MetaData)


def engine(coursedir: CourseDirectory, tables: MetaData = metadata) -> Engine:
    """The course's gradebook's one engine in this process, with CareerLab's ``tables``
    created (once per database and process: create_all inspects every table)."""
    db_url = coursedir.db_url
    shared = gradebook.engine(db_url, coursedir.course_id)
    if (db_url, id(tables)) not in _TABLES_READY:
        tables.create_all(shared)
        _TABLES_READY.add((db_url, id(tables)))
    return shared


def _transaction(coursedir: CourseDirectory):
    """nbgrader's Gradebook and CareerLab's tables in one transaction (see gradebook)."""
    engine(coursedir)
    return gradebook.transaction(coursedir.db_url, coursedir.course_id)


# Writers -----------------------------------------------------------------------------
# SQLite lets one writer in at a time, and a transaction that read before writing
# can be refused at once ("database is locked") instead of waiting, to avoid a
# deadlock. Every CareerLab write is one short transaction, so the whole
# transaction is retried until a deadline: two tabs, the CLI and the grading page
# can save at the same moment and every save lands.
RETRY_SECONDS = 30.0
T = TypeVar("T")


def _is_retryable(error: OperationalError) -> bool:
    text = str(error.orig if error.orig is not None else error).lower()
    return any(word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


def with_retry(write: Callable[[], T], deadline_seconds: float = RETRY_SECONDS) -> T:
    """Run ``write`` (one whole transaction), again if the database was busy."""
    deadline = time.monotonic() + deadline_seconds
    delay = 0.02
    while True:
        try:
            return write()
        except OperationalError as error:
            if not _is_retryable(error) or time.monotonic() + delay > deadline:
                raise
        # Back off with jitter so writers that collided do not collide again.
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 0.5)


def _row_key(assignment: str, notebook: str, student: str, criterion: str):
    return (
        (rubric_levels.c.assignment == assignment)
        & (rubric_levels.c.notebook == notebook)
        & (rubric_levels.c.student == student)
        & (rubric_levels.c.criterion == criterion)
    )


KEY_COLUMNS = ("assignment", "notebook", "student", "criterion")


def _upsert(session: Session, key: tuple[str, str, str, str], **values: Any) -> None:
    """Insert or replace the row of one criterion (key: assignment, notebook, student,
    criterion) in one statement, so two graders saving at once cannot both insert."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    row = dict(zip(KEY_COLUMNS, key, strict=True), **values)
    statement = dialect.insert(rubric_levels).values(**row)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS), set_={k: statement.excluded[k] for k in values}
        )
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def project_rubric(root: Path, assignment: str) -> Rubric:
    """The combined rubric a workbook names in its workbook.yml."""
    try:
        meta = project.read(root / course.SOURCE_DIRECTORY / assignment)
    except project.ProjectFileError as error:
        raise ScoringError(f"{error} So the workbook has no rubric.") from error
    if meta.rubric is None:
        raise ScoringError(f"{meta.path}: names no rubric.")
    return combined(load_all(root / course.RUBRICS_DIRECTORY), meta.rubric)


def record_level(
    coursedir: CourseDirectory,
    rubric: Rubric,
    assignment: str,
    notebook: str,
    student: str,
    criterion_id: str,
    level_id: str,
    comment: str | None = "",
    grader: str = "",
) -> GivenLevel:
    """Give a criterion a level: store the level, and set nbgrader's points from it.

    Both happen in one transaction, so the level and nbgrader's points never
    disagree because two saves crossed. ``comment=None`` keeps the stored comment.
    """
    try:
        criterion = rubric.criterion(criterion_id)
    except KeyError:
        known = ", ".join(c.id for c in rubric.criteria)
        raise ScoringError(
            f"'{criterion_id}' is not a criterion of {rubric.id} ({known})."
        ) from None
    try:
        points = rubric.points(criterion, level_id)
    except KeyError:
        known = ", ".join(level.id for level in rubric.levels)
        raise ScoringError(f"'{level_id}' is not a level of {rubric.id} ({known}).") from None

    def write() -> GivenLevel:
        with _transaction(coursedir) as book:
            try:
                grade = book.find_grade(cell_id(criterion_id), notebook, assignment, student)
            except MissingEntry:
                raise ScoringError(
                    f"No rubric cell '{cell_id(criterion_id)}' for {student}'s "
                    f"{assignment}/{notebook}: has the submission been autograded?"
                ) from None
            grade.manual_score = points
            grade.needs_manual_grade = False
            kept = comment
            if kept is None:
                key = _row_key(assignment, notebook, student, criterion_id)
                kept = book.db.execute(select(rubric_levels.c.comment).where(key)).scalar()
            now = _now()
            _upsert(
                book.db,
                (assignment, notebook, student, criterion_id),
                rubric=rubric.id,
                level=level_id,
                points=points,
                comment=kept or "",
                grader=grader,
                updated_at=now,
            )
            return GivenLevel(criterion_id, level_id, points, kept or "", now)

    return with_retry(write)


@dataclass(frozen=True)
class CriterionState:
    """What is stored for one criterion: a level (None if not given yet) and a comment."""

    criterion: str
    level: str | None
    points: float | None
    comment: str
    updated_at: datetime


class CommentChanged(ScoringError):
    """The comment was changed elsewhere since this grader last read it."""

    def __init__(self, current: str) -> None:
        super().__init__("This comment was changed in another tab or by another grader.")
        self.current = current


def record_comment(
    coursedir: CourseDirectory,
    rubric: Rubric,
    assignment: str,
    notebook: str,
    student: str,
    criterion_id: str,
    comment: str,
    grader: str = "",
    base: str | None = None,
) -> CriterionState:
    """Store a criterion's comment, with or without a level given yet.

    ``base`` is the comment the grader started from: if the stored one differs
    (another tab saved in between), nothing is written and CommentChanged carries
    the stored text, so neither version is lost. A comment given before any level
    is kept in a row whose level is "" (levels_for leaves such rows out).
    """
    try:
        rubric.criterion(criterion_id)
    except KeyError:
        raise ScoringError(f"'{criterion_id}' is not a criterion of {rubric.id}.") from None
    key = _row_key(assignment, notebook, student, criterion_id)

    def write() -> CriterionState:
        with Session(engine(coursedir)) as session, session.begin():
            row = session.execute(select(rubric_levels).where(key)).mappings().first()
            stored = row["comment"] if row else ""
            if base is not None and stored not in (base, comment):
                raise CommentChanged(stored)
            now = _now()
            if row:
                session.execute(
                    update(rubric_levels)
                    .where(key)
                    .values(comment=comment, grader=grader, updated_at=now)
                )
            else:
                _upsert(  # no level yet: see the module's docstring
                    session,
                    (assignment, notebook, student, criterion_id),
                    rubric=rubric.id,
                    level="",
                    points=0.0,
                    comment=comment,
                    grader=grader,
                    updated_at=now,
                )
            level = row["level"] if row and row["level"] else None
            points = row["points"] if row and level else None
            return CriterionState(criterion_id, level, points, comment, now)

    return with_retry(write)


def _state(row: Any) -> CriterionState:
    level = row["level"] or None
    return CriterionState(
        row["criterion"], level, row["points"] if level else None, row["comment"], row["updated_at"]
    )


def assignment_state(
    coursedir: CourseDirectory, assignment: str, notebook: str
) -> dict[str, dict[str, CriterionState]]:
    """Every stored row of one assignment's notebook, by student, then criterion."""
    with engine(coursedir).connect() as connection:
        rows = connection.execute(
            select(rubric_levels).where(
                rubric_levels.c.assignment == assignment,
                rubric_levels.c.notebook == notebook,
            )
        ).mappings()
        found: dict[str, dict[str, CriterionState]] = {}
        for row in rows:
            found.setdefault(row["student"], {})[row["criterion"]] = _state(row)
        return found


def criteria_state(
    coursedir: CourseDirectory, assignment: str, notebook: str, student: str
) -> dict[str, CriterionState]:
    """Every stored row of one submission, comment-only rows included."""
    with engine(coursedir).connect() as connection:
        return _criteria_state(connection, assignment, notebook, student)


def _criteria_state(
    reader: Connection | Session, assignment: str, notebook: str, student: str
) -> dict[str, CriterionState]:
    rows = reader.execute(
        select(rubric_levels).where(
            rubric_levels.c.assignment == assignment,
            rubric_levels.c.notebook == notebook,
            rubric_levels.c.student == student,
        )
    ).mappings()
    return {row["criterion"]: _state(row) for row in rows}


def _given(states: dict[str, CriterionState]) -> dict[str, GivenLevel]:
    """The levels given (rows holding only a comment so far are left out)."""
    return {
        criterion: GivenLevel(criterion, state.level, state.points, state.comment, state.updated_at)
        for criterion, state in states.items()
        if state.level is not None and state.points is not None
    }


def levels_for(
    coursedir: CourseDirectory, assignment: str, notebook: str, student: str
) -> dict[str, GivenLevel]:
    """The levels given (rows holding only a comment so far are left out)."""
    return _given(criteria_state(coursedir, assignment, notebook, student))


def clear_level(
    coursedir: CourseDirectory, assignment: str, notebook: str, student: str, criterion: str
) -> None:
    """Take a level back: nbgrader's cell waits for a grader again; a comment is kept."""
    key = _row_key(assignment, notebook, student, criterion)

    def write() -> None:
        with _transaction(coursedir) as book:
            comment = book.db.execute(select(rubric_levels.c.comment).where(key)).scalar()
            if comment:
                book.db.execute(
                    update(rubric_levels).where(key).values(level="", points=0.0, updated_at=_now())
                )
            else:
                book.db.execute(delete(rubric_levels).where(key))
            try:
                grade = book.find_grade(cell_id(criterion), notebook, assignment, student)
                grade.manual_score = None
                grade.needs_manual_grade = True
            except MissingEntry:
                pass

    with_retry(write)


@functools.cache
def _grades_query(one_student: bool) -> Select[Any]:
    """Built once (building it costs more than running it): parameters ``assignment``,
    ``notebook`` and, with ``one_student``, ``student``."""
    query = (
        select(
            Student.id.label("student"),
            Student.first_name,
            Student.last_name,
            BaseCell.name,
            Grade.cell_type,
            Grade.score,
            Grade.max_score,
            Grade.manual_score,
        )
        .select_from(SubmittedNotebook)
        .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)
        .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
        .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
        .join(Student, Student.id == SubmittedAssignment.student_id)
        .outerjoin(Grade, Grade.notebook_id == SubmittedNotebook.id)
        .outerjoin(BaseCell, BaseCell.id == Grade.cell_id)
        .where(Notebook.name == bindparam("notebook"), Assignment.name == bindparam("assignment"))
    )
    return query.where(Student.id == bindparam("student")) if one_student else query


def grade_rows(
    session: Session, assignment: str, notebook: str, student: str | None = None
) -> Sequence[Row[Any]]:
    """nbgrader's grades of one notebook's submissions (of one ``student``, or all), as
    rows with the attributes student, first_name, last_name, name (the cell's grade id),
    cell_type, score, max_score and manual_score (nbgrader's own column definitions).
    One query: nbgrader's ``Grade.to_dict()`` loads each grade's cell, notebook and student
    one query at a time, about a second for a class of 30. A submission without grades is
    one row whose name is None, so every submission is listed."""
    values = {"assignment": assignment, "notebook": notebook}
    if student is not None:
        values["student"] = student
    return session.execute(_grades_query(student is not None), values).all()


@dataclass(frozen=True)
class Conflict:
    """nbgrader's points for a rubric cell disagree with the level stored for it,
    for example after a points edit in nbgrader's formgrader."""

    criterion: str
    level: str | None  # the level stored; None when points were given without a level
    level_points: float | None
    gradebook_points: float | None


def conflicts(
    coursedir: CourseDirectory, rubric: Rubric, assignment: str, notebook: str, student: str
) -> dict[str, Conflict]:
    """Every criterion whose nbgrader points are not its stored level's points."""
    found: dict[str, Conflict] = {}
    with _transaction(coursedir) as book:  # levels and points read at one moment
        given = _given(_criteria_state(book.db, assignment, notebook, student))
        points = {
            row.name: row.manual_score
            for row in grade_rows(book.db, assignment, notebook, student)
            if row.name and row.name.startswith(CELL_PREFIX)
        }
        for criterion in rubric.criteria:
            if cell_id(criterion.id) not in points:
                continue
            level = given.get(criterion.id)
            manual = points[cell_id(criterion.id)]
            if level is None and manual is None:
                continue
            if level is not None and manual is not None and abs(manual - level.points) < 1e-6:
                continue
            found[criterion.id] = Conflict(
                criterion.id,
                level.level if level else None,
                level.points if level else None,
                manual,
            )
    return found


def after_autograde(notebooks: list[str], **_: object) -> None:
    """nbgrader's Autograde.post_convert_hook: re-autograding keeps every given level.

    nbgrader keeps manual points but flags them for review again; a stored level
    is the grader's decision, so its cell is marked graded again, and its points
    are set again where nbgrader lost them (a new submission). Points that
    disagree with the stored level (edited in formgrader) are left as they are and
    stay flagged: the grading page shows the conflict instead of hiding it.
    (nbgrader passes the command line's ids, which may be "*", so the
    submission's ids come from the notebook paths.)
    """
    try:
        # Once per process: nbgrader calls this for every submission.
        coursedir = course.course_directory(course.find_root())

        def write() -> None:
            with _transaction(coursedir) as book:
                for path in notebooks:
                    student, assignment, notebook = course.submission_of(path)
                    states = _criteria_state(book.db, assignment, notebook, student)
                    for given in _given(states).values():
                        try:
                            grade = book.find_grade(
                                cell_id(given.criterion), notebook, assignment, student
                            )
                        except MissingEntry:
                            continue
                        if grade.manual_score is None:
                            grade.manual_score = given.points
                        if abs(grade.manual_score - given.points) < 1e-6:
                            grade.needs_manual_grade = False

        with_retry(write)
    except Exception as error:  # nbgrader would hide it at INFO level: say it plainly
        print(
            f"CareerLab could not restore rubric levels after autograde: {error}", file=sys.stderr
        )
