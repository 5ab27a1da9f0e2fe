"""What a submission's process does to itself before any student code runs.

- Resource limits: address space (memory), the size of any file it writes, no
  core dumps.
- Its own session, so the grader can kill it together with anything it starts.
- Landlock (Linux 5.13+, no privileges needed): from then on the process may
  read only the Python installation and system folders, and write only its
  private folder. The course (gradebook, other submissions, hidden tests,
  solutions) is out of reach; where the kernel supports it, TCP connections and
  signals to processes outside the sandbox are refused too. Where Landlock is
  missing the limits still apply, and the report says the files were not
  fenced off.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import sys
from collections.abc import Iterable
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
        "/etc",
        "/opt",
        "/proc",
        "/sys",
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
            finally:
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
