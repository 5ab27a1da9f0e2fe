"""How many students a machine holds: one class on the real classroom hub, all at once.

Starts the classroom hub (``careerlab hub start``, as root, in /srv/careerlab-bench) with one
course of N students, has the teacher release a workbook, then lets every student at the same
moment do what a class does in the first minutes of a lesson, each in a thread of their own
and through the hub's public URL only:

1. sign in on the login form, and start their server (the hub's spawn, as their Unix account);
2. open JupyterLab (the page and the API calls it makes as it opens, not its static files),
   fetch the workbook (the Assignment List's own request) and open it: a notebook session
   with a kernel, every code cell run in order (JupyterLab's Run All, over the kernel's
   websocket), until the first task's widget has been shown;
3. answer ten tasks (``Task.fill``: the widgets' own handlers save the answer), timing each
   from sending it until the kernel is idle again with the task's "Saved" status received
   (what the student's browser gets back; the browser's drawing is not counted);
4. submit (the Assignment List's request); the teacher then collects and the bench checks
   that every student's work arrived.

It prints the time until every student's first task was usable, the p50/p95 of a save, the
memory (PSS: shared pages split fairly) of each student's processes (server and kernel), the
hub's own processes, and last:
    students=<n> ready_s=<x> save_p95_ms=<y> mb_per_student=<z>
The target (issue #13): 30 students ready in 60 s on 2 cores. docs/deploy.md's capacity plan
is made from these figures.

Run as root: .venv/bin/python bench/classroom.py [--students 30] [--project coffee-site]
  [--arrive-over SECONDS]  (students arrive evenly over that time; default: all at once)
  [--cold-kernels]  (servers and kernels started the usual way, not forked from the warm
  processes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from careerlab.hub.accounts import MAP_FILE
from careerlab.testing.hub import (
    Hub,
    Person,
    execute_request,
    forget_previous_run,
    start_hub,
)
from careerlab.testing.simulate import load_solutions

REPO = Path(__file__).resolve().parent.parent
ROOT = Path("/srv/careerlab-bench")
COURSE = "bench-101"
TEACHER = "bench.teacher"
TASKS = 10


@dataclass
class Student:
    name: str
    arrives: float = 0.0  # seconds after the class began
    signed_in: float = 0.0  # seconds after the class began
    server_ready: float = 0.0
    fetched: float = 0.0
    first_task: float = 0.0
    submitted: float = 0.0
    saves_ms: list[float] = field(default_factory=list)
    error: str = ""


def classroom(students: list[str], project: str) -> dict:
    return {
        "courses": [
            {
                "id": COURSE,
                "title": "Classroom benchmark",
                "projects": [project],
                "teachers": [TEACHER],
                "students": students,
            }
        ]
    }


def assignment_action(person: Person, verb: str, project: str) -> None:
    """The Assignment List's own request (JupyterLab's nbgrader panel sends this)."""
    answer = person.call(
        "POST",
        f"{person.server}assignments/{verb}",
        data={"course_id": COURSE, "assignment_id": project},
    )
    body = answer.json() if answer.status_code == 200 else {}
    if answer.status_code != 200 or (isinstance(body, dict) and body.get("success") is False):
        raise RuntimeError(f"{verb}: {answer.status_code} {answer.text[:300]}")


def teacher_shell(teacher: Person, *command: str) -> str:
    """A command in the course's server (the teacher's terminal there)."""
    out = teacher.run(
        f"services/{COURSE}/",
        "import subprocess, json\n"
        f"done = subprocess.run({list(command)!r}, capture_output=True, text=True)\n"
        "print(json.dumps([done.returncode, done.stdout[-3000:], done.stderr[-3000:]]))",
    )
    code, stdout, stderr = json.loads(out)
    if code:
        raise RuntimeError(f"{command} failed:\n{stdout}\n{stderr}")
    return stdout


class NotebookSession:
    """An open notebook as JupyterLab holds it: a session, its kernel, one websocket."""

    def __init__(self, person: Person, path: str) -> None:
        self.person = person
        made = person.call(
            "POST",
            f"{person.server}api/sessions",
            json={
                "path": path,
                "name": Path(path).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
        )
        if made.status_code != 201:
            raise RuntimeError(f"session: {made.status_code} {made.text[:300]}")
        self.kernel = made.json()["kernel"]["id"]
        self.session = uuid.uuid4().hex
        self.socket = None

    async def connect(self) -> None:
        url = self.person.hub.replace("http", "ws", 1) + (
            f"{self.person.server}api/kernels/{self.kernel}/channels?session_id={self.session}"
        )
        # JupyterLab keeps retrying a kernel's connection; tornado gives up after 20 s.
        request = HTTPRequest(
            url,
            headers={"Authorization": f"token {self.person.token}"},
            connect_timeout=300,
            request_timeout=300,
        )
        self.socket = await websocket_connect(request, max_message_size=64 * 1024 * 1024)

    async def execute(self, code: str, timeout: float = 300) -> tuple[list[dict], str | None]:
        """Run ``code``; the iopub messages it caused, and the error's name if it raised."""
        message_id, request = execute_request(
            code, self.person.name, self.session, store_history=True
        )
        self.socket.write_message(request)
        seen, error = [], None
        deadline = time.monotonic() + timeout
        while True:
            raw = await asyncio.wait_for(self.socket.read_message(), deadline - time.monotonic())
            if raw is None:
                raise RuntimeError("the kernel's connection closed")
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != message_id:
                continue
            seen.append(message)
            kind, content = message["msg_type"], message["content"]
            if kind == "error":
                error = content.get("ename", "error")
            elif kind == "status" and content["execution_state"] == "idle":
                return seen, error

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()


def shows_a_task(messages: list[dict]) -> bool:
    """A task's widget was displayed (its bundle carries the answer's HTML copy)."""
    for message in messages:
        data = message["content"].get("data", {})
        if "application/vnd.jupyter.widget-view+json" in data and "data-task=" in data.get(
            "text/html", ""
        ):
            return True
    return False


def saved(messages: list[dict]) -> bool:
    """The task's status widget now says the answer was saved."""
    return any(
        message["msg_type"] == "comm_msg"
        and "Saved at" in json.dumps(message["content"].get("data", {}).get("state", {}))
        for message in messages
    )


async def work_in_notebook(
    person: Person, student: Student, path: str, responses: dict, began: float
) -> None:
    listing = person.call("GET", f"{person.server}api/contents/{quote(path)}")
    if listing.status_code != 200:
        raise RuntimeError(f"open: {listing.status_code} {listing.text[:300]}")
    cells = [c for c in listing.json()["content"]["cells"] if c["cell_type"] == "code"]
    notebook = NotebookSession(person, path)
    await notebook.connect()
    try:
        for cell in cells:
            messages, _ = await notebook.execute("".join(cell["source"]))
            if not student.first_task and shows_a_task(messages):
                student.first_task = time.monotonic() - began
        if not student.first_task:
            raise RuntimeError("no task was shown")
        for task, response in list(responses.items())[:TASKS]:
            code = f"wb[{task!r}].fill(__import__('json').loads({json.dumps(response)!r}))"
            sent = time.monotonic()
            messages, error = await notebook.execute(code)
            if error or not saved(messages):
                raise RuntimeError(f"task {task} was not saved ({error or 'no Saved status'})")
            student.saves_ms.append((time.monotonic() - sent) * 1000)
    finally:
        notebook.close()


@dataclass
class Bell:
    """The moment the class begins: every student's thread waits for it."""

    rung: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0

    def ring(self) -> None:
        self.at = time.monotonic()
        self.rung.set()


# What JupyterLab's page asks its server for as it opens (its static files aside): the
# page, its settings, workspace, kernel kinds, the Assignment List's course list and the
# file browser's folder. Each costs the student's server CPU, as in a real class.
LAB_REQUESTS = (
    "lab",
    "lab/api/settings",
    "lab/api/workspaces/default",
    "api/kernelspecs",
    "api/me",
    "assignments?course_id=" + COURSE,
    "api/contents?content=1",
)


def open_lab(person: Person) -> None:
    for path in LAB_REQUESTS:
        answer = person.call("GET", f"{person.server}{path}")
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")


def one_student(hub: Hub, student: Student, project: str, responses: dict, bell: Bell) -> None:
    bell.rung.wait()
    began = bell.at
    time.sleep(student.arrives)
    try:
        person = Person(hub.url, student.name, hub.password).sign_in()
        student.signed_in = time.monotonic() - began
        person.start_server(timeout=600)
        student.server_ready = time.monotonic() - began
        open_lab(person)
        assignment_action(person, "fetch", project)
        student.fetched = time.monotonic() - began
        path = f"{COURSE}/{project}/{project}.ipynb"
        asyncio.run(work_in_notebook(person, student, path, responses, began))
        assignment_action(person, "submit", project)
        student.submitted = time.monotonic() - began
    except Exception as error:  # one student's failure is reported, the class goes on
        student.error = f"{type(error).__name__}: {str(error)[:300]}"


def pss_mb(pids: list[int]) -> float:
    """Proportional set size of these processes in MB (shared pages split among sharers)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) these processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def pids_of_user(unix_name: str) -> list[int]:
    found = subprocess.run(["pgrep", "-u", unix_name], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [pid] + [d for c in children.stdout.split() for d in tree(int(c))]


def owner(pid: int) -> int | None:
    try:
        return Path(f"/proc/{pid}").stat().st_uid
    except FileNotFoundError:
        return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--project", default="coffee-site")
    parser.add_argument(
        "--arrive-over",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="students arrive evenly over this time (default 0: all at the same moment)",
    )
    parser.add_argument("--keep", action="store_true", help="leave the hub and accounts")
    parser.add_argument(
        "--cold-kernels",
        action="store_true",
        help="start servers and kernels the usual way, not forked from the warm processes "
        "(to compare)",
    )
    args = parser.parse_args()
    responses = load_solutions(REPO / "workbooks" / args.project).get(args.project, {})
    if len(responses) < TASKS:
        raise SystemExit(f"{args.project} has {len(responses)} answered tasks; need {TASKS}")
    names = [f"student{i:02d}.bench" for i in range(1, args.students + 1)]
    layout = classroom(names, args.project)

    print(f"Starting the classroom hub in {ROOT} ...", flush=True)
    started = time.monotonic()
    hub = start_hub(REPO, ROOT, layout, ("--no-warm",) if args.cold_kernels else ())
    print(f"hub up in {time.monotonic() - started:.1f} s: {hub.url}", flush=True)
    try:
        teacher = hub.person(TEACHER)
        teacher_shell(teacher, "nbgrader", "release_assignment", args.project)
        spacing = args.arrive_over / max(1, args.students - 1)
        students = [Student(name, arrives=i * spacing) for i, name in enumerate(names)]
        bell = Bell()
        threads = [
            threading.Thread(target=one_student, args=(hub, s, args.project, responses, bell))
            for s in students
        ]
        for thread in threads:
            thread.start()
        bell.ring()
        for thread in threads:
            thread.join()
        return report(hub, students, teacher, args.project)
    finally:
        if not args.keep:
            hub.stop()
            forget_previous_run(ROOT, layout)


def report(hub: Hub, students: list[Student], teacher: Person, project: str) -> int:
    failed = [s for s in students if s.error]
    for student in failed:
        print(f"FAILED {student.name}: {student.error}")
    done = [s for s in students if not s.error]
    if not done:
        print("no student finished")
        return 1

    def spread(label: str, values: list[float]) -> None:
        print(
            f"{label:<28} p50 {statistics.median(values):6.1f}  "
            f"p95 {percentile(values, 0.95):6.1f}  max {max(values):6.1f}"
        )

    arrival = f", arriving over {students[-1].arrives:.0f} s" if students[-1].arrives else ""
    print(
        f"\n{len(done)} of {len(students)} students finished{arrival}. "
        "Seconds after the class began:"
    )
    spread("signed in", [s.signed_in for s in done])
    spread("server ready", [s.server_ready for s in done])
    spread("workbook fetched", [s.fetched for s in done])
    spread("first task usable", [s.first_task for s in done])
    spread("  from their own arrival", [s.first_task - s.arrives for s in done])
    spread("submitted", [s.submitted for s in done])
    saves = [ms for s in done for ms in s.saves_ms]
    spread("answer saved (ms)", saves)

    names = json.loads((hub.root / "hub" / MAP_FILE).read_text())
    per_student = [pss_mb(pids_of_user(names[s.name])) for s in done]
    # The hub's own processes are root's (careerlab hub start, JupyterHub, its proxy, the
    # idle culler); the servers it spawned are the students' and the course's accounts.
    hub_own = [p for p in tree(hub.process.pid) if owner(p) == 0]
    services = {
        "course server": pss_mb(pids_of_user(f"cl-course-{COURSE}")),
        "exchange": pss_mb(pids_of_user("cl-exchange")),
    }
    print(
        f"memory per student (server and kernel, PSS): p50 {statistics.median(per_student):.0f}"
        f" MB, max {max(per_student):.0f} MB"
    )
    print(
        f"hub's own processes (hub, proxy, idle culler): {pss_mb(hub_own):.0f} MB; "
        + ", ".join(f"{k} {v:.0f} MB" for k, v in services.items())
    )
    # Where the cores went: a student's processes (alive now: their server and kernel),
    # the hub's own, and this benchmark's client, which shares the machine it measures.
    student_cpu = [cpu_seconds(pids_of_user(names[s.name])) for s in done]
    client = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"CPU seconds: per student p50 {statistics.median(student_cpu):.1f} "
        f"(all students {sum(student_cpu):.0f}); hub's own {cpu_seconds(hub_own):.0f}; "
        f"this benchmark's client {client.ru_utime + client.ru_stime:.0f}"
    )

    teacher_shell(teacher, "nbgrader", "collect", project)
    collected = {
        p.parent.name
        for p in (hub.root / "courses" / COURSE / "submitted").glob(f"*/{project}")
        if p.is_dir()
    }
    expected = {s.name for s in done}
    print(f"collected {len(collected & expected)} of {len(done)} finished students' work")
    ready = max(s.first_task for s in done)
    print(
        f"students={len(done)} ready_s={ready:.1f} "
        f"save_p95_ms={percentile(saves, 0.95):.0f} "
        f"mb_per_student={statistics.median(per_student):.0f}"
    )
    return 0 if not failed and collected >= expected else 1


if __name__ == "__main__":
    sys.exit(main())
