"""Reading a class roster: who teaches and who learns in a course, from a school's CSV.

A roster file is untrusted input: it comes out of a student information system, an LMS or a
spreadsheet someone edited. Each reader turns one format into ``Member`` rows and
``Problem`` rows; a bad row (no id, an id that breaks CareerLab's one student-id rule, the
same person twice, a role we do not import, a name with markup) is reported by file and line
and skipped, and the rest is still read. The format is told by the header row
(``--format`` forces one). The hub name is the person's e-mail address (or, where a format
has one and the e-mail is empty, their username), lower-cased, as the hub signs them in.

The formats and where their column names come from:

- ``careerlab``: our own, ``hub_name,role,first_name,last_name`` (role ``teacher`` or
  ``student``; the names may be empty). docs/deploy.md, "Rosters".
- ``google-classroom``: Google Classroom's grade download (CSV), whose person columns are
  ``Last Name``, ``First Name``, ``Email Address``. Every row is a student (Classroom's
  export lists the class's students). Column names as Classroom writes them; no stored copy
  of Google's help page was found to cite (see the report of issue #13).
- ``clever-students`` / ``clever-teachers``: Clever's SFTP ``students.csv``
  (``Student_id``, ``Student_email``, ``Username``, ``First_name``, ``Last_name``) and
  ``teachers.csv`` (``Teacher_id``, ``Teacher_email``, ``Username``, ``First_name``,
  ``Last_name``); Clever SFTP Instructions v2.1.1, section 3.2 and 3.3
  (https://support.clever.com/hc/en-us/articles/203114867), and e.g. Genesis SIS's
  "Clever Export" column list (support-sis.genesisedu.com, article 151000094027).
- ``oneroster``: 1EdTech OneRoster 1.2 CSV binding
  (https://www.imsglobal.org/spec/oneroster/v1p2/bind/csv/): ``users.csv`` (``sourcedId``,
  ``status``, ``enabledUser``, ``username``, ``givenName``, ``familyName``, ``email``) and
  ``enrollments.csv`` (``classSourcedId``, ``userSourcedId``, ``role``, ``status``), which
  says who is in which class with which role (1.2 has no ``role`` column in users.csv).
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from careerlab.course import StudentIdError, check_student_id

ROLES = ("teacher", "student")
# A roster is a class list: even a district's OneRoster export is far below this.
MAX_BYTES = 20 * 1024 * 1024
MAX_NAME = 100
# Names reach nbgrader's Formgrader and our pages: no markup, no control characters.
_BAD_NAME = re.compile(r"[<>\x00-\x1f\x7f]")


class RosterError(ValueError):
    """The roster cannot be read at all (no file, unknown format, too big)."""


@dataclass(frozen=True)
class Member:
    hub_name: str
    role: str  # "teacher" or "student"
    first_name: str
    last_name: str
    line: int


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.why}"


@dataclass
class Roster:
    format: str
    members: list[Member]
    problems: list[Problem]


# Header columns (lower-cased) that tell each format; the first match wins.
SIGNATURES: dict[str, set[str]] = {
    "careerlab": {"hub_name", "role"},
    "google-classroom": {"email address", "first name", "last name"},
    "clever-students": {"student_id", "student_email"},
    "clever-teachers": {"teacher_id", "teacher_email"},
    "oneroster": {"sourcedid", "givenname", "familyname"},
}
FORMATS = tuple(SIGNATURES)


@contextmanager
def _field_limit(limit: int):
    # csv's default field limit (128 kB) would abort the whole file at one huge field; the
    # file's size is capped instead and the field is then refused by line, like any bad row.
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and (line, row) pairs; a BOM and CRLF line ends are fine."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RosterError(f"{path}: {size} bytes; a roster may be at most {MAX_BYTES}")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterError(f"{path}: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise RosterError(f"{path}: cannot read it: {error.strerror}") from error
    with _field_limit(MAX_BYTES):
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise RosterError(f"{path}: empty, no header row") from None
        rows, line = [], reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines, often at the end of an export
            rows.append((start, {h: v.strip() for h, v in zip(header, values, strict=False)}))
    return header, rows


def detect(header: list[str]) -> str | None:
    columns = set(header)
    return next((name for name, needs in SIGNATURES.items() if needs <= columns), None)


class _Reader:
    """Collects members and problems of one roster, checking each row the same way."""

    def __init__(self, fmt: str):
        self.roster = Roster(fmt, [], [])
        self.seen: dict[str, int] = {}

    def problem(self, file: Path, line: int, why: str) -> None:
        self.roster.problems.append(Problem(file.name, line, why))

    def add(self, file: Path, line: int, name: str, role: str, first: str, last: str) -> None:
        if not name:
            self.problem(file, line, "no e-mail address or username: skipped")
            return
        try:
            hub_name = check_student_id(name).lower()
        except StudentIdError as error:
            self.problem(file, line, f"{error} Skipped.")
            return
        if role not in ROLES:
            shown = ascii(role)[:40]
            self.problem(file, line, f"{hub_name}: role {shown} is not teacher or student")
            return
        for label, value in (("first name", first), ("last name", last)):
            if len(value) > MAX_NAME or _BAD_NAME.search(value):
                why = f"{hub_name}: the {label} is longer than {MAX_NAME} characters or holds"
                self.problem(file, line, f"{why} markup or control characters: skipped")
                return
        if hub_name in self.seen:
            self.problem(file, line, f"{hub_name} is already on line {self.seen[hub_name]}")
            return
        self.seen[hub_name] = line
        self.roster.members.append(Member(hub_name, role, first, last, line))


def _email_or_username(row: dict[str, str], email: str) -> str:
    return row.get(email) or row.get("username") or ""


def read(
    path: Path,
    fmt: str | None = None,
    enrollments: Path | None = None,
    class_id: str | None = None,
) -> Roster:
    """The roster in ``path`` (``enrollments``: OneRoster's enrollments.csv)."""
    path = Path(path)
    header, rows = _rows(path)
    fmt = fmt or detect(header)
    if fmt not in SIGNATURES:
        raise RosterError(
            f"{path}: cannot tell the format from its header; use --format "
            f"({', '.join(FORMATS)}; docs/deploy.md, Rosters)"
        )
    missing = SIGNATURES[fmt] - set(header)
    if missing:
        raise RosterError(f"{path}: a {fmt} roster needs the column(s) {sorted(missing)}")
    reader = _Reader(fmt)
    if fmt == "oneroster":
        _oneroster(reader, path, rows, enrollments, class_id)
        return reader.roster
    for line, row in rows:
        if fmt == "careerlab":
            name, role = row.get("hub_name", ""), row.get("role", "").lower()
            first, last = row.get("first_name", ""), row.get("last_name", "")
        elif fmt == "google-classroom":
            name, role = row.get("email address", ""), "student"
            first, last = row.get("first name", ""), row.get("last name", "")
        else:
            kind = fmt.removeprefix("clever-").removesuffix("s")  # student / teacher
            name, role = _email_or_username(row, f"{kind}_email"), kind
            first, last = row.get("first_name", ""), row.get("last_name", "")
        reader.add(path, line, name, role, first, last)
    return reader.roster


def _oneroster(
    reader: _Reader,
    users_file: Path,
    users: list[tuple[int, dict[str, str]]],
    enrollments_file: Path | None,
    class_id: str | None,
) -> None:
    if enrollments_file is None:
        raise RosterError(
            f"{users_file}: OneRoster 1.2's users.csv says nobody's class or role; "
            "add --enrollments enrollments.csv"
        )
    header, enrolled = _rows(Path(enrollments_file))
    missing = {"classsourcedid", "usersourcedid", "role"} - set(header)
    if missing:
        raise RosterError(f"{enrollments_file}: enrollments.csv needs {sorted(missing)}")
    enrolled = [(n, r) for n, r in enrolled if r.get("status", "").lower() != "tobedeleted"]
    classes = sorted({r["classsourcedid"] for _, r in enrolled})
    if class_id is None and len(classes) > 1:
        shown = ", ".join(ascii(c)[:40] for c in classes[:10])
        raise RosterError(
            f"{enrollments_file}: enrollments of {len(classes)} classes ({shown}); "
            "choose one with --class SOURCEDID"
        )
    by_id = {r.get("sourcedid", ""): (n, r) for n, r in users}
    for line, row in enrolled:
        if class_id is not None and row["classsourcedid"] != class_id:
            continue
        found = by_id.get(row["usersourcedid"])
        if found is None:
            shown = ascii(row["usersourcedid"])[:60]
            reader.problem(Path(enrollments_file), line, f"no user {shown} in users.csv")
            continue
        user_line, user = found
        if user.get("status", "").lower() == "tobedeleted" or (
            user.get("enableduser", "true").lower() == "false"
        ):
            reader.problem(users_file, user_line, "the user is disabled or to be deleted")
            continue
        reader.add(
            users_file,
            user_line,
            _email_or_username(user, "email"),
            row["role"].lower(),
            user.get("givenname", ""),
            user.get("familyname", ""),
        )
