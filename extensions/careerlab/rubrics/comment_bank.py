"""The comment bank: comments a teacher saves once and reuses for many students.

Kept in the gradebook database beside the rubric levels (its own CareerLab
table), per assignment and rubric criterion, so every grader of a course and
every browser tab sees the same bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nbgrader.coursedir import CourseDirectory
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, delete, select

from careerlab.rubrics.levels import engine, with_retry

MAX_COMMENT_CHARS = 4_000
metadata = MetaData()
bank = Table(
    "careerlab_comment_bank",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assignment", String(128), nullable=False),
    Column("criterion", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


@dataclass(frozen=True)
class BankComment:
    id: int
    criterion: str
    text: str


class BankError(ValueError):
    """A comment cannot be banked; the message says why in plain words."""


def comments(coursedir: CourseDirectory, assignment: str) -> list[BankComment]:
    """Every banked comment of an assignment, oldest first, per criterion."""
    with engine(coursedir, metadata).connect() as connection:
        rows = connection.execute(
            select(bank)
            .where(bank.c.assignment == assignment)
            .order_by(bank.c.criterion, bank.c.id)
        ).mappings()
        return [BankComment(row["id"], row["criterion"], row["text"]) for row in rows]


def add(coursedir: CourseDirectory, assignment: str, criterion: str, text: str) -> BankComment:
    """Bank a comment (or return the same one banked before)."""
    text = text.strip()
    if not text:
        raise BankError("An empty comment cannot be saved to the bank.")
    if len(text) > MAX_COMMENT_CHARS:
        raise BankError(f"A banked comment can have at most {MAX_COMMENT_CHARS:,} characters.")

    def write() -> BankComment:
        with engine(coursedir, metadata).begin() as connection:
            same = select(bank).where(
                bank.c.assignment == assignment, bank.c.criterion == criterion, bank.c.text == text
            )
            row = connection.execute(same).mappings().first()
            if row is None:  # the same comment twice for one criterion is one entry
                connection.execute(
                    bank.insert().values(
                        assignment=assignment,
                        criterion=criterion,
                        text=text,
                        created_at=datetime.now(UTC).replace(tzinfo=None),
                    )
                )
                row = connection.execute(same).mappings().first()
            return BankComment(row["id"], row["criterion"], row["text"])

    return with_retry(write)


def remove(coursedir: CourseDirectory, assignment: str, comment_id: int) -> bool:
    """Take a comment out of the bank. False if it was not there."""

    def write() -> bool:
        with engine(coursedir, metadata).begin() as connection:
            result = connection.execute(
                delete(bank).where(bank.c.assignment == assignment, bank.c.id == comment_id)
            )
            return result.rowcount > 0

    return with_retry(write)
