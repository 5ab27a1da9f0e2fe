"""nbgrader's exchange, talking to the CareerLab exchange service on JupyterHub.

The same commands, files and listings as nbgrader's default exchange
(``nbgrader.exchange.default``), but every transfer is an HTTP request to
``careerlab.exchange.service`` made with this server's hub token
(``JUPYTERHUB_API_TOKEN``); the service decides who may do what. Select it with::

    c.ExchangeFactory.exchange = "careerlab.exchange.hub.Exchange"
    c.ExchangeFactory.fetch_assignment = "careerlab.exchange.hub.ExchangeFetchAssignment"
    ... (``EXCHANGE_FACTORY`` holds every line)

Differences from the default exchange, on purpose:
- A submission's time is the service's clock; collect writes that time to
  ``timestamp.txt``. A student's own ``timestamp.txt`` never leaves their server.
- A submission is always made as the token's owner (``--student`` is not used).
- A submission with a link, special file or a file over ``max_file_size`` is
  refused at submit time with the reason (the default silently leaves big files
  out), so collect never has to skip anything.
- ``list --cached`` asks the service, which holds the record of what was
  submitted; nothing but the receipt is cached on the student's disk. Students cannot
  remove submissions (``list --inbound --remove``).
- Submit makes a receipt of the work in the student's server (which notebooks, how many
  tasks answered: ``careerlab.exchange.receipt``), logs it and keeps it under
  ``<JUPYTER_DATA_DIR>/nbgrader_cache``; the student's list shows it. The service only
  stores and names the files, as before. A submission with no receipt on this server
  (made elsewhere) shows its notebooks from the service's record, without a count.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from nbgrader.exchange import abc
from nbgrader.utils import ignore_patterns, parse_utc
from traitlets import Bool, Float, Unicode, default

from careerlab.course import StudentIdError, check_student_id
from careerlab.exchange.archive import ArchiveError, pack, unpack
from careerlab.exchange.files import SizeLimits
from careerlab.exchange.receipt import (
    RECEIPT_FILE,
    make_receipt,
    read_receipt,
    receipt_of,
    save_receipt,
    show_receipts,
    shown,
)
from careerlab.exchange.service import SERVICE_NAME, TIMESTAMP_FILE, key_of

ExchangeError = abc.ExchangeError

EXCHANGE_FACTORY = {
    "exchange": "careerlab.exchange.hub.Exchange",
    "fetch_assignment": "careerlab.exchange.hub.ExchangeFetchAssignment",
    "fetch_feedback": "careerlab.exchange.hub.ExchangeFetchFeedback",
    "release_assignment": "careerlab.exchange.hub.ExchangeReleaseAssignment",
    "release_feedback": "careerlab.exchange.hub.ExchangeReleaseFeedback",
    "list": "careerlab.exchange.hub.ExchangeList",
    "submit": "careerlab.exchange.hub.ExchangeSubmit",
    "collect": "careerlab.exchange.hub.ExchangeCollect",
}


class Exchange(abc.Exchange):
    """What every step shares: where the service is, how to call it, where work lands."""

    url = Unicode(
        help="The exchange service's address (ends with /). Default: $CAREERLAB_EXCHANGE_URL, "
        "else the hub's address (from $JUPYTERHUB_API_URL) + services/careerlab-exchange/."
    ).tag(config=True)

    @default("url")
    def _default_url(self) -> str:
        if os.environ.get("CAREERLAB_EXCHANGE_URL"):
            return os.environ["CAREERLAB_EXCHANGE_URL"]
        api = urllib.parse.urlparse(os.environ.get("JUPYTERHUB_API_URL", ""))
        base = os.environ.get("JUPYTERHUB_BASE_URL", "/")
        return f"{api.scheme}://{api.netloc}{base.rstrip('/')}/services/{SERVICE_NAME}/"

    api_token = Unicode(help="The hub token sent with every request.").tag(config=False)

    @default("api_token")
    def _default_token(self) -> str:
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    timeout = Float(60.0, help="Seconds to wait for the exchange service.").tag(config=True)

    path_includes_course = Bool(
        False,
        help="As nbgrader's default exchange: put fetched work in ./<course>/<assignment> "
        "rather than ./<assignment>.",
    ).tag(config=True)

    @property
    def limits(self) -> SizeLimits:
        return SizeLimits.of(self.coursedir)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: bytes | None = None,
        missing_ok: bool = False,
    ) -> bytes | None:
        """Call the service; a refusal becomes ExchangeError with the service's reason."""
        if not self.api_token:
            self.fail("No hub token ($JUPYTERHUB_API_TOKEN): the exchange needs JupyterHub.")
        quoted = "/".join(urllib.parse.quote(part, safe="") for part in path.split("/"))
        address = urllib.parse.urljoin(self.url, f"api/{quoted}")
        if params:
            address += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(address, data=body, method=method)
        request.add_header("Authorization", f"token {self.api_token}")
        if body is not None:
            request.add_header("Content-Type", "application/gzip")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if missing_ok and error.code == 404:
                return None
            try:
                message = json.loads(error.read())["message"]
            except (ValueError, KeyError, TypeError):
                message = error.reason
            self.fail(f"The exchange refused ({error.code}): {message}")
        except OSError as error:
            self.fail(f"The exchange at {self.url} cannot be reached: {error}")
        raise AssertionError("unreachable")

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        return json.loads(self.request(method, path, **kwargs) or b"null")

    def need_course(self) -> str:
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        return self.coursedir.course_id

    def local_dir(self, course_id: str, assignment_id: str) -> str:
        if self.path_includes_course:
            return os.path.join(self.assignment_dir, course_id, assignment_id)
        return os.path.join(self.assignment_dir, assignment_id)

    def skip(self) -> Callable[[str, list[str]], set[str]]:
        """nbgrader's include/exclude patterns (sizes are checked by pack, not skipped)."""
        return ignore_patterns(
            exclude=self.coursedir.ignore, include=self.coursedir.include, log=self.log
        )

    def pack(self, folder: str, **kwargs: Any) -> bytes:
        try:
            return pack(folder, limits=self.limits, **kwargs)
        except ArchiveError as error:
            self.fail(f"Refused ({error.reason}): {error.detail}")
        raise AssertionError("unreachable")

    def unpack(self, data: bytes, dest: str) -> None:
        try:
            unpack(data, dest, limits=self.limits)
        except ArchiveError as error:
            shutil.rmtree(dest, ignore_errors=True)
            self.fail(f"Refused ({error.reason}): {error.detail}")

    # No folders to prepare: every step does its work in copy_files.
    def init_src(self) -> None:
        pass

    def init_dest(self) -> None:
        pass


class ExchangeReleaseAssignment(Exchange, abc.ExchangeReleaseAssignment):
    def init_src(self) -> None:
        self.src_path = self.coursedir.format_path(
            self.coursedir.release_directory, ".", self.coursedir.assignment_id
        )
        if not os.path.isdir(self.src_path):
            source = self.coursedir.format_path(
                self.coursedir.source_directory, ".", self.coursedir.assignment_id
            )
            if os.path.isdir(source):
                self.fail(
                    f"Assignment found in '{source}' but not '{self.src_path}', run "
                    "`nbgrader generate_assignment` first."
                )
            self.fail(f"Assignment not found at: {self.src_path}")

    def copy_files(self) -> None:
        course, assignment = self.need_course(), self.coursedir.assignment_id
        data = self.pack(self.src_path, skip=self.skip())
        params = {"force": "1"} if self.force else None
        self.log.info("Source: %s", self.src_path)
        try:
            self.request("PUT", f"assignments/{course}/{assignment}", body=data, params=params)
        except ExchangeError as error:
            if "(409)" in str(error):
                self.fail(
                    f"Destination already exists, add --force to overwrite: {course} {assignment}"
                )
            raise
        self.log.info("Released as: %s %s", course, assignment)


class ExchangeFetchAssignment(Exchange, abc.ExchangeFetchAssignment):
    def init_src(self) -> None:
        course, assignment = self.need_course(), self.coursedir.assignment_id
        self.data = self.request("GET", f"assignments/{course}/{assignment}")

    def init_dest(self) -> None:
        course, assignment = self.coursedir.course_id, self.coursedir.assignment_id
        self.dest_path = os.path.abspath(self.local_dir(course, assignment))
        if os.path.isdir(self.dest_path) and not self.replace_missing_files:
            self.fail(
                "You already have a copy of the assignment in this directory: "
                f"{os.path.relpath(self.dest_path, os.path.abspath(self.assignment_dir))}"
            )

    def copy_files(self) -> None:
        os.makedirs(os.path.dirname(self.dest_path), exist_ok=True)
        self.log.info("Destination: %s", self.dest_path)
        if not os.path.isdir(self.dest_path):
            self.unpack(self.data, self.dest_path)
        else:  # replace_missing_files: only what the student deleted comes back
            with tempfile.TemporaryDirectory(dir=os.path.dirname(self.dest_path)) as temp:
                fresh = os.path.join(temp, "fresh")
                self.unpack(self.data, fresh)
                for current, folders, files in os.walk(fresh):
                    here = os.path.join(self.dest_path, os.path.relpath(current, fresh))
                    for name in folders + files:
                        target = os.path.join(here, name)
                        if not os.path.lexists(target):
                            self.log.warning("Replacing missing file '%s'", target)
                            shutil.move(os.path.join(current, name), target)
                    folders[:] = [f for f in folders if os.path.isdir(os.path.join(current, f))]
        self.log.info("Fetched as: %s %s", self.coursedir.course_id, self.coursedir.assignment_id)


class ExchangeSubmit(Exchange, abc.ExchangeSubmit):
    def init_src(self) -> None:
        root = self.local_dir(self.coursedir.course_id, self.coursedir.assignment_id)
        self.src_path = os.path.abspath(root)
        self.coursedir.assignment_id = os.path.split(self.src_path)[-1]
        if not os.path.isdir(self.src_path):
            self.fail(f"Assignment not found at: {self.src_path}")

    def check_filename_diff(self, released: list[str]) -> None:
        """As nbgrader's: warn of missing or extra notebooks; refuse if strict."""
        submitted = sorted(
            os.path.splitext(os.path.basename(p))[0]
            for p in glob.glob(os.path.join(self.src_path, "*.ipynb"))
        )
        missing = [nb for nb in released if nb not in submitted]
        extra = [nb for nb in submitted if nb not in released]
        if not (missing or extra):
            return
        message = f"missing notebooks: {missing}; extra notebooks: {extra}"
        if missing and self.strict:
            self.fail(
                f"Assignment {self.coursedir.assignment_id} not submitted. There are missing "
                f"notebooks for the submission: {message}"
            )
        self.log.warning(
            "Possible missing notebooks and/or extra notebooks submitted for assignment %s: %s",
            self.coursedir.assignment_id,
            message,
        )

    def copy_files(self) -> None:
        course, assignment = self.need_course(), self.coursedir.assignment_id
        released = self.request_json("GET", "assignments", params={"course": course})
        match = [a for a in released if a["assignment_id"] == assignment]
        if not match:
            self.fail(f"Assignment not found: {course} {assignment} is not released")
        self.check_filename_diff(match[0]["notebooks"])
        self.log.info("Source: %s", self.src_path)
        data = self.pack(self.src_path, skip=self.skip(), drop=[TIMESTAMP_FILE])
        record = self.request_json("POST", f"submissions/{course}/{assignment}", body=data)
        self.timestamp = record["timestamp"]  # the service's clock, not ours
        self.log.info("Submitted as: %s %s %s", course, assignment, self.timestamp)
        receipt = self.receipt(data, record)
        try:
            save_receipt(receipt_path(record), receipt)
        except OSError as error:  # submitted all the same: the list then names the files
            self.log.warning("The receipt was not kept: %s", error)
        self.log.info("%s", shown(self.timestamp, receipt))

    def receipt(self, data: bytes, record: dict[str, Any]) -> dict[str, Any]:
        """The receipt of exactly the copy sent (not the folder as it is now)."""
        try:
            with tempfile.TemporaryDirectory() as temp:
                copy = os.path.join(temp, record["assignment_id"])
                unpack(data, copy, limits=self.limits)
                return make_receipt(copy)
        except (ArchiveError, OSError):  # it is submitted all the same: name its notebooks
            return receipt_of([f"{nb}.ipynb" for nb in record["notebooks"]], {})


class ExchangeList(Exchange, abc.ExchangeList):
    def copy_files(self) -> None:
        pass

    def courses(self) -> list[str]:
        if self.coursedir.course_id:
            return [self.coursedir.course_id]
        return [c["course_id"] for c in self.request_json("GET", "courses")]

    def _released(self) -> list[dict[str, Any]]:
        params = {"course": self.coursedir.course_id} if self.coursedir.course_id else None
        found = []
        for item in self.request_json("GET", "assignments", params=params):
            if self.coursedir.assignment_id and item["assignment_id"] != (
                self.coursedir.assignment_id
            ):
                continue
            course, assignment = item["course_id"], item["assignment_id"]
            local = self.local_dir(course, assignment)
            info: dict[str, Any] = {"course_id": course, "assignment_id": assignment}
            if os.path.exists(local):
                info["status"] = "fetched"
                info["path"] = os.path.abspath(local)
                names = sorted(glob.glob(os.path.join(info["path"], "*.ipynb")))
                notebooks = [os.path.splitext(os.path.basename(p))[0] for p in names]
            else:
                info["status"] = "released"
                info["path"] = urllib.parse.urljoin(
                    self.url, f"api/assignments/{course}/{assignment}"
                )
                notebooks = item["notebooks"]
            if self.remove:
                info["status"] = "removed"
            info["notebooks"] = [
                {"notebook_id": nb, "path": os.path.join(info["path"], f"{nb}.ipynb")}
                for nb in notebooks
            ]
            found.append(info)
        return found

    def _submission(self, record: dict[str, Any]) -> dict[str, Any]:
        course, assignment = record["course_id"], record["assignment_id"]
        local = self.local_dir(course, assignment)
        info = {
            key: record[key] for key in ("course_id", "student_id", "assignment_id", "timestamp")
        }
        info["status"] = "submitted"
        info["path"] = urllib.parse.urljoin(
            self.url,
            "api/submissions/"
            + "/".join(urllib.parse.quote(p, safe="") for p in (course, assignment))
            + "/"
            + "/".join(
                urllib.parse.quote(p, safe="") for p in (record["student_id"], record["key"])
            ),
        )
        feedback_dir = os.path.join(local, "feedback", record["timestamp"])
        info["notebooks"] = []
        for nb in record["notebooks"]:
            local_path = os.path.join(feedback_dir, f"{nb}.html")
            has_local = os.path.isfile(local_path)
            exchange_sum = record["feedback"].get(f"{nb}.html")
            local_sum = _md5(local_path) if has_local else None
            info["notebooks"].append(
                {
                    "notebook_id": nb,
                    "path": f"{info['path']}#{nb}.ipynb",
                    "has_local_feedback": has_local,
                    "has_exchange_feedback": exchange_sum is not None,
                    "local_feedback_path": local_path if has_local else None,
                    "feedback_updated": bool(
                        has_local and exchange_sum and exchange_sum != local_sum
                    ),
                }
            )
        notebooks = info["notebooks"]
        info["has_local_feedback"] = bool(notebooks) and all(
            nb["has_local_feedback"] for nb in notebooks
        )
        info["has_exchange_feedback"] = bool(notebooks) and all(
            nb["has_exchange_feedback"] for nb in notebooks
        )
        info["feedback_updated"] = any(nb["feedback_updated"] for nb in notebooks)
        info["local_feedback_path"] = (
            os.path.join(os.path.abspath(local), "feedback", record["timestamp"])
            if info["has_local_feedback"]
            else None
        )
        return info

    def _submitted(self) -> list[dict[str, Any]]:
        params = {}
        if self.coursedir.assignment_id:
            params["assignment"] = self.coursedir.assignment_id
        if self.coursedir.student_id not in ("", "*"):
            params["student"] = self.coursedir.student_id
        infos = []
        for course in self.courses():
            for record in self.request_json("GET", f"submissions/{course}", params=params):
                infos.append(self._submission(record))
        # Grouped per course, student and assignment, oldest first, as nbgrader's list.
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for info in infos:
            groups[(info["course_id"], info["student_id"], info["assignment_id"])].append(info)
        return [
            {
                "course_id": key[0],
                "student_id": key[1],
                "assignment_id": key[2],
                "status": "submitted",
                "submissions": sorted(items, key=lambda x: x["timestamp"]),
            }
            for key, items in sorted(groups.items())
        ]

    def list_files(self) -> list[dict[str, Any]]:
        if self.inbound or self.cached:
            assignments = self._submitted()
            self.log.info("Submitted assignments:")
            for assignment in assignments:
                for info in assignment["submissions"]:
                    self.log.info(_format_inbound(info))
            if self.cached:  # the student's own list (the Assignment List asks this one)
                show_receipts(assignments, _kept_receipt)
        else:
            assignments = self._released()
            self.log.info("Released assignments:")
            for info in assignments:
                self.log.info("%s %s", info["course_id"], info["assignment_id"])
        return assignments

    def remove_files(self) -> list[dict[str, Any]]:
        if self.inbound or self.cached:
            self.fail("Submissions cannot be removed from the CareerLab exchange.")
        assignments = self._released()
        self.log.info("Removing released assignments:")
        for info in assignments:
            self.log.info("%s %s", info["course_id"], info["assignment_id"])
            self.request("DELETE", f"assignments/{info['course_id']}/{info['assignment_id']}")
        return assignments


def receipt_path(record: dict[str, Any]) -> str:
    """Where a submission's receipt is kept, as nbgrader's cache names a submission."""
    name = "{student_id}+{assignment_id}+{key}".format(**record)
    return os.path.join(
        jupyter_data_dir(), "nbgrader_cache", record["course_id"], name, RECEIPT_FILE
    )


def _kept_receipt(info: dict[str, Any]) -> dict[str, Any]:
    """The receipt kept at submit time; else the notebooks the service names."""
    kept = read_receipt(receipt_path({**info, "key": key_of(info["timestamp"])}))
    if kept is not None:
        return kept
    return receipt_of([f"{nb['notebook_id']}.ipynb" for nb in info["notebooks"]], {})


def _md5(path: str) -> str:
    import hashlib

    with open(path, "rb") as reader:
        return hashlib.md5(reader.read()).hexdigest()


def _format_inbound(info: dict[str, Any]) -> str:
    message = "{course_id} {student_id} {assignment_id} {timestamp}".format(**info)
    if info["has_local_feedback"] and not info["feedback_updated"]:
        return message + " (feedback already fetched)"
    if info["has_exchange_feedback"]:
        return message + " (feedback ready to be fetched)"
    return message + " (no feedback available)"


class ExchangeCollect(Exchange, abc.ExchangeCollect):
    """Each student's latest submission (or latest before the due date, as nbgrader's
    ``before_duedate``) into ``submitted/<student>/<assignment>/`` with the service's
    ``timestamp.txt``; ``update`` as nbgrader's."""

    refused: list[tuple[str, str]]  # (student, why), for callers and tests

    def init_src(self) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        course, assignment = self.need_course(), self.coursedir.assignment_id
        params = {"assignment": assignment, "everyone": "1"}
        if self.coursedir.student_id not in ("", "*"):
            params["student"] = self.coursedir.student_id
        records = self.request_json("GET", f"submissions/{course}", params=params)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                duedate = gradebook.find_assignment(assignment).duedate
            except MissingEntry:
                duedate = None
        per_student: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            record["parsed"] = parse_utc(record["timestamp"])
            per_student[record["student_id"]].append(record)
        self.src_records = []
        for items in per_student.values():
            items.sort(key=lambda r: r["parsed"], reverse=True)
            chosen = items[0]
            if duedate is not None and self.before_duedate:
                early = [r for r in items if r["parsed"] <= duedate]
                chosen = early[0] if early else items[0]
            self.src_records.append(chosen)

    def copy_files(self) -> None:
        self.refused = []
        course, assignment = self.coursedir.course_id, self.coursedir.assignment_id
        if not self.src_records:
            self.log.warning(
                "No submissions of '%s' for course '%s' to collect", assignment, course
            )
        for record in self.src_records:
            student = record["student_id"]
            try:
                check_student_id(student)
            except StudentIdError as error:
                self._refuse(student, str(error))
                continue
            dest = self.coursedir.format_path(
                self.coursedir.submitted_directory, student, assignment
            )
            updating = os.path.isdir(dest)
            if updating:
                existing = self.coursedir.get_existing_timestamp(dest)
                newer = existing is None or record["parsed"] > existing
                if not (
                    (self.update and newer)
                    or (self.before_duedate and existing != record["parsed"])
                ):
                    if self.update:
                        self.log.info("No newer submission to collect: %s %s", student, assignment)
                    else:
                        self.log.info(
                            "Submission already exists, use --update to update: %s %s",
                            student,
                            assignment,
                        )
                    continue
            path = f"submissions/{course}/{assignment}/{student}/{record['key']}"
            data = self.request("GET", path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            partial = f"{dest}.collecting"
            shutil.rmtree(partial, ignore_errors=True)
            try:
                unpack(data, partial, limits=self.limits, drop=[TIMESTAMP_FILE])
            except ArchiveError as error:
                shutil.rmtree(partial, ignore_errors=True)
                self._refuse(student, f"{error.reason}: {error.detail}")
                continue
            with open(os.path.join(partial, TIMESTAMP_FILE), "x") as writer:
                writer.write(record["timestamp"])
            self.log.info(
                "%s submission: %s %s",
                "Updating" if updating else "Collecting",
                student,
                assignment,
            )
            if updating:
                shutil.rmtree(dest)
            os.rename(partial, dest)

    def _refuse(self, student: str, why: str) -> None:
        self.refused.append((student, why))
        self.log.error(
            "Refused submission of %s by %s: %s",
            self.coursedir.assignment_id,
            ascii(student)[:80],
            why,
        )


class ExchangeReleaseFeedback(Exchange, abc.ExchangeReleaseFeedback):
    """Each student's feedback folder, matched to their submission by the
    ``timestamp.txt`` collect wrote there (which generate_feedback copies along)."""

    def copy_files(self) -> None:
        course, assignment = self.need_course(), self.coursedir.assignment_id
        exclude = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        student = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = self.coursedir.format_path(self.coursedir.feedback_directory, student, assignment)
        regexp = self.coursedir.format_path(
            self.coursedir.feedback_directory, "(?P<student_id>[^/]+)", assignment, escape=True
        )
        failures = []
        for folder in sorted(glob.glob(pattern)):
            match = re.fullmatch(regexp, folder)
            if match is None or not os.path.isdir(folder):
                continue
            student_id = match["student_id"]
            if student_id in exclude:
                continue
            try:
                with open(os.path.join(folder, TIMESTAMP_FILE)) as reader:
                    key = key_of(reader.read().strip())
                data = self.pack(folder, skip=_only_html)
                self.request("PUT", f"feedback/{course}/{assignment}/{student_id}/{key}", body=data)
            except (ExchangeError, OSError, ValueError) as error:
                failures.append(f"{student_id}: {error}")
                self.log.error("Feedback for %s not released: %s", ascii(student_id), error)
                continue
            self.log.info(
                "Releasing feedback for student '%s' on assignment '%s/%s'",
                student_id,
                course,
                assignment,
            )
        if failures:
            self.fail(f"Feedback not released for {len(failures)}: " + "; ".join(failures))


def _only_html(folder: str, names: list[str]) -> set[str]:
    # nbgrader releases the top-level *.html files of a feedback folder, nothing else.
    return {
        n for n in names if not (n.endswith(".html") and os.path.isfile(os.path.join(folder, n)))
    }


class ExchangeFetchFeedback(Exchange, abc.ExchangeFetchFeedback):
    def init_src(self) -> None:
        course = self.need_course()
        params = (
            {"assignment": self.coursedir.assignment_id} if self.coursedir.assignment_id else {}
        )
        records = self.request_json("GET", f"submissions/{course}", params=params)
        self.with_feedback = [r for r in records if r["feedback"]]
        for record in records:
            if not record["feedback"]:
                self.log.warning(
                    "Could not find feedback for '%s/%s' submitted at %s",
                    course,
                    record["assignment_id"],
                    record["timestamp"],
                )

    def copy_files(self) -> None:
        course = self.coursedir.course_id
        for record in self.with_feedback:
            assignment = record["assignment_id"]
            path = f"feedback/{course}/{assignment}/{record['student_id']}/{record['key']}"
            data = self.request("GET", path)
            dest = os.path.join(
                os.path.abspath(self.local_dir(course, assignment)), "feedback", record["timestamp"]
            )
            os.makedirs(dest, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=dest) as temp:
                fresh = os.path.join(temp, "fresh")
                self.unpack(data, fresh)
                for name in sorted(os.listdir(fresh)):
                    if name.endswith(".html"):
                        os.replace(os.path.join(fresh, name), os.path.join(dest, name))
                        self.log.info("Fetched feedback: %s", os.path.join(dest, name))
