"""A course's data at the end of term: back it up, restore it, retire it.

A course's data is in three places: its nbgrader directory (gradebook, submissions, grades,
feedback), its part of the exchange, and the ``<course>/`` folder in each student's home.
``backup`` puts all three in one ``.tar.gz`` with a ``manifest.json`` naming the course and
its people by hub name (accounts may be numbered differently on the machine that restores
it); the gradebook is copied with SQLite's own backup, so a hub that is running is fine.
``restore`` puts everything back, each part owned by its account again (made if missing),
and never over existing data. ``retire`` backs up, checks the archive reads back, then
deletes the course's data and accounts, and the accounts of people in no other course.
Servers must be stopped for ``restore`` and ``retire``: stop the hub first.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath

from careerlab.hub import accounts
from careerlab.hub.classroom import Classroom, Course
from careerlab.hub.layout import Layout

MANIFEST = "manifest.json"
GRADEBOOK = "gradebook.db"


class TermError(RuntimeError):
    """A backup, restore or retirement cannot go on; nothing was deleted. The message says why."""


def _people(course: Course) -> list[str]:
    return [*course.teachers, *course.students]


def _add_folder(archive: tarfile.TarFile, folder: Path, name: str) -> None:
    """Regular files and folders only: a link in a student's home is not followed or kept."""
    if not folder.is_dir():
        return
    for path in sorted([folder, *folder.rglob("*")]):
        if path.is_symlink() or not (path.is_dir() or path.is_file()):
            continue
        relative = path.relative_to(folder)
        arcname = str(PurePosixPath(name) / relative) if str(relative) != "." else name
        if path.name == GRADEBOOK and path.parent == folder:
            _add_gradebook(archive, path, arcname)
            continue
        archive.add(path, arcname=arcname, recursive=False)


def _add_gradebook(archive: tarfile.TarFile, path: Path, arcname: str) -> None:
    """A consistent copy of a gradebook that may be in use (SQLite's online backup)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / GRADEBOOK
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        with target:
            source.backup(target)
        source.close()
        target.close()
        archive.add(copy, arcname=arcname, recursive=False)


def backup(layout: Layout, classroom: Classroom, course_id: str, destination: Path) -> Path:
    """One archive of the course's directory, exchange and students' course folders."""
    course = classroom.course(course_id)
    folder = layout.course(course_id)
    if not folder.is_dir():
        raise TermError(f"course {course_id} has no folder at {folder}")
    names = accounts.AccountMap(layout.state)
    manifest = {
        "course": course.id,
        "title": course.title,
        "teachers": list(course.teachers),
        "students": list(course.students),
        "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        data = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(time.time())
        archive.addfile(info, io.BytesIO(data))
        _add_folder(archive, folder, "course")
        _add_folder(archive, layout.exchange / course_id, "exchange")
        for person in _people(course):
            home = layout.homes / names.unix_name(person)
            _add_folder(archive, home / course_id, f"homes/{person}")
    os.chmod(partial, 0o600)  # students' work and grades: root only
    partial.replace(destination)
    return destination


def _read_manifest(archive: tarfile.TarFile) -> dict:
    member = archive.extractfile(MANIFEST)
    if member is None:
        raise TermError("the archive has no manifest.json: not a CareerLab course backup")
    return json.loads(member.read())


def _check_members(archive: tarfile.TarFile, people: list[str]) -> None:
    """Only our own layout, regular files and folders, no way out of the target folders."""
    allowed = {"course", "exchange", *(f"homes/{p}" for p in people)}
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if member.name == MANIFEST:
            continue
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise TermError(f"the archive holds {member.name!r}, which a backup never has")
        top = "/".join(path.parts[:2]) if path.parts[0] == "homes" else path.parts[0]
        if top not in allowed:
            raise TermError(f"the archive holds {member.name!r}, outside the course's data")


def _chown_tree(folder: Path, unix_name: str) -> None:
    account = accounts.ensure_known(unix_name)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)


def restore(layout: Layout, source: Path) -> dict:
    """Put a backed-up course back; refuses to write over anything that exists."""
    with tarfile.open(source, "r:gz") as archive:
        manifest = _read_manifest(archive)
        course_id = manifest["course"]
        people = [*manifest["teachers"], *manifest["students"]]
        _check_members(archive, people)
        names = accounts.AccountMap(layout.state)
        targets = {"course": layout.course(course_id), "exchange": layout.exchange / course_id}
        for person in people:
            targets[f"homes/{person}"] = layout.homes / names.unix_name(person) / course_id
        existing = [str(t) for t in targets.values() if t.exists()]
        if existing:
            raise TermError(f"not restoring over existing data: {', '.join(existing)}")
        with tempfile.TemporaryDirectory(dir=layout.root) as scratch:
            archive.extractall(scratch)  # members checked above: files and folders only
            layout.make_folders()
            if not layout.single_account:
                course_account = accounts.course_account(course_id)
                accounts.ensure(course_account, targets["course"], comment=f"course {course_id}")
                shutil.rmtree(targets["course"])  # useradd's empty home; the backup replaces it
                accounts.ensure(accounts.EXCHANGE_ACCOUNT, layout.exchange, comment="exchange")
                for person in people:
                    unix_name = names.unix_name(person)
                    accounts.ensure(unix_name, layout.homes / unix_name, comment=person)
            for part, target in targets.items():
                unpacked = Path(scratch) / part
                if not unpacked.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(unpacked), target)
                if layout.single_account:
                    continue
                if part == "course":
                    _chown_tree(target, accounts.course_account(course_id))
                elif part == "exchange":
                    _chown_tree(target, accounts.EXCHANGE_ACCOUNT)
                else:
                    _chown_tree(target, names.unix_name(part.split("/", 1)[1]))
    return manifest


def _running(unix_name: str) -> bool:
    return subprocess.run(["pgrep", "-u", unix_name], capture_output=True).returncode == 0


def retire(layout: Layout, classroom: Classroom, course_id: str, archive: Path) -> list[str]:
    """Back the course up, then delete its data and accounts; returns what was removed."""
    course = classroom.course(course_id)
    names = accounts.AccountMap(layout.state)
    course_account = accounts.course_account(course_id)
    if not layout.single_account and accounts.exists(course_account) and _running(course_account):
        raise TermError(f"{course_id}'s formgrader is running: stop the hub first")
    backup(layout, classroom, course_id, archive)
    with tarfile.open(archive, "r:gz") as check:  # the archive reads back before we delete
        if _read_manifest(check)["course"] != course_id or not check.getmembers():
            raise TermError(f"the archive {archive} does not read back; nothing was deleted")
    removed = []
    others = {p for c in classroom.courses if c.id != course_id for p in _people(c)}
    for person in _people(course):
        unix_name = names.unix_name(person)
        home = layout.homes / unix_name
        if person in others:
            shutil.rmtree(home / course_id, ignore_errors=True)
            removed.append(f"{home / course_id}")
            continue
        if not layout.single_account:
            accounts.remove(unix_name)
        shutil.rmtree(home, ignore_errors=True)
        removed.append(f"{unix_name} ({person}) and {home}")
    shutil.rmtree(layout.exchange / course_id, ignore_errors=True)
    shutil.rmtree(layout.course(course_id), ignore_errors=True)
    removed.append(str(layout.course(course_id)))
    if not layout.single_account:
        accounts.remove(course_account)
        removed.append(course_account)
    return removed
