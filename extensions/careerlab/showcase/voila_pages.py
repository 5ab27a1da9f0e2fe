"""Voila in a course shows only the pages CareerLab ships.

Voila runs a notebook's code on the server, as the teacher, whenever its page is
opened. A markdown link to ``/voila/render/submitted/<student>/...`` would run a
student's code unsandboxed the moment a teacher clicked it. ``only_shipped_pages``
is Voila's ``page_config_hook`` (jupyter_config.py): Voila calls it for every tree
listing and before it reads or runs any notebook, and it refuses with 403 every
path that is not one of the package's own notebooks (catalog, showcase) or a
folder on the way to one. Paths are compared exactly: ``..``, doubled slashes and
other spellings of an allowed page are refused too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from tornado.web import HTTPError

# The careerlab package (this module sits in its showcase/ folder).
PACKAGE = Path(__file__).resolve().parent.parent
# Where the package's folder sits in a course (the repository root is the course).
COURSE_PREFIX = PurePosixPath("extensions", "careerlab")


@cache
def shipped_pages() -> frozenset[str]:
    """The notebooks the package ships, as paths from the course root."""
    return frozenset(
        str(COURSE_PREFIX / path.relative_to(PACKAGE).as_posix())
        for path in PACKAGE.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in path.parts
    )


@cache
def _folders() -> frozenset[str]:
    folders = {""}
    for page in shipped_pages():
        folders.update(str(parent) for parent in PurePosixPath(page).parents if str(parent) != ".")
    return frozenset(folders)


def allowed(path: str, *, folder: bool) -> bool:
    path = path.strip("/")
    return path in (_folders() if folder else shipped_pages())


def only_shipped_pages(
    page_config: dict[str, Any], *, notebook_path: str = "", **_: Any
) -> dict[str, Any]:
    """Voila's page_config_hook: the page config unchanged, or 403."""
    # Voila passes a notebook's path when rendering and a folder's when listing.
    is_folder = not notebook_path.endswith(".ipynb")
    if not allowed(notebook_path, folder=is_folder):
        # Voila's error page shows the reason; Jupyter's log and JSON show the message.
        raise HTTPError(
            403,
            "Voila in this course shows only CareerLab's own pages (the catalog, the "
            "showcase); it never runs a student's or a submission's notebook. Open "
            "student work in Formgrader or in the rubric grading page instead.",
            reason="Voila shows only CareerLab pages (catalog, showcase), never student work",
        )
    return page_config
