"""``careerlab simulate PROJECT [--class N] [--keep DIR]``: a project graded for a
simulated class before any student sees it.

In a temporary copy of the course (the author's gradebook, release/ and submitted/
are never opened), it releases the project with ``careerlab release``, builds a class
of correct, partial, wrong and empty work (``careerlab.testing.classroom``), puts it
where ``nbgrader collect`` would, grades it with ``careerlab autograde`` and reads the
scores back from nbgrader's gradebook. It prints them per kind and per test cell, then
what an author must fix: a test the correct work fails, a test the empty work passes
(it checks nothing), kinds out of order, a submission that could not be graded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from careerlab import course
from careerlab.testing.classroom import KINDS, build_kinds, enroll

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory

# Each pair: the first kind must score above the second, every student of it.
ORDER = (("correct", "partial"), ("partial", "wrong"), ("partial", "empty"))
REPORT = "simulate-report"  # careerlab autograde's --report, in the simulated course


class SimulationError(Exception):
    """The class could not be built or graded; the message says what and why."""


@dataclass
class Submission:
    """One simulated student's graded work, as the gradebook and autograde's report have it."""

    student: str
    kind: str
    status: str  # careerlab autograde's: graded, failed or skipped
    reason: str = ""
    detail: str = ""
    score: float = 0.0
    max_score: float = 0.0
    passed: set[str] = field(default_factory=set)  # test cells at full points


@dataclass
class AutograderTest:
    """An autograder test cell (nbgrader: graded, not a solution): ``notebook/grade_id``."""

    name: str
    points: float


@dataclass
class Finding:
    text: str
    problem: bool = True


def students(size: int) -> dict[str, str]:
    """``sim-<kind>-NN`` -> kind, the kinds in turn (30: 8 correct, 8 partial, 7, 7)."""
    counts = dict.fromkeys(KINDS, 0)
    found = {}
    for index in range(size):
        kind = KINDS[index % len(KINDS)]
        counts[kind] += 1
        found[f"sim-{kind}-{counts[kind]:02d}"] = kind
    return found


def missing_solutions(folder: Path) -> str | None:
    """What a simulated correct student lacks if the project has no solutions.yml."""
    from careerlab.workbook.tasks import task_call

    if (folder / course.SOLUTIONS_FILE).exists():
        return None  # an incomplete one is named by `careerlab release`'s checks
    import nbformat

    tasks = {
        notebook.stem: task_call().findall(
            "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells)
        )
        for notebook in course.notebooks(folder)
    }
    listed = "; ".join(f"{nb}: {', '.join(ids)}" for nb, ids in tasks.items() if ids)
    if not listed:
        return None  # plain nbgrader notebooks: the solutions are in the notebook
    return (
        f"{folder / course.SOLUTIONS_FILE} is missing. A simulated correct student enters "
        f"in each task what that file says a fully correct student enters; it needs, per "
        f"notebook, every task id: {listed}. See docs/authoring.md."
    )


def copy_course(root: Path, project: str, target: Path) -> None:
    """The course's configuration, rubrics and this one project, as a course of its own."""
    target.mkdir(parents=True, exist_ok=True)
    for name in course.COURSE_FILES:
        source = root / name
        if name == course.SOURCE_DIRECTORY:
            source, name = source / project, f"{name}/{project}"
        if source.is_dir():
            # An author's tried-out answers must not reach the simulated students.
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.answers.*"))
        elif source.is_file():
            shutil.copy2(source, target / name)
    # Whatever the copied configuration says (a hub course loads the repository's), this
    # copy's gradebook, folders and exchange are its own.
    database = f"sqlite:///{target / 'gradebook.db'}"
    with open(target / course.CONFIG_FILE, "a", encoding="utf-8") as config:
        config.write(
            "\n# careerlab simulate: this copy is a course of its own.\n"
            f"c.CourseDirectory.root = {str(target)!r}\n"
            f"c.CourseDirectory.db_url = {database!r}\n"
            f"c.Exchange.root = {str(target / 'exchange')!r}\n"
        )


def _env(target: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CAREERLAB_DB_URL", None)  # the author's database, never the copy's
    env["CAREERLAB_COURSE"] = str(target)
    env["JUPYTER_CONFIG_PATH"] = str(target)
    env["CAREERLAB_EXCHANGE"] = str(target / "exchange")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _careerlab(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "careerlab.cli", *args],
        cwd=target,
        env=_env(target),
        capture_output=True,
        text=True,
    )


def simulate(
    root: Path, project: str, size: int, target: Path, work: Path
) -> tuple[list[Submission], list[AutograderTest]]:
    """Release, build the class, collect, autograde in ``target``; read back the grades."""
    copy_course(root, project, target)
    released = _careerlab(target, "release", project)
    if released.returncode != 0:
        raise SimulationError(f"{project} could not be released:\n{released.stderr.strip()}")
    try:
        folders = build_kinds(
            target / course.RELEASE_DIRECTORY / project,
            target / course.SOURCE_DIRECTORY / project,
            work / "kinds",
        )
    except Exception as error:  # nbclient's CellExecutionError names the cell and the error
        raise SimulationError(
            f"The author's solutions fail when a student enters them ({type(error).__name__}):"
            f"\n{str(error).strip()[-2000:]}"
        ) from error
    directory = course.course_directory(target)
    kinds = students(size)
    # Where nbgrader collect puts a submission: submitted/<student>/<assignment>/.
    enroll(folders, target / directory.submitted_directory, project, kinds)
    graded = _careerlab(target, "autograde", project, "--quiet", "--report", str(target / REPORT))
    report = target / f"{REPORT}.json"
    if not report.exists():
        raise SimulationError(f"careerlab autograde did not finish:\n{graded.stderr.strip()}")
    outcomes = {o["student"]: o for o in json.loads(report.read_text())["submissions"]}
    return read_grades(directory, project, kinds, outcomes)


def read_grades(
    directory: CourseDirectory, project: str, kinds: dict[str, str], outcomes: dict[str, dict]
) -> tuple[list[Submission], list[AutograderTest]]:
    """Each student's scores and passed tests, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    found = []
    with Gradebook(directory.db_url, directory.course_id) as gradebook:
        tests = []
        for notebook in gradebook.find_assignment(project).notebooks:
            solutions = {cell.name for cell in notebook.solution_cells}
            tests += [
                AutograderTest(f"{notebook.name}/{cell.name}", cell.max_score)
                for cell in notebook.grade_cells
                # A zero-point test (the progress check Validate runs) scores nothing.
                if cell.cell_type == "code" and cell.name not in solutions and cell.max_score
            ]
        for student, kind in kinds.items():
            outcome = outcomes.get(student, {"status": "failed", "reason": "not-graded"})
            submission = Submission(
                student,
                kind,
                outcome["status"],
                outcome.get("reason", ""),
                outcome.get("detail", ""),
            )
            if submission.status == "graded":
                graded = gradebook.find_submission(project, student)
                submission.score, submission.max_score = graded.score, graded.max_score
                submission.passed = {
                    f"{notebook.name}/{grade.name}"
                    for notebook in graded.notebooks
                    for grade in notebook.grades
                    if grade.auto_score is not None and grade.auto_score >= grade.max_score
                }
            found.append(submission)
    return found, tests


def _by_kind(submissions: list[Submission]) -> dict[str, list[Submission]]:
    return {
        kind: [s for s in submissions if s.kind == kind and s.status == "graded"] for kind in KINDS
    }


def _number(value: float) -> str:
    return f"{value:g}"


def findings(submissions: list[Submission], tests: list[AutograderTest]) -> list[Finding]:
    """What an author needs to know, in plain words; ``problem`` ones fail the command."""
    found = []
    kinds = _by_kind(submissions)
    for test in tests:
        failing = [s.student for s in kinds["correct"] if test.name not in s.passed]
        if failing:
            found.append(
                Finding(
                    f"The correct work fails {test.name} ({', '.join(failing)}): the hidden "
                    "test or solutions.yml is wrong, or the test needs something a student "
                    "who did everything right does not do."
                )
            )
        if kinds["empty"] and all(test.name in s.passed for s in kinds["empty"]):
            found.append(
                Finding(
                    f"{test.name} passes on empty work (a vacuous test): a student who "
                    "answers nothing gets its points. Make it check the answer."
                )
            )
        if kinds["wrong"] and all(test.name in s.passed for s in kinds["wrong"]):
            found.append(
                Finding(
                    f"{test.name} passes on wrong work (answers changed, code that raises): "
                    "check that its key and tolerance are as strict as you mean.",
                    problem=False,
                )
            )
    for high, low in ORDER:
        if kinds[high] and kinds[low]:
            lowest = min(s.score for s in kinds[high])
            highest = max(s.score for s in kinds[low])
            if lowest <= highest:
                found.append(
                    Finding(
                        f"{low.capitalize()} work scores as high as {high} work ({high}: "
                        f"lowest {_number(lowest)}; {low}: highest {_number(highest)}): the "
                        f"tests cannot tell them apart; expected correct > partial > "
                        "wrong and empty."
                    )
                )
    for s in submissions:
        if s.status != "graded":
            found.append(
                Finding(
                    f"{s.student} ({s.kind} work) was not graded: {s.status}, "
                    f"{s.reason or 'no reason given'}"
                    + (f" ({s.detail})" if s.detail else "")
                    + ". See docs/grading.md for what the reason means."
                )
            )
    return found


def table(project: str, submissions: list[Submission], tests: list[AutograderTest]) -> str:
    """Scores per kind, then per test cell the kinds whose every graded student passes it."""
    kinds = _by_kind(submissions)
    lines = [
        f"{project}: a simulated class of {len(submissions)}, graded by careerlab autograde.",
        "",
        f"{'kind':<9}{'students':>9}{'graded':>8}  {'score':<12}{'max':>6}",
    ]
    for kind in KINDS:
        everyone = [s for s in submissions if s.kind == kind]
        graded = kinds[kind]
        low = min((s.score for s in graded), default=None)
        high = max((s.score for s in graded), default=None)
        score = "-" if low is None else _number(low) + ("" if low == high else f"-{_number(high)}")
        top = max((s.max_score for s in graded), default=0.0)
        lines.append(f"{kind:<9}{len(everyone):>9}{len(graded):>8}  {score:<12}{_number(top):>6}")
    width = max([len("test cell"), *(len(t.name) for t in tests)]) + 2
    lines += ["", f"{'test cell':<{width}}{'points':>6}  passed by"]
    for test in tests:
        passing = [k for k in KINDS if kinds[k] and all(test.name in s.passed for s in kinds[k])]
        some = [
            f"{k} ({sum(test.name in s.passed for s in kinds[k])} of {len(kinds[k])})"
            for k in KINDS
            if k not in passing and any(test.name in s.passed for s in kinds[k])
        ]
        shown = ", ".join(passing + some) or "nobody"
        lines.append(f"{test.name:<{width}}{_number(test.points):>6}  {shown}")
    manual = max((s.max_score for s in submissions), default=0.0) - sum(t.points for t in tests)
    if manual > 0:
        lines += [
            "",
            f"{_number(manual)} of the points are graded by hand (written answers, rubric "
            "levels): every simulated student has 0 of them until a teacher grades.",
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = course.find_root()
    folder = root / course.SOURCE_DIRECTORY / args.project
    if not folder.is_dir():
        print(f"{folder}: no such project.", file=sys.stderr)
        return 2
    if args.size < len(KINDS):
        print(f"--class must be at least {len(KINDS)}: one student of each kind.", file=sys.stderr)
        return 2
    missing = missing_solutions(folder)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    keep = Path(args.keep).resolve() if args.keep else None
    if keep and keep.exists() and any(keep.iterdir()):
        print(f"{keep}: not empty; --keep needs a new or empty folder.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="careerlab-simulate-") as work:
        target = keep or Path(work) / "course"
        try:
            submissions, tests = simulate(root, args.project, args.size, target, Path(work))
        except SimulationError as error:
            print(str(error), file=sys.stderr)
            return 1
    print(table(args.project, submissions, tests))
    found = findings(submissions, tests)
    print()
    if not found:
        print("Findings: none. The tests tell correct, partial, wrong and empty work apart.")
    for finding in found:
        print(("PROBLEM: " if finding.problem else "Note: ") + finding.text)
    if keep:
        print(f"\nThe simulated course is kept in {keep} (gradebook.db, submitted/, autograded/).")
    return 1 if any(f.problem for f in found) else 0
