"""Students' kernels forked from one warm process on the classroom hub.

A kernel costs ~2.8 CPU s to start, half of it importing IPython, pandas, matplotlib,
ipywidgets and CareerLab; with a whole class starting at once the machine is CPU-bound
(docs/deploy.md, "How many students a machine holds"). ``careerlab hub start`` runs this
module as a root hub service (``hub_service``) that does those imports once and then only
forks: each child becomes one student's kernel.

Who the kernel belongs to is never taken from the request: it is the peer of the Unix socket
(``SO_PEERCRED``), and only a person's CareerLab account (``accounts.json``) is served. The
child drops to that account completely (its groups, gid, uid, checked) before it touches
anything the request names, then checks the folder is the account's own, sets a clean
environment and runs the IPython kernel in-process as ``python -m ipykernel_launcher -f
CONNECTION_FILE`` would. It also takes the requesting server's resource limits and cgroup, so
the kernel lands where a kernel started by the server would.

In the student's server, ``WarmKernelProvisioner`` (the hub's kernelspec names it) asks for a
kernel instead of starting ``python``, and manages it by pid; when the warm process is not
there or refuses, it starts the kernel the usual way and logs why. What it shares with the
servers' warm process (careerlab.hub.warm_servers) is in careerlab.hub.forking.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import signal
import socket
import stat
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

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
    start_time,
)
from careerlab.hub.layout import Layout

SERVICE_NAME = "careerlab-warm-kernels"
PROVISIONER_NAME = "careerlab-warm-kernel"
FOLDER = "warm-kernels"
SOCKET_NAME = "kernels.sock"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# What a workbook imports (the grader's warm process preloads the same, jupyter_config.py).
PRELOAD = [
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.font_manager",
    "matplotlib_inline.backend_inline",
    "IPython.display",
    "ipywidgets",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "careerlab.workbook.book",
    "careerlab.workbook.careers",
]
MAX_KERNELS = 256
MAX_KERNELS_PER_ACCOUNT = 16
# The only variables a request may set: the ones jupyter_client gives a kernel.
REQUEST_VARIABLES = ("JPY_", "JUPYTER_")
# The server's pid, for ipykernel's parent poller: the kernel's parent is the warm process, so
# it polls that one instead, and watches its server itself (_watch_server).
NOT_PASSED = {"JPY_PARENT_PID"}


class Unavailable(Exception):
    """No warm kernel: the provisioner starts one the usual way."""


@dataclass(frozen=True)
class Request:
    connection_file: str
    cwd: str
    env: dict[str, str]


def parse_request(data: bytes) -> Request:
    """A request: JSON ``{"connection_file", "cwd", "env"}``, nothing more; else Refused."""
    message = parse_json(data, {"connection_file", "cwd", "env"})
    paths = absolute_path(message["connection_file"]), absolute_path(message["cwd"])
    env = message["env"]
    if not isinstance(env, dict):
        raise Refused("env must be an object")
    for name, value in env.items():
        if not (isinstance(value, str) and name.startswith(REQUEST_VARIABLES)):
            raise Refused(f"variable {name[:40]!r} may not be set")
        if name in NOT_PASSED or "\0" in name + value or "=" in name:
            raise Refused(f"variable {name[:40]!r} may not be set")
    return Request(*paths, env)


def person_account(uid: int, state: Path) -> pwd.struct_passwd:
    """The CareerLab person (student or teacher) whose account ``uid`` is; else Refused."""
    if uid == 0:
        raise Refused("root gets no kernel here")
    try:
        account = pwd.getpwuid(uid)
    except KeyError:
        raise Refused(f"uid {uid} has no account") from None
    return careerlab_person(account, state)


# --- the child: becoming one person's kernel -----------------------------------------------
def _check_connection_file(account: pwd.struct_passwd, path: str) -> None:
    # ipykernel writes a new connection file where none exists: it must be the server's.
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise Refused(f"cannot read the connection file: {error.strerror}") from None
    try:
        info = os.fstat(handle)
    finally:
        os.close(handle)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != account.pw_uid:
        raise Refused("the connection file is not the account's own file")


def _watch_server(server_pid: int) -> None:
    """Stop the kernel when its server is gone, as ipykernel's parent poller does."""
    started = start_time(server_pid)

    def watch() -> None:
        while start_time(server_pid) == started:
            time.sleep(1.0)
        os._exit(1)

    if started:
        threading.Thread(target=watch, name="server-watcher", daemon=True).start()


def become_kernel(
    connection: socket.socket,
    output: list[int],
    account: pwd.struct_passwd,
    server: Peer,
    request: Request,
    kernel_path: str,
) -> int:
    """In the forked child: become ``account``'s kernel for ``request``; its exit status."""
    try:
        # Where a kernel the requesting server started would be: its cgroup and limits.
        enter_child(connection, output, account, server, request.cwd, umask=0o077)
        _check_connection_file(account, request.connection_file)
    except Exception as error:  # noqa: BLE001 -- the server is told, the zygote lives on
        report_failure(connection, error)
        return 1
    clean_environment(
        account,
        {**request.env, "PATH": kernel_path, "LANG": "C.UTF-8", "MPLBACKEND": INLINE_BACKEND},
    )
    reply(connection, {"pid": os.getpid()})
    connection.close()
    _watch_server(server.pid)
    import ipykernel_launcher
    from ipykernel import kernelapp

    # The parent ipykernel polls (it read $JPY_PARENT_PID when the warm process imported it).
    parent = f"--IPKernelApp.parent_handle={os.getppid()}"
    sys.argv = [ipykernel_launcher.__file__, "-f", request.connection_file, parent]
    return exit_status(kernelapp.launch_new_instance)


# --- the warm process ----------------------------------------------------------------------
class KernelZygote(Zygote):
    """Kernels for the people whose servers ask (the peer's uid, never the request's)."""

    name = SERVICE_NAME
    max_children = MAX_KERNELS
    max_per_account = MAX_KERNELS_PER_ACCOUNT
    too_many = "too many kernels running"

    def __init__(self, listener: socket.socket, state: Path, kernel_path: str):
        super().__init__(listener, state)
        self.kernel_path = kernel_path

    def admit(self, data: bytes, fds: list[int], peer: Peer) -> tuple[pwd.struct_passwd, Request]:
        request = parse_request(data)
        return person_account(peer.uid, self.state), request

    def become(
        self,
        connection: socket.socket,
        output: list[int],
        account: pwd.struct_passwd,
        peer: Peer,
        request: Request,
    ) -> int:
        return become_kernel(connection, output, account, peer, request, self.kernel_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="where to listen")
    parser.add_argument("--state", required=True, help="the hub's state folder (accounts.json)")
    parser.add_argument("--kernel-path", required=True, help="PATH in every kernel")
    args = parser.parse_args(argv)
    # What ipykernel does before a notebook's code runs; and no math library's thread pool.
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    # Every account may connect: who they are is checked per request.
    return run(
        SERVICE_NAME,
        PRELOAD,
        Path(args.socket),
        0o666,
        lambda listener: KernelZygote(listener, Path(args.state), args.kernel_path),
    )


def folder(root: Path) -> Path:
    """``<root>/warm-kernels/`` (0755 root): the socket, and the warm process's HOME."""
    return root / FOLDER


def socket_path(root: Path) -> Path:
    return folder(root) / SOCKET_NAME


def data_dir(root: Path) -> Path:
    """On students' JUPYTER_PATH: holds the kernelspec that names the provisioner."""
    return folder(root) / "jupyter"


def hub_service(layout: Layout, kernel_path: str) -> dict:
    """The ``c.JupyterHub.services`` entry that runs the warm process as root.

    It starts from an empty environment (``env -i``): a child's memory is a copy of the
    warm process's, and /proc/<kernel>/environ shows what the warm process started with,
    so nothing of the hub's (its service token) may be there."""
    home = folder(layout.root)
    return {
        "name": SERVICE_NAME,
        "display": False,
        "command": [
            "/usr/bin/env",
            "-i",
            f"PATH={kernel_path}",
            "LANG=C.UTF-8",
            f"HOME={home}",
            f"MPLCONFIGDIR={home}",
            str(layout.bin / "python"),
            "-P",  # nothing imported from the folder it starts in
            "-m",
            "careerlab.hub.warm_kernels",
            f"--socket={socket_path(layout.root)}",
            f"--state={layout.state}",
            f"--kernel-path={kernel_path}",
        ],
    }


def kernelspec(python: Path, socket: Path) -> dict:
    """The students' ``python3`` kernelspec on the hub: ipykernel's, through the warm process."""
    return {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {
            "debugger": True,
            "kernel_provisioner": {
                "provisioner_name": PROVISIONER_NAME,
                "config": {"socket_path": str(socket)},
            },
        },
    }


def prepare(layout: Layout) -> None:
    """The folder (root's, 0755) and the kernelspec, made by `careerlab hub start`."""
    home = folder(layout.root)
    home.mkdir(mode=0o755, exist_ok=True)
    home.chmod(0o755)
    spec = data_dir(layout.root) / "kernels" / "python3"
    spec.mkdir(mode=0o755, parents=True, exist_ok=True)
    path = spec / "kernel.json"
    path.write_text(
        json.dumps(kernelspec(layout.bin / "python", socket_path(layout.root)), indent=1) + "\n"
    )
    for made in (data_dir(layout.root), spec.parent, spec):
        made.chmod(0o755)
    path.chmod(0o644)


# --- in the student's server ---------------------------------------------------------------
def request_kernel(socket_path: str, cmd: list[str], env: dict[str, str], cwd: str) -> int:
    """Ask the warm process for a kernel; its pid. Unavailable says why not."""
    if len(cmd) < 2 or cmd[-2] != "-f" or cmd[1:-2] != ["-m", "ipykernel_launcher"]:
        raise Unavailable(f"not a plain ipykernel command: {cmd}")
    message = {
        "connection_file": os.path.abspath(cmd[-1]),
        "cwd": os.path.abspath(cwd),
        "env": {
            k: v for k, v in env.items() if k.startswith(REQUEST_VARIABLES) and k not in NOT_PASSED
        },
    }
    try:
        answer = socket_request(socket_path, message, timeout=30)
    except (OSError, ValueError) as error:
        raise Unavailable(f"{socket_path}: {error}") from None
    if not isinstance(answer.get("pid"), int):
        raise Unavailable(answer.get("error") or "no answer")
    return answer["pid"]


class ForkedKernel:
    """What LocalProvisioner needs of a Popen, for a kernel that is not our child.

    Its parent (the warm process) reaps it, so we cannot learn its exit status: a kernel that
    is gone reports 0. A pid reused by another process is told apart by its start time."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self._started = start_time(pid)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            now = start_time(self.pid)
            if now is None or now != self._started:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still running")
            time.sleep(0.05)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        """To the kernel's process group, as for a Popen'd kernel (what it started too), but
        only while the kernel is alive: a group id can be reused. Like Popen's, nothing once
        the kernel is gone (the server's restarter kills a dead kernel before restarting it)."""
        if self.poll() is not None:
            return
        try:
            os.killpg(self.pid, signum)
        except OSError:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class WarmKernelProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked by the warm process."""

    socket_path = Unicode("", help="The warm process's socket.").tag(config=True)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            pid = await asyncio.to_thread(request_kernel, self.socket_path, cmd, env, cwd)
        except Unavailable as why:
            self.log.warning("No warm kernel (%s): starting one the usual way.", why)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)
        self.pid = self.pgid = pid  # the kernel leads its own session and process group
        self.cwd = cwd
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        if isinstance(self.process, ForkedKernel):
            self.process.send_signal(signum)
            return
        await super().send_signal(signum)


if __name__ == "__main__":
    sys.exit(main())
