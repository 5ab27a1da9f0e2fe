"""One database engine for a whole batch of nbgrader's gradebook work.

nbgrader opens the gradebook anew in each step of each notebook
(``Gradebook(db_url)`` in every preprocessor and in ``init_assignment``): a new
SQLAlchemy engine every time, which inspects every table, runs
``create_all`` and compiles each query again because SQLAlchemy's query cache
belongs to the engine. In a batch that was about a third of the grader's own
time. Inside ``shared_engine()``, those same calls get a Gradebook that
reuses one engine per database: the same sessions, queries, commits and
course check, so the gradebook ends up exactly as nbgrader's steps leave it.

More savings, none of which changes what is written:

- The assignment's source cells (what OverwriteCells restores every locked
  cell from) are the same for every student and nothing in autograde changes
  them, so each is read once per batch and kept as a read-only copy.
- nbgrader's SaveAutoGrades commits once per cell (thousands of disk syncs for
  a class); ``SaveAutoGradesOnce`` writes the same rows and commits once per
  notebook, which also means a notebook's scores land all together or not at all.
- Inside ``one_transaction()`` (a submission's record step), every Gradebook
  shares one session and nothing commits until the block ends: the scores of
  all the submission's notebooks and its late penalty land together or, if the
  grader stops or is killed, not at all (SQLite rolls the rest back).

The engine itself (``engine()``) is the one a process uses for a gradebook
database: the rubric levels and the comment bank work on it too, through
``transaction()`` or the engine's own ``begin()``.
"""

from __future__ import annotations

import contextvars
import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import sqlalchemy
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

# Every nbgrader module that autograde runs and that opens a Gradebook by name.
NBGRADER_MODULES = (
    "nbgrader.converters.autograde",
    "nbgrader.preprocessors.getgrades",
    "nbgrader.preprocessors.latesubmissions",
    "nbgrader.preprocessors.overwritecells",
    "nbgrader.preprocessors.overwritekernelspec",
    "nbgrader.preprocessors.saveautogrades",
    "nbgrader.preprocessors.savecells",
)


# Set while SaveAutoGradesOnce runs: a commit then only flushes, and the
# gradebook commits once when its ``with`` block ends without an error.
_ONE_TRANSACTION = contextvars.ContextVar("careerlab_one_transaction", default=False)
# Set inside one_transaction(): the session every BatchGradebook then uses.
_SHARED_SESSION: contextvars.ContextVar[scoped_session | None] = contextvars.ContextVar(
    "careerlab_shared_session", default=None
)


class _BatchSession(Session):
    held = False  # a commit was held back

    def commit(self) -> None:
        if _ONE_TRANSACTION.get():
            self.flush()
            self.held = True
        else:
            super().commit()


def _read_only_copy(row: Any) -> SimpleNamespace:
    """A database row's columns, detached from any session."""
    mapper = sqlalchemy.inspect(row).mapper
    return SimpleNamespace(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})


class BatchGradebook(Gradebook):
    """nbgrader's Gradebook on an engine shared by the batch (see the module)."""

    engines: dict[str, Engine] = {}
    # (db_url, kind, name, notebook, assignment) -> a read-only copy of a source cell
    source_cells: dict[tuple[str, ...], SimpleNamespace] = {}

    def __init__(
        self,
        db_url: str,
        course_id: str = "default_course",
        authenticator: Any = None,
        session: Session | None = None,
    ) -> None:
        self.db_url = db_url
        self.engine = engine(db_url, course_id)
        # The rest of nbgrader's __init__, on the shared engine (and, inside
        # one_transaction() or transaction(), in its session).
        self.db = (
            session
            or _SHARED_SESSION.get()
            or scoped_session(
                sessionmaker(autoflush=True, bind=self.engine, future=True, class_=_BatchSession)
            )
        )
        if session is None:  # transaction() must not commit: engine() added the course
            self.check_course(course_id=course_id)
        self.course_id = course_id
        self.authenticator = authenticator

    def find_source_cell(self, name: str, notebook: str, assignment: str) -> Any:
        return self._source("source", name, notebook, assignment, super().find_source_cell)

    def find_graded_cell(self, name: str, notebook: str, assignment: str) -> Any:
        return self._source("graded", name, notebook, assignment, super().find_graded_cell)

    def _source(self, kind: str, name: str, notebook: str, assignment: str, find: Any) -> Any:
        key = (self.db_url, kind, name, notebook, assignment)
        if key not in self.source_cells:
            self.source_cells[key] = _read_only_copy(find(name, notebook, assignment))
        return self.source_cells[key]

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if self.db is _SHARED_SESSION.get() or isinstance(self.db, Session):
            return  # one_transaction() or transaction() commits or rolls back, once
        try:
            session = self.db()
            if exc_type is None and session.held:
                Session.commit(session)  # what SaveAutoGradesOnce held back
        finally:
            self.close()

    def close(self) -> None:
        # The session goes (its connection back to the pool); the engine stays.
        # one_transaction()'s session stays open until its block ends.
        if self.db is not _SHARED_SESSION.get() and not isinstance(self.db, Session):
            self.db.remove()


_ENGINES_LOCK = threading.Lock()  # the grading page's threads may ask at once


def engine(db_url: str, course_id: str) -> Engine:
    """The one engine of a gradebook database in this process.

    The first time, nbgrader's own Gradebook opens the database: it creates
    missing tables, stamps a new database's version and adds the course. An engine
    keeps its connections and compiled queries, so everything after is cheaper.
    """
    with _ENGINES_LOCK:
        found = BatchGradebook.engines.get(db_url)
        if found is None:
            first = Gradebook(db_url, course_id)
            first.db.remove()
            found = BatchGradebook.engines[db_url] = first.engine
        return found


@contextmanager
def transaction(db_url: str, course_id: str) -> Iterator[Gradebook]:
    """nbgrader's Gradebook on the shared engine, all its work one transaction.

    SQLAlchemy's own ``Session.begin()`` commits when the block ends and rolls
    back if it raises; a ``commit()`` inside is refused, so nothing lands halfway.
    """
    with Session(engine(db_url, course_id)) as session, session.begin():
        yield BatchGradebook(db_url, course_id, session=session)


class SaveAutoGradesOnce(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with one commit per notebook instead of one per cell."""

    def preprocess(self, nb: Any, resources: Any) -> Any:
        token = _ONE_TRANSACTION.set(True)
        try:
            return super().preprocess(nb, resources)
        finally:
            _ONE_TRANSACTION.reset(token)


@contextmanager
def one_transaction(db_url: str, course_id: str) -> Iterator[None]:
    """Every gradebook write inside lands in one commit at the end, or none does.

    nbgrader's steps still call ``commit()``; inside, that only sends the rows
    to the database (so later queries see them), and the block's end commits
    them all. An error rolls them all back; a killed process leaves SQLite's
    journal, which rolls them back when the gradebook is next opened."""
    gradebook = BatchGradebook(db_url, course_id)
    session = gradebook.db()
    shared = _SHARED_SESSION.set(gradebook.db)
    held = _ONE_TRANSACTION.set(True)
    try:
        yield
        Session.commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        _ONE_TRANSACTION.reset(held)
        _SHARED_SESSION.reset(shared)
        gradebook.db.remove()


@contextmanager
def shared_engine() -> Iterator[None]:
    """While inside, nbgrader's autograde steps open BatchGradebooks; all engines
    are disposed of (their connections closed) on the way out."""
    modules = [importlib.import_module(name) for name in NBGRADER_MODULES]
    saved = [module.Gradebook for module in modules]
    for module in modules:
        module.Gradebook = BatchGradebook
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.Gradebook = original
        for each in BatchGradebook.engines.values():
            each.dispose()
        BatchGradebook.engines.clear()
        BatchGradebook.source_cells.clear()
