"""The tests find a warm process by its socket even when a child it forked (which keeps its
command line) has a lower pid, as after the pids wrap around in a long run (seen in CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from .warm_processes import children, warm_process

# Forks a child with a lower pid than its own (as root: the next pid is set in ns_last_pid),
# prints the child's pid, and waits.
_WARM_LIKE = r"""
import os, sys, time
with open("/proc/sys/kernel/ns_last_pid", "w") as last:
    last.write(str(os.getpid() // 2))
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def test_the_warm_process_is_found_below_a_child_with_a_lower_pid(tmp_path):
    socket = tmp_path / "servers.sock"
    last_pid = Path("/proc/sys/kernel/ns_last_pid")
    was = int(last_pid.read_text())
    warm = subprocess.Popen(
        [sys.executable, "-c", _WARM_LIKE, f"--socket={socket}"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        child = int(warm.stdout.readline())
        assert child < warm.pid, (child, warm.pid)  # the case from CI, made on purpose
        assert warm_process(socket) == warm.pid
        assert child in children(warm.pid)
    finally:
        os.killpg(warm.pid, signal.SIGKILL)
        warm.wait()
        # Pids go on from where they were, as the rest of the run expects (new pids higher).
        last_pid.write_text(str(max(was, int(last_pid.read_text()))))
