"""Shared fixtures: a throwaway copy of the course for every test that runs nbgrader.

Tests never run workbooks inside the repository: nbgrader and the widgets write
files (gradebook, answers) wherever they run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from careerlab.course import COURSE_FILES

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def make_course(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in COURSE_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.answers.*"))
        else:
            shutil.copy(source, target / name)
    (target / "release").mkdir()
    return target


def course_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = str(root)
    env["CAREERLAB_EXCHANGE"] = str(root / "exchange")
    env["CAREERLAB_STUDENT_DIR"] = "."  # students fetch into and submit from their cwd
    env.pop("CAREERLAB_DB_URL", None)
    env.pop("CAREERLAB_COURSE", None)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return env


def run_app(root: Path, *args: str, cwd: Path | None = None, check: bool = True):
    """Run a real command-line app (nbgrader, careerlab) against a course copy."""
    result = subprocess.run(
        list(args),
        cwd=cwd or root,
        env=course_env(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def only_coffee_site(root: Path) -> None:
    """Keep one project (and its rubrics): other projects may be half-written in the
    repository, and a course with one project grades faster."""
    for folder in (root / "workbooks").iterdir():
        if folder.name != "coffee-site":
            shutil.rmtree(folder)
    for path in (root / "rubrics").glob("*.yml"):
        if path.stem not in ("coffee-site", "recommendation"):
            path.unlink()


# `make test` runs the suite on both cores (pytest-xdist, --dist loadgroup). A module's tests
# stay together on one worker, so its module fixtures are set up once; modules that share an
# expensive session set-up share a group, so it is built once; the hub's tests are one group
# because they share one hub, its Unix accounts and /srv/careerlab-tests.
SHARED_SETUPS = ("every_project_graded", "hostile_class", "paycheck")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the tests' ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    for module, members in modules.items():
        used = {name for item in members for name in getattr(item, "fixturenames", ())}
        if module.startswith("tests/hub/"):
            group = "hub"
        else:
            group = next((name for name in SHARED_SETUPS if name in used), module)
        for item in members:
            if not any(item.iter_markers("xdist_group")):
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session", autouse=True)
def own_jupyter_data(tmp_path_factory: pytest.TempPathFactory):
    """Every app a test starts keeps its Jupyter data (nbgrader's cache of submissions above
    all) in a folder of the test run's own, never the user's: a teacher who ran the tests
    would otherwise see test students' work in their Assignment List."""
    folder = tmp_path_factory.mktemp("jupyter-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_DATA_DIR", str(folder))
        yield folder


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A fresh course copy with nothing generated yet."""
    return make_course(tmp_path / "course")


@pytest.fixture(scope="session")
def released_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One course copy with every workbook released, shared by read-only tests."""
    root = make_course(tmp_path_factory.mktemp("released") / "course")
    run_app(root, str(BIN / "careerlab"), "release")
    return root


@pytest.fixture
def student_copy(released_course: Path, tmp_path: Path):
    """Give a student their own copy of a released workbook, as fetch_assignment would."""

    def copy(assignment: str, student: str = "student") -> Path:
        target = tmp_path / student / assignment
        shutil.copytree(released_course / "release" / assignment, target)
        return target

    return copy


# Every project graded once a session by both graders (test_fast_grading, test_projects).
from .every_project import every_project_graded  # noqa: E402,F401
