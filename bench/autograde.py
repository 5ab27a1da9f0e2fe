"""Stock ``nbgrader autograde`` against ``careerlab autograde``, on the same class, in this run.

For every project in workbooks/ (and, with --quickstart, the course that
``nbgrader quickstart`` makes) it builds a class (30 students by default: an
even mix of correct, partial, wrong and empty work, each kind built once and
copied), releases it, and grades two identical copies of the course: one with
stock nbgrader, one with careerlab. Then it compares every grade in the two
gradebooks. It prints one line per assignment and, last:

    speedup=<stock seconds / careerlab seconds> identical=<yes|no> notebooks=<n>

Run: python bench/autograde.py [--students N] [--projects a,b] [--quickstart]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from careerlab import course
from careerlab.testing.classroom import build_kinds, class_kinds, enroll, gradebook_grades

REPO = Path(__file__).resolve().parents[1]


def env_for(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = str(root)
    env["CAREERLAB_EXCHANGE"] = str(root / "exchange")
    env.pop("CAREERLAB_DB_URL", None)
    env.pop("CAREERLAB_COURSE", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=root, env=env_for(root), capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def careerlab_course(base: Path, projects: list[str] | None) -> tuple[Path, list[str]]:
    root = base / "careerlab"
    root.mkdir(parents=True)
    for name in course.COURSE_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("*.answers.*"))
        else:
            shutil.copy(source, root / name)
    (root / "release").mkdir()
    names = projects or [a.name for a in course.assignments(root)]
    released = []
    for name in names:
        result = run(root, "careerlab", "release", name, check=False)
        if result.returncode == 0:
            released.append(name)
        else:
            print(
                f"{name}: not released, left out:\n{result.stderr.strip()[-500:]}", file=sys.stderr
            )
    return root, released


def quickstart_course(base: Path) -> tuple[Path, list[str]]:
    run(base, "nbgrader", "quickstart", "quickstart")
    root = base / "quickstart"
    run(root, "nbgrader", "generate_assignment", "ps1")
    return root, ["ps1"]


def build_class(root: Path, source_dir: str, assignments: list[str], size: int) -> int:
    kinds_dir = root.parent / f"{root.name}-kinds"
    students = class_kinds(size)

    def one(assignment: str) -> int:
        folders = build_kinds(
            root / "release" / assignment, root / source_dir / assignment, kinds_dir / assignment
        )
        enroll(folders, root / "submitted", assignment, students)
        return len(list((root / "release" / assignment).glob("*.ipynb")))

    # Each correct kind is answered in a real kernel: two at a time.
    with ThreadPoolExecutor(2) as pool:
        return sum(pool.map(one, assignments)) * size


def compare(
    root: Path, assignments: list[str], students: int
) -> tuple[float, float, bool, list[str]]:
    stock = root.parent / f"{root.name}-stock"
    fast = root.parent / f"{root.name}-fast"
    for target in (stock, fast):
        shutil.copytree(root, target, symlinks=True)
    # One run each over every assignment ("*"), so both pay their start-up once.
    started = time.perf_counter()
    run(stock, "nbgrader", "autograde", "*", "--log-level=ERROR", check=False)
    stock_seconds = time.perf_counter() - started
    started = time.perf_counter()
    run(fast, "careerlab", "autograde", "*", "--quiet", check=False)
    fast_seconds = time.perf_counter() - started
    expected = gradebook_grades(stock / "gradebook.db")
    got = gradebook_grades(fast / "gradebook.db")
    problems = [
        f"{key}: stock {expected.get(key)} careerlab {got.get(key)}"
        for key in sorted(set(expected) | set(got))
        if expected.get(key) != got.get(key)
    ]
    submissions = sum(1 for key in expected if len(key) == 2)
    if submissions != len(assignments) * students:
        problems.append(
            f"stock graded {submissions} submissions, not {len(assignments) * students}"
        )
    return stock_seconds, fast_seconds, not problems, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--projects", help="comma-separated workbooks (default: all)")
    parser.add_argument(
        "--quickstart", action="store_true", help="also nbgrader's quickstart course"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the courses (their folder is printed)"
    )
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="careerlab-bench-"))
    courses = [
        (careerlab_course(base, args.projects.split(",") if args.projects else None), "workbooks")
    ]
    if args.quickstart:
        courses.append((quickstart_course(base), "source"))
    total_stock = total_fast = 0.0
    notebooks = 0
    identical = True
    try:
        for (root, assignments), source_dir in courses:
            count = build_class(root, source_dir, assignments, args.students)
            stock, fast, same, problems = compare(root, assignments, args.students)
            print(
                f"{root.name}: {', '.join(assignments)}; {args.students} students, "
                f"{count} notebooks: "
                f"nbgrader {stock:.1f} s, careerlab {fast:.1f} s ({stock / fast:.1f}x), "
                f"identical={'yes' if same else 'no'}"
            )
            for problem in problems[:20]:
                print(f"  {problem}")
            total_stock += stock
            total_fast += fast
            notebooks += count
            identical = identical and same
    finally:
        if args.keep:
            print(f"courses kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(
        f"speedup={total_stock / total_fast:.1f} identical={'yes' if identical else 'no'} "
        f"notebooks={notebooks}"
    )


if __name__ == "__main__":
    main()
