"""The warm process: Python with the notebooks' libraries imported, forked once per notebook.

Starting a kernel and importing pandas and matplotlib is most of what
nbgrader's autograde spends per notebook. This process does it once: it is a
fresh interpreter (started with ``python -P -m careerlab.autograde.warm``, so it
inherits nothing of the grader: no gradebook, no submission), imports the
libraries, creates the IPython shell, and then only forks. Each fork is a new
process that holds the pristine state and nothing of any other student.

The grader talks to it over one Unix socket: it sends one end of a fresh socket
pair with each fork request (``SCM_RIGHTS``), and the warm process answers with
the child's pid and, later, with its exit status. Job data never passes through
the warm process: the grader talks to the child directly over that socket.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from careerlab.autograde import sandbox

# Imported by notebooks everywhere, and free of side effects a notebook could
# notice. A course adds its own (CareerLab's jupyter_config.py adds careerlab's):
# a preloaded module that changes global state on import must be one every
# notebook of the course imports anyway.
DEFAULT_PRELOAD = [
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.font_manager",
    "IPython.display",
    "ipywidgets",
]
_MAX_CONTROL = 65536
_HOME_PREFIX = "careerlab-warm-home-"


class WarmProcessError(RuntimeError):
    """The warm process could not start or stopped answering."""


# --- In the warm process ---------------------------------------------------------------
def _prepare_environment() -> None:
    # What ipykernel does before user code runs: the inline backend unless
    # MPLBACKEND is already set.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # Math libraries must not start thread pools here: a process that forks
    # must hold no threads but the one doing the forking.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _preload(modules: list[str]) -> tuple[list[str], dict[str, str]]:
    import importlib

    loaded, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as error:  # a missing library only costs its import later
            failed[name] = f"{type(error).__name__}: {error}"
    return loaded, failed


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def main(argv: list[str]) -> int:
    settings = json.loads(argv[0])
    control = socket.socket(fileno=settings["fd"])
    sandbox.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _prepare_environment()
    started = time.perf_counter()
    from careerlab.autograde.shell import create_shell

    shell = create_shell(settings.get("traceback_mode", "Plain"))
    # Warnings raised by imports here are not the notebook's; leaving the block
    # also resets every module's "already shown" registry, as in a new kernel.
    with warnings.catch_warnings():
        loaded, failed = _preload(settings.get("preload", DEFAULT_PRELOAD))
    from careerlab.autograde.shell import install_output_widget

    install_output_widget(shell)
    # IPython and matplotlib have set themselves up in HOME; nothing needs it now,
    # and the folder goes even if the grader is killed before it can remove it.
    home = settings.get("home")
    if home and Path(home).name.startswith(_HOME_PREFIX):
        shutil.rmtree(home, ignore_errors=True)
    # The student's code sees this process's argv: nothing of the grader's settings.
    sys.argv = ["careerlab-grading"]
    from careerlab.autograde import child

    readable = sandbox.readable_paths(Path(p) for p in settings.get("protected", []))
    confinement = sandbox.plan(readable, settings.get("account", ""))
    # Objects that exist now are shared by every child; freezing them keeps the
    # garbage collector from touching (and so copying) their memory pages.
    gc.collect()
    gc.freeze()
    _send(
        control,
        {
            "ready": {
                "pid": os.getpid(),
                "loaded": loaded,
                "failed": failed,
                "landlock": confinement.landlock,
                "threads": _threads(),
                "seconds": round(time.perf_counter() - started, 3),
            }
        },
    )
    children: set[int] = set()
    # A child's end wakes the loop at once, so its status reaches the grader
    # without delay.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    try:
        while True:
            ready, _, _ = select.select([control, wake_read], [], [], 5.0)
            if wake_read in ready:
                os.read(wake_read, 4096)
            if control in ready:
                try:
                    message, fds, _, _ = socket.recv_fds(control, _MAX_CONTROL, 1)
                except OSError:
                    break
                if not message:
                    break
                request = json.loads(message)
                if not fds:
                    continue
                pid = os.fork()
                if pid == 0:  # the child: it never returns to this loop
                    code = 70
                    try:
                        control.close()
                        signal.set_wakeup_fd(-1)
                        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                        os.close(wake_read)
                        os.close(wake_write)
                        os.setsid()
                        sandbox.die_with_parent()
                        signal.signal(signal.SIGINT, signal.SIG_DFL)
                        code = child.serve(socket.socket(fileno=fds[0]), shell, confinement)
                    finally:
                        os._exit(code)
                os.close(fds[0])
                children.add(pid)
                _send(control, {"forked": request["token"], "pid": pid})
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                children.discard(pid)
                _send(control, {"exit": pid, "status": status})
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
    return 0


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    control.sendall(json.dumps(message).encode())


# --- In the grader ---------------------------------------------------------------------
class WarmProcess:
    """The grader's handle on one warm process (thread-safe)."""

    def __init__(
        self,
        preload: list[str] | None = None,
        protected: list[str] | None = None,
        traceback_mode: str = "Plain",
        start_timeout: float = 180.0,
        account: str = "nobody",
    ) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        settings = {
            "fd": theirs.fileno(),
            "preload": DEFAULT_PRELOAD if preload is None else list(preload),
            "protected": [str(Path(p).resolve()) for p in protected or []],
            "traceback_mode": traceback_mode,
            "account": account,
        }
        # HOME is an empty folder of its own: IPython and matplotlib find a
        # writable home, and nothing of the grader's is in it.
        self._home = tempfile.mkdtemp(prefix=_HOME_PREFIX)
        os.chmod(self._home, 0o755)
        settings["home"] = self._home
        # -P: the working folder is not put on sys.path; the neutral cwd keeps
        # the course out of anything relative. The environment is built from
        # nothing: every child's /proc/self/environ is this process's initial one.
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "careerlab.autograde.warm", json.dumps(settings)],
            pass_fds=[theirs.fileno()],
            cwd="/",
            env=sandbox.warm_environment(os.environ, self._home),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self._control = ours
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._forked: dict[int, int] = {}
        self._exits: dict[int, int] = {}
        self._released: set[int] = set()
        self._token = 0
        self._closed = False
        # It imports while the grader prepares the first submissions; fork()
        # waits for it to be ready.
        self._start_timeout = start_timeout
        self._info: dict[str, Any] | None = None
        self._reader = threading.Thread(target=self._read_loop, name="warm-reader", daemon=True)
        self._reader.start()

    @property
    def info(self) -> dict[str, Any]:
        """What the warm process reported when ready (what it loaded, Landlock's ABI)."""
        deadline = time.monotonic() + self._start_timeout
        with self._cond:
            while self._info is None:
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    raise WarmProcessError("The grader's warm process did not start.")
                self._cond.wait(remaining)
            return self._info

    @property
    def alive(self) -> bool:
        return not self._closed and self.process.poll() is None

    @property
    def landlock(self) -> int:
        return int(self.info.get("landlock", 0))

    def _read_loop(self) -> None:
        while True:
            try:
                data = self._control.recv(_MAX_CONTROL)
            except OSError:
                data = b""
            with self._cond:
                if not data:
                    self._closed = True
                    self._cond.notify_all()
                    return
                message = json.loads(data)
                if "ready" in message:
                    self._info = message["ready"]
                elif "forked" in message:
                    self._forked[message["forked"]] = message["pid"]
                elif "exit" in message:
                    if message["exit"] in self._released:
                        self._released.discard(message["exit"])
                    else:
                        self._exits[message["exit"]] = message["status"]
                self._cond.notify_all()

    def fork(self, timeout: float = 30.0) -> tuple[socket.socket, int]:
        """A new child process; returns the socket to talk to it and its pid."""
        self.info  # noqa: B018 -- waits until the warm process is ready
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                self._token += 1
                token = self._token
                socket.send_fds(
                    self._control, [json.dumps({"token": token}).encode()], [theirs.fileno()]
                )
        except OSError as error:
            ours.close()
            raise WarmProcessError("The grader's warm process has stopped.") from error
        finally:
            theirs.close()
        deadline = time.monotonic() + timeout
        with self._cond:
            while token not in self._forked:
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    ours.close()
                    raise WarmProcessError("The grader's warm process did not fork.")
                self._cond.wait(remaining)
            return ours, self._forked.pop(token)

    def exit_status(self, pid: int, timeout: float = 10.0) -> int | None:
        """The child's wait status once it has ended (None if not within timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while pid not in self._exits:
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._exits.pop(pid)

    def release(self, pid: int) -> None:
        """Nobody will ask for this child's exit status."""
        with self._cond:
            if self._exits.pop(pid, None) is None:
                self._released.add(pid)

    def close(self) -> None:
        # shutdown, not just close: the reader thread is blocked in recv on it.
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._control.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> WarmProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
