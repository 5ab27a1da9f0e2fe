"""Seeded, documented generators for data that does not exist offline.

Each module makes its data sets from a fixed seed, so the committed CSVs can be
rebuilt exactly (``careerlab data NAME``) and tests check that they are. A
module lists what it makes in ``DATASETS``: name -> (generator, the CSV it
makes, relative to workbooks/). Adding a module is all it takes.

May import the standard library, numpy and pandas only.
"""

from __future__ import annotations

import csv
import importlib
import io
import pkgutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


def generators() -> dict[str, tuple[Callable[[], pd.DataFrame], str]]:
    found: dict[str, tuple[Callable[[], pd.DataFrame], str]] = {}
    for module in pkgutil.iter_modules(__path__):
        datasets = getattr(importlib.import_module(f"{__name__}.{module.name}"), "DATASETS", {})
        for name, entry in datasets.items():
            if name in found:
                raise ValueError(f"Two data sets are called {name!r}.")
            found[name] = entry
    return found


def csv_text(frame: pd.DataFrame) -> str:
    """A generated table as its committed CSV: the same bytes on every machine and run."""
    return frame.to_csv(index=False, lineterminator="\n")


def _rows(text: str) -> list[tuple[str, ...]]:
    return [tuple(row) for row in csv.reader(io.StringIO(text))]


def _count(number: int, word: str = "row") -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class DataFile:
    """A data set's file in a course beside what its generator makes now."""

    name: str
    path: Path  # where the CSV belongs: workbooks/<project>/<file>
    made: bytes  # what the generator makes
    current: bytes | None  # the file as it is, None when there is none

    @property
    def up_to_date(self) -> bool:
        return self.current == self.made

    def rows(self, which: bytes | None) -> list[tuple[str, ...]]:
        return _rows(which.decode("utf-8", errors="replace"))[1:] if which else []

    def difference(self) -> str:
        """What rebuilding changes: rows added and removed (and the columns, if they change)."""
        old, new = self.rows(self.current), self.rows(self.made)
        added = sum((Counter(new) - Counter(old)).values())
        removed = sum((Counter(old) - Counter(new)).values())
        text = f"{_count(added)} added, {_count(removed)} removed"
        header = _rows((self.current or b"").decode("utf-8", errors="replace"))[:1]
        if header != _rows(self.made.decode())[:1]:
            text += "; the columns change"
        return text


def data_file(name: str, workbooks: Path) -> DataFile:
    """The data set ``name`` (a key of ``generators()``) in a course's workbooks/ folder."""
    generate, relative = generators()[name]
    path = workbooks / relative
    current = path.read_bytes() if path.is_file() else None
    return DataFile(name, path, csv_text(generate()).encode("utf-8"), current)
