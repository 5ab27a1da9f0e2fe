"""A real classroom hub started with ``careerlab hub start``, and the people on it.

Used by the hub tests (tests/hub/) and the classroom benchmark (bench/classroom.py). A
``Person`` signs in through the hub's login form, makes their own token, and works in their
own server (kernels run there, as their Unix account). ``start_hub`` runs the real command as
root, in a root folder of its own; accounts are machine-wide, so two hubs at once need
different course ids and people.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
import yaml
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from careerlab.hub.accounts import MAP_FILE, remove
from careerlab.hub.layout import VENV_VARIABLE

# Every test or benchmark hub shares one built Python (~2 minutes to build on a fresh machine).
SHARED_VENV = Path("/srv/careerlab-tests-venv")


def execute_request(
    code: str, username: str, session: str, store_history: bool = False
) -> tuple[str, str]:
    """A Jupyter execute_request as a kernel's websocket takes it: its id, and its text."""
    message_id = uuid.uuid4().hex
    message = {
        "header": {
            "msg_id": message_id,
            "username": username,
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": store_history},
    }
    return message_id, json.dumps(message)


class KernelError(RuntimeError):
    """Code run in a person's kernel raised; the message is the traceback's last line."""


@dataclass
class Person:
    hub: str  # the public URL, ending in /
    name: str
    password: str
    session: requests.Session = field(default_factory=requests.Session)
    token: str = ""

    def sign_in(self) -> Person:
        """The hub's login form, then a token made by the person for themself."""
        self.session.get(f"{self.hub}hub/login", timeout=30)
        xsrf = self.session.cookies.get("_xsrf", path="/hub/") or self.session.cookies.get("_xsrf")
        answer = self.session.post(
            f"{self.hub}hub/login?next=",
            data={"username": self.name, "password": self.password, "_xsrf": xsrf},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, (answer.status_code, answer.text[:300])
        # Signed in, the hub gives the browser a new XSRF cookie for this session.
        self.session.get(f"{self.hub}hub/token", timeout=30)
        xsrf = [c.value for c in self.session.cookies if c.name == "_xsrf"][-1]
        made = self.session.post(
            f"{self.hub}hub/api/users/{quote(self.name)}/tokens",
            json={"note": "tests", "expires_in": 3600},
            headers={"X-XSRFToken": xsrf, "Referer": f"{self.hub}hub/token"},
            timeout=30,
        )
        assert made.status_code == 201, (made.status_code, made.text[:300])
        self.token = made.json()["token"]
        return self

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        """``path`` under the hub's public URL, with this person's own token only."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{self.hub}{path.lstrip('/')}", headers=headers, timeout=120, **kwargs
        )

    @property
    def server(self) -> str:
        # JupyterHub keeps @ and + as they are in a server's URL (its url_escape_path).
        return f"user/{quote(self.name, safe='@+')}/"

    def start_server(self, timeout: float = 120) -> None:
        """Start their server and wait on the hub's progress stream, as the browser's
        spawn page does (polling the API instead would load the hub with a whole class)."""
        answer = self.call("POST", f"hub/api/users/{quote(self.name)}/server")
        assert answer.status_code in (201, 202, 400), (answer.status_code, answer.text)
        with requests.get(
            f"{self.hub}hub/api/users/{quote(self.name)}/server/progress",
            headers={"Authorization": f"token {self.token}", "Accept": "text/event-stream"},
            stream=True,
            timeout=(30, timeout),
        ) as events:
            assert events.status_code == 200, (events.status_code, events.text[:300])
            for line in events.iter_lines():
                if not line.startswith(b"data:"):
                    continue
                event = json.loads(line[len(b"data:") :])
                if event.get("ready"):
                    return
                if event.get("failed"):
                    raise RuntimeError(f"{self.name}'s server failed: {event.get('message')}")
        raise TimeoutError(f"{self.name}'s server did not start in {timeout} s")

    def run(self, base: str, code: str, timeout: float = 300) -> str:
        """Run ``code`` in a new kernel of the server at ``base`` (``user/<me>/`` or
        ``services/<course>/``); return what it printed; KernelError if it raised."""
        made = self.call("POST", f"{base}api/kernels", json={"name": "python3"})
        assert made.status_code == 201, (made.status_code, made.text[:300])
        kernel = made.json()["id"]
        try:
            return asyncio.run(self._execute(base, kernel, code, timeout))
        finally:
            self.call("DELETE", f"{base}api/kernels/{kernel}")

    async def _execute(self, base: str, kernel: str, code: str, timeout: float) -> str:
        url = self.hub.replace("http", "ws", 1) + f"{base}api/kernels/{kernel}/channels"
        request = HTTPRequest(url, headers={"Authorization": f"token {self.token}"})
        socket = await websocket_connect(request)
        message_id, request_text = execute_request(code, self.name, uuid.uuid4().hex)
        socket.write_message(request_text)
        printed, error = [], None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(socket.read_message(), deadline - time.monotonic())
            if raw is None:
                raise KernelError("the kernel's connection closed")
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != message_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                socket.close()
                if error:
                    raise KernelError(f"{error}\n{''.join(printed)}")
                return "".join(printed)
        raise TimeoutError(f"code in {base} did not finish in {timeout} s")


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


def forget_previous_run(root: Path, classroom: dict) -> None:
    """Remove the accounts and data of an earlier run under ``root``; keep a built Python."""
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
    cwd: Path
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
        self.process = _launch(self.command, self.env, self.log, self.cwd)
        self.wait_ready()


def _launch(command: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    handle = open(log, "a")  # noqa: SIM115 -- the hub's lifetime, closed with the process
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_hub(
    repo: Path,
    root: Path,
    classroom: dict,
    extra: tuple[str, ...] = (),
    certificate: Path | None = None,
    venv: Path = SHARED_VENV,
    port: int | None = None,
) -> Hub:
    """A hub for ``classroom`` (classroom.yml's data) under ``root``, made from the checkout
    ``repo`` (``extra``: more `careerlab hub start` options; ``certificate``: the hub serves
    HTTPS with it, and requests trust it); its Python is ``venv``, built once and kept.
    ``port``: the first of the 8 ports it uses (a free block when not given), for a set-up
    that must know the hub's URL before it starts (an OAuth callback)."""
    if os.geteuid() != 0:
        raise RuntimeError(
            "A classroom hub makes Unix accounts and runs JupyterHub as root (as `make test` "
            "does in CI); run it as root."
        )
    forget_previous_run(root, classroom)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    classroom_file = root / "classroom.yml"
    classroom_file.write_text(yaml.safe_dump(classroom))
    base = port or free_block(8)
    command = [
        str(repo / ".venv" / "bin" / "careerlab"),
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
    env = {**os.environ, "CAREERLAB_REPOSITORY": str(repo), VENV_VARIABLE: str(venv)}
    env.pop("JUPYTER_CONFIG_PATH", None)
    log = root / "hub.log"
    scheme, verify = ("https", str(certificate)) if certificate else ("http", True)
    url = f"{scheme}://127.0.0.1:{base}/"
    hub = Hub(url, root, _launch(command, env, log, repo), log, command, env, repo, verify)
    hub.wait_ready()
    return hub
