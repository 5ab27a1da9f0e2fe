"""A real Jupyter server for tests: JupyterLab with the course's configuration,
formgrader and Voila, on a free loopback port, with its own state folders."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import BIN, course_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``condition`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    token: str
    root: Path
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        """GET a path on the server with the token; (status, body)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def _write_lab_settings(folder: Path) -> None:
    """No news toast over the widgets: --LabApp.news_url=None stops the fetch but
    not the question, which these user settings answer."""
    settings = {
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for name, values in settings.items():
        path = folder / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@contextmanager
def jupyter_lab(
    course_root: Path,
    root_dir: Path,
    state: Path,
    base_url: str = "/",
    unset: tuple[str, ...] = (),
) -> Iterator[Server]:
    """Run ``jupyter lab`` configured as ``course_root``'s course, serving ``root_dir``.

    ``base_url`` serves everything under a prefix, as JupyterHub does (``/user/<name>/``);
    ``Server.url`` then includes it. ``unset``: variables of the tests' course
    environment the server runs without (as ``make start`` does)."""
    _write_lab_settings(state / "user-settings")
    env = course_env(course_root)
    for name in unset:
        env.pop(name, None)
    env.update(
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_CONFIG_DIR=str(state / "config"),
        IPYTHONDIR=str(state / "ipython"),
        MPLCONFIGDIR=str(state / "matplotlib"),
    )
    port, token = free_port(), secrets.token_hex(16)
    log = state / "jupyter.log"
    command = [
        str(BIN / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={state / 'user-settings'}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        f"--ServerApp.base_url={base_url}",
    ]
    if os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=root_dir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}{base_url.rstrip('/')}", token, root_dir, log)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(
                    f"jupyter lab exited ({process.returncode}):\n{log.read_text(errors='replace')}"
                )
            try:
                return server.get("/api/status")[0] == 200
            except (urllib.error.URLError, OSError):
                return False

        wait_until(ready, "jupyter lab to answer /api/status", timeout=60)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()  # the server shuts its kernels down on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextmanager
def chromium_page(screenshot_dir: Path | None = None):
    """A Playwright page in Debian's chromium; every JavaScript dialog is recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.dialogs = []  # type: ignore[attr-defined]

            def on_dialog(dialog) -> None:
                page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
                dialog.dismiss()

            page.on("dialog", on_dialog)
            try:
                yield page
            except BaseException:
                if screenshot_dir is not None:
                    page.screenshot(path=str(screenshot_dir / "failure.png"), full_page=True)
                raise
        finally:
            browser.close()


def call_api(server: Server, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request to the server's API with its token: (status, JSON or text). ``body``
    is sent as is when it is bytes, as JSON otherwise."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}{path}",
        method=method,
        data=data,
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    try:
        with opener.open(request, timeout=120) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text
