"""Each hub course is its own nbgrader course directory, made from this repository.

The repository root stays the one-machine course. A hub course ``<root>/courses/<id>/`` gets
a copy of the repository's workbooks (those the classroom file names, or all), rubrics and
configuration, owned by the course's account, and its workbooks released there by that
account. Its ``jupyter_config.py`` loads the repository's settings (copied as
``course_config.py``) and then ``configure_course``: the course id, the hub's exchange, and
the one header nbgrader's Lab panel needs. A course folder that exists is never rebuilt:
it holds the gradebook, submissions and grades. ``fill_gradebook`` puts the classroom
file's names of the course's students in its gradebook (hub start and roster import).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from careerlab import course as course_paths
from careerlab.catalog.page import NOTEBOOK_PATH as CATALOG_NOTEBOOK
from careerlab.hub import accounts
from careerlab.hub.classroom import Course, Name
from careerlab.hub.classroom import load as load_classroom
from careerlab.hub.layout import Layout
from careerlab.showcase.page import NOTEBOOK_PATH as SHOWCASE_NOTEBOOK

COURSE_CONFIG = "course_config.py"
# A course's gradebook elsewhere than its folder's SQLite file: an SQLAlchemy URL, one
# PostgreSQL database per course (deploy/kubernetes, docs/deploy.md), from a Secret.
GRADEBOOK_URL_VARIABLE = "CAREERLAB_GRADEBOOK_URL"
_COURSE_JUPYTER_CONFIG = '''\
"""Configuration of hub course {course_id}, made by `careerlab hub` (docs/deploy.md).

The repository's settings (course_config.py, a copy of its jupyter_config.py), then
what differs on the hub: careerlab.hub.courses.configure_course.
"""

load_subconfig("{course_config}")  # noqa: F821
from careerlab.hub.courses import configure_course  # noqa: E402

configure_course(get_config(), {course_id!r}, {exchange_url!r})  # noqa: F821
'''


class CourseSetupError(RuntimeError):
    """A course could not be made; the message says which step and why."""


def configure_course(c, course_id: str, exchange_url: str) -> None:
    """What a hub course's formgrader and commands need beyond the repository's settings."""
    c.CourseDirectory.course_id = course_id
    if os.environ.get(GRADEBOOK_URL_VARIABLE):
        c.CourseDirectory.db_url = os.environ[GRADEBOOK_URL_VARIABLE]
    from careerlab.hub.config import use_hub_exchange

    use_hub_exchange(c, exchange_url)
    # nbgrader's Lab panel shows Formgrader in a frame of this same server; JupyterHub's
    # single-user servers refuse every frame ("frame-ancestors 'none'"). Only the course
    # service, which only the course's teachers can open, allows frames from its own origin.
    # (A plain dict: JupyterHub's extension reads this setting as one.)
    c.ServerApp.tornado_settings = {
        "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}
    }


# In the hub's state folder: the names last put in each course's gradebook from the
# classroom file, {course: {student: [first, last]}}, so a later run can tell a name the
# file changed from one a teacher changed in Formgrader.
NAMES_FILE = "gradebook-names.json"


def _names_put_in(layout: Layout) -> dict[str, dict[str, list[str]]]:
    try:
        found = json.loads((layout.state / NAMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # never written (or unreadable): every row is judged by what it holds
    return found if isinstance(found, dict) else {}


def _remember_names(layout: Layout, put_in: dict[str, dict[str, list[str]]]) -> None:
    path = layout.state / NAMES_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(put_in, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o600)
    temporary.replace(path)


def _nobody_named(student: str, held: tuple[str, str]) -> bool:
    """The row holds no name, or only the one the gradebook gave it (careerlab.course)."""
    return not any(held) or held == course_paths.known_name(student)


def fill_gradebook(layout: Layout, course: Course, names: dict[str, Name]) -> list[str]:
    """nbgrader Student rows, with the classroom file's names, for the course's students
    (`careerlab hub start` and `careerlab roster import`); the students written.

    A row gets the file's name when it is missing, when nobody named it, or when the file's
    name changed since it was last put in (remembered in the hub's state folder); a name a
    teacher changed in Formgrader is kept while the file's stays the same.
    """
    from nbgrader.api import Gradebook, MissingEntry

    folder = layout.course(course.id)
    database = folder / "gradebook.db"
    if not database.exists():
        return [f"no gradebook yet in {folder}: import again after `careerlab hub start`"]
    put_in = _names_put_in(layout)
    before = put_in.get(course.id) if isinstance(put_in.get(course.id), dict) else {}
    after: dict[str, list[str]] = {}
    written = []
    old_umask = os.umask(0o077)
    try:
        with Gradebook(f"sqlite:///{database}", course_id=course.id) as gradebook:
            for student in course.students:
                name = names.get(student, Name())
                wanted = (name.first_name, name.last_name)
                if not any(wanted):
                    continue  # the file names nobody: the row keeps what it has
                after[student] = list(wanted)
                try:
                    row = gradebook.find_student(student)
                except MissingEntry:
                    held = None
                else:
                    held = (row.first_name or "", row.last_name or "")
                    file_changed = before.get(student, list(wanted)) != list(wanted)
                    if held == wanted or not (file_changed or _nobody_named(student, held)):
                        continue
                gradebook.update_or_create_student(
                    student, first_name=name.first_name or None, last_name=name.last_name or None
                )
                written.append(student)
    finally:
        os.umask(old_umask)
        if not layout.single_account:
            # Root wrote it: give every file of the database back to the course's account.
            account = accounts.ensure_known(accounts.course_account(course.id))
            for path in folder.glob("gradebook.db*"):
                os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)
    put_in[course.id] = after
    _remember_names(layout, put_in)
    return written


def _copy_tree(source: Path, target: Path, projects: tuple[str, ...] = ()) -> None:
    def ignore(folder: str, names: list[str]) -> list[str]:
        skipped = [n for n in names if n in {"__pycache__", ".ipynb_checkpoints"}]
        if projects and Path(folder) == source:
            skipped += [n for n in names if (source / n).is_dir() and n not in projects]
        return skipped

    shutil.copytree(source, target, ignore=ignore, symlinks=False)


def make_course(layout: Layout, repository: Path, course: Course, exchange_url: str) -> Path:
    """The course directory, built and released once; an existing one is left as it is."""
    folder = layout.course(course.id)
    if (folder / "jupyter_config.py").exists():
        return folder
    account_name = accounts.course_account(course.id)
    building = folder.with_name(f".{course.id}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    source = repository / course_paths.SOURCE_DIRECTORY
    missing = [p for p in course.projects if not (source / p).is_dir()]
    if missing:
        raise CourseSetupError(f"course {course.id}: no such project(s) {missing} in {source}")
    _copy_tree(source, building / course_paths.SOURCE_DIRECTORY, course.projects)
    _copy_tree(
        repository / course_paths.RUBRICS_DIRECTORY, building / course_paths.RUBRICS_DIRECTORY
    )
    _copy_tree(
        repository / course_paths.PRODUCTS_DIRECTORY, building / course_paths.PRODUCTS_DIRECTORY
    )
    # The catalog and showcase are Voila pages at fixed paths under the course root.
    for page in (CATALOG_NOTEBOOK, SHOWCASE_NOTEBOOK):
        (building / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repository / page, building / page)
    shutil.copy(repository / "jupyter_config.py", building / COURSE_CONFIG)
    shutil.copy(repository / "nbgrader_config.py", building / "nbgrader_config.py")
    (building / "jupyter_config.py").write_text(
        _COURSE_JUPYTER_CONFIG.format(
            course_id=course.id, course_config=COURSE_CONFIG, exchange_url=exchange_url
        ),
        encoding="utf-8",
    )
    if not layout.single_account:
        account = accounts.ensure(account_name, folder, comment=f"CareerLab course {course.id}")
        for path in [building, *building.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)
    building.chmod(0o700)
    _release(layout, building, account_name)
    shutil.rmtree(folder, ignore_errors=True)  # useradd made an empty home there
    building.rename(folder)
    return folder


def _release(layout: Layout, folder: Path, account_name: str) -> None:
    """Release every workbook as the course's account (the gradebook is theirs)."""
    env = {
        "PATH": f"{layout.bin}:/usr/bin:/bin",
        "HOME": str(folder),
        "JUPYTER_CONFIG_PATH": str(folder),
        "CAREERLAB_COURSE": str(folder),
        "LANG": "C.UTF-8",
    }
    # A course whose gradebook is elsewhere (PostgreSQL, in its pod) registers the released
    # workbooks there, or its formgrader could not autograde them.
    if os.environ.get(GRADEBOOK_URL_VARIABLE):
        env[GRADEBOOK_URL_VARIABLE] = os.environ[GRADEBOOK_URL_VARIABLE]
    command = [str(layout.bin / "careerlab"), "release"]
    if not layout.single_account:
        command = [
            "setpriv",
            f"--reuid={account_name}",
            f"--regid={account_name}",
            "--init-groups",
            "--",
            *command,
        ]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise CourseSetupError(f"releasing the workbooks failed:\n{done.stdout}{done.stderr}")


def make_pod_course(
    classroom: Path, course_id: str, *, root: Path, repository: Path, exchange_url: str
) -> Path:
    """The course's folder ``<root>/courses/<course_id>`` in the course's own pod
    (deploy/kubernetes/course.yaml), made and released once by ``make_course`` from the
    classroom file's entry, as `careerlab hub start` does. The pod is the course's account:
    its one user owns the folder, so no Unix account is made (``single_account``).
    """
    courses = {course.id: course for course in load_classroom(Path(classroom)).courses}
    if course_id not in courses:
        raise CourseSetupError(
            f"course {course_id!r} is not in the classroom file {classroom} "
            f"(it has: {', '.join(courses) or 'no course'})"
        )
    layout = Layout(Path(root), single_account=True)
    return make_course(layout, Path(repository), courses[course_id], exchange_url)
