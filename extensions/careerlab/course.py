"""Where things live in a CareerLab course directory (the repository root).

The one place that knows the folder names; jupyter_config.py, the command line
and the widgets all ask here."""

from __future__ import annotations

import os
from pathlib import Path

from careerlab.answers import HELPER_FILE_PATTERNS, answers_filename

SOLUTIONS_FILE = "solutions.yml"  # see careerlab.simulate.load_solutions
SOURCE_DIRECTORY = "workbooks"
RELEASE_DIRECTORY = "release"
TRYOUT_DIRECTORY = "tryout"
RUBRICS_DIRECTORY = "rubrics"
METADATA_FILE = "workbook.yml"  # a workbook's metadata, beside its notebook
COURSE_ID = "careerlab"
CONFIG_FILE = "jupyter_config.py"


def gradebook_url(root: Path) -> str:
    """nbgrader's gradebook: $CAREERLAB_DB_URL (e.g. PostgreSQL), else SQLite in the course root."""
    return os.environ.get("CAREERLAB_DB_URL") or f"sqlite:///{root / 'gradebook.db'}"


def submission_of(notebook_path: str | os.PathLike[str]) -> tuple[str, str, str]:
    """(student, assignment, notebook) from nbgrader's <dir>/<student>/<assignment>/<nb>.ipynb."""
    path = Path(notebook_path)
    return path.parent.parent.name, path.parent.name, path.stem


def is_course_folder(folder: Path) -> bool:
    """True for an assignment folder inside a course's ``workbooks/`` or ``release/``.

    Answers must never be written there: nbgrader would copy an author's
    answers into every student's copy.
    """
    folder = folder.resolve()
    return (
        folder.parent.name in (SOURCE_DIRECTORY, RELEASE_DIRECTORY)
        and (folder.parent.parent / CONFIG_FILE).exists()
    )


def find_root(start: Path | None = None) -> Path:
    """The course root: $CAREERLAB_COURSE, or the nearest folder up with jupyter_config.py."""
    if os.environ.get("CAREERLAB_COURSE"):
        return Path(os.environ["CAREERLAB_COURSE"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).exists() and (folder / SOURCE_DIRECTORY).is_dir():
            return folder
    raise FileNotFoundError(f"No CareerLab course (a folder with {CONFIG_FILE}) above {here}.")


def assignments(root: Path) -> list[Path]:
    source = root / SOURCE_DIRECTORY
    return sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def notebooks(assignment: Path) -> list[Path]:
    return sorted(p for p in assignment.glob("*.ipynb") if not p.name.startswith("."))


def answers_files(root: Path) -> dict[str, list[str]]:
    """Per assignment, the answers files its notebooks keep (for Autograde.exclude_overwriting).

    A workbook's id is its notebook's file name without .ipynb
    (``careerlab check`` enforces it), so the names are known in advance.
    """
    return {
        assignment.name: [answers_filename(nb.stem) for nb in notebooks(assignment)]
        for assignment in assignments(root)
    }


def ignore_patterns() -> list[str]:
    """Files nbgrader must never copy: its defaults, the answers helpers, and the
    author's widget solutions (which would hand every student the answers)."""
    return [
        ".ipynb_checkpoints",
        "*.pyc",
        "__pycache__",
        "feedback",
        *HELPER_FILE_PATTERNS,
        SOLUTIONS_FILE,
    ]
