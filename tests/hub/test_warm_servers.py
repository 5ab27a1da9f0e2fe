"""Students' Jupyter servers forked from the warm process (careerlab.hub.warm_servers), on the
shared hub: each runs as its person and nothing more, where and as a server the hub started
would (limits, cgroup), works, and the hub stops and starts it again; the warm process holds
one thread, serves only the hub, and only for a CareerLab person, in their own home."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from careerlab.hub import forking, warm_servers

from .classroom_hub import ANA, BEN, COURSE
from .test_warm_kernels import account, zygote_pid
from .warm_processes import children, warm_process


def warm_pid(hub) -> int:
    """The warm servers' process of this hub."""
    return warm_process(warm_servers.socket_path(hub.root))


def server_pid(hub, name: str) -> int:
    """The pid of ``name``'s running server: a child of the warm process, as their account."""
    uid = account(hub, name).pw_uid
    mine = [pid for pid in children(warm_pid(hub)) if os.stat(f"/proc/{pid}").st_uid == uid]
    assert len(mine) == 1, (name, mine)
    return mine[0]


def status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, v in (line.split(":", 1) for line in lines)}


def terminal_env(person) -> dict[str, str]:
    """The environment a terminal of the person's server sees (the server's own, inherited)."""
    made = person.call("POST", f"{person.server}api/terminals")
    assert made.status_code == 200, (made.status_code, made.text[:300])
    name = made.json()["name"]

    async def read() -> str:
        url = person.hub.replace("http", "ws", 1) + f"{person.server}terminals/websocket/{name}"
        request = HTTPRequest(url, headers={"Authorization": f"token {person.token}"})
        terminal = await websocket_connect(request)
        # The end mark is split in the command, so the echoed command does not match it.
        command = "echo; echo ST''ART; env -0 | base64 -w0; echo; echo E''ND\r"
        terminal.write_message(json.dumps(["stdin", command]))
        seen = ""
        while "\nEND" not in seen.replace("\r", ""):
            message = await asyncio.wait_for(terminal.read_message(), 30)
            assert message is not None, seen
            kind, *content = json.loads(message)
            if kind == "stdout":
                seen += content[0]
        terminal.close()
        return seen

    try:
        printed = asyncio.run(read()).replace("\r", "")
    finally:
        person.call("DELETE", f"{person.server}api/terminals/{name}")
    import base64

    encoded = printed.split("\nSTART\n", 1)[1].split("\n", 1)[0].strip()
    pairs = base64.b64decode(encoded).decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


@pytest.fixture(scope="module")
def ana(hub):
    person = hub.person(ANA)
    person.start_server()
    return person


def test_the_warm_processes_hold_one_thread(hub, ana):
    for pid in (warm_pid(hub), zygote_pid(hub)):
        assert os.listdir(f"/proc/{pid}/task") == [str(pid)], pid


def test_a_server_is_forked_as_its_person_with_nothing_of_root_or_the_hub(hub, ana):
    pid = server_pid(hub, ANA)
    hers = account(hub, ANA)
    seen = status(pid)
    assert seen["Uid"].split() == [str(hers.pw_uid)] * 4
    assert seen["Gid"].split() == [str(hers.pw_gid)] * 4
    assert sorted(map(int, seen["Groups"].split())) == sorted(
        set(os.getgrouplist(hers.pw_name, hers.pw_gid))
    )
    assert {seen[k] for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")} == {"0000000000000000"}
    assert os.stat(f"/proc/{pid}").st_uid == hers.pw_uid  # dumpable: its /proc is hers
    assert os.readlink(f"/proc/{pid}/cwd") == hers.pw_dir
    # Where a server the hub started would be: the hub's limits and cgroup.
    hub_pid = hub.process.pid
    assert Path(f"/proc/{pid}/limits").read_text() == Path(f"/proc/{hub_pid}/limits").read_text()
    assert Path(f"/proc/{pid}/cgroup").read_text() == Path(f"/proc/{hub_pid}/cgroup").read_text()
    # Its environment is the spawner's and hers, nothing of the warm process's or the hub's.
    env = terminal_env(ana)
    assert env["HOME"] == hers.pw_dir and env["USER"] == hers.pw_name, env
    assert env["JUPYTERHUB_USER"] == ANA
    shell = {"TERM", "PWD", "OLDPWD", "SHLVL", "_", "LOGNAME", "PS1", "COLUMNS", "LINES"}
    shell |= {"LS_COLORS", "PYXTERM_DIMENSIONS", "JUPYTER_SERVER_ROOT", "JUPYTER_SERVER_URL"}
    extra = {n for n in env if not warm_servers.allowed_variable(n)} - shell
    assert not extra, extra
    assert str(warm_servers.folder(hub.root)) not in json.dumps(env)
    # JupyterLab's own folders are hers too (LabApp computes them when imported, as root):
    # saving a workspace, as JupyterLab does when it opens, lands in her home.
    saved = ana.call(
        "PUT",
        f"{ana.server}lab/api/workspaces/warm-check",
        json={"data": {}, "metadata": {"id": "warm-check"}},
    )
    assert saved.status_code == 204, saved.text[:300]
    workspaces = Path(hers.pw_dir) / ".jupyter" / "lab" / "workspaces"
    assert [p.name for p in workspaces.glob("warm-check-*")], saved.text


def test_a_forked_server_works_and_the_hub_stops_and_starts_it_again(hub, ana):
    pid = server_pid(hub, ANA)
    logged_before = len(hub.log.read_text())
    assert ana.run(ana.server, "print(6 * 7)").strip() == "42"
    answer = ana.call("DELETE", f"hub/api/users/{quote(ANA)}/server")
    assert answer.status_code in (202, 204), answer.text
    deadline = time.monotonic() + 60
    while forking.start_time(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert forking.start_time(pid) is None, "the hub did not stop the forked server"
    assert pid not in children(warm_pid(hub))  # reaped: no zombie
    ana.start_server()
    again = server_pid(hub, ANA)
    assert again != pid
    assert ana.run(ana.server, "print('again')").strip() == "again"
    # No server on this hub so far started the usual way (the other hub tests ran on forked
    # ones), nor a kernel of this test (nbgrader's own kernels, with options, do).
    log = hub.log.read_text()
    for fallback, seen in (("No warm server", log), ("No warm kernel", log[logged_before:])):
        assert fallback not in seen, seen[seen.find(fallback) - 300 :][:800]


# --- hostile requests, sent to a warm process of our own (we are its parent: "the hub") ------
_HUB_ONLY = "only the hub starts servers"


def _python(hub) -> str:
    command = (Path("/proc") / str(warm_pid(hub)) / "cmdline").read_bytes().split(b"\0")
    return next(part.decode() for part in command if part.endswith(b"/bin/python"))


@pytest.fixture(scope="module")
def own_warm(hub, ana, tmp_path_factory):
    """A warm servers' process started by this test process, on the hub's accounts."""
    folder = tmp_path_factory.mktemp("warm-servers")
    socket_file = folder / "servers.sock"
    python = _python(hub)
    command = str(Path(python).parent / "jupyterhub-singleuser")
    process = subprocess.Popen(
        [
            "/usr/bin/env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"HOME={folder}",
            python,
            "-P",
            "-m",
            "careerlab.hub.warm_servers",
            f"--socket={socket_file}",
            f"--state={hub.root / 'hub'}",
            f"--command={command}",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not socket_file.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.1)
    yield str(socket_file), command
    process.send_signal(signal.SIGINT)
    process.wait(10)


def _ask(socket_file: str, message: dict) -> dict:
    return forking.socket_request(socket_file, message, timeout=30)


def test_only_the_hub_gets_a_server(hub, ana):
    """The hub's warm process: this test is root but not the hub; a student cannot connect."""
    hers = account(hub, ANA)
    message = {"account": hers.pw_name, "argv": [], "env": {}, "cwd": hers.pw_dir}
    socket_file = str(warm_servers.socket_path(hub.root))
    assert _ask(socket_file, message) == {"error": _HUB_ONLY}
    ask = f"from careerlab.hub import forking; forking.socket_request({socket_file!r}, {{}}, 5)"
    done = subprocess.run(
        ["runuser", "-u", hers.pw_name, "--", _python(hub), "-c", ask],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert "PermissionError" in done.stderr, done.stderr[-500:]


def test_a_server_only_for_a_person_in_their_own_home(hub, own_warm):
    socket_file, command = own_warm
    hers, his = account(hub, ANA), account(hub, BEN)
    course, exchange = pwd.getpwnam(f"cl-course-{COURSE}"), pwd.getpwnam("cl-exchange")
    outside = Path(f"/tmp/warm-servers-{hers.pw_uid}")  # hers, where she can go, not home
    outside.mkdir(mode=0o700, exist_ok=True)
    os.chown(outside, hers.pw_uid, hers.pw_gid)
    good = {"account": hers.pw_name, "argv": [command], "env": {}, "cwd": hers.pw_dir}
    refused = {
        "root": {**good, "account": "root", "cwd": "/root"},
        "unknown": {**good, "account": "no-such-account"},
        "not a person": {**good, "account": "nobody"},
        # In their own homes: the course's holds its gradebook.
        "a course": {**good, "account": course.pw_name, "cwd": course.pw_dir},
        "the exchange": {**good, "account": "cl-exchange", "cwd": exchange.pw_dir},
        "a classmate's home": {**good, "cwd": his.pw_dir},
        "outside the home": {**good, "cwd": "/tmp"},
        "her own folder outside her home": {**good, "cwd": str(outside)},
        "the hub's root": {**good, "cwd": str(hub.root)},
        "the homes' folder": {**good, "cwd": f"{hers.pw_dir}/.."},
        "relative": {**good, "cwd": "."},
        "another command": {**good, "argv": ["/bin/sh", "-c", "id"]},
        "not an option": {**good, "argv": [command, "x"]},
        "a hub variable": {**good, "env": {"PYTHONPATH": "/tmp"}},
        "LD_PRELOAD": {**good, "env": {"LD_PRELOAD": "/tmp/x.so"}},
        "read at import": {**good, "env": {"JUPYTERHUB_SINGLEUSER_APP": "notebook"}},
        "someone else's HOME": {**good, "env": {"HOME": his.pw_dir}},
        "an extra key": {**good, "uid": 0},
    }
    try:
        for why, message in refused.items():
            answer = _ask(socket_file, message)
            assert "error" in answer and "pid" not in answer, (why, answer)
    finally:
        outside.rmdir()
    # Some were refused by their forked child (which checks the folder as her): those end
    # and are reaped before they stop counting against her two servers.
    warm = warm_process(socket_file)
    deadline = time.monotonic() + 30
    while children(warm) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not children(warm), children(warm)
    # Her own home: served (with no hub environment it ends at once; its pid came back).
    served = _ask(socket_file, good)
    assert isinstance(served.get("pid"), int), served


def test_without_the_warm_process_the_spawner_is_told_why():
    with pytest.raises(warm_servers.Unavailable, match="no-such.sock"):
        warm_servers.request_server("/nonexistent/no-such.sock", "x", ["c"], {}, "/")
    with pytest.raises(warm_servers.Unavailable, match="JUPYTERHUB_SINGLEUSER_APP"):
        warm_servers.request_server(
            "/nonexistent/no-such.sock", "x", ["c"], {"JUPYTERHUB_SINGLEUSER_APP": "x"}, "/"
        )
    # The hub's own copies (Spawner.env_keep) are left out, not a reason to start cold.
    with pytest.raises(warm_servers.Unavailable, match="no-such.sock"):
        warm_servers.request_server(
            "/nonexistent/no-such.sock", "x", ["c"], {"PYTHONPATH": "/x"}, "/"
        )
