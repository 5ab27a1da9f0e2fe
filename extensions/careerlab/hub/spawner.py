"""Each student's server runs as their own Unix account, found through the account map.

JupyterHub's LocalProcessSpawner runs a server as the Unix user named like the hub user,
which fails for e-mail names; this one asks ``accounts.AccountMap`` instead. In the
single-account try-out every server runs as the hub's own user, in a folder per person.
"""

from __future__ import annotations

import asyncio
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Unicode

from careerlab.hub.accounts import AccountMap, ensure


class CareerLabSpawner(LocalProcessSpawner):
    state_folder = Unicode(help="The hub's state folder, where accounts.json is.").tag(config=True)
    homes = Unicode(help="Where single-account homes are made.").tag(config=True)
    single_account = Bool(False, help="Try-out mode: no accounts, one folder each.").tag(
        config=True
    )

    def unix_name(self) -> str:
        return AccountMap(Path(self.state_folder)).unix_name(self.user.name)

    async def start(self):
        if not self.single_account:
            # People signed in by the LMS (LTI 1.3) need not be in the classroom file, so
            # `careerlab hub start` made no account for them: make it on their first start.
            unix_name = self.unix_name()
            home = Path(self.homes) / unix_name
            await asyncio.to_thread(ensure, unix_name, home, self.user.name)
        return await super().start()

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
