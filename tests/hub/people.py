"""A person on the test hub: signs in as they would, with their own token, and works in
their own server (kernels run there, as their Unix account)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


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
        answer = self.call("POST", f"hub/api/users/{quote(self.name)}/server")
        assert answer.status_code in (201, 202, 400), (answer.status_code, answer.text)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.call("GET", f"hub/api/users/{quote(self.name)}").json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
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
        message_id = uuid.uuid4().hex
        socket.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": message_id,
                        "username": self.name,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {"code": code, "silent": False, "store_history": False},
                }
            )
        )
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
