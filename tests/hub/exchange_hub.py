"""A real JupyterHub with the CareerLab exchange service, for the exchange tests.

One hub (DummyAuthenticator, configurable-http-proxy from node_modules, no
spawner used) with two courses set up as nbgrader's multi-course guide says:
``cte-101`` (teacher t1, students ana.lee@school.org and ben, formgrader
service cte-101) and ``bio-201`` (student cy), plus dave, in no course. Each
person gets a token minted through the hub API with the scopes their
single-user server's token would have; the admin token only sets things up.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from careerlab.exchange.hub import EXCHANGE_FACTORY
from careerlab.exchange.service import ACCESS_SCOPE, SERVICE_NAME

from ..conftest import BIN, REPO
from ..servers import free_port, wait_until

PROXY = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
COURSES = {
    "cte-101": {"teachers": ["t1"], "students": ["ana.lee@school.org", "ben"]},
    "bio-201": {"teachers": [], "students": ["cy"]},
}
OTHERS = ["dave"]
# What a single-user server's token holds once c.Spawner.server_token_scopes adds the
# exchange's access scope (the rest is JupyterHub's default "server" role).
SERVER_TOKEN_SCOPES = ["users:activity!user", ACCESS_SCOPE]
MAX_FILE_KB = 100  # the service's per-file limit in these tests (nbgrader kB)
MAX_DIR_KB = 300


@dataclass
class Hub:
    url: str  # the proxy's public address
    store: Path  # the exchange service's --root
    folder: Path
    admin_token: str
    service_tokens: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def exchange_url(self) -> str:
        return f"{self.url}/services/{SERVICE_NAME}/"

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        body: bytes | None = None,
    ) -> tuple[int, bytes]:
        """A request to the exchange API (``path`` under .../api/), as given: no quoting
        unless asked, so tests can send path tricks unchanged."""
        address = self.exchange_url + "api/" + path
        request = urllib.request.Request(address, data=body, method=method)
        if token is not None:
            request.add_header("Authorization", f"token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def hub_api(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.url}/hub/api/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"token {self.admin_token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def mint(self, user: str, scopes: list[str]) -> str:
        """A token of ``user``'s own, made through the hub API (as the hub makes server tokens)."""
        name = urllib.parse.quote(user, safe="")
        model = self.hub_api("POST", f"users/{name}/tokens", {"scopes": scopes, "note": "test"})
        return model["token"]

    def env(self, token: str) -> dict[str, str]:
        """The environment an nbgrader command runs in inside that person's server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        env["JUPYTERHUB_API_TOKEN"] = token
        env["CAREERLAB_EXCHANGE_URL"] = self.exchange_url
        empty = self.folder / "no-config"
        empty.mkdir(exist_ok=True)
        env["JUPYTER_CONFIG_DIR"] = str(empty)  # only the folder's nbgrader_config.py
        env["JUPYTER_CONFIG_PATH"] = str(empty)
        env["JUPYTER_DATA_DIR"] = str(self.folder / "data")
        env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
        return env


def nbgrader_config(course: str | None = None) -> str:
    lines = [f"c.ExchangeFactory.{key} = {value!r}" for key, value in EXCHANGE_FACTORY.items()]
    if course:
        lines.append(f"c.CourseDirectory.course_id = {course!r}")
    return "\n".join(lines) + "\n"


def _hub_config(folder: Path, store: Path, ports: dict[str, int], tokens: dict[str, str]) -> str:
    users = sorted(
        {u for spec in COURSES.values() for u in spec["teachers"] + spec["students"]} | set(OTHERS)
    )
    groups = {}
    for course, spec in COURSES.items():
        groups[f"formgrade-{course}"] = {"users": spec["teachers"]}
        groups[f"nbgrader-{course}"] = {"users": spec["students"]}
    services = [{"name": name, "api_token": token} for name, token in tokens.items()]
    return textwrap.dedent(
        f"""
        from careerlab.exchange.service import hub_roles, hub_service

        c.JupyterHub.ip = "127.0.0.1"
        c.JupyterHub.port = {ports["public"]}
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {ports["hub"]}
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["proxy_api"]}"
        c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
        c.JupyterHub.authenticator_class = "dummy"
        c.Authenticator.allowed_users = {set(users)!r}
        c.JupyterHub.db_url = "sqlite:///{folder / "hub.sqlite"}"
        c.JupyterHub.cookie_secret_file = "{folder / "cookie_secret"}"
        c.JupyterHub.pid_file = "{folder / "hub.pid"}"
        c.JupyterHub.cleanup_servers = True
        c.JupyterHub.load_groups = {groups!r}
        c.JupyterHub.services = [
            hub_service(
                {str(store)!r},
                python={sys.executable!r},
                url="http://127.0.0.1:{ports["service"]}",
                max_file_size={MAX_FILE_KB},
                max_dir_size={MAX_DIR_KB},
            ),
            *{services!r},
        ]
        c.JupyterHub.load_roles = hub_roles({list(COURSES)!r}) + [
            {{
                "name": "test-setup",
                "scopes": ["admin:users", "tokens", "read:users"],
                "services": ["setup"],
            }},
        ]
        """
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)  # the hub stops its proxy and services itself
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the session started for this hub alone
        process.wait()


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], Hub]:
    """Start a hub on free ports; a port taken by someone else between the pick and the
    hub's bind makes it exit at once, so that is tried again on new ports."""
    store = folder / "exchange-store"
    for attempt in range(3):
        ports = {name: free_port() for name in ("public", "hub", "proxy_api", "service")}
        service_tokens = {name: secrets.token_hex(32) for name in [*COURSES, "setup"]}
        config = folder / "jupyterhub_config.py"
        config.write_text(_hub_config(folder, store, ports, service_tokens), encoding="utf-8")
        with open(folder / f"hub-{attempt}.log", "wb") as log:
            process = subprocess.Popen(
                [str(BIN / "jupyterhub"), "-f", str(config)],
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        hub = Hub(
            url=f"http://127.0.0.1:{ports['public']}",
            store=store,
            folder=folder,
            admin_token=service_tokens.pop("setup"),
            service_tokens=service_tokens,
        )

        def ready(process: subprocess.Popen[bytes] = process, hub: Hub = hub) -> str:
            if process.poll() is not None:
                return "exited"
            try:
                status, _ = hub.call("GET", "courses", token=None)
            except OSError:  # the proxy is not listening yet
                return ""
            return "up" if status == 403 else ""  # the service refuses a call without token

        try:
            state = wait_until(ready, "the hub and the exchange service", timeout=60)
        except BaseException:
            _stop(process)
            raise
        if state == "up":
            return process, hub
        _stop(process)
    log_text = (folder / "hub-2.log").read_text(errors="replace")
    raise AssertionError(f"jupyterhub exited three times; last log:\n{log_text[-3000:]}")


@contextmanager
def running_hub(folder: Path) -> Iterator[Hub]:
    process, hub = _start(folder)
    try:
        yield hub
    finally:
        _stop(process)
