"""A read-only showcase of one student's finished project, for their portfolio.

Built by trusted code from the student's answers as data: the workbook's task
definitions come from the course's own source notebook (the author's code,
never the student's), and each task shows the student's stored answer through
its kind's ``render_html``, which escapes every string. Charts are redrawn from
the stored choices by careerlab.workbook.charts. No cell a student wrote or changed ever
runs here.

Served by Voila from ``extensions/careerlab/showcase/showcase.ipynb``:
``/voila/render/extensions/careerlab/showcase/showcase.ipynb?assignment=A&student=S``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import nbformat

from careerlab import course
from careerlab.feedback import rubric_html
from careerlab.html import escape
from careerlab.rubrics.levels import ScoringError, levels_for, project_rubric
from careerlab.workbook.book import SHOWCASE_FOLDER, Workbook
from careerlab.workbook.tasks.product import ProductTask

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory

NOTEBOOK_PATH = "extensions/careerlab/showcase/showcase.ipynb"  # relative to the course root

STYLE = """
<style>
.careerlab-showcase { max-width: 60em; margin: 0 auto; font-family: system-ui, sans-serif;
  line-height: 1.5; }
.careerlab-showcase .careerlab-answer { border-top: 1px solid #ccc; padding: 0.5em 0; }
.careerlab-showcase figure img { max-width: 100%; height: auto; }
.careerlab-showcase .careerlab-slide { border: 2px solid #333; padding: 1em; }
</style>
"""


class ShowcaseError(ValueError):
    """The showcase cannot be built; the message says why in plain words."""


def _trusted_cells(notebook: Path) -> list[str]:
    """The source notebook's read-only code cells: the author's set-up and task calls."""
    nb = nbformat.read(notebook, as_version=4)
    sources = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if (
            cell.cell_type == "code"
            and meta.get("locked")
            and not meta.get("grade")
            and not meta.get("solution")
        ):
            sources.append(cell.source)
    return sources


def load_workbook(
    root: Path, assignment: str, student: str, notebook: str, *, missing_ok: bool = False
) -> Workbook:
    """Rebuild the workbook's tasks from the course source, with the student's answers.

    ``missing_ok``: a submission without an answers file (nothing answered) gives
    the tasks with no answers instead of an error (the grading page shows it)."""
    source_folder = root / course.SOURCE_DIRECTORY / assignment
    source = source_folder / f"{notebook}.ipynb"
    coursedir = course.course_directory(root)
    answers = course.find_answers(coursedir, assignment, student, notebook)
    answers_folder = answers.parent if answers else None
    if answers_folder is None and missing_ok:
        step = coursedir.autograded_directory
        answers_folder = course.work_folder(coursedir, step, student, assignment)
    if answers_folder is None:
        raise ShowcaseError(f"No answers from {student} for {assignment} yet.")
    return workbook_from(source, answers_folder)


def workbook_from(source: Path, answers_folder: Path) -> Workbook:
    """The workbook ``source``'s read-only cells set up, with the answers kept in
    ``answers_folder`` (read only: nothing is saved)."""
    source_folder = source.parent
    token = SHOWCASE_FOLDER.set(answers_folder)
    previous = Path.cwd()
    namespace: dict[str, object] = {"__name__": "careerlab_showcase"}
    try:
        from IPython.utils.capture import capture_output

        # The author's cells load data relative to their folder, and may display
        # things (tables, notes) the showcase does not want.
        os.chdir(source_folder)
        with capture_output():
            for code in _trusted_cells(source):
                exec(compile(code, str(source), "exec"), namespace)  # noqa: S102 -- author's code
    finally:
        os.chdir(previous)
        SHOWCASE_FOLDER.reset(token)
    workbook = namespace.get("wb")
    if not isinstance(workbook, Workbook):
        raise ShowcaseError(f"{source} does not set up `wb`.")
    return workbook


def showcase_html(root: Path, assignment: str, student: str) -> str:
    try:
        course.check_student_id(student)
    except course.StudentIdError as error:
        raise ShowcaseError(str(error)) from None
    # Only a project of this course: the name then never leaves workbooks/.
    if assignment not in {folder.name for folder in course.assignments(root)}:
        raise ShowcaseError("There is no such project.")
    notebooks = course.notebooks(root / course.SOURCE_DIRECTORY / assignment)
    if not notebooks:
        raise ShowcaseError("There is no such project.")
    parts = []
    title = assignment
    for notebook in notebooks:
        workbook = load_workbook(root, assignment, student, notebook.stem)
        parts.extend(
            f'<p class="careerlab-problem" role="note">Not shown: {escape(problem)}</p>'
            for problem in workbook_problems(workbook)
        )
        answered = [t for t in workbook.tasks.values() if t.value is not None]
        products = [t for t in answered if isinstance(t, ProductTask)]
        shown_inside = {t.chart for t in products}  # a product shows its chart itself
        if products:
            parts.append("<h2>The finished product</h2>")
            parts.extend(task.render_html() for task in products)
        steps = [t for t in answered if t not in products and t.id not in shown_inside]
        if steps:
            parts.append("<h2>How the work was done</h2>")
            parts.extend(task.render_html() for task in steps)
        try:
            rubric = project_rubric(root, assignment)
        except ScoringError:
            continue
        title = rubric.title
        levels = levels_for(course.course_directory(root), assignment, notebook.stem, student)
        product = None
        product_task = workbook.tasks.get(rubric.product_task or "")
        if product_task is not None and product_task.value:
            product = product_task.value.get("product")
        ids = {"assignment": assignment, "notebook": notebook.stem, "student": student}
        parts.append(rubric_html(rubric, levels, product, ids))
    return (
        f'{STYLE}<main class="careerlab-showcase"><h1>{escape(title)}</h1>'
        f'<p class="careerlab-byline">Work by {escape(student)}</p>{"".join(parts)}</main>'
    )


def workbook_problems(workbook: Workbook) -> list[str]:
    """What in the answers file cannot be used, one sentence each (the file keeps it)."""
    problems = list(workbook.loaded.problems)
    problems += [task.problem for task in workbook.tasks.values() if task.problem]
    return problems


def show_from_query() -> None:
    """What the showcase notebook runs: read ?assignment=&student= and show the page."""
    from IPython.display import HTML, display

    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    assignment = (query.get("assignment") or [""])[0]
    student = (query.get("student") or [""])[0]
    try:
        page = showcase_html(course.find_root(), assignment, student)
    except (ShowcaseError, FileNotFoundError) as error:
        page = f'<p role="alert">This showcase cannot be shown: {escape(error)}</p>'
    display(HTML(page))


SHOWCASE_FILE = "showcase.html"  # beside the feedback pages a student fetches


def showcase_document(root: Path, assignment: str, student: str) -> str:
    """The showcase as a page of its own (``careerlab showcase --html``, the feedback copy)."""
    page = showcase_html(root, assignment, student)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(assignment)}: {escape(student)}</title></head>"
        f"<body>{page}</body></html>"
    )


def _answered_anything(
    root: Path, coursedir: CourseDirectory, assignment: str, student: str
) -> bool:
    folder = root / course.SOURCE_DIRECTORY / assignment
    return any(
        course.find_answers(coursedir, assignment, student, notebook.stem)
        for notebook in course.notebooks(folder)
    )


def feedback_with_showcase(notebooks: list[str], **hook: object) -> None:
    """nbgrader's GenerateFeedback.post_convert_hook: the rubric in each feedback page
    (careerlab.feedback.add_rubric), then the student's showcase beside it, so that a
    student on JupyterHub, who never opens the course's server, fetches it with their
    feedback and keeps it for their portfolio."""
    import sys

    from careerlab.feedback import add_rubric

    add_rubric(notebooks, **hook)
    try:
        root = course.find_root()
    except FileNotFoundError:
        return  # add_rubric has said so
    coursedir = course.course_directory(root)
    done = set()
    for path in notebooks:
        student, assignment, _ = course.submission_of(path)
        if (student, assignment) in done:
            continue
        done.add((student, assignment))
        if not _answered_anything(root, coursedir, assignment, student):
            continue  # a student who answered nothing has no showcase yet; nothing is wrong
        try:
            document = showcase_document(root, assignment, student)
            folder = course.work_folder(
                coursedir, coursedir.feedback_directory, student, assignment
            )
            (folder / SHOWCASE_FILE).write_text(document, encoding="utf-8")
        except Exception as error:  # one student's showcase never stops the others'
            print(f"CareerLab could not add the showcase to {path}: {error}", file=sys.stderr)
