"""A submission is regular files and folders only, of a bounded size.

Everything in a submission folder is the student's: a symbolic link there (to
the gradebook, ``solutions.yml``, a classmate's answers file, /etc/passwd) is
followed by every tool that copies or reads the folder outside the grading
sandbox, and a link to /dev/zero, a FIFO or a socket makes a copy endless or
blocks it forever. So before anything copies or opens a submission, it is
walked with ``lstat`` only (nothing is opened, no link followed), and refused
if it holds anything but regular files and folders or is over nbgrader's own
size limits (``CourseDirectory.max_file_size`` and ``max_dir_size``, in
kilobytes). Copies (``careerlab.exchange.collect``) open each file with
``O_NOFOLLOW | O_NONBLOCK`` and check it again, since a student can swap a
file for a link between the check and the copy.

Used by ``careerlab.exchange.collect.SafeCollect`` (``nbgrader collect``),
``FastAutograde._prepare`` (``careerlab autograde``) and
``quarantine_before_autograde`` (stock ``nbgrader autograde``'s pre-convert hook).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_ENTRIES = 10_000  # files and folders in one submission
_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


class UnsafeSubmission(Exception):
    """A submission that is not only regular files and folders, or is too large."""

    def __init__(self, reason: str, detail: str, path: str = ""):
        super().__init__(detail)
        self.reason = reason  # unsafe-file or too-large
        self.detail = detail
        self.path = path  # the offending entry, relative to the submission


@dataclass(frozen=True)
class SizeLimits:
    max_file_bytes: int
    max_total_bytes: int

    @classmethod
    def of(cls, coursedir: Any) -> SizeLimits:
        """nbgrader's own limits (kilobytes of 1000 bytes, as nbgrader counts them)."""
        return cls(1000 * int(coursedir.max_file_size), 1000 * int(coursedir.max_dir_size))


def _shown(relative: str) -> str:
    # A file name is student text: shown escaped (ascii) and cut.
    return ascii(relative)[:200]


def _what(mode: int, path: str) -> str:
    kind = _KINDS.get(stat.S_IFMT(mode), f"a special file (mode {stat.S_IFMT(mode):o})")
    if stat.S_ISLNK(mode):
        try:  # readlink reads the link itself, never its target
            kind += f" to {ascii(os.readlink(path))[:200]}"
        except OSError:
            pass
    return kind


def check_entry(path: str, relative: str, info: os.stat_result) -> None:
    """Refuse anything but a regular file or folder.

    Hard links are regular files and are let through: refusing them would refuse the
    classmate whose file was linked too, and the kernel (fs.protected_hardlinks)
    only lets a student hard-link a file they could read and write anyway."""
    if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
        raise UnsafeSubmission(
            "unsafe-file", f"{_shown(relative)} is {_what(info.st_mode, path)}", relative
        )


def check_submission(folder: str | os.PathLike[str], limits: SizeLimits) -> None:
    """Walk ``folder`` with lstat only; UnsafeSubmission names the first problem."""
    root = os.fspath(folder)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeSubmission(
            "unsafe-file", f"the submission folder is {_what(info.st_mode, root)}"
        )
    total, entries = 0, 0
    pending = [root]
    while pending:
        current = pending.pop()
        with os.scandir(current) as listing:
            for entry in listing:
                entries += 1
                relative = os.path.relpath(entry.path, root)
                if entries > MAX_ENTRIES:
                    raise UnsafeSubmission(
                        "too-large", f"more than {MAX_ENTRIES:,} files and folders", relative
                    )
                info = entry.stat(follow_symlinks=False)
                check_entry(entry.path, relative, info)
                if stat.S_ISDIR(info.st_mode):
                    pending.append(entry.path)
                    continue
                if info.st_size > limits.max_file_bytes:
                    raise UnsafeSubmission(
                        "too-large",
                        f"{_shown(relative)} has {info.st_size:,} bytes (the limit is "
                        f"{limits.max_file_bytes:,}: CourseDirectory.max_file_size)",
                        relative,
                    )
                total += info.st_size
                if total > limits.max_total_bytes:
                    raise UnsafeSubmission(
                        "too-large",
                        f"the submission has more than {limits.max_total_bytes:,} bytes "
                        "(CourseDirectory.max_dir_size)",
                        relative,
                    )


def _copy_file(source: str, target: str, relative: str, limit: int) -> None:
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # it became a link after the check
            raise UnsafeSubmission(
                "unsafe-file", f"{_shown(relative)} is a symbolic link", relative
            ) from None
        raise
    with os.fdopen(fd, "rb") as reader:
        info = os.fstat(fd)
        check_entry(source, relative, info)
        with open(target, "xb") as writer:
            copied = 0
            while chunk := reader.read(1 << 20):
                copied += len(chunk)
                if copied > limit:
                    raise UnsafeSubmission(
                        "too-large", f"{_shown(relative)} grew past {limit:,} bytes", relative
                    )
                writer.write(chunk)


def safe_copy(
    source: str,
    target: str,
    limits: SizeLimits,
    ignore: Callable[[str, list[str]], set[str]] | None = None,
) -> None:
    """Copy a checked submission folder, refusing anything that changed into a link or
    special file since the check. ``ignore`` is shutil.copytree's (nbgrader's patterns)."""
    check_submission(source, limits)
    os.makedirs(target)
    for current, folders, files in os.walk(source, followlinks=False):
        skipped = ignore(current, folders + files) if ignore is not None else set()
        folders[:] = [f for f in folders if f not in skipped]
        here = os.path.join(target, os.path.relpath(current, source))
        for name in folders:
            os.makedirs(os.path.join(here, name), exist_ok=True)
        for name in files:
            if name in skipped:
                continue
            path = os.path.join(current, name)
            relative = os.path.relpath(path, source)
            _copy_file(path, os.path.join(here, name), relative, limits.max_file_bytes)


QUARANTINE_SUFFIX = ".refused"


def quarantine_before_autograde(assignment: str, student: str, notebooks: list[str]) -> None:
    """Stock ``nbgrader autograde``'s pre-convert hook (``c.Autograde.pre_convert_hook``).

    nbgrader swallows every error a hook raises, so a hook cannot refuse a
    submission. Instead, every unsafe entry is moved (renamed: never opened) out of
    the submission into ``<assignment>.refused/`` beside it, and logged as an error;
    nbgrader then grades what is left (a notebook that was a link scores zero, as a
    missing notebook). ``careerlab autograde`` refuses the whole submission instead."""
    import logging

    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Application

    if not notebooks:
        return
    app = Application.instance() if Application.initialized() else None
    limits = SizeLimits.of(CourseDirectory(parent=app))
    folder = os.path.dirname(notebooks[0])
    log = app.log if app is not None else logging.getLogger(__name__)
    while True:
        try:
            check_submission(folder, limits)
            return
        except UnsafeSubmission as problem:
            if not problem.path:  # the folder itself is a link: nothing of it is graded
                os.rename(folder, folder + QUARANTINE_SUFFIX)
                log.error(
                    "%s (%s): %s; renamed, not graded", folder, problem.reason, problem.detail
                )
                return
            aside = Path(folder + QUARANTINE_SUFFIX) / problem.path
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.rename(os.path.join(folder, problem.path), aside)
            log.error(
                "%s (%s): %s; moved to %s, the rest is graded",
                *(folder, problem.reason, problem.detail, aside),
            )
