"""The catalog page: filters and a card per project, served by Voila from
``extensions/careerlab/catalog/catalog.ipynb``.

Teachers release a project to the class from its card (nbgrader's own
release_assignment); students open it (their copy comes from nbgrader's
exchange when the project is released, or from release/ on a single machine).
Only CareerLab's own code runs here; every string shown is escaped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from careerlab import course
from careerlab.catalog import CLUSTERS, GRADE_BANDS, STAGES, Project, load_catalog, matches
from careerlab.html import escape
from careerlab.rubrics.format import SKILLS

NOTEBOOK_PATH = "extensions/careerlab/catalog/catalog.ipynb"  # relative to the course root
ALL = ""


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = str(root)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def is_teacher(root: Path) -> bool:
    """The course's source folder is there and writable only for its teachers."""
    source = root / course.SOURCE_DIRECTORY
    return source.is_dir() and os.access(source, os.W_OK)


def card_html(project: Project) -> str:
    occupations = ", ".join(f"{o['title']} ({o['soc']})" for o in project.occupations)
    facts = [
        ("Cluster", f"{project.cluster}: {project.sub_cluster}"),
        ("Grades", project.grade_band),
        ("Stage", project.stage),
        ("Time", f"about {project.hours:g} hours"),
        ("Subjects", ", ".join(project.subjects) + f" (led by {project.lead_subject})"),
        ("Careers", occupations),
        ("Skills", ", ".join(SKILLS.get(s, s) for s in project.skills)),
    ]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    # Each standard with the tasks that meet it, so a teacher can see the claim is earned.
    standards = "".join(
        f"<li><strong>{escape(s.code)}</strong>: {escape(s.why)} "
        f"(tasks: {escape(', '.join(s.tasks))})</li>"
        for s in project.standards
    )
    rows += f'<dt>Standards</dt><dd><ul class="careerlab-standards">{standards}</ul></dd>'
    return (
        f'<article class="careerlab-card" aria-labelledby="card-{escape(project.id)}">'
        f'<h2 id="card-{escape(project.id)}">{escape(project.title)}</h2>'
        f"<p><strong>Your role:</strong> {escape(project.grasp['role'])}</p>"
        f"<p><strong>Your goal:</strong> {escape(project.grasp['goal'])}</p>"
        f"<p><strong>You make:</strong> {escape(project.grasp['product'])}</p>"
        f"<dl>{rows}</dl></article>"
    )


def release_to_class(root: Path, project_id: str) -> str:
    """Build the student version if needed, then hand it out with nbgrader."""
    if not (root / course.RELEASE_DIRECTORY / project_id).is_dir():
        built = subprocess.run(
            [sys.executable, "-m", "careerlab.cli", "release", project_id],
            cwd=root, env=_env(root), capture_output=True, text=True,
        )  # fmt: skip
        if built.returncode != 0:
            return f"Could not build {project_id}: {built.stderr.strip()[-500:]}"
    released = subprocess.run(
        ["nbgrader", "release_assignment", project_id, "--force"],
        cwd=root, env=_env(root), capture_output=True, text=True,
    )  # fmt: skip
    if released.returncode != 0:
        return f"nbgrader could not release {project_id}: {released.stderr.strip()[-500:]}"
    return f"Released {project_id} to the class. Students can open it now."


def server_base(script_name: str) -> str:
    """The Jupyter server's base URL, from Voila's SCRIPT_NAME: Voila sets it to the page's
    own path (``<base>voila/render/<notebook>``), so links from the page cut it there."""
    base, voila, _ = script_name.partition("/voila/")
    return (base if voila else script_name).rstrip("/") + "/"


def guide_link(root: Path, project_id: str, base_url: str) -> str:
    """Write the project's teacher guide (HTML) to the course's guides/ folder, now, from
    the workbook's files; an HTML link to it on this server, or what went wrong.

    Only a teacher's catalog calls it: the guide holds the answer key. guides/ is in the
    course root, which a student's server never serves (docs/quickstart-teacher.md)."""
    from careerlab.guide.page import guide_html

    folder = root / course.SOURCE_DIRECTORY / project_id
    try:
        document = guide_html(folder)
    except Exception as error:  # any broken file: say which, keep the page working
        return f"No teacher guide for {escape(project_id)}: {escape(str(error)[-500:])}"
    target = root / course.GUIDES_DIRECTORY / f"{project_id}-guide.html"
    target.parent.mkdir(exist_ok=True)
    target.write_text(document, encoding="utf-8")
    link = f"{base_url}files/{course.GUIDES_DIRECTORY}/{project_id}-guide.html"
    return (
        f"<a href='{escape(link)}' target='_blank' rel='noopener'>Open the teacher guide</a> "
        f"(print it, or run <code>careerlab guide {escape(project_id)}</code> for a PDF)."
    )


def open_for_student(root: Path, project_id: str) -> Path:
    """The student's copy of a project, made now if needed; never overwritten."""
    folder = Path(os.environ.get("CAREERLAB_STUDENT_DIR", root / course.TRYOUT_DIRECTORY))
    if not folder.is_absolute():
        folder = root / folder
    target = folder / project_id
    if target.exists():
        return target
    exchange = Path(os.environ.get("CAREERLAB_EXCHANGE", root / "exchange"))
    # nbgrader's exchange keeps each course's releases under its course id.
    course_id = course.course_directory(root).course_id
    if (exchange / course_id / "outbound" / project_id).is_dir():
        subprocess.run(
            ["nbgrader", "fetch_assignment", project_id],
            cwd=folder if folder.is_dir() else root, env=_env(root), capture_output=True,
            text=True, check=False,
        )  # fmt: skip
    if not target.exists():
        source = root / course.RELEASE_DIRECTORY / project_id
        if not source.is_dir():
            raise FileNotFoundError(f"{project_id} has not been released yet.")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*course.ignore_patterns()))
    return target


def show() -> None:
    """What the catalog notebook runs: filters, then a card per matching project."""
    import ipywidgets as widgets
    from IPython.display import display

    root = course.find_root()
    projects = load_catalog(root)
    teacher = is_teacher(root)
    base_url = server_base(os.environ.get("SCRIPT_NAME", "/"))
    style = {"description_width": "initial"}

    def menu(label: str, values) -> widgets.Dropdown:
        return widgets.Dropdown(
            options=[("All", ALL), *[(v, v) for v in values]], description=label, style=style
        )

    filters = {
        "cluster": menu("Career cluster", CLUSTERS),
        "grade_band": menu("Grades", GRADE_BANDS),
        "subject": menu("Subject", sorted({s for p in projects for s in p.subjects})),
        "stage": menu("Stage", STAGES),
        "skill": menu("Skill", sorted({s for p in projects for s in p.skills})),
        "standard": widgets.Text(description="Standard code", placeholder="e.g. HS-LS1-3",
                                 continuous_update=False, style=style),
    }  # fmt: skip
    count = widgets.HTML()
    cards = widgets.VBox()

    def card(project: Project) -> widgets.Widget:
        message = widgets.HTML()

        def action(description: str, icon: str, tooltip: str, say: Callable[[], str]):
            """A teacher's button whose click shows what it did (already HTML) under the card."""
            button = widgets.Button(description=description, icon=icon, tooltip=tooltip)
            button.on_click(lambda _: setattr(message, "value", f"<p role='status'>{say()}</p>"))
            return button

        buttons = []
        if teacher:
            buttons.append(
                action(
                    "Release to class",
                    "upload",
                    f"Release {project.title} to your class",
                    lambda: escape(release_to_class(root, project.id)),
                )
            )
            buttons.append(
                action(
                    "Teacher guide",
                    "graduation-cap",
                    f"The teacher guide and answer key of {project.title} (teachers only)",
                    lambda: guide_link(root, project.id, base_url),
                )
            )
        open_button = widgets.Button(
            description="Open", icon="book-open", tooltip=f"Open {project.title}"
        )

        def on_open(_: object) -> None:
            try:
                copy = open_for_student(root, project.id)
            except FileNotFoundError as error:
                message.value = f"<p role='status'>{escape(error)}</p>"
                return
            if not copy.is_relative_to(root):
                message.value = f"<p role='status'>Your copy is in {escape(copy)}.</p>"
                return
            link = f"{base_url}lab/tree/{copy.relative_to(root).as_posix()}/{project.id}.ipynb"
            message.value = (
                f"<p role='status'><a href='{escape(link)}' target='_blank' rel='noopener'>"
                f"Open {escape(project.title)} in JupyterLab</a></p>"
            )

        open_button.on_click(on_open)
        buttons.append(open_button)
        return widgets.VBox([widgets.HTML(card_html(project)), widgets.HBox(buttons), message])

    built = {p.id: card(p) for p in projects}

    def refresh(_: object = None) -> None:
        chosen = [p for p in projects if matches(p, **{k: w.value for k, w in filters.items()})]
        cards.children = [built[p.id] for p in chosen]
        count.value = f"<p role='status'>{len(chosen)} of {len(projects)} projects</p>"

    for control in filters.values():
        control.observe(refresh, names="value")
    refresh()
    display(
        widgets.HTML("<h1>CareerLab projects</h1>"),
        widgets.HBox(list(filters.values())[:3]),
        widgets.HBox(list(filters.values())[3:]),
        count,
        cards,
    )
