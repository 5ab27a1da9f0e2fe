"""CPU seconds a student's Jupyter server costs to start: forked from the warm process (the
default) against started the usual way (``--no-warm``), on a real hub.

For each way it starts a small hub of its own (``/srv/careerlab-z2bench``, course
``srv-101``), starts three students' servers one after another, and reads the CPU time
(utime + stime, /proc/<pid>/stat) of every process of the student's account when the hub
reports the server ready, and again 3 s later (JupyterLab keeps working a moment after it
answers). A forked server's count starts at the fork: what the warm process did before is
not in it. Needs no quiet machine: CPU time, not elapsed time.

Run as root: .venv/bin/python bench/server_start.py
Last line: warm_cpu_s=<mean> cold_cpu_s=<mean> (at ready)
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

from careerlab.testing.hub import forget_previous_run, start_hub

REPO = Path(__file__).resolve().parent.parent
ROOT = Path("/srv/careerlab-z2bench")
STUDENTS = [f"srv{i}.bench" for i in range(1, 4)]
CLASSROOM = {
    "courses": [
        {
            "id": "srv-101",
            "title": "Server start",
            "projects": ["coffee-site"],
            "teachers": ["srv.teacher"],
            "students": STUDENTS,
        }
    ]
}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(uid: int) -> float:
    """utime + stime of every process of ``uid``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid != uid:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def measure(extra: tuple[str, ...]) -> list[tuple[float, float]]:
    hub = start_hub(REPO, ROOT, CLASSROOM, extra)
    try:
        time.sleep(15)  # the warm processes finish their imports (not counted)
        names = json.loads((ROOT / "hub" / "accounts.json").read_text())
        seen = []
        for name in STUDENTS:
            person = hub.person(name)
            person.start_server()
            uid = int(os.stat(ROOT / "home" / names[name]).st_uid)
            at_ready = cpu_seconds(uid)
            time.sleep(3)
            seen.append((at_ready, cpu_seconds(uid)))
        log = hub.log.read_text()
        forked = log.count("Forking ") - log.count("No warm server")
        print(f"  {'warm' if not extra else 'cold'}: {forked} of {len(STUDENTS)} forked")
        return seen
    finally:
        hub.stop()


def main() -> int:
    results = {}
    try:
        for way, extra in (("warm", ()), ("cold", ("--no-warm",))):
            print(f"{way}: starting a hub in {ROOT} ...", flush=True)
            results[way] = measure(extra)
            for at_ready, later in results[way]:
                print(f"  {way}: {at_ready:.2f} CPU s at ready, {later:.2f} CPU s 3 s later")
    finally:
        forget_previous_run(ROOT, CLASSROOM)  # its accounts and folders
    warm = statistics.mean(r for r, _ in results["warm"])
    cold = statistics.mean(r for r, _ in results["cold"])
    print(f"warm_cpu_s={warm:.2f} cold_cpu_s={cold:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
