"""What a submission's process does to itself before any student code runs.

- Resource limits: address space (memory), the size of any file it writes, no
  core dumps.
- Its own session, so the grader can kill it together with anything it starts.
- Landlock (Linux 5.13+, no privileges needed): from then on the process may
  read only the Python installation, a short list of named system files, and
  its own ``/proc/<pid>``, and write only its private folder. The course
  (gradebook, other submissions, hidden tests, solutions), other processes'
  ``/proc`` entries (environment, command line), ``/etc/shadow`` and home
  folders are out of reach; where the kernel supports it, TCP connections and
  signals to processes outside the sandbox are refused too.
- seccomp: ``socket()`` (every family: UDP, TCP, Unix, netlink, raw) and
  ``io_uring_setup()`` fail with EPERM. The process keeps only the socket to the
  grader it was given.
- When the grader runs as root: the process becomes an unprivileged account
  (``nobody`` by default) once its private folder is handed over to it.

``confine`` applies all of it and says what applied and what did not (and why),
for the report's ``sandbox`` column.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import stat
import struct
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Environment variables the student's code must not see: secrets of the grading
# account (a PostgreSQL gradebook's URL, JupyterHub's API token, cloud keys) and
# the course's location.
SECRET_ENV = re.compile(
    r"(TOKEN|SECRET|PASSW|CREDENTIAL|PRIVATE|_KEY$|^KEY$|DB_URL|DATABASE_URL|COOKIE)"
    r"|^(JUPYTERHUB_|JPY_API|AWS_|GOOGLE_|AZURE_|CAREERLAB_)",
    re.IGNORECASE,
)

# Landlock's interface (linux/landlock.h); the syscall numbers are the same on
# every architecture that has them.
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
# Rights that make sense on a single file (the rest only on folders).
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP (ABI 4)
SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets and signals (ABI 6)


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute ... make_sym
    if abi >= 2:
        rights |= 1 << 13  # refer
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, 0 if none."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(
            _CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION
        )
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


# What Python, numpy, pandas, matplotlib and programs a cell runs (``!ls``) read
# outside the folders above (measured with strace on the CareerLab workbooks).
# Not /etc wholesale (shadow, the machine's keys), not /proc wholesale (every
# process's environment and command line), no home folders.
SYSTEM_FILES = (
    "/etc/localtime",
    "/etc/timezone",
    "/etc/matplotlibrc",
    "/etc/fonts",
    "/etc/mime.types",
    "/etc/passwd",  # user names (ls -l, getpass.getuser); the hashes are in shadow
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/ld.so.cache",
    "/etc/locale.alias",
    "/proc/cpuinfo",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/filesystems",
    "/sys/devices/system/cpu",
    "/sys/fs/cgroup/cpu.max",
    "/sys/fs/cgroup/cpu",
)


def readable_paths(protected: Iterable[Path]) -> list[str]:
    """Folders a submission may read: Python, its packages and the system's own.

    Any candidate that is (or holds) a protected folder, such as the course
    root, is left out, so a stray ``sys.path`` entry cannot open the course.
    """
    candidates: set[str] = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        "/usr",
        "/lib",
        "/lib32",
        "/lib64",
        "/bin",
        "/sbin",
        "/opt",
        *SYSTEM_FILES,
    }
    candidates.update(p for p in sys.path if p)
    # Packages installed in editable mode live outside sys.path entries.
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and getattr(module, "__package__", None) in ("", None, module.__name__):
            top = module.__name__.split(".")[0]
            if top == module.__name__:
                path = Path(file).parent if file.endswith("__init__.py") else Path(file)
                candidates.add(str(path))
    protected_paths = [Path(p).resolve() for p in protected]
    allowed = []
    for candidate in sorted(candidates):
        try:
            path = Path(candidate).resolve()
        except OSError:
            continue
        if not path.exists():
            continue
        if any(path == p or path in p.parents for p in protected_paths):
            continue
        allowed.append(str(path))
    return allowed


_PINNED: list[int] = []


def restrict_files(abi: int, readable: Iterable[str], writable: Iterable[str]) -> None:
    """Apply Landlock to this process: read ``readable``, read and write ``writable``."""
    libc = _libc()
    rights = _fs_rights(abi)
    attr = _RulesetAttr(
        handled_access_fs=rights,
        handled_access_net=NET_ALL if abi >= 4 else 0,
        scoped=SCOPE_ALL if abi >= 6 else 0,
    )
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:

        def allow(path: str, access: int) -> None:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                return
            try:
                if not os.path.isdir(path):
                    access &= FILE_RIGHTS
                rule = _PathBeneathAttr(allowed_access=access & rights, parent_fd=fd)
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            except BaseException:
                os.close(fd)
                raise
            # A rule holds the inode, but /proc makes a new inode for /proc/<pid>
            # whenever its dentry was evicted (memory pressure), and the rule
            # would stop matching: measured with drop_caches. An open descriptor
            # keeps the dentry, so the process keeps its own /proc.
            if path == "/proc" or path.startswith("/proc/"):
                _PINNED.append(fd)
            else:
                os.close(fd)

        for path in readable:
            allow(path, READ)
        for device in ("/dev/null", "/dev/zero", "/dev/full"):
            allow(device, FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV)
        for device in ("/dev/urandom", "/dev/random"):
            allow(device, FS_READ_FILE)
        for path in writable:
            allow(path, rights)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_RESTRICT_SELF, ruleset, 0):
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def die_with_parent() -> None:
    """Ask Linux to kill this process when the process that started it ends."""
    if sys.platform.startswith("linux"):
        import signal

        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def address_space_in_use() -> int:
    """Bytes of address space this process already uses (VmSize)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# Address space kept back for the grader's own report after a notebook ran out
# of memory (see release_memory_reserve); a notebook could take only this much more.
MEMORY_RESERVE = 64 * 1024 * 1024


def set_limits(memory_mb: int, file_mb: int) -> None:
    """Memory on top of what the warm process already holds, file size, no core files."""
    address_space = address_space_in_use() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space + MEMORY_RESERVE))
    file_bytes = file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def release_memory_reserve() -> None:
    """Let the grader's code use the reserve, once the notebook's code is done."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def capture_fds(folder: Path) -> None:
    """Point file descriptors 1 and 2 at private files (read back after each cell)
    and 0 at /dev/null, as a kernel started by nbclient has no terminal."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, name in ((1, ".stdout"), (2, ".stderr")):
        path = folder / name
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        os.unlink(path)
        os.dup2(handle, fd)  # dup2 clears close-on-exec, so subprocesses write here too
        os.close(handle)


def clean_environment() -> None:
    for name in list(os.environ):
        if SECRET_ENV.search(name):
            del os.environ[name]


# --- The warm process's environment ---------------------------------------------------
# The only variables the warm process starts with. /proc/<pid>/environ shows a
# process's environment as it was when it started, whatever is deleted from
# os.environ later, so secrets must never be in it to begin with.
_KEPT_ENV = re.compile(
    r"^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|PYTHONPATH|MPLBACKEND|MPLCONFIGDIR)$"
)


def warm_environment(environ: Mapping[str, str], home: str) -> dict[str, str]:
    """The environment to start the warm process with: what Python and matplotlib
    need, HOME pointing to an empty folder, and nothing else of the grader's."""
    env = {k: v for k, v in environ.items() if _KEPT_ENV.match(k) and not SECRET_ENV.search(k)}
    env.setdefault("PATH", os.defpath)
    env["HOME"] = home
    return env


# --- Everything together ----------------------------------------------------------------
@dataclass
class Confinement:
    """How each child fences itself in; worked out once, in the warm process."""

    readable: list[str]
    landlock: int
    uid: int | None = None  # the account to become when running as root
    gid: int | None = None
    no_drop: str = ""  # why there is none


def plan(readable: list[str], account: str) -> Confinement:
    """The confinement for this machine, run as this process's user."""
    confinement = Confinement(readable=readable, landlock=landlock_abi())
    if os.geteuid() != 0:
        confinement.no_drop = "the grader is not root"
    elif not account:
        confinement.no_drop = "no account configured"
    else:
        import pwd

        try:
            entry = pwd.getpwnam(account)
        except KeyError:
            confinement.no_drop = f"no account named {account!r}"
        else:
            if entry.pw_uid == 0:
                confinement.no_drop = f"{account!r} is root"
            else:
                confinement.uid, confinement.gid = entry.pw_uid, entry.pw_gid
    return confinement


def confine(confinement: Confinement, root: Path) -> str:
    """Fence this (forked) process in, writing only under ``root``; says what applied."""
    applied: list[str] = []
    uid, gid = confinement.uid, confinement.gid
    no_drop = confinement.no_drop
    if uid is not None and gid is not None:
        try:
            expose([*confinement.readable, str(root)], uid, gid)
            hand_over(root, uid, gid)
        except OSError as error:
            no_drop, uid = f"cannot prepare its files: {error}", None
    abi = confinement.landlock
    if abi:
        own_proc = f"/proc/{os.getpid()}"
        try:
            restrict_files(abi, [*confinement.readable, own_proc], [str(root)])
            applied += [f"landlock-v{abi}", "proc=own"]
        except OSError as error:
            applied.append(f"no landlock ({error})")
    else:
        applied.append("no landlock (the kernel has none)")
    try:
        refuse_sockets()
        applied.append("seccomp-sockets")
    except OSError as error:
        applied.append(f"no seccomp ({error})")
    if uid is not None and gid is not None:
        become(uid, gid)
        applied.append(f"uid={uid}")
    else:
        applied.append(f"uid={os.geteuid()} (not dropped: {no_drop})")
    return ", ".join(applied)


# --- An unprivileged account ------------------------------------------------------------
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
_OPEN_TREE, _MOVE_MOUNT = 428, 429  # the same number on x86_64 and aarch64
_OPEN_TREE_CLONE, _AT_RECURSIVE, _MOVE_MOUNT_F_EMPTY_PATH = 1, 0x8000, 4
_AT_FDCWD = -100


def _can_pass(path: Path, uid: int, gid: int) -> bool:
    info = os.stat(path)
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == gid:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _closed_ancestor(path: str, uid: int, gid: int) -> Path | None:
    for parent in reversed(Path(path).parents):
        if not _can_pass(parent, uid, gid):
            return parent
    return None


def expose(paths: Iterable[str], uid: int, gid: int) -> list[str]:
    """Make ``paths`` reachable for ``uid`` without opening anything else to it.

    Python is often installed where only root may pass (pyenv under /root, 0700).
    In a private mount namespace, each such folder is covered with an empty
    tmpfs into which only the paths the process needs are bound back at the same
    place; the rest of it (root's home) is not there at all. Returns the folders
    covered.
    """
    covers: dict[Path, list[str]] = {}
    for path in sorted(set(paths)):
        closed = _closed_ancestor(path, uid, gid)
        if closed is not None:
            covers.setdefault(closed, []).append(path)
    if not covers:
        return []
    libc = _libc()

    def check(result: int, what: str) -> int:
        if result < 0:
            raise OSError(ctypes.get_errno(), f"{what} failed")
        return result

    check(libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount(private)")
    for folder, needed in covers.items():
        # Only the outermost paths: the rest come with them.
        needed = [p for p in needed if not any(Path(q) in Path(p).parents for q in needed)]
        trees = []
        for path in needed:
            flags = _OPEN_TREE_CLONE | _AT_RECURSIVE | os.O_CLOEXEC
            trees.append(
                (
                    path,
                    check(libc.syscall(_OPEN_TREE, _AT_FDCWD, path.encode(), flags), "open_tree"),
                )
            )
        check(
            libc.mount(
                b"tmpfs", str(folder).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755"
            ),
            f"mount(tmpfs on {folder})",
        )
        for path, tree in trees:
            target = Path(path)
            for parent in reversed(target.parents):
                if folder in parent.parents:
                    parent.mkdir(mode=0o755, exist_ok=True)
            if os.path.isdir(f"/proc/self/fd/{tree}"):
                target.mkdir(mode=0o755, exist_ok=True)
            else:
                target.touch(mode=0o644, exist_ok=True)
            flags = _MOVE_MOUNT_F_EMPTY_PATH
            check(
                libc.syscall(_MOVE_MOUNT, tree, b"", _AT_FDCWD, path.encode(), flags),
                f"move_mount({path})",
            )
            os.close(tree)
    return [str(folder) for folder in covers]


def hand_over(root: Path, uid: int, gid: int) -> None:
    """Give the private folder to ``uid``, never following a link.

    An earlier notebook of the same submission ran here as ``uid`` and may have
    left links (or a process that swaps folders for links): fwalk and
    fchownat(AT_SYMLINK_NOFOLLOW) work on what is there, and a file with other
    hard links (it could be anyone's) is left alone.
    """
    os.chown(root, uid, gid, follow_symlinks=False)
    for _, folders, files, folder_fd in os.fwalk(root, follow_symlinks=False):
        for name in folders + files:
            info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                continue
            os.chown(name, uid, gid, dir_fd=folder_fd, follow_symlinks=False)


def become(uid: int, gid: int) -> None:
    """Drop root for good: no groups, and real, effective and saved ids all ``uid``."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise OSError("the account change did not take")


# --- seccomp: no new sockets ----------------------------------------------------------
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_RET_ALLOW, _RET_EPERM = 0x7FFF0000, 0x00050000 | 1
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_IO_URING_SETUP = 425
# machine: (AUDIT_ARCH_*, socket's number, has the x32 ABI)
_ARCHES = {"x86_64": (0xC000003E, 41, True), "aarch64": (0xC00000B7, 198, False)}


def _filter(arch: int, socket_nr: int, x32: bool) -> bytes:
    """A BPF program: socket() and io_uring_setup() fail with EPERM (never a kill:
    a refused socket is the cell's error), and so does every call made through
    another architecture's entry (32-bit int 0x80, x32), where the numbers differ."""
    checks = [(_JGE_K, 0x40000000)] if x32 else []  # x32 numbers have bit 30 set
    checks += [(_JEQ_K, socket_nr), (_JEQ_K, _IO_URING_SETUP)]
    deny = 3 + len(checks) + 1  # index of the EPERM return, after the ALLOW one
    program = [
        (_LD_ABS_W, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 0, deny - 2, arch),  # jumps count from the next instruction
        (_LD_ABS_W, 0, 0, 0),  # seccomp_data.nr
    ]
    for op, value in checks:
        program.append((op, deny - len(program) - 1, 0, value))
    program += [(_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, _RET_EPERM)]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def refuse_sockets() -> None:
    """Install the seccomp filter: from now on this process and its children open no socket."""
    machine = os.uname().machine
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        raise OSError(f"not on {sys.platform}/{machine}")
    code = _filter(*_ARCHES[machine])
    buffer = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = _Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
