"""Rubric levels: the level a teacher gives each criterion, kept as data.

nbgrader knows one number per cell. Each rubric criterion is one manually graded
cell (``rubric-<criterion>``) whose points are level points x weight; the level
itself is kept in the gradebook's database, in CareerLab's own table, and is
what every later view (feedback, showcase, exports) reads. The points in
nbgrader are always derived from the level, never the other way round.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from careerlab import course
from careerlab.rubric import Rubric, combined, load_all

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


def _engine(db_url: str):
    engine = create_engine(db_url)
    metadata.create_all(engine)
    return engine


def project_rubric(root: Path, assignment: str) -> Rubric:
    """The combined rubric a workbook names in its workbook.yml."""
    import yaml

    meta_path = root / course.SOURCE_DIRECTORY / assignment / course.METADATA_FILE
    if not meta_path.exists():
        raise ScoringError(f"{meta_path}: the workbook has no metadata, so no rubric.")
    rubric_id = (yaml.safe_load(meta_path.read_text()) or {}).get("rubric")
    if not rubric_id:
        raise ScoringError(f"{meta_path}: names no rubric.")
    return combined(load_all(root / course.RUBRICS_DIRECTORY), rubric_id)


def record_level(
    db_url: str,
    rubric: Rubric,
    assignment: str,
    notebook: str,
    student: str,
    criterion_id: str,
    level_id: str,
    comment: str = "",
    grader: str = "",
) -> GivenLevel:
    """Give a criterion a level: store the level, and set nbgrader's points from it."""
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
    with Gradebook(db_url, course.COURSE_ID) as gradebook:
        try:
            grade = gradebook.find_grade(cell_id(criterion_id), notebook, assignment, student)
        except MissingEntry:
            raise ScoringError(
                f"No rubric cell '{cell_id(criterion_id)}' for {student}'s "
                f"{assignment}/{notebook}: has the submission been autograded?"
            ) from None
        grade.manual_score = points
        grade.needs_manual_grade = False
        gradebook.db.commit()
    now = datetime.now(UTC).replace(tzinfo=None)
    row = {
        "assignment": assignment,
        "notebook": notebook,
        "student": student,
        "criterion": criterion_id,
        "rubric": rubric.id,
        "level": level_id,
        "points": points,
        "comment": comment,
        "grader": grader,
        "updated_at": now,
    }
    engine = _engine(db_url)
    try:
        with engine.begin() as connection:
            dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
            statement = dialect.insert(rubric_levels).values(**row)
            keys = ["assignment", "notebook", "student", "criterion"]
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=keys,
                    set_={k: statement.excluded[k] for k in row if k not in keys},
                )
            )
    finally:
        engine.dispose()
    return GivenLevel(criterion_id, level_id, points, comment, now)


def levels_for(db_url: str, assignment: str, notebook: str, student: str) -> dict[str, GivenLevel]:
    engine = _engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(rubric_levels).where(
                    rubric_levels.c.assignment == assignment,
                    rubric_levels.c.notebook == notebook,
                    rubric_levels.c.student == student,
                )
            ).mappings()
            return {
                row["criterion"]: GivenLevel(
                    row["criterion"], row["level"], row["points"], row["comment"], row["updated_at"]
                )
                for row in rows
            }
    finally:
        engine.dispose()


def clear_level(db_url: str, assignment: str, notebook: str, student: str, criterion: str) -> None:
    engine = _engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(rubric_levels).where(
                    rubric_levels.c.assignment == assignment,
                    rubric_levels.c.notebook == notebook,
                    rubric_levels.c.student == student,
                    rubric_levels.c.criterion == criterion,
                )
            )
    finally:
        engine.dispose()
    with Gradebook(db_url, course.COURSE_ID) as gradebook:
        try:
            grade = gradebook.find_grade(cell_id(criterion), notebook, assignment, student)
        except MissingEntry:
            return
        grade.manual_score = None
        grade.needs_manual_grade = True
        gradebook.db.commit()


def after_autograde(notebooks: list[str], **_: object) -> None:
    """nbgrader's Autograde.post_convert_hook: re-autograding keeps every given level.

    nbgrader keeps manual points but flags them for review again; a stored level
    is the grader's decision, so its cell is marked graded again. (nbgrader
    passes the command line's ids, which may be "*", so the submission's ids
    come from the notebook paths.)
    """
    try:
        db_url = course.gradebook_url(course.find_root())
        with Gradebook(db_url, course.COURSE_ID) as gradebook:
            for path in notebooks:
                student, assignment, notebook = course.submission_of(path)
                for given in levels_for(db_url, assignment, notebook, student).values():
                    try:
                        grade = gradebook.find_grade(
                            cell_id(given.criterion), notebook, assignment, student
                        )
                    except MissingEntry:
                        continue
                    grade.manual_score = given.points
                    grade.needs_manual_grade = False
            gradebook.db.commit()
    except Exception as error:  # nbgrader would hide it at INFO level: say it plainly
        print(
            f"CareerLab could not restore rubric levels after autograde: {error}", file=sys.stderr
        )
