"""Students' kernels forked from the warm process (careerlab.hub.warm_kernels), on the shared
hub: each runs as its student and nothing more, keeps what a kernel started by the server has
(restart, interrupt, a dead kernel restarted, the notebook's folder, the server's limits), and
the warm process serves only well-formed requests from people's accounts, for their own
folders, and survives everything else."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from careerlab.hub import warm_kernels

from .classroom_hub import ANA, BEN, COURSE
from .test_isolation import _TRY_READ, unix_home
from .warm_processes import children, warm_process

# Run in a student's kernel: who it is, what it holds, who started it.
_IDENTITY = r"""
import json, os
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
parent = open(f"/proc/{os.getppid()}/cmdline", "rb").read().replace(b"\0", b" ").decode()
print(json.dumps({
    "ids": os.getresuid() + os.getresgid(),
    "groups": sorted(os.getgroups()),
    "caps": {k: status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")},
    "env": sorted(os.environ),
    "proc_environ": open("/proc/self/environ", "rb").read().decode().split("\0"),
    "proc_owner": os.stat(f"/proc/{os.getpid()}").st_uid,
    "parent": parent,
    "pid": os.getpid(),
}))
"""

# Run in a student's kernel: ask the warm process for kernels directly, as a hostile student
# would; print what came back. {cwds} are the folders asked for; the connection file is hers.
# (The kernels it gets write to this kernel's stdout, as a server's kernels write to its log.)
_ASK = r"""
import json, os, resource, subprocess, sys
from jupyter_client.connect import write_connection_file
from careerlab.hub import warm_kernels
folder = os.path.expanduser("~/.z1-warm")
os.makedirs(folder, exist_ok=True)
answers = {{}}
# "TMP": a folder of their own, but outside their home.
own_tmp = os.path.join("/tmp", f"z1-warm-{{os.getuid()}}")
os.makedirs(own_tmp, exist_ok=True)
for number, key in enumerate({cwds!r}):
    cwd = own_tmp if key == "TMP" else key
    cf, _ = write_connection_file(os.path.join(folder, f"k-{{number}}.json"))
    try:
        pid = warm_kernels.request_kernel({socket!r}, [sys.executable, "-m",
            "ipykernel_launcher", "-f", cf], {{}}, cwd)
        answers.setdefault(key, []).append({{"pid": pid}})
    except warm_kernels.Unavailable as why:
        answers.setdefault(key, []).append({{"error": str(why)}})
os.rmdir(own_tmp)
# Whether this kernel is a child of the warm process (and counts as one of the student's).
answers["forked"] = "warm_kernels" in open(f"/proc/{{os.getppid()}}/cmdline").read()
print("ANSWER", json.dumps(answers))
"""

# Run in a student's kernel: a server process with a lower limit than usual asks for a
# kernel; print the new kernel's limit, then stop it.
_LIMITS = r"""
import json, os, resource, signal, subprocess, sys, time
from jupyter_client.connect import write_connection_file
folder = os.path.expanduser("~/.z1-warm")
os.makedirs(folder, exist_ok=True)
cf, _ = write_connection_file(os.path.join(folder, "limits.json"))
answer = os.path.join(folder, "pid")
ask = ("import sys, resource; from careerlab.hub import warm_kernels; "
       "resource.setrlimit(resource.RLIMIT_NOFILE, (321, 321)); "
       f"pid = warm_kernels.request_kernel({socket!r}, "
       f"[sys.executable, '-m', 'ipykernel_launcher', '-f', {{cf!r}}], {{{{}}}}, '.'); "
       f"open({{answer!r}}, 'w').write(str(pid))")
subprocess.run([sys.executable, "-c", ask], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL, check=True)
pid = int(open(answer).read())
limits = [l for l in open(f"/proc/{{pid}}/limits") if l.startswith("Max open files")][0]
cgroups = open(f"/proc/{{pid}}/cgroup").read() == open("/proc/self/cgroup").read()
os.kill(pid, signal.SIGKILL)
print(json.dumps({{"pid": pid, "limits": limits.split()[3:5], "same_cgroup": cgroups}}))
"""


def stop(pid: int) -> None:
    """Kill a kernel a test asked for (it may have ended already)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def answer_of(printed: str) -> dict:
    return json.loads(next(line for line in printed.splitlines() if line.startswith("ANSWER "))[7:])


def account(hub, name: str) -> pwd.struct_passwd:
    names = json.loads((hub.root / "hub" / "accounts.json").read_text())
    return pwd.getpwnam(names[name])


def zygote_pid(hub) -> int:
    return warm_process(warm_kernels.socket_path(hub.root))


@pytest.fixture(scope="module")
def students(hub):
    ana, ben = hub.person(ANA), hub.person(BEN)
    for student in (ana, ben):
        student.start_server()
    return ana, ben


def test_a_kernel_is_forked_as_the_student_with_nothing_of_root_or_the_hub(hub, students):
    ana, _ = students
    seen = json.loads(ana.run(ana.server, _IDENTITY))
    hers = account(hub, ANA)
    assert "careerlab.hub.warm_kernels" in seen["parent"], seen["parent"]
    assert seen["ids"] == [hers.pw_uid] * 3 + [hers.pw_gid] * 3
    assert seen["groups"] == sorted(set(os.getgrouplist(hers.pw_name, hers.pw_gid)))
    assert set(seen["caps"].values()) == {"0000000000000000"}, seen["caps"]
    # Dumpable again after the uid change: her kernel's /proc files are hers.
    assert seen["proc_owner"] == hers.pw_uid
    # Only what the kernel is given; nothing of the warm process's or the hub's.
    allowed = {"HOME", "USER", "LOGNAME", "SHELL", "PATH", "LANG", "MPLBACKEND"}
    ipykernel_sets = {"CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "GIT_PAGER", "PAGER", "TERM"}
    extra = {n for n in seen["env"] if not n.startswith(("JPY_", "JUPYTER_"))}
    assert extra <= allowed | ipykernel_sets | {"PYDEVD_USE_FRAME_EVAL"}, extra
    started_with = [v for v in seen["proc_environ"] if v]
    assert not [v for v in started_with if v.startswith(("JUPYTERHUB", "CAREERLAB"))], started_with


def test_a_forked_kernel_cannot_read_a_classmate_or_the_hubs_secrets(hub, students):
    ana, _ = students
    ben_home = unix_home(hub, BEN)
    theirs = [
        ben_home,
        str(hub.root / "courses"),
        str(hub.root / "exchange"),
        str(hub.root / "hub" / "jupyterhub.sqlite"),
        str(hub.root / "hub" / "jupyterhub_cookie_secret"),
        str(hub.root / "hub" / "accounts.json"),
    ]
    code = "import os; assert 'warm_kernels' in open(f'/proc/{os.getppid()}/cmdline').read()\n"
    seen = json.loads(ana.run(ana.server, code + _TRY_READ.format(paths=json.dumps(theirs))))
    assert {p: s for p, s in seen.items() if p != str(hub.root / "courses")} == dict.fromkeys(
        theirs[:1] + theirs[2:], "refused"
    )


def test_a_student_gets_a_kernel_only_in_their_own_home(hub, students):
    ana, ben = students
    socket = str(warm_kernels.socket_path(hub.root))
    ana_home, ben_home = unix_home(hub, ANA), unix_home(hub, BEN)
    asked = [ana_home, f"{ana_home}/{COURSE}", "/tmp", "TMP", str(hub.root), ben_home]
    answers = answer_of(ben.run(ben.server, _ASK.format(cwds=asked, socket=socket)))
    for refused in asked[:-1]:
        assert "error" in answers[refused][0], (refused, answers[refused])
    assert "pid" in answers[ben_home][0], answers[ben_home]  # his own home: served
    stop(answers[ben_home][0]["pid"])


def test_only_peoples_accounts_get_kernels(hub):
    socket = str(warm_kernels.socket_path(hub.root))
    ask = (
        "import sys; from careerlab.hub import warm_kernels as w\n"
        "try:\n"
        f"    w.request_kernel({socket!r}, [sys.executable, '-m', 'ipykernel_launcher', '-f',"
        " '/tmp/nothing.json'], {}, '/tmp'); print('served')\n"
        "except w.Unavailable as why:\n    print(why)"
    )
    venv_python = _hub_python(hub)
    as_root = subprocess.run([venv_python, "-c", ask], capture_output=True, text=True)
    assert "root gets no kernel" in as_root.stdout, as_root.stdout + as_root.stderr
    for stranger in ("nobody", "cl-exchange"):
        run = ["runuser", "-u", stranger, "--", venv_python, "-c", ask]
        done = subprocess.run(run, capture_output=True, text=True, cwd="/")
        assert "is not a CareerLab student's or teacher's account" in done.stdout, (
            stranger,
            done.stdout + done.stderr,
        )


def _hub_python(hub) -> str:
    """The hub's Python (the warm process runs it)."""
    command = (Path("/proc") / str(zygote_pid(hub)) / "cmdline").read_bytes().split(b"\0")
    return next(part.decode() for part in command if part.endswith(b"/bin/python"))


_GARBAGE = r"""
import json, os, socket
path = {socket!r}
cf = os.path.expanduser("~/.z1-warm/none.json")
good = {{"connection_file": cf, "cwd": os.path.expanduser("~"), "env": {{}}}}
messages = [
    b"", b"not json", b"[1, 2]", b"\xff\xfe", b"{{" * 5000, b"x" * 70000,
    json.dumps({{**good, "uid": 0}}).encode(),
    json.dumps({{**good, "env": {{"LD_PRELOAD": "/tmp/x.so"}}}}).encode(),
    json.dumps({{**good, "env": {{"JPY_PARENT_PID": "1"}}}}).encode(),
    json.dumps({{**good, "cwd": "relative"}}).encode(),
    json.dumps({{**good, "env": {{"JPY_X": 5}}}}).encode(),
]
def forks():
    zygote = os.getppid()
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1]) == zygote:
                found.add(int(pid))
        except OSError:
            pass
    return found
before = forks()
answers = []
for message in messages:
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(10)
        s.connect(path)
        try:
            s.send(message)
            answers.append(s.recv(4096).decode())
        except OSError as error:
            answers.append(f"{{type(error).__name__}}")
# one file descriptor instead of two; a connection that says nothing; the wrong socket type
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
    s.settimeout(10); s.connect(path)
    socket.send_fds(s, [json.dumps(good).encode()], [1])
    answers.append(s.recv(4096).decode())
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
    s.settimeout(10); s.connect(path)
    answers.append(s.recv(4096).decode() or "closed")
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10); s.connect(path); s.sendall(b"{{}}\n")
        answers.append(s.recv(4096).decode())
except OSError as error:
    answers.append(type(error).__name__)
print(json.dumps({{"answers": answers, "forked": sorted(forks() - before)}}))
"""


def test_garbage_is_refused_without_forking_and_the_warm_process_lives_on(hub, students):
    ana, _ = students
    zygote = zygote_pid(hub)
    socket = str(warm_kernels.socket_path(hub.root))
    seen = json.loads(ana.run(ana.server, _GARBAGE.format(socket=socket)))
    answers = seen["answers"]
    assert len(answers) == 14
    for answer in answers[:12]:
        assert "error" in json.loads(answer), answer
    assert answers[12] == "closed"  # said nothing: dropped after a while
    assert "{" not in answers[13]  # a stream socket cannot even connect
    # Nothing was forked for any of them, the warm process lives on, and it still serves.
    assert seen["forked"] == []
    assert zygote_pid(hub) == zygote
    assert "careerlab.hub.warm_kernels" in json.loads(ana.run(ana.server, _IDENTITY))["parent"]


def test_a_kernel_takes_its_servers_limits_and_is_reaped(hub, students):
    ana, _ = students
    socket = str(warm_kernels.socket_path(hub.root))
    seen = json.loads(ana.run(ana.server, _LIMITS.format(socket=socket)))
    assert seen["limits"] == ["321", "321"], seen
    assert seen["same_cgroup"], seen
    zygote = zygote_pid(hub)
    deadline = time.monotonic() + 10
    while seen["pid"] in children(zygote) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert seen["pid"] not in children(zygote), "the killed kernel was left a zombie"
    assert "Z" not in children(zygote).values()


def test_a_student_holds_at_most_so_many_kernels(hub, students):
    _, ben = students
    socket = str(warm_kernels.socket_path(hub.root))
    home = unix_home(hub, BEN)
    asked = [home] * (warm_kernels.MAX_KERNELS_PER_ACCOUNT + 1)
    seen = answer_of(ben.run(ben.server, _ASK.format(cwds=asked, socket=socket)))
    answers = seen[home]
    pids = [a["pid"] for a in answers if "pid" in a]
    for pid in pids:
        stop(pid)
    # His own kernel running this code is one of them when it was forked too (on a busy
    # machine the server may have started it the usual way: then it is not).
    held = len(pids) + (1 if seen["forked"] else 0)
    assert held <= warm_kernels.MAX_KERNELS_PER_ACCOUNT, (seen["forked"], answers)
    assert "too many kernels" in answers[-1]["error"]


async def _execute(person, kernel: str, code: str, timeout: float = 60) -> str:
    return await person._execute(person.server, kernel, code, timeout)


def test_the_notebooks_kernel_restarts_interrupts_and_comes_back(hub, students):
    ana, _ = students
    folder = "z1-warm"
    ana.call("PUT", f"{ana.server}api/contents/{folder}", json={"type": "directory"})
    made = ana.call(
        "POST",
        f"{ana.server}api/sessions",
        json={"path": f"{folder}/nb.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert made.status_code == 201, made.text[:300]
    session, kernel = made.json()["id"], made.json()["kernel"]["id"]
    who = "import os, json; print(json.dumps([os.getpid(), os.getcwd(), open(f'/proc/{os.getppid()}/cmdline').read()]))"  # noqa: E501
    try:
        pid, cwd, parent = json.loads(asyncio.run(_execute(ana, kernel, who)))
        # In the notebook's folder: the answers file goes beside the notebook.
        assert cwd == f"{unix_home(hub, ANA)}/{folder}" and "warm_kernels" in parent
        # Interrupt: SIGINT to the forked kernel stops a long cell.
        url = f"{ana.server}api/kernels/{kernel}"

        async def interrupted() -> str:
            running = asyncio.create_task(_execute(ana, kernel, "import time; time.sleep(60)"))
            await asyncio.sleep(2)
            await asyncio.to_thread(ana.call, "POST", f"{url}/interrupt")
            try:
                return await asyncio.wait_for(running, 20)
            except Exception as error:  # noqa: BLE001 -- the KernelError is what we want
                return str(error)

        assert "KeyboardInterrupt" in asyncio.run(interrupted())
        # Restart: a new kernel, forked again.
        assert ana.call("POST", f"{url}/restart").status_code == 200
        restarted, _, parent = json.loads(asyncio.run(_execute(ana, kernel, who)))
        assert restarted != pid and "warm_kernels" in parent
        # A kernel that dies is started again by the server, and it is forked again.
        os.kill(restarted, signal.SIGKILL)
        deadline, again = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            time.sleep(1)
            try:
                again, _, parent = json.loads(asyncio.run(_execute(ana, kernel, who, 10)))
                break
            except Exception:  # noqa: BLE001 -- restarting
                continue
        assert again not in (None, restarted) and "warm_kernels" in parent
    finally:
        ana.call("DELETE", f"{ana.server}api/sessions/{quote(session)}")


def test_without_the_warm_process_a_kernel_starts_the_usual_way(tmp_path, caplog):
    """The hub's kernelspec with no warm process behind its socket: a kernel all the same."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    folder = tmp_path / "kernels" / "python3"
    folder.mkdir(parents=True)
    spec = warm_kernels.kernelspec(Path(sys.executable), tmp_path / "no-such.sock")
    (folder / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    manager.start_kernel()
    try:
        assert isinstance(manager.provisioner, warm_kernels.WarmKernelProvisioner)
        assert isinstance(manager.provisioner.process, subprocess.Popen)
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("1 + 1", timeout=60)
        assert reply["content"]["status"] == "ok"
        client.stop_channels()
    finally:
        manager.shutdown_kernel(now=True)
    assert "No warm kernel" in caplog.text and "no-such.sock" in caplog.text
