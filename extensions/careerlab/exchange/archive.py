"""A folder of work as one tar.gz, and a tar.gz back into a folder, refusing anything unsafe.

The hub exchange (``careerlab.exchange.service`` and ``careerlab.exchange.hub``)
moves assignments, submissions and feedback as archives. An archive is as
untrusted as the folder it came from: a member may be a link (to the gradebook,
another student's work, /etc/shadow), a device or FIFO, an absolute path or a
``../`` path that lands outside the folder, or a small gzip that inflates to
gigabytes. Python's own ``tarfile.data_filter`` is missing on the hub's Python
(Debian's 3.11.2), so every member is checked here by hand, all of them before
anything is written:

- only regular files and folders; names relative, without ``.``/``..`` parts,
  backslashes or control characters, each name once;
- nbgrader's size limits (``files.SizeLimits``: ``max_file_size`` per file,
  ``max_dir_size`` in all) and ``files.MAX_ENTRIES`` members; the gzip stream is
  inflated only up to what those limits allow;
- written with ``O_CREAT | O_EXCL | O_NOFOLLOW``, files 0600 and folders 0700,
  into a folder that did not exist before.

``pack`` walks a folder with ``files.check_submission`` (lstat only) and opens
each file with ``O_NOFOLLOW | O_NONBLOCK``, checking it again with
``files.check_entry``, so a file swapped for a link after the walk is refused.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from careerlab.exchange.files import (
    MAX_ENTRIES,
    SizeLimits,
    UnsafeSubmission,
    check_entry,
    check_submission,
)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# Tar headers (512 bytes each, a pax header and a long name per member at most) on
# top of the files' own bytes: the most an honest archive inflates to.
_HEADER_ALLOWANCE = 3 * 512
_MAX_NAME = 1024


class ArchiveError(Exception):
    """An archive (or a folder to pack) that is refused; ``reason`` is a short code
    (unsafe-file, too-large, bad-name, bad-archive) and the message says what and where."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Member:
    name: str  # relative, with '/' separators
    is_dir: bool
    size: int


def _shown(name: str) -> str:
    return ascii(name)[:200]  # a member name is untrusted text


def pack(
    folder: str | os.PathLike[str],
    *,
    limits: SizeLimits,
    skip: Callable[[str, list[str]], set[str]] | None = None,
    drop: Iterable[str] = (),
) -> bytes:
    """The regular files and folders under ``folder`` as tar.gz bytes.

    ``skip`` is shutil.copytree's ignore (nbgrader's ``ignore_patterns``); ``drop``
    names top-level files left out (``timestamp.txt``: the server writes its own).
    ArchiveError if the folder holds a link or special file, or is over ``limits``."""
    root = os.fspath(folder)
    try:
        check_submission(root, limits)
    except UnsafeSubmission as problem:
        raise ArchiveError(problem.reason, problem.detail) from None
    dropped = set(drop)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for current, folders, files in os.walk(root, followlinks=False):
            skipped = skip(current, folders + files) if skip is not None else set()
            folders[:] = sorted(f for f in folders if f not in skipped)
            relative_dir = os.path.relpath(current, root)
            for name in folders:
                relative = os.path.normpath(os.path.join(relative_dir, name))
                info = tarfile.TarInfo(relative.replace(os.sep, "/"))
                info.type, info.mode = tarfile.DIRTYPE, FOLDER_MODE
                archive.addfile(info)
            for name in sorted(files):
                if name in skipped or (relative_dir == "." and name in dropped):
                    continue
                relative = os.path.normpath(os.path.join(relative_dir, name))
                data = _read_file(os.path.join(current, name), relative, limits.max_file_bytes)
                info = tarfile.TarInfo(relative.replace(os.sep, "/"))
                info.size, info.mode = len(data), FILE_MODE
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _read_file(path: str, relative: str, limit: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:  # ELOOP: it became a link after the walk
        raise ArchiveError("unsafe-file", f"{_shown(relative)} cannot be read: {error}") from None
    with os.fdopen(fd, "rb") as reader:
        try:
            check_entry(path, relative, os.fstat(fd))
        except UnsafeSubmission as problem:
            raise ArchiveError(problem.reason, problem.detail) from None
        data = reader.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError("too-large", f"{_shown(relative)} has more than {limit:,} bytes")
    return data


def _inflate(data: bytes, limit: int) -> bytes:
    """gunzip ``data``, but never past ``limit`` bytes (a gzip bomb stops here)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise ArchiveError("bad-archive", f"not a gzip archive ({error})") from None
    if len(raw) > limit or inflater.unconsumed_tail:
        raise ArchiveError("too-large", f"the archive unpacks to more than {limit:,} bytes")
    if not inflater.eof:
        raise ArchiveError("bad-archive", "the gzip archive is cut short")
    return raw


def _check_name(name: str) -> str:
    if not name or len(name) > _MAX_NAME:
        raise ArchiveError("bad-name", f"a member name is empty or too long: {_shown(name)}")
    if name.startswith("/"):
        raise ArchiveError("bad-name", f"{_shown(name)} is an absolute path")
    if "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ArchiveError("bad-name", f"{_shown(name)} has a backslash or control character")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ArchiveError("bad-name", f"{_shown(name)} has an empty, '.' or '..' part")
    return "/".join(parts)


# The member-name rule, also for the project archives of careerlab.author.sharing (zip).
check_name = _check_name


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"a symbolic link to {_shown(member.linkname)}"
    if member.islnk():
        return f"a hard link to {_shown(member.linkname)}"
    if member.isfifo():
        return "a named pipe (FIFO)"
    if member.ischr() or member.isblk():
        return "a device"
    if member.issparse():
        return "a sparse file"
    return f"a special member (type {member.type!r})"


def read_members(
    data: bytes, *, limits: SizeLimits, max_files: int = MAX_ENTRIES
) -> list[tuple[Member, bytes]]:
    """Every member of a tar.gz with its bytes, all checked; ArchiveError names the first
    problem. Nothing is written anywhere."""
    raw = _inflate(data, limits.max_total_bytes + (max_files + 2) * _HEADER_ALLOWANCE)
    members: list[tuple[Member, bytes]] = []
    seen: dict[str, bool] = {}  # name -> is a folder
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            while (member := archive.next()) is not None:
                if len(members) >= max_files:
                    raise ArchiveError("too-large", f"more than {max_files:,} members")
                name = _check_name(member.name)
                is_dir = member.isdir()
                if not (is_dir or (member.isreg() and not member.issparse())):
                    raise ArchiveError("unsafe-file", f"{_shown(name)} is {_kind(member)}")
                if name in seen:
                    raise ArchiveError("bad-name", f"{_shown(name)} appears twice")
                parent = name.rpartition("/")[0]
                if parent and seen.get(parent) is False:
                    raise ArchiveError("bad-name", f"{_shown(name)} is inside a file")
                seen[name] = is_dir
                content = b""
                if not is_dir:
                    if member.size > limits.max_file_bytes:
                        raise ArchiveError(
                            "too-large",
                            f"{_shown(name)} has {member.size:,} bytes (the limit is "
                            f"{limits.max_file_bytes:,}: CourseDirectory.max_file_size)",
                        )
                    total += member.size
                    if total > limits.max_total_bytes:
                        raise ArchiveError(
                            "too-large",
                            f"more than {limits.max_total_bytes:,} bytes in all "
                            "(CourseDirectory.max_dir_size)",
                        )
                    reader = archive.extractfile(member)
                    content = reader.read() if reader is not None else b""
                    if len(content) != member.size:
                        raise ArchiveError("bad-archive", f"{_shown(name)} is cut short")
                members.append((Member(name, is_dir, member.size), content))
    except tarfile.TarError as error:
        raise ArchiveError("bad-archive", f"not a readable tar archive ({error})") from None
    for name in seen:  # a folder implied by a file must not be a file
        parent = name.rpartition("/")[0]
        while parent:
            if seen.get(parent) is False:
                raise ArchiveError("bad-name", f"{_shown(name)} is inside a file")
            parent = parent.rpartition("/")[0]
    return members


def repack(
    data: bytes, *, limits: SizeLimits, drop: Iterable[str] = (), max_files: int = MAX_ENTRIES
) -> tuple[bytes, list[Member]]:
    """A checked archive rebuilt from its members alone (our names, modes, no owners,
    no pax extras), without the top-level files named in ``drop``."""
    dropped = set(drop)
    kept = [
        (member, content)
        for member, content in read_members(data, limits=limits, max_files=max_files)
        if member.name not in dropped
    ]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for member, content in kept:
            info = tarfile.TarInfo(member.name)
            if member.is_dir:
                info.type, info.mode = tarfile.DIRTYPE, FOLDER_MODE
                archive.addfile(info)
            else:
                info.size, info.mode = len(content), FILE_MODE
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue(), [member for member, _ in kept]


def unpack(
    data: bytes,
    dest: str | os.PathLike[str],
    *,
    limits: SizeLimits,
    max_files: int = MAX_ENTRIES,
    drop: Iterable[str] = (),
) -> list[Member]:
    """Check every member, then write them into ``dest`` (which must not exist yet).

    Nothing is written if any member is refused. Files are created 0600 with
    O_EXCL | O_NOFOLLOW (never through a link, never over a file) and folders 0700."""
    members = read_members(data, limits=limits, max_files=max_files)
    dropped = set(drop)
    target = os.fspath(dest)
    os.mkdir(target, FOLDER_MODE)
    written = []
    for member, content in members:
        if member.name in dropped:
            continue
        path = os.path.join(target, *member.name.split("/"))
        if member.is_dir:
            os.makedirs(path, FOLDER_MODE, exist_ok=True)
            written.append(member)
            continue
        os.makedirs(os.path.dirname(path), FOLDER_MODE, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, FILE_MODE)
        with os.fdopen(fd, "wb") as writer:
            writer.write(content)
        written.append(member)
    for current, _, _ in os.walk(target):  # makedirs' mode is masked by the umask
        if stat.S_IMODE(os.lstat(current).st_mode) != FOLDER_MODE:
            os.chmod(current, FOLDER_MODE)
    return written
