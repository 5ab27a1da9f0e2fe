"""The exchange as a JupyterHub service: nobody but this service touches the stored work.

nbgrader's default exchange is a world-writable folder: every student can list,
read and overwrite the others' submissions and write their own ``timestamp.txt``
(nbgrader #1225, #1104). Here one process, running as its own account, owns the
store (folders 0700, files 0600, under ``--root``) and answers a small JSON/tar
API under its hub prefix. Every request carries a hub token
(``Authorization: token ...``); the hub names its owner and the token must hold
``access:services!service=careerlab-exchange``. What a caller may do in course C
comes from hub groups (nbgrader's multi-course set-up), looked up with the
service's own token:

- teacher: a member of ``formgrade-C``, or the hub service named C (the course's
  formgrader): release, unrelease, list and download every submission of C,
  release feedback;
- student: a member of ``nbgrader-C``: fetch released work, submit (always as
  themselves), list and download their own submissions and feedback.

Ids are checked before any path is built (course and assignment ids by
``ID_PATTERN``, student ids by ``careerlab.course.check_student_id``). Uploads are
checked and rebuilt by ``careerlab.exchange.archive`` before they are stored,
written to a temporary file and then linked or renamed into place. A submission's
time is this server's UTC clock; a ``timestamp.txt`` in an upload is dropped.

Run by the hub (``hub_service`` builds its ``c.JupyterHub.services`` entry,
``hub_roles`` its ``c.JupyterHub.load_roles`` entries).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import json
import os
import re
import secrets
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from careerlab.course import StudentIdError, check_student_id
from careerlab.exchange.archive import ArchiveError, repack
from careerlab.exchange.files import SizeLimits

SERVICE_NAME = "careerlab-exchange"
ACCESS_SCOPE = f"access:services!service={SERVICE_NAME}"
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's Exchange.timestamp_format
KEY_FORMAT = "%Y%m%dT%H%M%S.%fZ"  # the same instant as a file name
KEY_PATTERN = re.compile(r"\d{8}T\d{6}\.\d{6}Z")
TIMESTAMP_FILE = "timestamp.txt"
GROUP_CACHE_SECONDS = 5.0
# nbgrader's CourseDirectory defaults, in kilobytes of 1000 bytes.
DEFAULT_MAX_FILE_KB = 100_000
DEFAULT_MAX_DIR_KB = 1_000_000


def hub_service(
    root: str | os.PathLike[str],
    *,
    user: str | None = None,
    python: str = sys.executable,
    url: str = "http://127.0.0.1:10101",
    max_file_size: int = DEFAULT_MAX_FILE_KB,
    max_dir_size: int = DEFAULT_MAX_DIR_KB,
) -> dict[str, Any]:
    """The ``c.JupyterHub.services`` entry that runs the exchange as a managed service.

    ``user``: the Unix account it runs as (the hub must run as root); ``url``: where
    it listens (clients may reach it there or through the proxy)."""
    entry: dict[str, Any] = {
        "name": SERVICE_NAME,
        "url": url,
        "display": False,
        "command": [
            python,
            "-m",
            "careerlab.exchange.service",
            "--root",
            os.fspath(root),
            "--max-file-size",
            str(max_file_size),
            "--max-dir-size",
            str(max_dir_size),
        ],
    }
    if user is not None:
        entry["user"] = user
    return entry


def hub_roles(courses: Iterable[str]) -> list[dict[str, Any]]:
    """The ``c.JupyterHub.load_roles`` entries: the service may read group memberships,
    and each course's teachers, students and formgrader service may call it."""
    courses = [check_id(course, "course") for course in courses]
    return [
        {
            "name": f"{SERVICE_NAME}-service",
            "description": "The CareerLab exchange reads who is in which course group.",
            "scopes": ["read:users:groups"],
            "services": [SERVICE_NAME],
        },
        {
            "name": f"{SERVICE_NAME}-users",
            "description": "Teachers, students and formgraders may call the exchange.",
            "scopes": [ACCESS_SCOPE],
            "groups": [f"{kind}-{c}" for c in courses for kind in ("formgrade", "nbgrader")],
            "services": courses,
        },
    ]


class IdError(ValueError):
    pass


def check_id(value: str, what: str) -> str:
    """A course or assignment id that is safe as one path part, or IdError."""
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return value
    raise IdError(
        f"{ascii(value)[:80]} is not a valid {what} id: 1 to 64 letters, digits and . _ -, "
        "starting with a letter or digit"
    )


def timestamp_of(key: str) -> str:
    moment = datetime.datetime.strptime(key, KEY_FORMAT).replace(tzinfo=datetime.UTC)
    return moment.strftime(TIMESTAMP_FORMAT)


def key_of(timestamp: str) -> str:
    """The storage key of an nbgrader timestamp (as written to ``timestamp.txt``)."""
    from nbgrader.utils import parse_utc

    return parse_utc(timestamp).strftime(KEY_FORMAT)


class Store:
    """The folders under ``root``; the only code that builds paths from ids."""

    def __init__(self, root: Path, limits: SizeLimits):
        self.root = root
        self.limits = limits
        os.umask(0o077)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)

    def _dir(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def _write(self, course: str, final: Path, data: bytes, *, replace: bool) -> bool:
        """Write ``data`` to a temporary file, then move it into place: a crash never
        leaves half a file. Without ``replace``, an existing file is kept (False)."""
        temp = self._dir(course, ".tmp") / secrets.token_hex(8)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as writer:
            writer.write(data)
            writer.flush()
            os.fsync(writer.fileno())
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            if replace:
                os.replace(temp, final)
                return True
            try:
                os.link(temp, final)  # never over an existing file
            except FileExistsError:
                return False
            return True
        finally:
            temp.unlink(missing_ok=True)

    # released assignments
    def released(self, course: str) -> list[str]:
        folder = self.root / course / "released"
        names = sorted(p.name for p in folder.glob("*.tar.gz")) if folder.is_dir() else []
        return [name.removesuffix(".tar.gz") for name in names]

    def released_path(self, course: str, assignment: str) -> Path:
        return self.root / course / "released" / f"{assignment}.tar.gz"

    def release(self, course: str, assignment: str, data: bytes, force: bool) -> bool:
        return self._write(
            course, self._dir(course, "released") / f"{assignment}.tar.gz", data, replace=force
        )

    # submissions
    def submission_path(self, course: str, student: str, assignment: str, key: str) -> Path:
        return self.root / course / "submitted" / student / assignment / f"{key}.tar.gz"

    def submit(self, course: str, student: str, assignment: str, data: bytes) -> str:
        """Store a submission under the server's clock; its key (never an existing one)."""
        moment = datetime.datetime.now(datetime.UTC)
        while True:
            key = moment.strftime(KEY_FORMAT)
            path = self.submission_path(course, student, assignment, key)
            if self._write(course, path, data, replace=False):
                return key
            moment += datetime.timedelta(microseconds=1)

    def submissions(
        self, course: str, student: str | None, assignment: str | None
    ) -> list[tuple[str, str, str]]:
        """(student, assignment, key) of every stored submission that matches."""
        base = self.root / course / "submitted"
        found = []
        for path in base.glob(f"{student or '*'}/{assignment or '*'}/*.tar.gz"):
            key = path.name.removesuffix(".tar.gz")
            if KEY_PATTERN.fullmatch(key):
                found.append((path.parent.parent.name, path.parent.name, key))
        return sorted(found)

    # feedback
    def feedback_path(self, course: str, student: str, assignment: str, key: str) -> Path:
        return self.root / course / "feedback" / student / assignment / f"{key}.tar.gz"

    def release_feedback(
        self, course: str, student: str, assignment: str, key: str, data: bytes
    ) -> None:
        self._write(
            course, self.feedback_path(course, student, assignment, key), data, replace=True
        )


def _notebooks(path: Path, limits: SizeLimits) -> list[str]:
    from careerlab.exchange.archive import read_members

    members = read_members(path.read_bytes(), limits=limits)
    return sorted(
        m.name.removesuffix(".ipynb")
        for m, _ in members
        if not m.is_dir and "/" not in m.name and m.name.endswith(".ipynb")
    )


def _feedback_files(path: Path, limits: SizeLimits) -> dict[str, str]:
    """name -> md5 of each feedback file (nbgrader's list compares checksums)."""
    from careerlab.exchange.archive import read_members

    if not path.is_file():
        return {}
    return {
        m.name: hashlib.md5(content).hexdigest()
        for m, content in read_members(path.read_bytes(), limits=limits)
        if not m.is_dir
    }


def make_app(store: Store, prefix: str, hub_auth: Any) -> Any:
    """The Tornado application; ``hub_auth`` is a jupyterhub HubAuth (or a stand-in)."""
    from tornado import web
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest

    groups_cache: dict[str, tuple[float, list[str]]] = {}

    async def groups_of(name: str) -> list[str]:
        cached = groups_cache.get(name)
        if cached and time.monotonic() - cached[0] < GROUP_CACHE_SECONDS:
            return cached[1]
        request = HTTPRequest(
            f"{hub_auth.api_url}/users/{quote(name, safe='')}",
            headers={"Authorization": f"token {hub_auth.api_token}"},
        )
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
        if response.code == 404:
            return []
        if response.code != 200:
            raise web.HTTPError(502, f"the hub answered {response.code} for groups")
        groups = list(json.loads(response.body).get("groups") or [])
        groups_cache[name] = (time.monotonic(), groups)
        return groups

    class Handler(web.RequestHandler):
        caller_kind: str
        caller: str

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            message = self._reason
            error = kwargs.get("exc_info", (None, None))[1]
            if isinstance(error, web.HTTPError) and error.log_message:
                message = error.log_message % error.args if error.args else error.log_message
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"status": status_code, "message": message}))

        def fail(self, status: int, message: str) -> NoReturn:
            raise web.HTTPError(status, message.replace("%", "%%"))

        async def prepare(self) -> None:
            token = hub_auth.get_token(self, in_cookie=False)
            if not token:
                self.fail(403, "no hub token: send 'Authorization: token <your hub token>'")
            model = await hub_auth.user_for_token(token, sync=False)
            if not model:
                self.fail(403, "the hub does not know this token")
            # user_for_token names the owner of any valid token: the scope check is ours.
            if not hub_auth.check_scopes(hub_auth.access_scopes, model):
                self.fail(403, f"this token lacks the scope {ACCESS_SCOPE}")
            self.caller_kind = model.get("kind", "user")
            self.caller = model["name"]

        async def roles(self, course: str) -> set[str]:
            if self.caller_kind == "service":
                return {"teacher"} if self.caller == course else set()
            groups = await groups_of(self.caller)
            roles = set()
            if f"formgrade-{course}" in groups:
                roles.add("teacher")
            if f"nbgrader-{course}" in groups:
                roles.add("student")
            return roles

        async def courses(self) -> list[str]:
            if self.caller_kind == "service":
                return [self.caller] if ID_PATTERN.fullmatch(self.caller) else []
            found = set()
            for group in await groups_of(self.caller):
                kind, _, course = group.partition("-")
                if kind in ("formgrade", "nbgrader") and ID_PATTERN.fullmatch(course):
                    found.add(course)
            return sorted(found)

        def ids(self, course: str, assignment: str | None = None) -> None:
            try:
                check_id(course, "course")
                if assignment is not None:
                    check_id(assignment, "assignment")
            except IdError as error:
                self.fail(400, str(error))

        def student_id(self, student: str) -> str:
            try:
                return check_student_id(student)
            except StudentIdError as error:
                self.fail(400, str(error))

        def key(self, key: str) -> str:
            if not KEY_PATTERN.fullmatch(key):
                self.fail(400, f"{ascii(key)[:40]} is not a submission time key")
            return key

        async def need(self, course: str, *allowed: str) -> set[str]:
            roles = await self.roles(course)
            if not roles & set(allowed):
                self.fail(403, f"{self.caller_kind} {self.caller!r} may not do this in {course}")
            return roles

        async def may_see(self, course: str, student: str) -> None:
            roles = await self.need(course, "teacher", "student")
            if "teacher" not in roles and student != self.caller:
                self.fail(403, "a student may only see their own work")

        def upload(self, drop: Iterable[str] = ()) -> tuple[bytes, list[str]]:
            try:
                data, members = repack(self.request.body, limits=store.limits, drop=drop)
            except ArchiveError as error:
                self.fail(422, f"upload refused ({error.reason}): {error.detail}")
            return data, [m.name for m in members]

        def send_file(self, path: Path) -> None:
            if not path.is_file():
                self.fail(404, "not found")
            self.set_header("Content-Type", "application/gzip")
            self.finish(path.read_bytes())

        def send_json(self, value: Any, status: int = 200) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(value))

    class Courses(Handler):
        async def get(self) -> None:
            result = []
            for course in await self.courses():
                result.append({"course_id": course, "roles": sorted(await self.roles(course))})
            self.send_json(result)

    class Assignments(Handler):
        async def get(self) -> None:
            wanted = self.get_argument("course", None)
            courses = await self.courses()
            if wanted is not None:
                self.ids(wanted)
                courses = [c for c in courses if c == wanted]
            result = []
            for course in courses:
                for assignment in store.released(course):
                    path = store.released_path(course, assignment)
                    notebooks = _notebooks(path, store.limits)
                    result.append(
                        {"course_id": course, "assignment_id": assignment, "notebooks": notebooks}
                    )
            self.send_json(result)

    class Assignment(Handler):
        async def get(self, course: str, assignment: str) -> None:
            self.ids(course, assignment)
            await self.need(course, "teacher", "student")
            self.send_file(store.released_path(course, assignment))

        async def put(self, course: str, assignment: str) -> None:
            self.ids(course, assignment)
            await self.need(course, "teacher")
            data, members = self.upload()
            force = self.get_argument("force", "") in ("1", "true")
            if not store.release(course, assignment, data, force):
                self.fail(409, f"{assignment} is already released in {course}; use force")
            self.send_json({"course_id": course, "assignment_id": assignment}, 201)

        async def delete(self, course: str, assignment: str) -> None:
            self.ids(course, assignment)
            await self.need(course, "teacher")
            store.released_path(course, assignment).unlink(missing_ok=True)
            self.send_json({"course_id": course, "assignment_id": assignment})

    def submission_info(course: str, student: str, assignment: str, key: str) -> dict[str, Any]:
        feedback = store.feedback_path(course, student, assignment, key)
        return {
            "course_id": course,
            "student_id": student,
            "assignment_id": assignment,
            "timestamp": timestamp_of(key),
            "key": key,
            "notebooks": _notebooks(
                store.submission_path(course, student, assignment, key), store.limits
            ),
            "feedback": _feedback_files(feedback, store.limits),
        }

    class Submissions(Handler):
        async def get(self, course: str, assignment: str | None = None) -> None:
            self.ids(course)
            roles = await self.need(course, "teacher", "student")
            assignment = assignment or self.get_argument("assignment", None)
            if assignment is not None:
                self.ids(course, assignment)
            student = self.get_argument("student", None)
            if student is not None:
                self.student_id(student)
            # everyone=1 is collect's question ("all of the class"): teachers only.
            if self.get_argument("everyone", "") == "1" and "teacher" not in roles:
                self.fail(403, "only the course's teachers collect submissions")
            if "teacher" not in roles:
                if student not in (None, self.caller):
                    self.fail(403, "a student may only list their own submissions")
                student = self.caller
            found = store.submissions(course, student, assignment)
            self.send_json([submission_info(course, *record) for record in found])

        async def post(self, course: str, assignment: str) -> None:
            self.ids(course, assignment)
            await self.need(course, "student")
            student = self.student_id(self.caller)
            if not store.released_path(course, assignment).is_file():
                self.fail(404, f"{assignment} is not released in {course}")
            # The time is ours: a timestamp.txt from the student is dropped.
            data, members = self.upload(drop=[TIMESTAMP_FILE])
            key = store.submit(course, student, assignment, data)
            self.send_json(submission_info(course, student, assignment, key), 201)

    class Submission(Handler):
        async def get(self, course: str, assignment: str, student: str, key: str) -> None:
            self.ids(course, assignment)
            self.student_id(student)
            self.key(key)
            await self.may_see(course, student)
            self.send_file(store.submission_path(course, student, assignment, key))

    class Feedback(Handler):
        async def get(self, course: str, assignment: str, student: str, key: str) -> None:
            self.ids(course, assignment)
            self.student_id(student)
            self.key(key)
            await self.may_see(course, student)
            self.send_file(store.feedback_path(course, student, assignment, key))

        async def put(self, course: str, assignment: str, student: str, key: str) -> None:
            self.ids(course, assignment)
            self.student_id(student)
            self.key(key)
            await self.need(course, "teacher")
            if not store.submission_path(course, student, assignment, key).is_file():
                self.fail(404, f"no submission of {assignment} by {student} at {key}")
            data, members = self.upload()
            store.release_feedback(course, student, assignment, key, data)
            self.send_json(submission_info(course, student, assignment, key), 201)

    part = r"([^/]+)"
    api = prefix.rstrip("/") + "/api"
    return web.Application(
        [
            (f"{api}/courses", Courses),
            (f"{api}/assignments", Assignments),
            (f"{api}/assignments/{part}/{part}", Assignment),
            (f"{api}/submissions/{part}", Submissions),
            (f"{api}/submissions/{part}/{part}", Submissions),
            (f"{api}/submissions/{part}/{part}/{part}/{part}", Submission),
            (f"{api}/feedback/{part}/{part}/{part}/{part}", Feedback),
        ],
        # An upload is at most max_dir_size; gzip may add a little.
        max_body_size=store.limits.max_total_bytes + (1 << 20),
    )


def main(argv: list[str] | None = None) -> None:
    from urllib.parse import urlparse

    from jupyterhub.services.auth import HubAuth
    from tornado.httpserver import HTTPServer

    parser = argparse.ArgumentParser(description="CareerLab's exchange, as a JupyterHub service")
    parser.add_argument("--root", required=True, help="where the exchange keeps its files")
    parser.add_argument("--max-file-size", type=int, default=DEFAULT_MAX_FILE_KB, help="kB")
    parser.add_argument("--max-dir-size", type=int, default=DEFAULT_MAX_DIR_KB, help="kB")
    args = parser.parse_args(argv)
    limits = SizeLimits(1000 * args.max_file_size, 1000 * args.max_dir_size)
    store = Store(Path(args.root).resolve(), limits)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    # A revoked token or a changed group counts within seconds, not HubAuth's 5 minutes.
    hub_auth = HubAuth(cache_max_age=int(GROUP_CACHE_SECONDS))
    app = make_app(store, prefix, hub_auth)

    async def serve() -> None:
        server = HTTPServer(app, max_body_size=limits.max_total_bytes + (1 << 20))
        server.listen(url.port or 80, url.hostname or "127.0.0.1")
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):  # the hub stops its services so
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await stop.wait()
        server.stop()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
