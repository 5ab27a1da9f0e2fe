"""A student's notebook that goes after the grader's secrets and the network.

`careerlab autograde` grades one small class (an honest, correct submission and
one hostile one) twice: as root, with secrets in the grader's environment, and
as an unprivileged account (`nobody`) holding the same secrets, as a course
account on a school's hub would. The hostile cell tries every way we know to
read a secret (/proc of the grader and the warm process, its own initial
environment, every process's command line, /etc/shadow, home folders) and to
send anything out (UDP, TCP, pathname and abstract Unix sockets the test
listens on, netlink, raw and packet sockets). It prints whatever it gets, so a
leak lands in the autograded notebook, where the test looks for it.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from careerlab.autograde import sandbox
from careerlab.testing.classroom import build_kinds, enroll
from tests.conftest import BIN, course_env, make_course

ASSIGNMENT = "first-paycheck"  # the short sample: one notebook
SECRETS = {
    "JUPYTERHUB_API_TOKEN": "hubt0ken-4f1c9e",
    "AWS_SECRET_ACCESS_KEY": "awss3cret-77d2ab",
}
DB_SECRET = "dbs3cret-91e0"  # in the gradebook's file name, so in CAREERLAB_DB_URL
NOBODY = pwd.getpwnam("nobody")

HOSTILE = r"""
import glob, os, socket
def attempt(name, action):
    try:
        got = action()
        print("OPEN", name, repr(got)[:4000])
    except Exception as error:
        print("BLOCKED", name, type(error).__name__)
def read(path):
    with open(path, "rb") as handle:
        return handle.read()
me = os.getpid()
attempt("parent-environ", lambda: read(f"/proc/{os.getppid()}/environ"))
attempt("warm-environ", lambda: read(f"/proc/{os.environ['JPY_PARENT_PID']}/environ"))
def grader():
    return read(f"/proc/{read(f'/proc/{os.getppid()}/stat').split()[3].decode()}/environ")
attempt("grader-environ", grader)
attempt("pid1-cmdline", lambda: read("/proc/1/cmdline"))
attempt("proc-listing", lambda: os.listdir("/proc"))
def every_process():
    got = {}
    for pid in range(1, os.getppid() + 500):
        for what in ("environ", "cmdline"):
            if pid != me:
                try:
                    got[(pid, what)] = read(f"/proc/{pid}/{what}")
                except OSError:
                    pass
    if got:
        return got
    raise PermissionError("nothing readable")
attempt("every-proc", every_process)
readable = os.access("/proc/self/environ", os.R_OK)
print("SELF-ENVIRON", repr(read("/proc/self/environ")) if readable else "unreadable")
print("OS-ENVIRON", dict(os.environ))
attempt("etc-shadow", lambda: read("/etc/shadow"))
attempt("root-home", lambda: os.listdir("/root"))
attempt("homes", lambda: [os.listdir(h) for h in glob.glob("/home/*")] or os.listdir("/home"))
def send_udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"LEAK over udp", ("127.0.0.1", UDP_PORT))
attempt("udp", send_udp)
def send_tcp():
    socket.create_connection(("127.0.0.1", TCP_PORT), timeout=2).sendall(b"LEAK")
attempt("tcp", send_tcp)
def unix(address):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(address)
    s.sendall(b"LEAK over unix")
attempt("unix-path", lambda: unix(UNIX_PATH))
attempt("unix-abstract", lambda: unix(ABSTRACT))
attempt("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
attempt("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
attempt("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
attempt("socketpair-then-udp", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
"""
MUST_BLOCK = [
    "parent-environ",
    "warm-environ",
    "grader-environ",
    "pid1-cmdline",
    "proc-listing",
    "every-proc",
    "etc-shadow",
    "root-home",
    "homes",
    "udp",
    "tcp",
    "unix-path",
    "unix-abstract",
    "netlink",
    "raw",
    "packet",
    "socketpair-then-udp",
]


@pytest.fixture(scope="module")
def class_folder() -> Iterator[Path]:
    """One course with the assignment generated and a correct submission, in a
    folder every account may pass through (pytest's own tmp folder is root's only)."""
    base = Path(tempfile.mkdtemp(prefix="careerlab-sandbox-test-"))
    base.chmod(0o755)
    root = make_course(base / "course")
    env = {"CAREERLAB_DB_URL": f"sqlite:///{root / f'gradebook-{DB_SECRET}.db'}"}
    _run(root, env, "nbgrader", "generate_assignment", ASSIGNMENT, "--log-level=ERROR")
    source = root / "workbooks" / ASSIGNMENT
    kinds = build_kinds(root / "release" / ASSIGNMENT, source, base / "kinds")
    enroll(kinds, root / "submitted", ASSIGNMENT, {"correct": "correct"})
    yield root
    shutil.rmtree(base, ignore_errors=True)


def _run(
    root: Path, extra: dict[str, str], *args: str, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**course_env(root), **extra}
    env["CAREERLAB_DB_URL"] = f"sqlite:///{root / f'gradebook-{DB_SECRET}.db'}"
    result = subprocess.run(
        [*(prefix or []), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


class Listeners:
    """Every address the hostile cell aims at, listened on by the test."""

    def __init__(self, folder: Path) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.tcp = socket.create_server(("127.0.0.1", 0))
        # A folder anyone may write to: only the sandbox stands in the way.
        folder.mkdir(mode=0o777)
        folder.chmod(0o777)
        self.path = str(folder / "listen.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.path)
        os.chmod(self.path, 0o777)
        self.unix.listen()
        self.abstract_name = f"\0careerlab-sandbox-test-{os.getpid()}-{id(self)}"
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind(self.abstract_name)
        self.abstract.listen()
        for s in (self.udp, self.tcp, self.unix, self.abstract):
            s.setblocking(False)

    def code(self) -> str:
        return (
            f"UDP_PORT = {self.udp.getsockname()[1]}\nTCP_PORT = {self.tcp.getsockname()[1]}\n"
            f"UNIX_PATH = {self.path!r}\nABSTRACT = {self.abstract_name!r}\n" + HOSTILE
        )

    def received(self) -> list[str]:
        got = []
        try:
            got.append(f"udp: {self.udp.recv(4096)!r}")
        except BlockingIOError:
            pass
        for name, s in (("tcp", self.tcp), ("unix", self.unix), ("abstract", self.abstract)):
            try:
                s.accept()
                got.append(f"{name}: a connection")
            except BlockingIOError:
                pass
        return got

    def close(self) -> None:
        for s in (self.udp, self.tcp, self.unix, self.abstract):
            s.close()


def grade_hostile_class(class_folder: Path, name: str, as_nobody: bool) -> dict:
    """A copy of the class with the hostile student, graded; what came out."""
    root = class_folder.parent / name
    shutil.copytree(class_folder, root, symlinks=True)
    listeners = Listeners(class_folder.parent / f"{name}-sockets")
    hostile = root / "submitted" / "hostile" / ASSIGNMENT
    shutil.copytree(root / "release" / ASSIGNMENT, hostile)
    (notebook_path,) = hostile.glob("*.ipynb")
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(listeners.code()))
    nbformat.write(notebook, notebook_path)
    report = root / "sandbox-report"  # where the grader may write, whoever it runs as
    args = ["careerlab", "autograde", ASSIGNMENT, "--quiet", "--report", str(report)]
    env = dict(SECRETS)
    prefix: list[str] = []
    if as_nobody:
        subprocess.run(["chown", "-R", f"{NOBODY.pw_uid}:{NOBODY.pw_gid}", str(root)], check=True)
        env["HOME"] = str(root)  # nobody's own is /nonexistent
        prefix = [sys.executable, "-c", AS_NOBODY, str(NOBODY.pw_uid), str(NOBODY.pw_gid)]
        args[0] = str(BIN / "careerlab")
    try:
        _run(root, env, *args, prefix=prefix)
        autograded = root / "autograded" / "hostile" / ASSIGNMENT
        text = "\n".join(
            p.read_text(errors="replace") for p in autograded.rglob("*") if p.is_file()
        )
        (graded_notebook,) = autograded.glob("*.ipynb")
        lines = "".join(
            o.get("text", "")
            for c in nbformat.read(graded_notebook, as_version=4).cells
            if c.cell_type == "code"
            for o in c.outputs
        ).splitlines()
        return {
            "text": text,
            "lines": lines,
            "received": listeners.received(),
            "report": json.loads(report.with_name(report.name + ".json").read_text()),
        }
    finally:
        listeners.close()


# The test's way to run the grader as nobody on a machine whose Python (pyenv under
# /root) or checkout (a clone in a 0700 mktemp folder) is where only root may pass: the
# same private view of the file system the sandbox gives its children, then nobody for
# good, then the grader.
AS_NOBODY = """
import os, sys
from pathlib import Path
import careerlab
from careerlab.autograde import sandbox
uid, gid = int(sys.argv[1]), int(sys.argv[2])
package = str(Path(careerlab.__file__).resolve().parents[1])  # an editable install's folder
sandbox.expose([sys.base_prefix, sys.prefix, package], uid, gid)
sandbox.become(uid, gid)
os.execv(sys.argv[3], sys.argv[3:])
"""


def check_nothing_got_out(graded: dict) -> None:
    lines, text = graded["lines"], graded["text"]
    assert any(line.startswith("OS-ENVIRON") for line in lines), lines  # the cell ran
    for name in MUST_BLOCK:
        assert any(line.startswith(f"BLOCKED {name} ") for line in lines), (name, lines)
    assert not [line for line in lines if line.startswith("OPEN")], lines
    for secret in [*SECRETS.values(), DB_SECRET]:
        assert secret not in text
    assert graded["received"] == []


def sandbox_of(graded: dict) -> dict[str, str]:
    return {s["student"]: s for s in graded["report"]["submissions"]}


def autograded_points(class_folder: Path) -> float:
    """What the computer can give: the autograded cells' points (the rubric's are a
    teacher's, so a correct submission's score before grading by hand is this)."""
    nb = nbformat.read(class_folder / "workbooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    meta = [cell.metadata.get("nbgrader", {}) for cell in nb.cells]
    return sum(m.get("points", 0) for m in meta if m.get("grade") and not m.get("solution"))


def test_as_root_nothing_secret_is_readable_and_nothing_gets_out(class_folder):
    graded = grade_hostile_class(class_folder, "as-root", as_nobody=False)
    check_nothing_got_out(graded)
    assert "SELF-ENVIRON unreadable" in graded["lines"]  # its own, now nobody's
    rows = sandbox_of(graded)
    abi = sandbox.landlock_abi()
    expected = f"landlock-v{abi}, proc=own, seccomp-sockets, uid={NOBODY.pw_uid}"
    assert {row["sandbox"] for row in rows.values()} == {expected}, rows
    # The honest work still runs (pandas, the widgets' answers file) and scores in full.
    assert rows["correct"]["status"] == "graded"
    assert rows["correct"]["score"] == autograded_points(class_folder) > 0


def test_as_a_normal_account_nothing_secret_is_readable_and_nothing_gets_out(class_folder):
    graded = grade_hostile_class(class_folder, "as-nobody", as_nobody=True)
    check_nothing_got_out(graded)
    # Same account as the grader: its own environment is readable, and clean.
    (self_environ,) = [line for line in graded["lines"] if line.startswith("SELF-ENVIRON")]
    assert "HOME=" in self_environ and "PATH=" in self_environ
    rows = sandbox_of(graded)
    abi = sandbox.landlock_abi()
    expected = (
        f"landlock-v{abi}, proc=own, seccomp-sockets, "
        f"uid={NOBODY.pw_uid} (not dropped: the grader is not root)"
    )
    assert {row["sandbox"] for row in rows.values()} == {expected}, rows
    assert rows["correct"]["score"] == autograded_points(class_folder) > 0


def test_the_socket_filter_refuses_with_an_error_and_kills_nothing():
    """The filter on its own, in a throwaway process: EPERM for every family, and the
    process (and its socketpair, which the child uses to talk to the grader) lives on."""
    code = (
        "import socket, errno\n"
        "from careerlab.autograde import sandbox\n"
        "a, b = socket.socketpair()\n"
        "sandbox.refuse_sockets()\n"
        "for family, kind in [(socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_UNIX, "
        "socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_STREAM)]:\n"
        "    try:\n"
        "        socket.socket(family, kind)\n"
        "        print('OPENED')\n"
        "    except PermissionError as error:\n"
        "        assert error.errno == errno.EPERM\n"
        "a.sendall(b'still talking'); print(b.recv(100).decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["still", "talking"]
