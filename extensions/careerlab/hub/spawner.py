"""Each student's server runs as their own Unix account, found through the account map.

JupyterHub's LocalProcessSpawner runs a server as the Unix user named like the hub user,
which fails for e-mail names; this one asks ``accounts.AccountMap`` instead. In the
single-account try-out every server runs as the hub's own user, in a folder per person.

With the warm process there (``careerlab.hub.warm_servers``), a server is forked from it
instead of started afresh; the spawner then manages it by pid, as LocalProcessSpawner does a
server it restored after a restart (and by its start time, so a reused pid is not taken for it).
"""

from __future__ import annotations

import asyncio
import pwd
import shlex
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Bool, Unicode

from careerlab.hub import warm_servers
from careerlab.hub.accounts import AccountMap, ensure
from careerlab.hub.forking import start_time


class CareerLabSpawner(LocalProcessSpawner):
    state_folder = Unicode(help="The hub's state folder, where accounts.json is.").tag(config=True)
    homes = Unicode(help="Where single-account homes are made.").tag(config=True)
    single_account = Bool(False, help="Try-out mode: no accounts, one folder each.").tag(
        config=True
    )
    warm_socket = Unicode(
        "", help="The warm servers' socket (careerlab.hub.warm_servers); empty: none."
    ).tag(config=True)
    started = Unicode("", help="A forked server's start time (/proc/<pid>/stat).")

    def unix_name(self) -> str:
        return AccountMap(Path(self.state_folder)).unix_name(self.user.name)

    async def start(self):
        if not self.single_account:
            # People signed in by the LMS (LTI 1.3) need not be in the classroom file, so
            # `careerlab hub start` made no account for them: make it on their first start.
            unix_name = self.unix_name()
            home = Path(self.homes) / unix_name
            await asyncio.to_thread(ensure, unix_name, home, self.user.name)
            if self.warm_socket:
                try:
                    return await self._start_warm(unix_name)
                except warm_servers.Unavailable as why:
                    self.log.warning(
                        "No warm server for %s (%s): starting it the usual way.",
                        self.user.name,
                        why,
                    )
        return await super().start()

    async def _start_warm(self, unix_name: str) -> tuple[str, int]:
        """LocalProcessSpawner.start's command, environment and folder, forked by the warm
        process; Unavailable when it is not there or refuses."""
        if self.shell_cmd or self.popen_kwargs:
            raise warm_servers.Unavailable("shell_cmd and popen_kwargs need a started server")
        if self.port == 0:
            self.port = random_port()
        env = self.get_env()
        cmd = [*self.cmd, *self.get_args()]
        home = pwd.getpwnam(unix_name).pw_dir  # where set_user_setuid's preexec_fn goes
        self.log.info("Forking %s for %s", " ".join(shlex.quote(s) for s in cmd), unix_name)
        self.pid = await asyncio.to_thread(
            warm_servers.request_server, self.warm_socket, unix_name, cmd, env, home
        )
        self.started = start_time(self.pid) or ""
        return (self.ip or "127.0.0.1", self.port)

    async def poll(self):
        # A forked server is not our child (as a restored one is not): by pid and start time,
        # so a pid reused by another process, or a zombie, is not taken for a running server.
        if self.proc is None and self.pid and self.started:
            if start_time(self.pid) != self.started:
                self.clear_state()
                return 0
        return await super().poll()

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.started = state.get("started", "")

    def get_state(self) -> dict:
        state = super().get_state()
        if self.pid and self.started:
            state["started"] = self.started
        return state

    def clear_state(self) -> None:
        super().clear_state()
        self.started = ""

    def make_preexec_fn(self, name: str):
        if self.single_account:
            home = self._try_out_home()
            return lambda: __import__("os").chdir(home)
        return super().make_preexec_fn(self.unix_name())

    def _try_out_home(self) -> str:
        home = Path(self.homes) / AccountMap(Path(self.state_folder)).unix_name(self.user.name)
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o700)
        return str(home)

    def user_env(self, env: dict[str, str]) -> dict[str, str]:
        if self.single_account:
            env["HOME"] = self._try_out_home()
            return env
        account = pwd.getpwnam(self.unix_name())
        env["USER"] = account.pw_name
        env["HOME"] = account.pw_dir
        env["SHELL"] = account.pw_shell or "/bin/sh"
        return env
