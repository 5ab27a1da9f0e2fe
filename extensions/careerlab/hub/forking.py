"""What the classroom hub's warm processes share: a root process that has imported what a
student's process needs once, then forks one child per request and hands it to a person.

``careerlab.hub.warm_kernels`` forks students' kernels, ``careerlab.hub.warm_servers`` their
Jupyter servers. Both take a request on a Unix socket (``Zygote``: small messages only, a cap on
children, children reaped), and in the child (``enter_child``) leave root for good: the
requester's cgroup and resource limits, a new session, the account's groups, gid and uid
(checked), a folder inside the account's home and owned by it; then a clean environment
(``clean_environment``) with nothing of the warm process's.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import pwd
import resource
import selectors
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_REQUEST = 16384  # bytes: a request is a few paths and variables
MAX_WAITING = 64  # connections that have not sent their request yet
WAIT_SECONDS = 2.0
PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1


class Refused(Exception):
    """A request the warm process will not serve; the message says why."""


@dataclass(frozen=True)
class Peer:
    """The process at the other end of the socket, as the kernel saw it connect."""

    pid: int
    uid: int
    gid: int


def peer_credentials(connection: socket.socket) -> Peer:
    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return Peer(*struct.unpack("3i", raw))


def careerlab_person(account: pwd.struct_passwd, state: Path) -> pwd.struct_passwd:
    """``account`` if it is a CareerLab person's (student or teacher, accounts.json); else
    Refused. Never root, never a course's or the exchange's account."""
    from careerlab.hub.accounts import MAP_FILE

    if account.pw_uid == 0:
        raise Refused("root is not a person's account")
    try:  # read at each request: people signed in by the LMS get accounts while we run
        people = set(json.loads((state / MAP_FILE).read_text(encoding="utf-8")).values())
    except (OSError, ValueError):
        people = set()
    if account.pw_name not in people:
        raise Refused(f"{account.pw_name} is not a CareerLab student's or teacher's account")
    return account


def parse_json(data: bytes, keys: set[str]) -> dict[str, Any]:
    """A small JSON object with exactly ``keys``; else Refused."""
    if len(data) > MAX_REQUEST:
        raise Refused("request too large")
    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("request is not JSON") from None
    if not isinstance(message, dict) or set(message) != keys:
        raise Refused(f"request must have exactly {', '.join(sorted(keys))}")
    return message


def absolute_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or "\0" in value:
        raise Refused("paths must be absolute")
    return value


# --- the child: becoming one person's process ----------------------------------------------
def _join_cgroup_of(pid: int, uid: int) -> None:
    """As root: into the cgroup (v2) of ``pid`` (still ``uid``'s), where a process it started
    would be."""
    status = Path(f"/proc/{pid}/status").read_text()
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    if {int(u) for u in uids} != {uid}:
        raise Refused("the requesting process is gone")
    theirs = Path(f"/proc/{pid}/cgroup").read_text()
    if theirs != Path("/proc/self/cgroup").read_text():
        for line in theirs.splitlines():
            hierarchy, _, path = line.split(":", 2)
            if hierarchy == "0":
                Path("/sys/fs/cgroup", path.lstrip("/"), "cgroup.procs").write_text(
                    str(os.getpid())
                )


def _limits_of(pid: int) -> dict[int, tuple[int, int]]:
    """The resource limits of ``pid``, as a process it started would inherit."""
    return {
        getattr(resource, name): resource.prlimit(pid, getattr(resource, name))
        for name in dir(resource)
        if name.startswith("RLIMIT_")
    }


def _take_limits(limits: dict[int, tuple[int, int]]) -> None:
    """Never above ours (raising a hard limit needs CAP_SYS_RESOURCE, which a container's root
    may not have, and which the person has not): only lowered."""
    for limit, theirs in limits.items():
        lower = tuple(_lower(a, b) for a, b in zip(theirs, resource.getrlimit(limit), strict=True))
        resource.setrlimit(limit, lower)


def _lower(a: int, b: int) -> int:
    if a == resource.RLIM_INFINITY:
        return b
    return a if b == resource.RLIM_INFINITY else min(a, b)


def become(account: pwd.struct_passwd, umask: int | None) -> None:
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
    # A uid change clears "dumpable": /proc/<pid>/ would stay root's, and the process's
    # own tools (and its server's) could not read it.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0:
        raise RuntimeError("prctl(PR_SET_DUMPABLE) failed")
    if umask is not None:
        os.umask(umask)


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


def _close_other_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def enter_child(
    connection: socket.socket,
    output: list[int],
    account: pwd.struct_passwd,
    requester: Peer,
    folder: str,
    umask: int | None,
) -> None:
    """In the forked child, as root: become ``account``'s process in ``folder``, where a
    process ``requester`` started would be (its cgroup and limits; stdout and stderr the two
    ``output`` fds it sent, else nowhere). Raises Refused (or any error) when it cannot."""
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _close_other_fds({connection.fileno(), *output})
    _join_cgroup_of(requester.pid, requester.uid)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    for target, source in zip((1, 2), output or [null, null], strict=True):
        os.dup2(source, target)
    for fd in {null, *output}:
        os.close(fd)
    os.setsid()
    # prlimit on another uid's process needs CAP_SYS_RESOURCE, which a container's root may
    # not have: read while we are the requester's uid (root for the hub, else the person).
    limits = _limits_of(requester.pid) if requester.uid == os.getuid() else None
    become(account, umask)
    _take_limits(limits if limits is not None else _limits_of(requester.pid))
    # Only now, as the person, anything the request names.
    _enter_folder(account, folder)


def exit_status(main: Callable[[], object]) -> int:
    """Run a Jupyter app's main in the child and return its exit status: the apps end with
    SystemExit, which must not unwind into the warm process's serving loop."""
    try:
        main()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


def report_failure(connection: socket.socket, error: Exception) -> None:
    """Tell the requester why the child could not start (the warm process lives on)."""
    if isinstance(error, Refused):
        reply(connection, {"error": str(error)})
        return
    where = error.__traceback__
    while where and where.tb_next:
        where = where.tb_next
    step = where.tb_frame.f_code.co_name if where else "?"
    reply(connection, {"error": f"{type(error).__name__} in {step}: {error}"})


def clean_environment(account: pwd.struct_passwd, variables: dict[str, str]) -> None:
    """``variables`` and the account's own, nothing of the warm process's."""
    os.environ.clear()
    os.environ.update(
        {
            **variables,
            "HOME": account.pw_dir,
            "USER": account.pw_name,
            "LOGNAME": account.pw_name,
            "SHELL": account.pw_shell or "/bin/sh",
        }
    )
    if "numpy" in sys.modules:  # every fork would draw the same "random" numbers
        sys.modules["numpy"].random.seed()


def reply(connection: socket.socket, message: dict[str, Any]) -> None:
    try:
        connection.sendall(json.dumps(message).encode())
    except OSError:
        pass


def start_time(pid: int) -> str | None:
    """When ``pid`` started (None when gone or a zombie): tells a reused pid apart."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else fields[19]


# --- the warm process ----------------------------------------------------------------------
class Zygote:
    """The warm process's loop: accept, read one request, ``admit`` it or refuse it without
    forking, fork, and in the child ``become`` what was asked. Subclasses say both."""

    name = "warm"
    max_children = 256
    max_per_account = 16
    too_many = "too many running"

    def __init__(self, listener: socket.socket, state: Path):
        self.listener = listener
        self.state = state
        self.children: dict[int, int] = {}  # pid -> uid of the account it became
        self.waiting: dict[socket.socket, float] = {}
        self.selector = selectors.DefaultSelector()
        self.wake: tuple[int, ...] = ()

    def admit(self, data: bytes, fds: list[int], peer: Peer) -> tuple[pwd.struct_passwd, Any]:
        """The account the child becomes and what it does; Refused when not served."""
        raise NotImplementedError

    def become(
        self,
        connection: socket.socket,
        output: list[int],
        account: pwd.struct_passwd,
        peer: Peer,
        request: Any,
    ) -> int:
        """In the child: become what was asked; its exit status."""
        raise NotImplementedError

    def log(self, text: str) -> None:
        print(f"[{self.name}] {text}", file=sys.stderr, flush=True)

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
                peer = peer_credentials(connection)
                account, request = self.admit(data, fds, peer)
                uid = account.pw_uid
                # Children that ended since the last loop (a server stopped for a restart, a
                # request its child refused) no longer count against the person.
                self.reap()
                mine = sum(1 for owner in self.children.values() if owner == uid)
                if len(self.children) >= self.max_children or mine >= self.max_per_account:
                    raise Refused(self.too_many)
            except Refused as why:
                self.log(f"refused a request: {why}")
                reply(connection, {"error": str(why)})
                return
            try:
                child = os.fork()
            except OSError as error:
                reply(connection, {"error": f"cannot fork: {error.strerror}"})
                return
            if child == 0:
                status = 1
                try:
                    self.close_in_child()
                    status = self.become(connection, fds, account, peer, request)
                finally:
                    # The child's own exit hooks (IPython's history), never the warm
                    # process's loop: the child ends here whatever happened.
                    atexit._run_exitfuncs()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(status)
            self.children[child] = account.pw_uid
        finally:
            for fd in fds:
                os.close(fd)
            connection.close()


def preload(modules: list[str]) -> None:
    import importlib
    import warnings

    with warnings.catch_warnings():
        for name in modules:
            importlib.import_module(name)


def listen(path: Path, mode: int) -> socket.socket:
    """The socket, ``mode`` (who may connect; who they are is checked per request)."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(path))
    os.chmod(path, mode)
    listener.listen(64)
    return listener


def run(name: str, modules: list[str], path: Path, mode: int, make: Any) -> int:
    """The warm process's life: as root, end with the hub, listen on ``path`` (``mode``: who
    may connect), import ``modules`` (with no thread left: a process that forks must hold no
    threads but its own), then serve ``make(listener)``. It listens before the imports: a
    request sent while it warms up waits for it, rather than finding no socket."""
    if os.geteuid() != 0:
        raise SystemExit(f"{name}: runs as root (it starts each person's processes)")
    # Ends with the hub, however the hub ends (a fork does not inherit this).
    hub = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != hub:
        return 1
    started = time.perf_counter()
    listener = listen(path, mode)
    preload(modules)
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise SystemExit(f"{name}: {threads} threads after the imports; cannot fork")
    import gc

    # Pages of what exists now stay shared with every child: the collector must not touch them.
    gc.collect()
    gc.freeze()
    zygote = make(listener)
    zygote.log(f"ready in {time.perf_counter() - started:.1f} s on {path}")
    try:
        zygote.serve()
    except KeyboardInterrupt:  # JupyterHub stops its services with SIGINT
        pass
    return 0


def socket_request(path: str, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Send ``message`` with our own stdout and stderr (the child writes where a process we
    started would); the answer. OSError or ValueError when there is none."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as connection:
        connection.settimeout(timeout)
        connection.connect(path)
        socket.send_fds(connection, [json.dumps(message).encode()], [1, 2])
        answer = json.loads(connection.recv(4096) or b"{}")
    if not isinstance(answer, dict):
        raise ValueError("not an answer")
    return answer
