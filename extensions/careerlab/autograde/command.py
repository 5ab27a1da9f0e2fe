"""``careerlab autograde ASSIGNMENT [--student ID] [--force] [--report PATH]``."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from careerlab import course


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", help="the assignment (a folder in submitted/<student>/)")
    parser.add_argument("--student", default="*", help="only this student (default: all)")
    parser.add_argument(
        "--force", action="store_true", help="grade again submissions already autograded"
    )
    parser.add_argument(
        "--report", metavar="PATH", help="also write PATH.json and PATH.csv (one row a submission)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="submissions run at once (default: CPU cores)"
    )
    parser.add_argument(
        "--log-level", default="ERROR", help="nbgrader's log level (default: ERROR)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _enter_course() -> None:
    """Run where nbgrader would: the CareerLab course root with its configuration,
    or, for any other nbgrader course, the current folder."""
    try:
        root = course.find_root()
    except FileNotFoundError:
        return
    os.chdir(root)
    os.environ["JUPYTER_CONFIG_PATH"] = str(root)
    os.environ["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )


def run(args: argparse.Namespace) -> int:
    from careerlab.autograde.batch import FastAutogradeApp, find_submissions
    from careerlab.autograde.report import Progress, summary, write_report

    _enter_course()
    # nbgrader's gradebook code trips SQLAlchemy warnings that mean nothing to a
    # teacher (stock autograde prints them too).
    warnings.filterwarnings("ignore", module="nbgrader.api")
    started = time.monotonic()
    argv = [args.assignment, f"--student={args.student}", f"--log-level={args.log_level}"]
    if args.force:
        argv.append("--force")
    if args.workers:
        argv.append(f"--FastAutograde.workers={args.workers}")
    app = FastAutogradeApp()
    app.initialize(argv)
    folders = find_submissions(app.coursedir, args.assignment, args.student)
    if not folders:
        print(
            f"No submissions of {args.assignment!r} in {app.coursedir.submitted_directory}/ "
            "(run `nbgrader collect` first?).",
            file=sys.stderr,
        )
        return 2
    progress = Progress(len(folders), enabled=not args.quiet)
    app.on_outcome = progress
    try:
        app.start()
    except KeyboardInterrupt:
        progress.close()
        print("Stopped: submissions still running were not graded.", file=sys.stderr)
        return 130
    except SystemExit as stop:
        progress.close()
        if stop.code not in (None, 0):
            print(
                stop.code if isinstance(stop.code, str) else "Autograde stopped.", file=sys.stderr
            )
            return 1
    finally:
        progress.close()
    seconds = time.monotonic() - started
    outcomes = app.outcomes
    print(summary(outcomes, seconds))
    if args.report:
        paths = write_report(
            args.report,
            outcomes,
            seconds,
            {
                "assignment": args.assignment,
                "student": args.student,
                "course": str(Path.cwd()),
                "warm_process": app.warm_info,
            },
        )
        print("Report: " + ", ".join(str(p) for p in paths))
    return 1 if any(o.status == "failed" for o in outcomes) else 0
