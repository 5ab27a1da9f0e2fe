"""The ``careerlab`` command: what authors and teachers run from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from careerlab import course


def _jupyter_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = str(root)
    # nbgrader runs `alembic` as a program, so this Python's scripts must be on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def cmd_check(args: argparse.Namespace) -> int:
    from careerlab.author import check_course

    root = course.find_root()
    problems = check_course(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(course.assignments(root))
    if problems:
        print(f"{len(problems)} problem(s) in {count} workbook(s).", file=sys.stderr)
        return 1
    print(f"{count} workbook(s) checked: no problems.")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from careerlab.author import check_assignment

    root = course.find_root()
    names = args.assignments or [a.name for a in course.assignments(root)]
    failed = 0
    for name in names:
        folder = root / course.SOURCE_DIRECTORY / name
        problems = check_assignment(folder) if folder.is_dir() else [f"{folder}: no such workbook."]
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print(f"{name}: not released.", file=sys.stderr)
            failed += 1
            continue
        result = subprocess.run(
            ["nbgrader", "generate_assignment", name, "--force", "--log-level=WARN"],
            cwd=root,
            env=_jupyter_env(root),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"{name}: nbgrader could not release it (see above).", file=sys.stderr)
            failed += 1
        else:
            print(f"{name}: released to {course.RELEASE_DIRECTORY}/{name}/")
    return 1 if failed else 0


def cmd_try(args: argparse.Namespace) -> int:
    root = course.find_root()
    release = root / course.RELEASE_DIRECTORY
    names = (
        [p.name for p in sorted(release.iterdir()) if p.is_dir()] if args.all else args.assignments
    )
    if not names:
        print("Name a workbook, or use --all.", file=sys.stderr)
        return 2
    for name in names:
        source = release / name
        target = root / course.TRYOUT_DIRECTORY / name
        if not source.is_dir():
            print(f"{name}: not released yet; run `careerlab release {name}`.", file=sys.stderr)
            return 1
        if target.exists():
            # It may hold answers: never overwrite a student's copy.
            print(f"{name}: keeping your copy in {target.relative_to(root)}/")
            continue
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*course.ignore_patterns()))
        print(f"{name}: a student's copy is in {target.relative_to(root)}/")
    return 0


def cmd_answers(args: argparse.Namespace) -> int:
    from careerlab.answers import parse_answers

    path = Path(args.file)
    loaded = parse_answers(path.read_bytes())
    report = {
        "file": str(path),
        "readable": not loaded.unreadable,
        "answers": loaded.entries,
        "problems": loaded.problems,
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0 if not loaded.problems else 1


def cmd_data(args: argparse.Namespace) -> int:
    from careerlab.datasets import paystubs

    generators = {"paystubs": paystubs.generate}
    generators[args.name]().to_csv(sys.stdout, index=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="careerlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check every workbook for problems").set_defaults(run=cmd_check)
    release = sub.add_parser("release", help="check, then build release/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="workbook folders (default: all)")
    release.set_defaults(run=cmd_release)
    tryout = sub.add_parser("try", help="copy released workbooks to tryout/ to try as a student")
    tryout.add_argument("assignments", nargs="*")
    tryout.add_argument("--all", action="store_true", help="every released workbook")
    tryout.set_defaults(run=cmd_try)
    answers = sub.add_parser("answers", help="read an answers file and report what is in it")
    answers.add_argument("file")
    answers.set_defaults(run=cmd_answers)
    data = sub.add_parser("data", help="write a generated data set as CSV to standard output")
    data.add_argument("name", choices=["paystubs"])
    data.set_defaults(run=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
