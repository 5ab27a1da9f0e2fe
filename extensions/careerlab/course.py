"""Where things live in a CareerLab course directory (the repository root).

The one place that knows the folder names; jupyter_config.py, the command line
and the widgets all ask here."""

from __future__ import annotations

import glob
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from careerlab.workbook.answers import HELPER_FILE_PATTERNS, answers_filename

if TYPE_CHECKING:  # nbgrader is imported only when a course directory is asked for
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

SOLUTIONS_FILE = "solutions.yml"  # see careerlab.testing.simulate.load_solutions
SOURCE_DIRECTORY = "workbooks"
RELEASE_DIRECTORY = "release"
TRYOUT_DIRECTORY = "tryout"
GUIDES_DIRECTORY = "guides"  # teacher guides `careerlab guide` writes (never released)
RUBRICS_DIRECTORY = "rubrics"
PRODUCTS_DIRECTORY = "products"  # product families as data (careerlab.workbook.products)
METADATA_FILE = "workbook.yml"  # a workbook's metadata, beside its notebook
TEXT_FILE = "workbook.md"  # a workbook's text with its answer keys: the notebook is built from it
GUIDE_FILE = "guide.yml"  # a workbook's teacher guide prose (careerlab.guide): teachers only
# The one-machine course's id; a course on JupyterHub sets its own
# (c.CourseDirectory.course_id): read it with course_directory(root).course_id.
DEFAULT_COURSE_ID = "careerlab"
CONFIG_FILE = "jupyter_config.py"
NBGRADER_CONFIG_FILE = "nbgrader_config.py"  # nbgrader reads it in the course root
# What a copy of the course needs (`careerlab simulate` builds one); nbgrader makes its
# work folders (release, submitted, autograded...) and the gradebook as it goes.
COURSE_FILES = (
    CONFIG_FILE,
    NBGRADER_CONFIG_FILE,
    SOURCE_DIRECTORY,
    RUBRICS_DIRECTORY,
    PRODUCTS_DIRECTORY,
)

# The one rule for a student id, checked wherever a student enters the course
# (roster, collect, autograde) and wherever an id is read back (pages, commands).
# It accepts what JupyterHub authenticators produce (login names, e-mail
# addresses such as ana.lee+cs@school.org) and nothing that is markup (< > " ' &),
# a path (/ \\ .. or a leading dot), an option (a leading dash), a space or a
# control character: ids end up in HTML, URLs, file paths and command lines.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
STUDENT_ID_RULE = (
    "a student id is 1 to 128 letters, digits and . _ @ + - (no spaces), starts with a "
    "letter or digit and has no '..'"
)


class StudentIdError(ValueError):
    """A student id breaks the rule; the message names the id (shown safely) and the rule."""


def is_student_id(value: object) -> bool:
    return isinstance(value, str) and bool(STUDENT_ID.fullmatch(value)) and ".." not in value


def check_student_id(value: object) -> str:
    """``value`` if it is a valid student id, else StudentIdError saying why, in plain words."""
    if isinstance(value, str) and is_student_id(value):
        return value
    # ascii(): the id itself may hold markup or control characters; shown escaped and cut.
    shown = ascii(value)[:60] if isinstance(value, str) else type(value).__name__
    raise StudentIdError(f"{shown} is not a valid student id: {STUDENT_ID_RULE}.")


def guard_gradebook() -> None:
    """Make nbgrader's gradebook itself refuse a student id that breaks the rule.

    Every way a student enters nbgrader's gradebook (``nbgrader db student add`` and
    ``import``, autograde of a submitted folder, Formgrader's student editor) builds a
    ``Student`` row; this checks its id when it is set, before anything is written.
    jupyter_config.py calls it, so every nbgrader app and server of the course has it.
    """
    from nbgrader.api import Student
    from sqlalchemy import event

    if not event.contains(Student.id, "set", _check_set_id):
        event.listen(Student.id, "set", _check_set_id)
    if not event.contains(Student, "before_insert", _name_new_student):
        event.listen(Student, "before_insert", _name_new_student)


def _check_set_id(target: object, value: object, *_: object) -> None:
    check_student_id(value)


def known_name(student_id: str) -> tuple[str, str]:
    """(first, last) for a student nobody named: on one machine the student is the login,
    so the account's full name (the first field of its GECOS, when it has two words or
    more); otherwise the id itself as the last name, which is how Formgrader (which shows
    "last, first" and "None, None" for a row without names) then lists them."""
    import pwd

    try:
        full = pwd.getpwnam(student_id).pw_gecos.split(",")[0].strip()
    except (KeyError, OSError):
        full = ""
    first, _, last = full.rpartition(" ")
    if first.strip() and last:
        return first.strip(), last
    return "", student_id


def _name_new_student(mapper: object, connection: object, target: Any) -> None:
    """A Student row added without names (autograde, collect, Formgrader) gets known_name();
    names given (the roster import, Formgrader's editor, ``nbgrader db student add``) stay."""
    if not (target.first_name or target.last_name) and isinstance(target.id, str):
        target.first_name, target.last_name = known_name(target.id)


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


def course_directory(root: Path, config: Config | None = None) -> CourseDirectory:
    """nbgrader's CourseDirectory of the course at ``root``: its course id, gradebook and
    folder names (submitted, autograded, feedback...), as the course's config sets them.

    An app that already holds the course's config (a Jupyter server) passes it; otherwise
    the course's own files are read (nbgrader_config.py, which loads jupyter_config.py),
    once per root and process: the grader and the pages ask for every notebook, and a
    process sees a config change when it restarts, as every Jupyter app does. The object
    is shared: read it, never set its traits.
    """
    if config is not None:
        return _directory(Path(root), config)
    return _course_directory(Path(root).resolve())


@cache
def _course_directory(root: Path) -> CourseDirectory:
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    for name in (NBGRADER_CONFIG_FILE, CONFIG_FILE):
        if (root / name).is_file():
            return _directory(root, PyFileConfigLoader(name, path=str(root)).load_config())
    return _directory(root, Config())


def _directory(root: Path, config: Config) -> CourseDirectory:
    from nbgrader.coursedir import CourseDirectory

    directory = CourseDirectory(config=config)
    if not config.get("CourseDirectory", {}).get("root"):
        directory.root = str(root)  # nbgrader's default is the working folder
    return directory


FileStamp = tuple[tuple[int, ...], ...]


def file_stamp(*paths: Path) -> FileStamp:
    """What changes whenever one of ``paths`` is written, replaced or removed: each file's
    inode, size, modification and change times (``()`` when missing). A cache of what was
    read from the files keys on it (the grading page); ctime cannot be set back by hand."""
    found = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            found.append(())
        else:
            found.append((info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
    return tuple(found)


def work_folder(directory: CourseDirectory, step: str, student: str, assignment: str) -> Path:
    """A student's folder of one assignment in one of nbgrader's steps (``step`` is a
    ``*_directory`` trait of ``directory``), laid out as nbgrader lays it out."""
    return Path(directory.format_path(step, student, assignment))


def students_in(directory: CourseDirectory, step: str, assignment: str) -> list[str]:
    """Every student with a folder of ``assignment`` in one of nbgrader's steps (ids that
    break the rule left out: they are never shown or graded)."""
    where = directory.format_path(step, "(?P<student>[^/]+)", re.escape(assignment), escape=True)
    found = set()
    for folder in glob.glob(directory.format_path(step, "*", glob.escape(assignment))):
        match = re.fullmatch(where, folder)
        if match and os.path.isdir(folder) and is_student_id(match["student"]):
            found.add(match["student"])
    return sorted(found)


def work_stages(directory: CourseDirectory) -> tuple[str, str]:
    """Where a student's work is, in the order to look: autograde's copy first, else the
    submission (a submission not yet autograded is only in the submitted folder)."""
    return (directory.autograded_directory, directory.submitted_directory)


def find_answers(
    directory: CourseDirectory, assignment: str, student: str, notebook: str
) -> Path | None:
    """The answers file of a student's submitted notebook, or None if there is none."""
    for step in work_stages(directory):
        path = work_folder(directory, step, student, assignment) / answers_filename(notebook)
        if path.exists():
            return path
    return None


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
    author's widget solutions, workbook text and teacher guide (which would hand every
    student the answers)."""
    from nbgrader.coursedir import CourseDirectory

    # nbgrader's own list names the feedback/ folder fetch_feedback puts in a student's
    # copy (a fixed name in nbgrader, not the course's feedback_directory).
    defaults = CourseDirectory.class_traits()["ignore"].default()
    return [*defaults, *HELPER_FILE_PATTERNS, SOLUTIONS_FILE, TEXT_FILE, GUIDE_FILE]
