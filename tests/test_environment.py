"""The repository's own setup: packages, configuration, generated data."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from careerlab.author.datasets import generators
from careerlab.cli import main

from .conftest import REPO, make_course


def _name_and_spec(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", requirement)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_and_spec(r) for r in project["dependencies"])
    for extra in project["optional-dependencies"].values():  # test, hub ("careerlab[hub]": itself)
        wanted.update(_name_and_spec(r) for r in extra if not r.startswith("careerlab["))
    conda = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    not_packages = ("python=", "nodejs", "pip")
    listed = dict(
        _name_and_spec(d) for d in conda if isinstance(d, str) and not d.startswith(not_packages)
    )
    assert listed == wanted


def _load_config(root, monkeypatch, **env):
    for name in ("CAREERLAB_DB_URL", "CAREERLAB_EXCHANGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def test_one_config_file_sets_up_nbgrader(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    config = _load_config(root, monkeypatch)
    assert config.CourseDirectory.root == str(root)
    assert config.CourseDirectory.source_directory == "workbooks"
    assert config.CourseDirectory.release_directory == "release"
    assert config.CourseDirectory.db_url == f"sqlite:///{root / 'gradebook.db'}"
    assert config.Exchange.root == str(root / "exchange")
    assert config.ClearSolutions.code_stub == {"python": "# YOUR CODE HERE"}
    assert config.Autograde.exclude_overwriting["first-paycheck"] == ["first-paycheck.answers.json"]
    assert "*.answers.lock" in config.CourseDirectory.ignore


def test_postgresql_is_one_setting(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    url = "postgresql://careerlab@localhost/careerlab"
    assert _load_config(root, monkeypatch, CAREERLAB_DB_URL=url).CourseDirectory.db_url == url


@pytest.mark.parametrize("name", sorted(generators()))
def test_committed_data_is_what_its_generator_makes(name, capsys):
    _, path = generators()[name]
    assert main(["data", name, "--stdout"]) == 0
    assert capsys.readouterr().out == (REPO / "workbooks" / path).read_text()


@pytest.fixture
def data_course(tmp_path, monkeypatch):
    """A course copy that `careerlab data` writes into (never the repository)."""
    root = make_course(tmp_path / "course")
    monkeypatch.setenv("CAREERLAB_COURSE", str(root))
    return root


def test_data_rebuilds_the_file_the_same_each_time_and_says_so(data_course, capsys):
    csv = data_course / "workbooks" / "first-paycheck" / "paystubs.csv"
    committed = csv.read_bytes()
    csv.unlink()
    assert main(["data", "paystubs"]) == 0
    assert csv.read_bytes() == committed
    assert capsys.readouterr().out == "workbooks/first-paycheck/paystubs.csv: written (6 rows).\n"
    assert main(["data", "paystubs"]) == 0
    assert csv.read_bytes() == committed
    assert capsys.readouterr().out == "workbooks/first-paycheck/paystubs.csv: unchanged (6 rows).\n"


def test_data_says_what_it_replaced(data_course, capsys):
    csv = data_course / "workbooks" / "first-paycheck" / "paystubs.csv"
    committed = csv.read_text()
    lines = committed.splitlines(keepends=True)
    csv.write_text("".join(lines[:3]) + lines[3].replace("496.0", "500.0"))  # 3 rows, 1 edited
    assert main(["data", "paystubs"]) == 0
    assert csv.read_text() == committed
    assert capsys.readouterr().out == (
        "workbooks/first-paycheck/paystubs.csv: replaced: 3 rows before, 6 now "
        "(4 rows added, 1 row removed).\n"
    )


def test_data_check_tells_a_stale_file_and_writes_nothing(data_course, capsys):
    csv = data_course / "workbooks" / "coffee-site" / "neighborhoods.csv"
    stale = csv.read_text().replace("Riverside", "Rivers1de")
    csv.write_text(stale)
    assert main(["data", "--check"]) == 1
    captured = capsys.readouterr()
    assert csv.read_text() == stale
    assert captured.err == (
        "workbooks/coffee-site/neighborhoods.csv: differs from what its generator "
        "(neighborhoods) makes: 5 rows, 5 from the generator (1 row added, 1 row removed); "
        "run `careerlab data neighborhoods`.\n"
    )
    assert "workbooks/first-paycheck/paystubs.csv: up to date (6 rows)." in captured.out
    csv.unlink()
    assert main(["data", "--check", "neighborhoods"]) == 1
    assert "neighborhoods.csv: missing" in capsys.readouterr().err
    assert main(["data", "neighborhoods"]) == 0
    assert main(["data", "--check"]) == 0


def test_data_needs_a_known_set_and_its_workbook(data_course, capsys):
    assert main(["data", "nope"]) == 2
    assert "No data set 'nope'; there are: coffee-survey, food-truck," in capsys.readouterr().err
    shutil.rmtree(data_course / "workbooks" / "solar-site")
    assert main(["data", "solar-sites"]) == 1
    assert "workbooks/solar-site/: no such workbook" in capsys.readouterr().err
    assert not (data_course / "workbooks" / "solar-site").exists()


def test_generated_course_data_is_ignored_by_git():
    """Generated course data at the course root is ignored; the package's folders of the
    same names (exchange/, feedback/) are code, and are not."""
    import subprocess

    def ignored(path: str) -> bool:
        check = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
        return check.returncode == 0

    for path in (
        "release/coffee-site/coffee-site.ipynb",
        "submitted/ana/coffee-site/coffee-site.ipynb",
        "autograded/ana/coffee-site/coffee-site.ipynb",
        ".autograded-in-progress/ana/coffee-site/coffee-site.ipynb",
        "feedback/ana/coffee-site/coffee-site.html",
        "gradebook.db",
        "tryout/coffee-site/coffee-site.answers.json",
        "exchange/careerlab/inbound/x",
    ):
        assert ignored(path), path
    for path in (
        "extensions/careerlab/feedback/__init__.py",
        "extensions/careerlab/exchange/__init__.py",
    ):
        assert not ignored(path), path


def test_make_start_serves_the_course(tmp_path):
    """The README's first command builds the release and starts JupyterLab, also as
    root (containers and CI run as root, and JupyterLab refuses root unless told)."""
    import os
    import signal
    import subprocess
    import urllib.error
    import urllib.request

    from .servers import free_port, wait_until

    port = free_port()
    log = tmp_path / "make-start.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            ["make", "start", f"PORT={port}"],
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"make start exited ({process.returncode}):\n{log.read_text()}")
        try:
            with opener.open(f"http://127.0.0.1:{port}/lab", timeout=10) as response:
                return response.status == 200  # JupyterLab's login page, after a redirect
        except urllib.error.HTTPError as error:
            return error.code in (401, 403)
        except OSError:
            return False

    try:
        wait_until(answers, "make start to serve JupyterLab", timeout=240)
        assert "/careerlab/grade" in log.read_text()  # it tells the teacher where grading is
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
