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
there or refuses, it starts the kernel the usual way and logs why.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import ctypes
import json
import os
import pwd
import resource
import selectors
import signal
import socket
import stat
import struct
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

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
MAX_REQUEST = 16384  # bytes: a request is two paths and a few variables
MAX_KERNELS = 256
MAX_KERNELS_PER_ACCOUNT = 16
MAX_WAITING = 64  # connections that have not sent their request yet
WAIT_SECONDS = 2.0
# The only variables a request may set: the ones jupyter_client gives a kernel.
REQUEST_VARIABLES = ("JPY_", "JUPYTER_")
# The server's pid, for ipykernel's parent poller: the kernel's parent is the warm process, so
# it polls that one instead, and watches its server itself (_watch_server).
NOT_PASSED = {"JPY_PARENT_PID"}
PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1


class Refused(Exception):
    """A request the warm process will not serve; the message says why."""


class Unavailable(Exception):
    """No warm kernel: the provisioner starts one the usual way."""


@dataclass(frozen=True)
class Request:
    connection_file: str
    cwd: str
    env: dict[str, str]


def parse_request(data: bytes) -> Request:
    """A request: JSON ``{"connection_file", "cwd", "env"}``, nothing more; else Refused."""
    if len(data) > MAX_REQUEST:
        raise Refused("request too large")
    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("request is not JSON") from None
    if not isinstance(message, dict) or set(message) != {"connection_file", "cwd", "env"}:
        raise Refused("request must have exactly connection_file, cwd and env")
    paths = message["connection_file"], message["cwd"]
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
            raise Refused("connection_file and cwd must be absolute paths")
    env = message["env"]
    if not isinstance(env, dict):
        raise Refused("env must be an object")
    for name, value in env.items():
        if not (isinstance(value, str) and name.startswith(REQUEST_VARIABLES)):
            raise Refused(f"variable {name[:40]!r} may not be set")
        if name in NOT_PASSED or "\0" in name + value or "=" in name:
            raise Refused(f"variable {name[:40]!r} may not be set")
    return Request(message["connection_file"], message["cwd"], env)


def peer_credentials(connection: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end, as the kernel saw it connect."""
    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def person_account(uid: int, state: Path) -> pwd.struct_passwd:
    """The CareerLab person (student or teacher) whose account ``uid`` is; else Refused."""
    from careerlab.hub.accounts import MAP_FILE

    if uid == 0:
        raise Refused("root gets no kernel here")
    try:
        account = pwd.getpwuid(uid)
    except KeyError:
        raise Refused(f"uid {uid} has no account") from None
    try:  # read at each request: people signed in by the LMS get accounts while we run
        people = set(json.loads((state / MAP_FILE).read_text(encoding="utf-8")).values())
    except (OSError, ValueError):
        people = set()
    if account.pw_name not in people:
        raise Refused(f"{account.pw_name} is not a CareerLab student's or teacher's account")
    return account


# --- the child: becoming one person's kernel -----------------------------------------------
def _join_servers_cgroup(peer_pid: int, uid: int) -> None:
    """As root: into the requesting server's cgroup (v2), where a kernel it started would be."""
    status = Path(f"/proc/{peer_pid}/status").read_text()
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    if {int(u) for u in uids} != {uid}:
        raise Refused("the requesting process is gone")
    theirs = Path(f"/proc/{peer_pid}/cgroup").read_text()
    if theirs != Path("/proc/self/cgroup").read_text():
        for line in theirs.splitlines():
            hierarchy, _, path = line.split(":", 2)
            if hierarchy == "0":
                Path("/sys/fs/cgroup", path.lstrip("/"), "cgroup.procs").write_text(
                    str(os.getpid())
                )


def _take_servers_limits(peer_pid: int) -> None:
    """As the person (prlimit on another uid's process needs CAP_SYS_RESOURCE): the server's
    resource limits, as a kernel it started would inherit; never above ours (raising a hard
    limit needs that capability too, which a container's root may not have)."""
    for name in dir(resource):
        if name.startswith("RLIMIT_"):
            limit = getattr(resource, name)
            theirs, ours = resource.prlimit(peer_pid, limit), resource.getrlimit(limit)
            lower = tuple(_lower(a, b) for a, b in zip(theirs, ours, strict=True))
            resource.setrlimit(limit, lower)


def _lower(a: int, b: int) -> int:
    if a == resource.RLIM_INFINITY:
        return b
    return a if b == resource.RLIM_INFINITY else min(a, b)


def _become(account: pwd.struct_passwd) -> None:
    """Drop to the account for good: its groups, gid and uid, checked; nothing of root left."""
    uid, gid = account.pw_uid, account.pw_gid
    groups = os.getgrouplist(account.pw_name, gid)
    os.setgroups(groups)
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise RuntimeError("could not drop to the account")
    if sorted(set(os.getgroups())) != sorted(set(groups)):
        raise RuntimeError("could not set the account's groups")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise RuntimeError("could become root again")
    # A uid change clears "dumpable": /proc/<kernel>/ would stay root's, and the kernel's
    # own tools (and its server's) could not read it.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0:
        raise RuntimeError("prctl(PR_SET_DUMPABLE) failed")
    os.umask(0o077)


def _enter_folder(account: pwd.struct_passwd, folder: str) -> None:
    """chdir as the person, then check where we are is theirs and inside their home."""
    try:
        os.chdir(folder)
    except OSError as error:
        raise Refused(f"cannot enter {folder}: {error.strerror}") from None
    here = os.getcwd()
    home = os.path.realpath(account.pw_dir)
    if not (here == home or here.startswith(home + os.sep)):
        raise Refused("the folder is not in the account's home")
    if os.stat(".").st_uid != account.pw_uid:
        raise Refused("the folder is not the account's own")


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


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (None when gone or a zombie): tells a reused pid apart."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else fields[19]


def _watch_server(server_pid: int) -> None:
    """Stop the kernel when its server is gone, as ipykernel's parent poller does."""
    started = _start_time(server_pid)

    def watch() -> None:
        while _start_time(server_pid) == started:
            time.sleep(1.0)
        os._exit(1)

    if started:
        threading.Thread(target=watch, name="server-watcher", daemon=True).start()


def _close_other_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def become_kernel(
    connection: socket.socket,
    output: list[int],
    account: pwd.struct_passwd,
    peer_pid: int,
    request: Request,
    kernel_path: str,
) -> int:
    """In the forked child: become ``account``'s kernel for ``request``; its exit status."""
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _close_other_fds({connection.fileno(), *output})
    try:
        _join_servers_cgroup(peer_pid, account.pw_uid)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        # The server's own stdout and stderr when it sent them (its log), else nowhere.
        for target, source in zip((1, 2), output or [null, null], strict=True):
            os.dup2(source, target)
        for fd in {null, *output}:
            os.close(fd)
        os.setsid()
        _become(account)
        _take_servers_limits(peer_pid)
        # Only now, as the person, anything the request names.
        _enter_folder(account, request.cwd)
        _check_connection_file(account, request.connection_file)
    except Refused as why:
        _reply(connection, {"error": str(why)})
        return 1
    except Exception as error:  # noqa: BLE001 -- the server is told, the zygote lives on
        where = error.__traceback__
        while where and where.tb_next:
            where = where.tb_next
        step = where.tb_frame.f_code.co_name if where else "?"
        _reply(connection, {"error": f"{type(error).__name__} in {step}: {error}"})
        return 1
    os.environ.clear()
    os.environ.update(
        {
            **request.env,
            "HOME": account.pw_dir,
            "USER": account.pw_name,
            "LOGNAME": account.pw_name,
            "SHELL": account.pw_shell or "/bin/sh",
            "PATH": kernel_path,
            "LANG": "C.UTF-8",
            "MPLBACKEND": INLINE_BACKEND,
        }
    )
    if "numpy" in sys.modules:  # every fork would draw the same "random" numbers
        sys.modules["numpy"].random.seed()
    _reply(connection, {"pid": os.getpid()})
    connection.close()
    _watch_server(peer_pid)
    import ipykernel_launcher
    from ipykernel import kernelapp

    # The parent ipykernel polls (it read $JPY_PARENT_PID when the warm process imported it).
    parent = f"--IPKernelApp.parent_handle={os.getppid()}"
    sys.argv = [ipykernel_launcher.__file__, "-f", request.connection_file, parent]
    try:
        kernelapp.launch_new_instance()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


def _reply(connection: socket.socket, message: dict[str, Any]) -> None:
    try:
        connection.sendall(json.dumps(message).encode())
    except OSError:
        pass


# --- the warm process ----------------------------------------------------------------------
class Zygote:
    def __init__(self, listener: socket.socket, state: Path, kernel_path: str):
        self.listener = listener
        self.state = state
        self.kernel_path = kernel_path
        self.children: dict[int, int] = {}  # pid -> uid
        self.waiting: dict[socket.socket, float] = {}
        self.selector = selectors.DefaultSelector()
        self.wake: tuple[int, ...] = ()

    def log(self, text: str) -> None:
        print(f"[{SERVICE_NAME}] {text}", file=sys.stderr, flush=True)

    def close_in_child(self) -> None:
        """In a forked child: let go of everything of the warm process's."""
        signal.set_wakeup_fd(-1)
        self.selector.close()
        self.listener.close()
        for connection in self.waiting:
            connection.close()
        for fd in self.wake:
            os.close(fd)

    def serve(self) -> None:
        self.wake = wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, "listen")
        self.selector.register(wake_read, selectors.EVENT_READ, "wake")
        while True:
            for key, _ in self.selector.select(timeout=1.0):
                if key.data == "listen":
                    self._accept()
                elif key.data == "wake":
                    try:
                        os.read(wake_read, 4096)
                    except BlockingIOError:
                        pass
                else:
                    self._forget(key.fileobj)
                    self.handle(key.fileobj)
            now = time.monotonic()
            for connection in [c for c, deadline in self.waiting.items() if deadline < now]:
                self._forget(connection)
                connection.close()
            self.reap()

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        if len(self.waiting) >= MAX_WAITING:
            connection.close()
            return
        connection.setblocking(False)
        self.waiting[connection] = time.monotonic() + WAIT_SECONDS
        self.selector.register(connection, selectors.EVENT_READ, "request")

    def _forget(self, connection: socket.socket) -> None:
        self.selector.unregister(connection)
        self.waiting.pop(connection, None)

    def reap(self) -> None:
        while self.children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.pop(pid, None)

    def handle(self, connection: socket.socket) -> None:
        fds: list[int] = []
        try:
            try:
                data, fds, flags, _ = socket.recv_fds(connection, MAX_REQUEST + 1, 2)
            except OSError:
                return
            try:
                if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(fds) not in (0, 2):
                    raise Refused("malformed request")
                request = parse_request(data)
                peer_pid, uid, _ = peer_credentials(connection)
                account = person_account(uid, self.state)
                mine = sum(1 for owner in self.children.values() if owner == uid)
                if len(self.children) >= MAX_KERNELS or mine >= MAX_KERNELS_PER_ACCOUNT:
                    raise Refused("too many kernels running")
            except Refused as why:
                self.log(f"refused a request: {why}")
                _reply(connection, {"error": str(why)})
                return
            try:
                child = os.fork()
            except OSError as error:
                _reply(connection, {"error": f"cannot fork: {error.strerror}"})
                return
            if child == 0:
                status = 1
                try:
                    self.close_in_child()
                    status = become_kernel(
                        connection, fds, account, peer_pid, request, self.kernel_path
                    )
                finally:
                    # The kernel's exit hooks (IPython's history), never the warm process's
                    # loop: the child ends here whatever happened.
                    atexit._run_exitfuncs()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(status)
            self.children[child] = uid
        finally:
            for fd in fds:
                os.close(fd)
            connection.close()


def preload(modules: list[str]) -> None:
    import importlib
    import warnings

    # What ipykernel does before a notebook's code runs; and no math library's thread pool:
    # a process that forks must hold no threads but its own.
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    with warnings.catch_warnings():
        for name in modules:
            importlib.import_module(name)


def listen(path: Path) -> socket.socket:
    """The socket every account may connect to (who they are is checked per request)."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(path))
    os.chmod(path, 0o666)
    listener.listen(64)
    return listener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="where to listen")
    parser.add_argument("--state", required=True, help="the hub's state folder (accounts.json)")
    parser.add_argument("--kernel-path", required=True, help="PATH in every kernel")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit(f"{SERVICE_NAME}: runs as root (it starts each person's kernel)")
    # Ends with the hub, however the hub ends (a fork does not inherit this).
    hub = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != hub:
        return 1
    started = time.perf_counter()
    preload(PRELOAD)
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise SystemExit(f"{SERVICE_NAME}: {threads} threads after the imports; cannot fork")
    import gc

    # Pages of what exists now stay shared with every kernel: the collector must not touch them.
    gc.collect()
    gc.freeze()
    zygote = Zygote(listen(Path(args.socket)), Path(args.state), args.kernel_path)
    zygote.log(f"ready in {time.perf_counter() - started:.1f} s on {args.socket}")
    try:
        zygote.serve()
    except KeyboardInterrupt:  # JupyterHub stops its services with SIGINT
        pass
    return 0


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
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as connection:
            connection.settimeout(30)
            connection.connect(socket_path)
            # Our own stdout and stderr: the kernel writes where a kernel we started would.
            socket.send_fds(connection, [json.dumps(message).encode()], [1, 2])
            answer = json.loads(connection.recv(4096) or b"{}")
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
        self._started = _start_time(pid)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            now = _start_time(self.pid)
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
