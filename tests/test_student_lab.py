"""What a student's JupyterLab shows around the workbook, on real servers: the
one-machine try-out (the teacher's own server, `make start`) before anything is released,
and a student's server as the hub configures it (docs/deploy.md)."""

from __future__ import annotations

import json
import re

import pytest

from careerlab.hub.config import TEACHER_ONLY_PLUGINS, write_student_files
from careerlab.workbook import lab_extension

from .conftest import make_course
from .servers import Server, jupyter_lab

NEWS = "@jupyterlab/apputils-extension:notification"


def page_config(server: Server) -> dict:
    status, html = server.get("/lab")
    assert status == 200, html[:500]
    found = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, html[:500]
    return json.loads(found.group(1))


def news_defaults(server: Server) -> dict:
    """The notification settings' defaults as JupyterLab serves them (overrides applied:
    the tests' own user settings cannot hide what the product sets)."""
    status, body = server.get(f"/lab/api/settings/{NEWS}")
    assert status == 200, body[:500]
    properties = json.loads(body)["schema"]["properties"]
    return {name: properties[name]["default"] for name in ("fetchNews", "checkForUpdates")}


def api(server: Server, path: str) -> dict:
    status, body = server.get(path)
    assert status == 200, (path, status, body[:2000])
    return json.loads(body)


@pytest.fixture(scope="module")
def one_machine(tmp_path_factory: pytest.TempPathFactory):
    """A fresh course as `make start` serves it, before the teacher released anything: no
    exchange folder and no tryout/ yet, the student's folder and exchange not overridden."""
    base = tmp_path_factory.mktemp("one-machine")
    root = make_course(base / "course")
    with jupyter_lab(
        root, root, base / "state", unset=("CAREERLAB_STUDENT_DIR", "CAREERLAB_EXCHANGE")
    ) as server:
        yield server


@pytest.fixture(scope="module")
def student_server(tmp_path_factory: pytest.TempPathFactory):
    """A student's server with the configuration `careerlab hub` writes for every student."""
    base = tmp_path_factory.mktemp("student-lab")
    etc = base / "etc"
    write_student_files(etc, "http://127.0.0.1:9/services/careerlab-exchange/")
    home = base / "home"
    home.mkdir()
    with jupyter_lab(etc, home, base / "state") as server:
        yield server


def test_the_assignment_list_shows_no_error_before_anything_is_released(one_machine):
    assert api(one_machine, "/assignments?course_id=careerlab") == {"success": True, "value": []}
    assert api(one_machine, "/courses") == {"success": True, "value": []}


def test_the_teacher_keeps_nbgraders_tools_and_gets_no_news_popup(one_machine):
    config = page_config(one_machine)
    assert "@jupyter/nbgrader" in json.dumps(config["federated_extensions"])
    assert lab_extension.NAME in {e["name"] for e in config["federated_extensions"]}
    assert not set(TEACHER_ONLY_PLUGINS) & set(config.get("disabledExtensions", []))
    assert news_defaults(one_machine) == {"fetchNews": "false", "checkForUpdates": False}


def test_a_student_has_no_teacher_tools_and_no_news_popup(student_server):
    config = page_config(student_server)
    assert "@jupyter/nbgrader" in json.dumps(config["federated_extensions"])
    # Widgets of a kernel that is gone take no answers on the hub too (test_browser.py).
    assert lab_extension.NAME in {e["name"] for e in config["federated_extensions"]}
    assert set(TEACHER_ONLY_PLUGINS) <= set(config["disabledExtensions"])
    assert "@jupyter/nbgrader:create-assignment" in TEACHER_ONLY_PLUGINS
    assert news_defaults(student_server) == {"fetchNews": "false", "checkForUpdates": False}
