"""Finding a hub's warm processes (careerlab.hub.warm_kernels, warm_servers) in /proc.

A forked kernel or server keeps its warm process's command line (fork, no exec), so the
socket option alone matches the children too; once pids wrap around (pid_max, often 32768,
after a long test run) a child can have a lower pid than its warm process. The warm process
is the one match whose parent is not itself a match (its parent is the hub)."""

from __future__ import annotations

from pathlib import Path


def _stat(pid: str) -> list[str]:
    """/proc/<pid>/stat's fields after the command name: state, parent, ..."""
    return (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()


def warm_process(socket: Path | str) -> int:
    """The pid of the warm process listening on ``socket``."""
    wanted = f"--socket={socket}".encode()
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "cmdline").read_bytes().split(b"\0"):
                    parents[int(entry.name)] = int(_stat(entry.name)[1])
            except (OSError, IndexError):
                continue  # ended while we looked
    found = [pid for pid, parent in parents.items() if parent not in parents]
    assert len(found) == 1, (f"not one warm process for {socket}", parents)
    return found[0]


def children(pid: int) -> dict[int, str]:
    """The children of ``pid``, each with its state letter (Z: a zombie)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(entry.name)
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found[int(entry.name)] = fields[0]
    return found
