"""Old dotted names of modules that moved, kept working (docs/architecture.md lists them).

Released notebooks import ``careerlab.careers``; a school's Jupyter or nbgrader
config may name ``careerlab.scoring.after_autograde``,
``careerlab.grading.hidden.HideTestsInFeedback`` or the server extension
``careerlab.grading_view``. A finder on ``sys.meta_path`` answers such an old name
with the module now at the new name: the SAME module object (one set of
globals, one ``__spec__``), imported only when the old name is, and nothing else
with it. Inside the package, its tests and jupyter_config.py only new names are used.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

# Old module or package name -> new name. A package's submodules follow it
# (careerlab.grading.batch -> careerlab.autograde.batch) unless listed themselves.
MOVED: dict[str, str] = {
    "careerlab.answers": "careerlab.workbook.answers",
    "careerlab.charts": "careerlab.workbook.charts",
    "careerlab.careers": "careerlab.workbook.careers",
    "careerlab.keyboard": "careerlab.workbook.keyboard",
    "careerlab.tasks": "careerlab.workbook.tasks",
    "careerlab.products": "careerlab.workbook.products",
    "careerlab.readability": "careerlab.author.readability",
    "careerlab.datasets": "careerlab.author.datasets",
    "careerlab.author.analysis_steps": "careerlab.workbook.analysis_steps",
    "careerlab.catalog_page": "careerlab.catalog.page",
    "careerlab.collect": "careerlab.exchange.collect",
    "careerlab.grading.files": "careerlab.exchange.files",
    "careerlab.grading.hidden": "careerlab.feedback.hidden",
    "careerlab.grading": "careerlab.autograde",
    "careerlab.rubric": "careerlab.rubrics.format",
    "careerlab.scoring": "careerlab.rubrics.levels",
    "careerlab.comment_bank": "careerlab.rubrics.comment_bank",
    "careerlab.grading_view": "careerlab.grading_page",
    "careerlab.autograded": "careerlab.feedback.autograded",
    "careerlab.voila_pages": "careerlab.showcase.voila_pages",
    "careerlab.submission_files": "careerlab.sanitize.submission_files",
    "careerlab.export": "careerlab.district.export",
    "careerlab.classroom": "careerlab.testing.classroom",
    "careerlab.simulate": "careerlab.testing.simulate",
}


def new_name(old: str) -> str | None:
    """The module's name now, or None if ``old`` did not move."""
    if old in MOVED:
        return MOVED[old]
    package, _, rest = old.rpartition(".")
    while package:
        if package in MOVED:
            return f"{MOVED[package]}.{rest}"
        package, _, last = package.rpartition(".")
        rest = f"{last}.{rest}"
    return None


class MovedNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old name and loads it as the module at the new name."""

    def __init__(self) -> None:
        self._real_specs: dict[str, importlib.machinery.ModuleSpec] = {}

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = new_name(fullname)
        if new is None:
            return None
        # Not a package spec even for a package: the import system would then give a
        # plain module an empty __path__. Submodules are found under the real module's.
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(new_name(spec.name) or spec.name)
        # The import system writes the old name's spec into __spec__ after this
        # returns; exec_module puts the real one back.
        self._real_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Nothing to run: the module ran when its new name was imported.
        module.__spec__ = self._real_specs.pop(module.__spec__.name)


def install() -> None:
    if not any(isinstance(finder, MovedNames) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedNames())
