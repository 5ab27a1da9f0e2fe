"""How long a student waits for a workbook, next to a plain notebook, in a real browser.

One JupyterLab (the course's configuration, tests/servers.py) and Debian's chromium. Each
repetition opens a fresh student copy of a released workbook and, interleaved with it (the
order alternates), a plain notebook that imports pandas, matplotlib.pyplot and ipywidgets and
shows one ipywidgets control (RadioButtons whose handler writes the choice to a file). For
each it measures, as a student meets it:

- open: from loading the notebook's page, waiting for its kernel, Run > Run All Cells, to
  the first task usable: its first option clicked and the choice written to disk by the
  kernel (the click is made when the run is over: a kernel answers a click only after
  every cell Run All queued before it);
- restart: Kernel > Restart Kernel and Run All Cells, to the new first task usable the
  same way (a different option, so the file must change).

Each phase also reads the CPU seconds the kernel, the browser and the Jupyter server used
(/proc), which a busy machine disturbs less than elapsed time: where a difference comes from.
A warm-up round (not counted) fills the browser's and the disk's caches first. Each
notebook's time per repetition is open + restart; the last line gives their medians:

    workbook_s=<median> plain_s=<median> ratio=<workbook/plain>

Run: python bench/workbook_open.py [--project coffee-site] [--repeat 3] [--keep DIR]
(the project is released in a temporary copy of the course first; the machine should be
as quiet as you can make it, but the ratio of the two, measured side by side, is what counts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the suite's real-server helpers, reused as they are

from careerlab.workbook.answers import answers_filename  # noqa: E402
from tests.conftest import BIN, make_course, run_app  # noqa: E402
from tests.lab_page import wait_for_idle_kernel  # noqa: E402
from tests.servers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    call_api,
    jupyter_lab,
    wait_until,
)

PLAIN_ANSWER = "plain.answer.json"
PLAIN_CELLS = [
    "import json\n\nimport ipywidgets as widgets\nimport matplotlib.pyplot as plt\n"
    "import pandas as pd",
    "choice = widgets.RadioButtons(\n"
    '    options=["Downtown", "Riverside", "Old Mill"], index=None, description="Pick one"\n'
    ")\n"
    'choice.add_class("plain-task")\n\n\n'
    "def saved(change):\n"
    f'    with open("{PLAIN_ANSWER}", "w") as handle:\n'
    '        json.dump(change["new"], handle)\n\n\n'
    'choice.observe(saved, names="value")\n'
    "choice",
]

# Run All is over: the kernel is idle and no cell waits to run ([*]).
RUN_OVER = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const prompts = [...panel.node.querySelectorAll('.jp-InputArea-prompt')];
  return !prompts.some(p => p.textContent.includes('*'));
}"""
# Views drawn before a restart stay on screen until their cell runs again: mark them.
MARK_STALE = """(selector) => {
  for (const node of document.querySelectorAll(selector)) node.dataset.benchStale = '1';
}"""


class Notebook:
    """One notebook the bench opens: where it is, its first task, where its answer lands."""

    def __init__(self, name: str, path: Path, task: str, answer: Path) -> None:
        self.name, self.path, self.task, self.answer = name, path, task, answer


def plain_notebook(folder: Path) -> Path:
    folder.mkdir(parents=True)
    cells = [
        {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
         "execution_count": None}
        for source in PLAIN_CELLS
    ]  # fmt: skip
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / "plain.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def copies(base: Path, released: Path, project: str, round_name: str) -> list[Notebook]:
    """A fresh student copy of the workbook and a fresh plain notebook for one round."""
    folder = base / round_name
    student = folder / project
    shutil.copytree(released, student)
    plain = plain_notebook(folder / "plain")
    return [
        Notebook(
            "workbook",
            student / f"{project}.ipynb",
            ".careerlab-task",
            student / answers_filename(project),
        ),
        Notebook("plain", plain, ".plain-task", plain.parent / PLAIN_ANSWER),
    ]


def menu(page, top: str, item: str) -> None:
    import re

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}")).click()


def first_task_usable(page, notebook: Notebook, option: int, before: str | None) -> None:
    """Click ``option`` of the first fresh task view once the run is over; return once the
    kernel wrote it. The kernel answers a click only after every cell queued before it
    (Run All queues them all at once), so waiting for the run's end costs nothing. Views of
    the old kernel stay on show until their cell runs again; they take no clicks
    (careerlab.workbook.lab_extension makes them inert), so only fresh views are clicked."""
    radio = page.locator(f"{notebook.task}:not([data-bench-stale]) input[type=radio]").nth(option)
    radio.wait_for(state="visible", timeout=120_000)
    page.wait_for_function(RUN_OVER, timeout=120_000, polling=50)
    radio.check(timeout=120_000)

    def written() -> bool:
        try:
            text = notebook.answer.read_text(encoding="utf-8")
        except OSError:
            return False
        return text != before and bool(text.strip())

    try:
        wait_until(written, f"{notebook.name}'s answer on disk", timeout=120)
    except AssertionError:
        shot = notebook.path.with_suffix(".failure.png")
        page.screenshot(path=str(shot), full_page=True)
        print(f"(screenshot: {shot}; answer file: {notebook.answer})", file=sys.stderr)
        raise


TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_part() -> dict[int, tuple[str, float]]:
    """pid -> (part, CPU seconds so far) for every process this bench started: the kernels,
    the Jupyter server, and the browser (chromium and Playwright's driver)."""
    parents: dict[int, int] = {}
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        part = "kernel" if b"ipykernel" in command else "server" if b"jupyter" in command else ""
        found[pid] = (part or "browser", (int(fields[11]) + int(fields[12])) / TICK)

    def ours(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return {pid: seen for pid, seen in found.items() if ours(pid)}


def cpu_since(before: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds each part used since ``before`` (a process that ended meanwhile is not
    counted: an old kernel shutting down)."""
    used = {"kernel": 0.0, "browser": 0.0, "server": 0.0}
    for pid, (part, seconds) in cpu_by_part().items():
        used[part] += seconds - before.get(pid, (part, 0.0))[1]
    return used


def measure(context, server: Server, notebook: Notebook, workspace: str) -> dict[str, float]:
    """For one notebook, in a new tab, in seconds: ``open`` (to usable; ``ready``: until its
    kernel was idle) and ``restart`` (to usable), and the CPU seconds of each part in each
    phase (``open_kernel``, ``restart_browser``...)."""
    relative = notebook.path.relative_to(server.root).as_posix()
    url = f"{server.url}/lab/workspaces/{workspace}/tree/{relative}?token={server.token}"
    seen: dict[str, float] = {}

    page = context.new_page()
    page.set_default_timeout(120_000)
    cpu = cpu_by_part()
    started = time.perf_counter()
    page.goto(url)

    wait_for_idle_kernel(page, relative, "the notebook to open with an idle kernel", timeout=120)
    seen["ready"] = time.perf_counter() - started
    menu(page, "Run", "Run All Cells")
    first_task_usable(page, notebook, 0, None)
    seen["open"] = time.perf_counter() - started
    seen.update({f"open_{part}": used for part, used in cpu_since(cpu).items()})

    before = notebook.answer.read_text(encoding="utf-8")
    page.evaluate(MARK_STALE, notebook.task)
    menu(page, "Kernel", "Restart Kernel and Run All Cells")
    dialog = page.locator(".jp-Dialog", has_text="Restart Kernel?")
    cpu = cpu_by_part()
    dialog.locator(".jp-mod-accept").click(timeout=10_000)
    started = time.perf_counter()
    first_task_usable(page, notebook, 1, before)
    seen["restart"] = time.perf_counter() - started
    seen.update({f"restart_{part}": used for part, used in cpu_since(cpu).items()})

    page.close(run_before_unload=False)
    status, sessions = call_api(server, "GET", "/api/sessions")
    for session in sessions if status == 200 else []:
        call_api(server, "DELETE", f"/api/sessions/{session['id']}")
    return seen


def run_rounds(
    base: Path, project: str, repeat: int, sync_playwright
) -> dict[str, list[dict[str, float]]]:
    """The warm-up round, then ``repeat`` rounds: what ``measure`` saw, per notebook."""
    root = base / "course"
    released = root / "release" / project
    if not released.is_dir():  # a kept folder keeps its release
        shutil.rmtree(root, ignore_errors=True)
        make_course(root)
        run_app(root, str(BIN / "careerlab"), "release", project)
    students = base / "students"
    shutil.rmtree(students, ignore_errors=True)
    students.mkdir(parents=True)
    samples: dict[str, list[dict[str, float]]] = {"workbook": [], "plain": []}
    with (
        jupyter_lab(root, students, base / "state") as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        for round_index in range(repeat + 1):
            notebooks = copies(students, released, project, f"round{round_index}")
            if round_index % 2:
                notebooks.reverse()  # interleaved: neither always goes first
            for notebook in notebooks:
                seen = measure(context, server, notebook, f"{notebook.name}{round_index}")
                label = f"round {round_index}" if round_index else "warm-up (not counted)"
                print(
                    f"{label} {notebook.name}: open {seen['open']:.2f} s (kernel ready at "
                    f"{seen['ready']:.2f} s), restart {seen['restart']:.2f} s; CPU s open/restart:"
                    + "".join(
                        f" {part} {seen['open_' + part]:.2f}/{seen['restart_' + part]:.2f}"
                        for part in ("kernel", "browser", "server")
                    ),
                    flush=True,
                )
                if round_index:
                    samples[notebook.name].append(seen)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", default="coffee-site")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", metavar="DIR", help="work in DIR and keep it (a second run reuses its release)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    # Stopped with SIGTERM: still stop the server, its kernels and the browser (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not CHROMIUM.exists():
        sys.exit(f"Needs {CHROMIUM} (make test-deps).")

    base = Path(args.keep or tempfile.mkdtemp(prefix="workbook-open-")).resolve()
    try:
        samples = run_rounds(base, args.project, args.repeat, sync_playwright)
    finally:
        if args.keep:
            print(f"(kept in {base})")
        else:
            shutil.rmtree(base, ignore_errors=True)

    def median(name: str, pick: Callable[[dict[str, float]], float]) -> float:
        return statistics.median(pick(seen) for seen in samples[name])

    for what in ("open", "restart", *(f"{phase}_{part}" for phase in ("open", "restart")
                                       for part in ("kernel", "browser"))):  # fmt: skip
        workbook, plain = median("workbook", itemgetter(what)), median("plain", itemgetter(what))
        unit = "s" if "_" not in what else "CPU s"
        print(
            f"{what}: workbook {workbook:.2f} {unit}, plain {plain:.2f} {unit}, "
            f"ratio {workbook / plain:.2f}"
        )
    workbook = median("workbook", lambda seen: seen["open"] + seen["restart"])
    plain = median("plain", lambda seen: seen["open"] + seen["restart"])
    print(f"workbook_s={workbook:.2f} plain_s={plain:.2f} ratio={workbook / plain:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
