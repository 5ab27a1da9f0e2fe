"""`careerlab roster import`: a course's people from a school's roster, everywhere at once.

The classroom file is the durable roster: the import replaces the course's ``teachers``
and/or ``students`` (a role the roster does not mention at all is kept, so Clever's
students.csv alone leaves the teachers as they are) and people's names, and writes the file
back only if something changed. Then it applies the file: a Unix account and 0700 home per
person (as `careerlab hub start` makes them), nbgrader Student rows with names in the
course's gradebook, and, if the hub runs, its users and groups through the REST API with the
``careerlab-roster`` service's token. A dropped student leaves ``nbgrader-<course>``, which
alone takes the course away (the exchange and the Assignment List go by groups); a person
left in no course has their server stopped and cannot sign in again
(careerlab.hub.signin). Nothing of anyone's work is deleted: homes, gradebook rows and the
exchange are kept. Run as root, like `careerlab hub start`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from careerlab.hub import accounts
from careerlab.hub.classroom import Classroom, ClassroomError, Course, Name, load, replace_people
from careerlab.hub.courses import fill_gradebook
from careerlab.hub.layout import Layout, for_this_user
from careerlab.hub.roster import FORMATS, Roster, RosterError, read


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def changes(course: Course, roster: Roster) -> tuple[list[str] | None, list[str] | None, Changes]:
    """The course's new teachers and students (None: the roster names none, kept)."""
    wanted = {
        role: [m.hub_name for m in roster.members if m.role == role] or None
        for role in ("teacher", "student")
    }
    result = Changes()
    for role, old in (("teacher", course.teachers), ("student", course.students)):
        new = wanted[role]
        if new is None:
            result.unchanged += [f"{name} ({role}, not in this roster: kept)" for name in old]
            continue
        result.added += [f"{name} ({role})" for name in new if name not in old]
        result.dropped += [f"{name} ({role})" for name in old if name not in new]
        result.unchanged += [f"{name} ({role})" for name in new if name in old]
    return wanted["teacher"], wanted["student"], result


def make_accounts(layout: Layout, people: list[str]) -> None:
    """Each person's account and 0700 home, as `careerlab hub start` makes them (once)."""
    names = accounts.AccountMap(layout.state)
    for person in people:
        unix_name = names.unix_name(person)
        if layout.single_account:
            (layout.homes / unix_name).mkdir(mode=0o700, parents=True, exist_ok=True)
        else:
            accounts.ensure(unix_name, layout.homes / unix_name, comment=person)


class HubApi:
    """The running hub's REST API with the roster service's token; None if it is not up."""

    def __init__(self, url: str, token: str):
        import requests

        self.url, self.session = url, requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    @classmethod
    def connect(cls, layout: Layout) -> HubApi | None:
        import requests

        from careerlab.hub.config import API_URL_FILE, ROSTER_TOKEN_FILE

        try:
            url = (layout.state / API_URL_FILE).read_text().strip()
            token = (layout.state / ROSTER_TOKEN_FILE).read_text().strip()
        except OSError:
            return None  # never started with the roster service
        api = cls(url, token)
        try:
            api.session.get(url, timeout=10)
        except requests.ConnectionError:
            return None
        return api

    def call(self, method: str, path: str, ok: tuple[int, ...], **kwargs):
        answer = self.session.request(method, self.url + path, timeout=60, **kwargs)
        if answer.status_code not in ok:
            raise RuntimeError(f"hub API {method} {path}: {answer.status_code} {answer.text[:200]}")
        return answer

    def sync(self, classroom: Classroom, course: Course, before: Course) -> list[str]:
        """Users and the course's two groups as the file says; servers of the course-less off."""
        done = []
        for person in (*course.teachers, *course.students):
            user = f"users/{quote(person, safe='')}"
            if self.call("GET", user, (200, 404)).status_code == 404:
                self.call("POST", user, (201,))
                done.append(f"hub user {person} added")
        for group, wanted in (
            (course.teachers_group, course.teachers),
            (course.students_group, course.students),
        ):
            path = f"groups/{quote(group, safe='')}/users"
            members = set(
                self.call("GET", f"groups/{quote(group, safe='')}", (200,)).json()["users"]
            )
            join = [p for p in wanted if p not in members]
            leave = sorted(members - set(wanted))
            if join:
                self.call("POST", path, (200,), json={"users": join})
                done.append(f"{group}: + {', '.join(join)}")
            if leave:
                self.call("DELETE", path, (200,), json={"users": leave})
                done.append(f"{group}: - {', '.join(leave)}")
        everyone = set(classroom.people())
        for person in (*before.teachers, *before.students):
            if person not in everyone:
                # In no course now: their server stops; the sign-in check refuses them.
                server = f"users/{quote(person, safe='')}/server"
                if self.call("DELETE", server, (202, 204, 400, 404)).status_code in (202, 204):
                    done.append(f"{person}: in no course, server stopped")
        return done


def import_roster(args: argparse.Namespace) -> int:
    from careerlab.hub.command import DEFAULT_CLASSROOM, repository

    layout = for_this_user(Path(args.root) if args.root else None)
    classroom_file = Path(args.classroom or repository() / DEFAULT_CLASSROOM)
    try:
        classroom = load(classroom_file)
        course = classroom.course(args.course)
        roster = read(
            Path(args.file),
            args.format,
            Path(args.enrollments) if args.enrollments else None,
            args.class_id,
        )
    except (ClassroomError, RosterError) as error:
        print(f"careerlab roster: {error}", file=sys.stderr)
        return 1
    print(f"Roster {args.file} ({roster.format}) for course {course.id}:")
    for problem in roster.problems:
        print(f"  problem: {problem}")
    if not roster.members:
        print("careerlab roster: nothing could be imported (see the problems)", file=sys.stderr)
        return 1
    teachers, students, result = changes(course, roster)
    for label, items in (
        ("added", result.added),
        ("dropped", result.dropped),
        ("unchanged", result.unchanged),
    ):
        for item in items:
            print(f"  {label}: {item}")
    names = {m.hub_name: Name(m.first_name, m.last_name) for m in roster.members}
    if args.dry_run:
        print("Dry run: nothing written.")
        return 0
    try:
        written = replace_people(classroom_file, course.id, teachers, students, names)
        after = load(classroom_file)
    except ClassroomError as error:
        print(
            f"careerlab roster: the file would be wrong, nothing written:\n{error}", file=sys.stderr
        )
        return 1
    print(f"Classroom file {classroom_file}: {'updated' if written else 'no changes'}.")
    new_course = after.course(course.id)
    try:
        make_accounts(layout, [m.hub_name for m in roster.members])
        filled = fill_gradebook(layout, new_course, after.names)
        print(f"Gradebook of {course.id}: " + (", ".join(filled) or "no changes"))
        api = HubApi.connect(layout)
        if api is None:
            # `careerlab hub start` brings the hub's groups in line with the file (sync_groups).
            print("Hub: not running; its groups follow the file when it starts.")
        else:
            print("Hub: " + ("; ".join(api.sync(after, new_course, course)) or "no changes"))
    except (accounts.AccountError, RuntimeError) as error:
        print(f"careerlab roster: {error}", file=sys.stderr)
        return 1
    return 0


def add_commands(sub) -> None:
    roster = sub.add_parser("roster", help="a course's people from a school's roster (CSV)")
    roster_sub = roster.add_subparsers(dest="roster_command", required=True)
    run = roster_sub.add_parser(
        "import", help="replace a course's teachers/students with a roster's (docs/deploy.md)"
    )
    run.add_argument("file", help="the roster CSV (OneRoster: users.csv)")
    run.add_argument("--course", required=True, help="the course id in the classroom file")
    run.add_argument("--enrollments", help="OneRoster's enrollments.csv")
    run.add_argument("--class", dest="class_id", help="OneRoster: the class's sourcedId")
    run.add_argument("--format", choices=FORMATS, help="the roster's format (default: detected)")
    run.add_argument("--classroom", help="the classroom file (default: classroom.yml)")
    run.add_argument("--root", help="the hub's folder (default /srv/careerlab)")
    run.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    run.set_defaults(run=import_roster)
