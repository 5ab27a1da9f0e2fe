"""The test classroom: a real JupyterHub with real accounts, started once for the hub tests.

``careerlab hub start`` (what `make hub` runs) builds it under ``/srv/careerlab-tests`` as
root: it must be outside /tmp's private folders, since every account walks into it. Its
Python (``venv/``) is kept between runs; accounts, homes and courses are made afresh.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from careerlab.hub.accounts import MAP_FILE, remove
from careerlab.hub.layout import VENV_VARIABLE

from ..conftest import REPO
from .people import Person

ROOT = Path("/srv/careerlab-tests")
SHARED_VENV = Path("/srv/careerlab-tests-venv")
COURSE, OTHER_COURSE = "cte-101", "bio-201"
TEACHER, CO_TEACHER = "t.rivera@school.org", "co.okafor"
ANA, BEN, CY = "ana.lee@school.org", "ben", "cy.other"
PROJECT = "coffee-site"
CLASSROOM = {
    "courses": [
        {
            "id": COURSE,
            "title": "Careers and Technology",
            "projects": [PROJECT],
            "teachers": [TEACHER, CO_TEACHER],
            "students": [ANA, BEN],
        },
        {
            "id": OTHER_COURSE,
            "title": "Biology",
            "projects": [PROJECT],
            "teachers": ["t3"],
            "students": [CY],
        },
    ]
}


def free_block(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65000:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no block of free ports")


def _exchange_serves_another_hub() -> bool:
    """The one machine-wide exchange account is running another hub's exchange: removing
    it would kill that hub's service (two hubs at once, e.g. tests/hub/test_lti.py)."""
    return subprocess.run(["pgrep", "-u", "cl-exchange"], capture_output=True).returncode == 0


def forget_previous_run(root: Path, classroom: dict = CLASSROOM) -> None:
    """Remove the accounts and data of an earlier run; keep the built Python."""
    names_file = root / "hub" / MAP_FILE
    if names_file.exists():
        for unix_name in json.loads(names_file.read_text()).values():
            remove(unix_name)
    for course in classroom["courses"]:
        remove(f"cl-course-{course['id']}")
    if not _exchange_serves_another_hub():
        remove("cl-exchange")
    if root.exists():
        for child in root.iterdir():
            if child.name != "venv":
                shutil.rmtree(child) if child.is_dir() else child.unlink()


@dataclass
class Hub:
    url: str
    root: Path
    process: subprocess.Popen
    log: Path
    command: list[str]
    env: dict[str, str]
    verify: str | bool = True  # requests' verify: the test's certificate on an HTTPS hub

    @property
    def password(self) -> str:
        return (self.root / "hub" / "try-out-password").read_text().strip()

    def person(self, name: str) -> Person:
        return Person(self.url, name, self.password).sign_in()

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub stopped:\n{self.log.read_text()[-5000:]}")
            try:
                answer = requests.get(f"{self.url}hub/api/", timeout=5, verify=self.verify)
                if answer.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the hub did not start:\n{self.log.read_text()[-5000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def restart(self, idle_timeout: int | None = None) -> None:
        """Stop the hub (and with it every server) and start it again, as `make hub` does."""
        self.stop()
        if idle_timeout is not None:
            self.command = [a for a in self.command if not a.startswith("--idle-timeout=")] + [
                f"--idle-timeout={idle_timeout}"
            ]
        self.process = _launch(self.command, self.env, self.log)
        self.wait_ready()


def _launch(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "a")  # noqa: SIM115 -- the hub's lifetime, closed with the process
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_hub(
    root: Path = ROOT,
    classroom: dict = CLASSROOM,
    extra: tuple[str, ...] = (),
    certificate: Path | None = None,
) -> Hub:
    """A hub for ``classroom`` under ``root`` (``extra``: more `careerlab hub start` options;
    ``certificate``: the hub serves HTTPS with it, and requests trust it).
    Accounts are machine-wide: two hubs at once need different course ids and people."""
    if os.geteuid() != 0:
        raise RuntimeError(
            "The hub tests make Unix accounts and run JupyterHub as root (as `make test` does "
            "in CI); run them as root."
        )
    forget_previous_run(root, classroom)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    classroom_file = root / "classroom.yml"
    classroom_file.write_text(yaml.safe_dump(classroom))
    base = free_block(8)
    command = [
        str(REPO / ".venv" / "bin" / "careerlab"),
        "hub",
        "start",
        f"--root={root}",
        f"--classroom={classroom_file}",
        f"--port={base}",
        f"--hub-port={base + 1}",
        f"--proxy-port={base + 2}",
        f"--service-port={base + 3}",
        "--idle-timeout=3600",
        *extra,
    ]
    # Every test hub shares one built Python (built once, ~2 minutes on a fresh machine).
    env = {**os.environ, "CAREERLAB_REPOSITORY": str(REPO), VENV_VARIABLE: str(SHARED_VENV)}
    env.pop("JUPYTER_CONFIG_PATH", None)
    log = root / "hub.log"
    scheme, verify = ("https", str(certificate)) if certificate else ("http", True)
    url = f"{scheme}://127.0.0.1:{base}/"
    hub = Hub(url, root, _launch(command, env, log), log, command, env, verify)
    hub.wait_ready()
    return hub
