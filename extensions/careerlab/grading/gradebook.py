"""One database engine for a whole batch of nbgrader's gradebook work.

nbgrader opens the gradebook anew in each step of each notebook
(``Gradebook(db_url)`` in every preprocessor and in ``init_assignment``): a new
SQLAlchemy engine every time, which inspects every table, runs
``create_all`` and compiles each query again because SQLAlchemy's query cache
belongs to the engine. In a batch that was about a third of the grader's own
time. Inside ``shared_engine()``, those same calls get a Gradebook that
reuses one engine per database: the same sessions, queries, commits and
course check, so the gradebook ends up exactly as nbgrader's steps leave it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nbgrader.api import Gradebook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session, sessionmaker

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


class BatchGradebook(Gradebook):
    """nbgrader's Gradebook on an engine shared by the batch (see the module)."""

    engines: dict[str, Engine] = {}

    def __init__(
        self, db_url: str, course_id: str = "default_course", authenticator: Any = None
    ) -> None:
        engine = self.engines.get(db_url)
        if engine is None:
            # The first one is nbgrader's own: it creates missing tables and
            # stamps a new database's version.
            super().__init__(db_url, course_id, authenticator)
            self.engines[db_url] = self.engine
            return
        # The rest of nbgrader's __init__, on the shared engine.
        self.engine = engine
        self.db = scoped_session(sessionmaker(autoflush=True, bind=engine, future=True))
        self.check_course(course_id=course_id)
        self.course_id = course_id
        self.authenticator = authenticator

    def close(self) -> None:
        # The session goes (its connection back to the pool); the engine stays.
        self.db.remove()


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
        for engine in BatchGradebook.engines.values():
            engine.dispose()
        BatchGradebook.engines.clear()
