"""How fast the rubric grading page opens the next submission: today's code against this one.

It builds a simulated class (``careerlab simulate``'s: correct, partial, wrong and empty
work, autograded with ``careerlab autograde``), copies it twice, and runs a real Jupyter
server on each copy: one with the grading page as it was at ``--baseline`` (a commit, read
with ``git archive``, put first on PYTHONPATH), one with this working tree. On each it does
what a teacher does: open the grading page, pause, open the project's list of submissions,
pause, then open every submission in order (the page, then its JSON twin
``careerlab/api/grade/<assignment>/<student>``), give one criterion a level, pause
``--pause`` seconds, go on. Between views it makes the changes a cache could miss, and
checks that the next view shows each of them (stale views are counted and fail the run):

- a save in this tab (the level just given, in the JSON read right after it);
- another tab (a level given to the next student by a second client, before it is opened);
- another grader (``careerlab rubric score`` in its own process, before the student is opened);
- a re-autograde (an empty submission replaced by a correct one and ``careerlab autograde
  --force``; its autograde points and rendered work must change).

Times are wall-clock from request to the last byte, on whatever else the machine is doing.
``first`` is the first submission opened after the list; ``next`` is every later one. A page
whose work is not rendered yet is sent without it (the rubric, the autograde results and the
keyboard work at once) and grading.js fetches the work from ``.../<student>/work``: the bench
does the same, and ``first_work_ms`` is the first page plus that fetch, until the work is there.
Its last line reads::

    next_p95_ms=<x> first_ms=<y> submissions=<n> first_work_ms=<z>

Where the time went before (cProfile of opening one submission of 30, 2026-12-02): about
1,400 SQL statements, nearly all from nbgrader's ``Grade.to_dict()`` loading each grade's
cell, notebook and student lazily, for every student's grades (the list, twice per view),
plus a new nbgrader engine per call, every rubric file parsed three times, the author's
notebook parsed and the autograded notebook schema-checked. Now: 8 statements, the rubric
and the author's task titles read again only when their files change (careerlab.course
.file_stamp), the autograded notebook read as JSON, the next submission rendered ahead.
The first view (profiled 2026-12-02): the render helper starts with the server and pays its
one-time costs (imports, 1.3-2.5 s of CPU; the product families, the notebook schema and a
first chart, which the first render paid before: it now takes 0.3 s, not 0.5 s); opening
the first submission imported every task kind in the server (0.4 s), now done at start too.
The first page no longer waits for the helper (it took 0.45-1.3 s; now 60-240 ms), only
its work does; the list renders the first submission ahead.

Run: python bench/grading_page.py [--students 30] [--project coffee-site] [--pause 1.0]
     [--baseline <commit>] [--no-baseline] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.servers: the suite's real Jupyter server

from careerlab import course  # noqa: E402
from careerlab.author import simulated_class  # noqa: E402
from tests.servers import Server, call_api, jupyter_lab  # noqa: E402

# The grading page before issue #15's fix (each view 1.0-1.6 s, its JSON 1.3-1.4 s).
BASELINE = "93ba078311ea5950ab337a05a582b29f5e74cf3c"


@dataclass
class Run:
    label: str
    list_ms: float = 0.0
    page_ms: list[float] = field(default_factory=list)  # in the order opened
    json_ms: list[float] = field(default_factory=list)
    work_ms: list[float] = field(default_factory=list)  # the page, then its work if sent after
    sent_before_work: int = 0
    stale: list[str] = field(default_factory=list)

    def first_ms(self) -> float:
        return self.page_ms[0]

    def next_p95_ms(self) -> float:
        return p95(self.page_ms[1:])

    def first_work_ms(self) -> float:
        return self.work_ms[0]


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def timed_get(server: Server, path: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    status, body = server.get(path)
    return (time.perf_counter() - start) * 1000, status, body


def careerlab(root: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "careerlab.cli", *args],
        cwd=root,
        env=course_env_of(root),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"careerlab {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def course_env_of(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.pop("CAREERLAB_DB_URL", None)
    env["JUPYTER_CONFIG_PATH"] = str(root)
    env["CAREERLAB_COURSE"] = str(root)
    return env


def copy_of(simulated: Path, target: Path) -> Path:
    """The simulated course under ``target``, its configuration pointing at the copy."""
    shutil.copytree(simulated, target)
    config = target / course.CONFIG_FILE
    config.write_text(config.read_text().replace(str(simulated), str(target)))
    return target


def baseline_code(commit: str, into: Path) -> Path:
    """The package and the course's Jupyter configuration as they were at ``commit`` (read
    from git; the work tree is not touched): today's configuration may name modules the
    old package does not have, and Jupyter would then skip the whole file."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "extensions/careerlab", course.CONFIG_FILE],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "extensions"


def replace_submission(root: Path, project: str, student: str, source: str) -> None:
    """``student``'s collected work becomes a copy of ``source``'s (then re-autograded)."""
    coursedir = course.course_directory(root)
    submitted = root / coursedir.submitted_directory
    target = submitted / student / project
    stamp = target / "timestamp.txt"  # when the student submitted stays as it was
    timestamp = stamp.read_bytes() if stamp.exists() else None
    shutil.rmtree(target)
    shutil.copytree(submitted / source / project, target)
    if timestamp is not None:
        stamp.write_bytes(timestamp)


def grade_class(server: Server, root: Path, project: str, run: Run, pause: float, say: Any) -> None:
    status, listed = call_api(server, "GET", f"/careerlab/api/grade/{project}")
    assert status == 200, listed
    students = [s["student"] for s in listed["submissions"]]
    criteria_ids: list[str] = []
    empty = [s for s in students if "-empty-" in s]
    correct = next(s for s in students if "-correct-" in s)
    # Changes made while the teacher works (index of the submission open when it happens).
    other_tab_at = 2  # before opening students[3]
    other_grader_at = 5  # before opening students[6]
    regrade = empty[len(empty) // 2]  # re-autograded two submissions before it is opened
    regrade_at = max(students.index(regrade) - 2, 0)
    expect_level: dict[str, tuple[str, str]] = {}
    regrade_before: dict[str, Any] = {}

    # The teacher's way in: the grading page's entrance, the project's list, the first.
    for path in ("/careerlab/grade", f"/careerlab/grade/{project}"):
        run.list_ms, status, _ = timed_get(server, path)
        assert status == 200
        time.sleep(pause)
    for index, student in enumerate(students):
        ms, status, html = timed_get(server, f"/careerlab/grade/{project}/{student}")
        assert status == 200, html[:500]
        run.page_ms.append(ms)
        if 'data-pending="1"' in html:  # as grading.js does: the work from its own address
            run.sent_before_work += 1
            work_ms, status, body = timed_get(
                server, f"/careerlab/api/grade/{project}/{student}/work"
            )
            assert status == 200, body[:500]
            ms += work_ms
        run.work_ms.append(ms)
        ms, status, body = timed_get(server, f"/careerlab/api/grade/{project}/{student}")
        assert status == 200, body[:500]
        run.json_ms.append(ms)
        _, detail = call_api(server, "GET", f"/careerlab/api/grade/{project}/{student}")
        criteria_ids = [c["id"] for c in detail["criteria"]]
        levels = [lv["id"] for lv in detail["criteria"][0]["levels"]]
        # Changes made elsewhere before this view: it must show them.
        if student in expect_level:
            criterion, level = expect_level.pop(student)
            shown = next(c for c in detail["criteria"] if c["id"] == criterion)["level"]
            if shown != level:
                run.stale.append(f"{student}: {criterion} shows {shown}, not {level}")
        if student == regrade:
            if detail["autograde_points"] == regrade_before["points"]:
                run.stale.append(f"{student}: autograde points unchanged after re-autograde")
            if detail["work"] == regrade_before["work"]:
                run.stale.append(f"{student}: rendered work unchanged after re-autograde")
        # The teacher gives a level (this tab), and the page's refresh must show it.
        criterion = criteria_ids[index % len(criteria_ids)]
        level = levels[(index % (len(levels) - 1)) + 1]
        status, saved = call_api(
            server,
            "PUT",
            f"/careerlab/api/grade/{project}/{student}/criteria/{criterion}",
            {"level": level},
        )
        assert status == 200, saved
        _, again = call_api(server, "GET", f"/careerlab/api/grade/{project}/{student}?work=0")
        if next(c for c in again["criteria"] if c["id"] == criterion)["level"] != level:
            run.stale.append(f"{student}: the level just saved is not shown")
        following = students[index + 1] if index + 1 < len(students) else None
        if following and index == other_tab_at:
            # Another tab (another client of this server) grades the next student.
            other = criteria_ids[-1]
            status, _ = call_api(
                server,
                "PUT",
                f"/careerlab/api/grade/{project}/{following}/criteria/{other}",
                {"level": levels[-1]},
            )
            assert status == 200
            expect_level[following] = (other, levels[-1])
        if following and index == other_grader_at:
            # Another grader, in another process, writes the gradebook directly.
            other = criteria_ids[-2]
            careerlab(root, "rubric", "score", project, following, other, levels[1])
            expect_level[following] = (other, levels[1])
        if index == regrade_at:
            _, before = call_api(server, "GET", f"/careerlab/api/grade/{project}/{regrade}")
            regrade_before.update(points=before["autograde_points"], work=before["work"])
            replace_submission(root, project, regrade, correct)
            careerlab(root, "autograde", project, "--student", regrade, "--force", "--quiet")
        say(f"    {index + 1:2d} {student:18s} page {run.page_ms[-1]:7.0f} ms  json {ms:7.0f} ms")
        time.sleep(pause)


def measure(
    simulated: Path, work: Path, label: str, project: str, pause: float, code: Path | None
) -> Run:
    root = copy_of(simulated, work / label / "course")
    saved = os.environ.get("PYTHONPATH")
    if code is not None:  # the server (and its render helper) import the baseline package
        os.environ["PYTHONPATH"] = str(code)
        shutil.copyfile(code.parent / course.CONFIG_FILE, root / course.CONFIG_FILE)
    run = Run(label)
    try:
        with jupyter_lab(root, root, work / label / "state") as server:
            print(f"  {label}:", flush=True)
            grade_class(server, root, project, run, pause, lambda text: print(text, flush=True))
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    return run


def summary(run: Run) -> str:
    return (
        f"{run.label}: list {run.list_ms:.0f} ms, first {run.first_ms():.0f} ms, "
        f"next p50 {statistics.median(run.page_ms[1:]):.0f} ms p95 {run.next_p95_ms():.0f} ms, "
        f"json p50 {statistics.median(run.json_ms):.0f} ms p95 {p95(run.json_ms):.0f} ms, "
        f"first with its work {run.first_work_ms():.0f} ms, "
        f"work p95 {p95(run.work_ms[1:]):.0f} ms, pages sent before their work "
        f"{run.sent_before_work}, stale views {len(run.stale)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--project", default="coffee-site")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds on each submission")
    parser.add_argument("--baseline", default=BASELINE, help="the commit to compare with")
    parser.add_argument("--no-baseline", action="store_true", help="measure this code only")
    parser.add_argument("--keep", help="build everything in this folder and keep it")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grading-bench-"))
    try:
        simulated = work / "simulated"
        if (simulated / "gradebook.db").exists():  # --keep again: the same class
            print(f"Using the class simulated before in {simulated}", flush=True)
        else:
            print(f"Simulating a class of {args.students} for {args.project}...", flush=True)
            simulated_class.simulate(REPO, args.project, args.students, simulated, work / "kinds")
        for label in ("today", "now", "baseline-code"):
            shutil.rmtree(work / label, ignore_errors=True)
        runs = []
        if not args.no_baseline:
            code = baseline_code(args.baseline, work / "baseline-code")
            runs.append(measure(simulated, work, "today", args.project, args.pause, code))
        runs.append(measure(simulated, work, "now", args.project, args.pause, None))
        for run in runs:
            print(summary(run))
            for line in run.stale:
                print(f"  STALE {line}")
        now = runs[-1]
        print(
            f"next_p95_ms={now.next_p95_ms():.0f} first_ms={now.first_ms():.0f} "
            f"submissions={len(now.page_ms)} first_work_ms={now.first_work_ms():.0f}"
        )
        return 1 if now.stale else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
