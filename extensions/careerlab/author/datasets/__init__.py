"""Seeded, documented generators for data that does not exist offline.

Each module makes its data sets from a fixed seed, so the committed CSVs can be
rebuilt exactly (``careerlab data NAME``) and tests check that they are. A
module lists what it makes in ``DATASETS``: name -> (generator, the CSV it
makes, relative to workbooks/). Adding a module is all it takes.

May import the standard library, numpy and pandas only.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

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
