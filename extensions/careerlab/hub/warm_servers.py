"""Students' Jupyter servers forked from one warm process on the classroom hub.

A student's server costs ~1.3 CPU s to start, most of it importing jupyter_server, JupyterLab,
nbgrader's extensions and tornado; with a whole class starting at once the machine is
CPU-bound (docs/deploy.md, "How many students a machine holds"). ``careerlab hub start``
runs this module as a root hub service (``hub_service``) that does those imports once and
then only forks: each child becomes one person's server.

Only the hub asks (the socket's folder is root's alone, and the peer must be root and the
warm process's parent, the hub). The request names the account, which must be a CareerLab
person's (``accounts.json``), never root; the spawner's command and environment, checked
against allow-lists; and the working folder, which must be inside that account's home and
owned by it. The child takes the hub's cgroup and resource limits (where a server the hub
started would be), leaves root completely (groups, gid, uid, checked), sets a clean
environment and runs ``jupyterhub-singleuser`` in-process.

It is a second warm process beside the kernels' (``careerlab.hub.warm_kernels``), not the same
one: the kernels' socket is open to every account while this one is the hub's alone, and each
child carries only its own preloaded modules.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pwd
import site
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careerlab.hub.forking import (
    Peer,
    Refused,
    Zygote,
    absolute_path,
    careerlab_person,
    clean_environment,
    enter_child,
    exit_status,
    parse_json,
    reply,
    report_failure,
    run,
    socket_request,
)
from careerlab.hub.layout import Layout

SERVICE_NAME = "careerlab-warm-servers"
FOLDER = "warm-servers"
SOCKET_NAME = "servers.sock"
COMMAND = "jupyterhub-singleuser"
# What a student's server imports as it starts (its extensions: the hub venv's
# etc/jupyter/jupyter_server_config.d; formgrader and course_list are off for students).
# Checked safe before a fork: no thread, no event loop, no configuration made.
PRELOAD = [
    "jupyterhub.singleuser",
    "jupyter_server.serverapp",
    "jupyterlab.labapp",
    "jupyter_lsp",
    "jupyter_server_terminals",
    "notebook.app",
    "notebook_shim",
    "voila.server_extension",
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.auth",
    "careerlab.exchange.hub",
]
# Modules that read the account's home or uid when imported: made again in each child.
RELOAD = ["send2trash.plat_other"]
MAX_SERVERS = 512
MAX_SERVERS_PER_ACCOUNT = 2  # one server each; two while a restart overlaps
# What the spawner may set (JupyterHub's Spawner.get_env, LocalProcessSpawner.user_env and
# CareerLab's Spawner.environment): everything else is refused.
VARIABLE_PREFIXES = ("JUPYTERHUB_", "JPY_")
VARIABLES = {
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_PATH",
    "PATH",
    "LANG",
    "LC_ALL",
    "HOME",
    "USER",
    "SHELL",
    "MEM_LIMIT",
    "MEM_GUARANTEE",
    "CPU_LIMIT",
    "CPU_GUARANTEE",
}
# Read by jupyterhub.singleuser when the warm process imported it: another value needs a
# server started afresh.
READ_AT_IMPORT = {
    "JUPYTERHUB_SINGLEUSER_APP",
    "JUPYTERHUB_SINGLEUSER_EXTENSION",
    "JUPYTERHUB_SINGLEUSER_LOAD_OTHER_EXTENSIONS",
}
# Spawner.env_keep's copies of the hub's own environment: not the person's, and a forked
# server already has its Python; left out of the request.
HUB_OWN = {"CONDA_DEFAULT_ENV", "CONDA_ROOT", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV"}


class Unavailable(Exception):
    """No warm server: the spawner starts it the usual way."""


@dataclass(frozen=True)
class Request:
    account: str
    argv: list[str]
    env: dict[str, str]
    cwd: str


def allowed_variable(name: str) -> bool:
    if name in READ_AT_IMPORT:
        return False
    return name in VARIABLES or name.startswith(VARIABLE_PREFIXES)


def parse_request(data: bytes, command: str) -> Request:
    """JSON ``{"account", "argv", "env", "cwd"}``, each checked; else Refused."""
    message = parse_json(data, {"account", "argv", "env", "cwd"})
    account, argv, env = message["account"], message["argv"], message["env"]
    if not isinstance(account, str) or not account or "\0" in account:
        raise Refused("account must be a name")
    if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)):
        raise Refused("argv must be a list of strings")
    if argv[0] != command:
        raise Refused(f"only {command} is started here")
    for option in argv[1:]:
        if not option.startswith("--") or "\0" in option:
            raise Refused(f"argument {option[:40]!r} is not an option")
    if not isinstance(env, dict):
        raise Refused("env must be an object")
    for name, value in env.items():
        if not (isinstance(value, str) and allowed_variable(name)):
            raise Refused(f"variable {name[:40]!r} may not be set")
        if "\0" in name + value or "=" in name:
            raise Refused(f"variable {name[:40]!r} may not be set")
    return Request(account, argv, env, absolute_path(message["cwd"]))


def server_account(request: Request, state: Path) -> pwd.struct_passwd:
    """The person's account the request names; else Refused."""
    try:
        account = pwd.getpwnam(request.account)
    except KeyError:
        raise Refused(f"{request.account[:40]!r} has no account") from None
    careerlab_person(account, state)
    for name, value in (("HOME", account.pw_dir), ("USER", account.pw_name)):
        if request.env.get(name, value) != value:
            raise Refused(f"{name} is not {account.pw_name}'s")
    return account


# --- the child: becoming one person's server -----------------------------------------------
def _rehome() -> None:
    """As the person, with their environment: what was computed at import from root's."""
    site.USER_BASE = site.USER_SITE = None  # recomputed from $HOME when asked
    for name in RELOAD:
        if name in sys.modules:
            importlib.reload(sys.modules[name])


def _lab_folders() -> list[str]:
    """JupyterLab's LabApp takes its user-settings and workspaces folders as class defaults,
    computed when imported (here: as root, in the warm process's home): given again from
    this person's environment, or their server writes into the warm process's folder."""
    from jupyterlab import labapp

    return [
        f"--LabApp.user_settings_dir={labapp.get_user_settings_dir()}",
        f"--LabApp.workspaces_dir={labapp.get_workspaces_dir()}",
    ]


def become_server(
    connection: socket.socket,
    output: list[int],
    account: pwd.struct_passwd,
    hub: Peer,
    request: Request,
) -> int:
    """In the forked child: become ``account``'s server for ``request``; its exit status."""
    try:
        # Where a server the hub started would be: its cgroup and limits, and its umask.
        enter_child(connection, output, account, hub, request.cwd, umask=None)
    except Exception as error:  # noqa: BLE001 -- the hub is told, the warm process lives on
        report_failure(connection, error)
        return 1
    clean_environment(account, request.env)
    _rehome()
    reply(connection, {"pid": os.getpid()})
    connection.close()
    from jupyterhub.singleuser import main

    sys.argv = [*request.argv, *_lab_folders()]
    return exit_status(main)


# --- the warm process ----------------------------------------------------------------------
class ServerZygote(Zygote):
    """Servers, for the hub only."""

    name = SERVICE_NAME
    max_children = MAX_SERVERS
    max_per_account = MAX_SERVERS_PER_ACCOUNT
    too_many = "too many servers running"

    def __init__(self, listener: socket.socket, state: Path, command: str):
        super().__init__(listener, state)
        self.command = command

    def admit(self, data: bytes, fds: list[int], peer: Peer) -> tuple[pwd.struct_passwd, Request]:
        # The hub is our parent (we end with it): no other process, root's or not, is served.
        if peer.uid != 0 or peer.pid != os.getppid():
            raise Refused("only the hub starts servers")
        request = parse_request(data, self.command)
        return server_account(request, self.state), request

    def become(
        self,
        connection: socket.socket,
        output: list[int],
        account: pwd.struct_passwd,
        peer: Peer,
        request: Request,
    ) -> int:
        return become_server(connection, output, account, peer, request)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="where to listen")
    parser.add_argument("--state", required=True, help="the hub's state folder (accounts.json)")
    parser.add_argument("--command", required=True, help="the spawner's jupyterhub-singleuser")
    args = parser.parse_args(argv)
    # The socket is root's alone (its folder too): the hub is the only one who asks.
    return run(
        SERVICE_NAME,
        PRELOAD,
        Path(args.socket),
        0o600,
        lambda listener: ServerZygote(listener, Path(args.state), args.command),
    )


def folder(root: Path) -> Path:
    """``<root>/warm-servers/`` (0700 root): the socket, and the warm process's HOME."""
    return root / FOLDER


def socket_path(root: Path) -> Path:
    return folder(root) / SOCKET_NAME


def command(layout: Layout) -> str:
    return str(layout.bin / COMMAND)


def hub_service(layout: Layout, path: str) -> dict:
    """The ``c.JupyterHub.services`` entry that runs the warm process as root, from an empty
    environment (``env -i``): a child's memory is a copy of the warm process's, so nothing of
    the hub's (its service token) may be there."""
    home = folder(layout.root)
    return {
        "name": SERVICE_NAME,
        "display": False,
        "command": [
            "/usr/bin/env",
            "-i",
            f"PATH={path}",
            "LANG=C.UTF-8",
            f"HOME={home}",
            str(layout.bin / "python"),
            "-P",  # nothing imported from the folder it starts in
            "-m",
            "careerlab.hub.warm_servers",
            f"--socket={socket_path(layout.root)}",
            f"--state={layout.state}",
            f"--command={command(layout)}",
        ],
    }


def prepare(layout: Layout) -> None:
    """The folder (root's, 0700), made by `careerlab hub start`."""
    home = folder(layout.root)
    home.mkdir(mode=0o700, exist_ok=True)
    home.chmod(0o700)


# --- in the hub ----------------------------------------------------------------------------
def request_server(
    socket_path: str, account: str, argv: list[str], env: dict[str, str], cwd: str
) -> int:
    """Ask the warm process for ``account``'s server; its pid. Unavailable says why not."""
    refused = sorted(name for name in env if not allowed_variable(name) and name not in HUB_OWN)
    if refused:
        raise Unavailable(f"variables a warm server is not given: {', '.join(refused)}")
    message: dict[str, Any] = {
        "account": account,
        "argv": argv,
        "env": {name: value for name, value in env.items() if allowed_variable(name)},
        "cwd": cwd,
    }
    try:
        answer = socket_request(socket_path, message, timeout=30)
    except (OSError, ValueError) as error:
        raise Unavailable(f"{socket_path}: {error}") from None
    if not isinstance(answer.get("pid"), int):
        raise Unavailable(answer.get("error") or "no answer")
    return answer["pid"]


if __name__ == "__main__":
    sys.exit(main())
