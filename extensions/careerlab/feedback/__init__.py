"""The rubric in each student's feedback.

nbgrader's generate_feedback writes one HTML file per notebook. Its
post-convert hook (jupyter_config.py) calls ``add_rubric``, which puts the
rubric at the top: every criterion with the level given marked (in words, not
only colour), the points, the teacher's comment, the student's own rating and,
below the top level, the next step (the next level's descriptor). Then each
autograded task, explained with the message its check wrote for the student
(careerlab.feedback.autograded; never the hidden test's code). The same data is
embedded as JSON, because release_feedback copies only HTML files and the
portfolio reads the levels from what students receive. The page is made
readable on a phone (a viewport, and content that wraps instead of scrolling).

Owns the rubric and the score story in feedback (here: ``add_rubric``, nbgrader's
post-convert hook), autograded results in student language (``autograded``), the
preprocessor that keeps hidden tests out of feedback (``hidden``) and the page itself
(``page``: its template, without test cells or nbgrader's labels). May import
``rubrics``, the kernel side and the top-level modules; the grading page and showcase
import it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from nbgrader.coursedir import CourseDirectory

from careerlab import course
from careerlab.feedback.autograded import (
    TaskResult,
    look_again_notes,
    results,
    source_notebook,
)
from careerlab.html import escape
from careerlab.rubrics.format import Rubric, as_data, observed_html
from careerlab.rubrics.levels import GivenLevel, ScoringError, levels_for, project_rubric
from careerlab.workbook.answers import AnswersStore, answers_filename
from careerlab.workbook.tasks.self_assessment import RubricOutline, read_ratings

MARKER = "<!-- careerlab-rubric -->"
END_MARKER = "<!-- /careerlab-rubric -->"
DATA_ID = "careerlab-rubric-data"
STORY_ANCHOR = '<div class="careerlab-story">'
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

STYLE = """
<style>
.careerlab-rubric table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.5em; }
.careerlab-rubric th, .careerlab-rubric td { border: 1px solid #999; padding: 0.4em;
  vertical-align: top; text-align: left; }
.careerlab-rubric td.careerlab-given { outline: 3px solid #14532d; background: #e7f5ea; }
.careerlab-rubric .careerlab-given-label { display: block; font-weight: bold; color: #14532d; }
.careerlab-rubric .careerlab-next { margin: 0.3em 0; }
.careerlab-rubric th[scope="row"] { font-weight: normal; }
.careerlab-checked ul { list-style: none; padding-left: 0; }
.careerlab-checked li { margin: 0.3em 0; }
.careerlab-checked .careerlab-pass { color: #14532d; font-weight: bold; }
.careerlab-checked .careerlab-fail { color: #8a1c1c; font-weight: bold; }
@media (max-width: 700px) {
  .careerlab-rubric table, .careerlab-rubric tbody, .careerlab-rubric tr,
  .careerlab-rubric td, .careerlab-rubric th { display: block; width: auto; }
  .careerlab-rubric thead { display: none; }
  .careerlab-rubric td:not(.careerlab-given) { display: none; }
  /* nbgrader's page on a phone: one column that wraps, nothing wider than the screen */
  body { font-size: 16px; }
  .container, #notebook-container { width: auto !important; padding-left: 8px;
    padding-right: 8px; }
  pre, .output_area pre, .input_area pre { white-space: pre-wrap; word-break: break-word; }
  img, svg { max-width: 100%; height: auto; }
  .rendered_html table, .output_html table { display: block; overflow-x: auto; }
  .prompt { display: none; }
}
</style>
"""


def json_for_script(data: Any) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chosen_product(rubric: Rubric, answers_path: Path) -> str | None:
    """The product type the student made, read as data from their answers file."""
    if not rubric.product_task or not answers_path.exists():
        return None
    loaded = AnswersStore(answers_path, answers_path.name).load()
    entry = loaded.entries.get(rubric.product_task) or {}
    value = entry.get("value")
    product = value.get("product") if isinstance(value, dict) else None
    return product if product in rubric.products else None


def self_ratings(answers_path: Path, rubric: Rubric) -> dict[str, str] | None:
    """The student's self-assessment {criterion: level}, read as data, if they made one."""
    if not answers_path.exists():
        return None
    loaded = AnswersStore(answers_path, answers_path.name).load()
    # The levels the self-assessment offers (never "Missing"), read the way it reads them.
    levels = {level_id for level_id, _ in RubricOutline.from_data(as_data(rubric)).levels}
    for entry in loaded.entries.values():
        if entry.get("kind") == "self_assessment":
            try:
                return read_ratings(entry.get("value"), {c.id: levels for c in rubric.criteria})
            except ValueError:
                return None
    return None


def _said(check: TaskResult) -> str:
    """The check's message without the task title it repeats (the title is shown beside it)."""
    message = check.message.strip()
    if message.startswith(f"{check.title}:"):
        message = message[len(check.title) + 1 :].strip()
        message = message[:1].upper() + message[1:]
    return message


def checked_html(checks: list[TaskResult], notes: dict[str, str] | None = None) -> str:
    """Each autograded task, in the words its check wrote for the student, and for each
    "Not yet" what to look at again (``notes``: careerlab.feedback.autograded.look_again_notes)."""
    if not checks:
        return ""
    items = []
    for check in checks:
        points = f"{check.points:g} of {check.max_points:g} point{'s' * (check.max_points != 1)}"
        if check.passed:
            mark, css, text = "✓ Correct", "careerlab-pass", ""
        else:
            mark, css, text = "Not yet", "careerlab-fail", f" {escape(_said(check))}"
            note = (notes or {}).get(check.task or "")
            if note:
                text += f'<br><span class="careerlab-look-again">{escape(note)}</span>'
        items.append(
            f'<li><span class="{css}">{mark}:</span> <strong>{escape(check.title)}</strong> '
            f"({points}).{text}</li>"
        )
    earned = sum(c.points for c in checks)
    possible = sum(c.max_points for c in checks)
    return (
        '<section class="careerlab-checked" aria-labelledby="careerlab-checked-title">'
        '<h2 id="careerlab-checked-title">Tasks checked by the computer</h2>'
        f"<p>{earned:g} of {possible:g} points. For each task that is not right yet, the note "
        "says what to look at again.</p>"
        f"<ul>{''.join(items)}</ul></section>"
    )


def story_html(
    rubric: Rubric | None, levels: dict[str, GivenLevel], checks: list[TaskResult]
) -> str:
    """The score in one paragraph: what the teacher scored and what the computer checked."""
    parts = []
    if rubric is not None:
        given = sum(g.points for g in levels.values())
        most = sum(rubric.max_points(c) for c in rubric.criteria)
        scored = sum(1 for c in rubric.criteria if c.id in levels)
        if scored:
            parts.append(
                f"Your teacher scored {scored} of {len(rubric.criteria)} rubric criteria: "
                f"{given:g} of {most:g} points."
            )
        else:
            parts.append(f"Your teacher has not scored the rubric yet ({most:g} points).")
    if checks:
        right = sum(1 for c in checks if c.passed)
        parts.append(
            f"The computer checked {len(checks)} tasks and {right} are right: "
            f"{sum(c.points for c in checks):g} of {sum(c.max_points for c in checks):g} points."
        )
    if not parts:
        return ""
    return f'<p class="careerlab-score-story">{escape(" ".join(parts))}</p>'


def rubric_html(
    rubric: Rubric,
    levels: dict[str, GivenLevel],
    product: str | None,
    ids: dict[str, str],
    ratings: dict[str, str] | None = None,
    checks: list[TaskResult] | None = None,
    notes: dict[str, str] | None = None,
    story: str = "",
) -> str:
    ordered = sorted(rubric.levels, key=lambda level: level.points)
    head = "".join(
        f'<th scope="col">{escape(level.name)} ({level.points:g})</th>' for level in ordered
    )
    rows = []
    for criterion in rubric.criteria:
        given = levels.get(criterion.id)
        cells = []
        for level in ordered:
            text = escape(criterion.descriptor(level.id, product))
            if given and given.level == level.id:
                cells.append(
                    f'<td class="careerlab-given"><span class="careerlab-given-label">'
                    f"✓ Level given: {escape(level.name)}</span>{text}</td>"
                )
            else:
                cells.append(f"<td>{text}</td>")
        if given:
            status = f"{given.points:g} of {rubric.max_points(criterion):g} points"
            following = rubric.next_level(given.level)
            next_step = (
                f'<p class="careerlab-next"><strong>Next step:</strong> reach '
                f"{escape(following.name)}. {escape(criterion.descriptor(following.id, product))}"
                "</p>"
                if following
                else '<p class="careerlab-next"><strong>Top level reached.</strong></p>'
            )
            comment = (
                f"<p><strong>Teacher's comment:</strong> {escape(given.comment)}</p>"
                if given.comment
                else ""
            )
        else:
            status, next_step, comment = "not scored yet", "", ""
        rating = (ratings or {}).get(criterion.id)
        own = (
            f"<p>Your own rating: {escape(rubric.level(rating).name)}.</p>"
            if rating in {level.id for level in rubric.levels}
            else ""
        )
        watched = observed_html(criterion.observed) if criterion.observed else ""
        rows.append(
            f'<tr><th scope="row"><strong>{escape(criterion.title)}</strong>'
            f"<p><em>I can {escape(criterion.i_can.removeprefix('I can ').strip())}</em></p>"
            f"{watched}<p>{escape(status)}</p>{own}{comment}{next_step}</th>{''.join(cells)}</tr>"
        )
    # The same facts as data, in the page for the portfolio (read_rubric_data).
    data: dict[str, Any] = {
        **ids,
        "product": product,
        "rubric": as_data(rubric),
        "levels": {
            c: {"level": g.level, "points": g.points, "comment": g.comment}
            for c, g in levels.items()
        },
        "points": sum(g.points for g in levels.values()),
        "max_points": sum(rubric.max_points(c) for c in rubric.criteria),
    }
    if ratings is not None:
        data["self_ratings"] = ratings
    if checks is not None:
        data["tasks"] = [check.as_data() for check in checks]
    product_note = f" Product: {escape(product)}." if product else ""
    return (
        f"{MARKER}{STYLE}{story}"
        f'<section class="careerlab-rubric" aria-labelledby="careerlab-rubric-title">'
        f'<h2 id="careerlab-rubric-title">Rubric: {escape(rubric.title)}</h2>'
        f"<p>Rubric points: {data['points']:g} of {data['max_points']:g}.{product_note}</p>"
        f'<table><thead><tr><th scope="col">Criterion</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<script type="application/json" id="{DATA_ID}">{json_for_script(data)}</script>'
        f"</section>{checked_html(checks or [], notes)}{END_MARKER}"
    )


def insert_section(page: str, section: str) -> str:
    """Put the section at the top of the page's content, replacing an earlier one."""
    if MARKER in page:
        start = page.index(MARKER)
        if END_MARKER in page[start:]:
            end = page.index(END_MARKER, start) + len(END_MARKER)
        else:  # written before the end marker existed
            end = page.index("</section>", start) + len("</section>")
        return page[:start] + section + page[end:]
    # CareerLab's page (careerlab.feedback.page) keeps a place for it under the total.
    for anchor in (STORY_ANCHOR, '<div class="container">', "<body>"):
        if anchor in page:
            at = page.index(anchor) + len(anchor)
            return page[:at] + section + page[at:]
    return section + page


def for_phones(page: str) -> str:
    """nbgrader's feedback page has no viewport, so phones would show it shrunk."""
    if 'name="viewport"' not in page and "<head>" in page:
        page = page.replace("<head>", f"<head>\n{VIEWPORT}", 1)
    if "<html>" in page:
        page = page.replace("<html>", '<html lang="en">', 1)
    return page


def read_rubric_data(page: str) -> dict[str, Any] | None:
    """The rubric data embedded in a feedback page (what the portfolio reads)."""
    start_tag = f'<script type="application/json" id="{DATA_ID}">'
    if start_tag not in page:
        return None
    start = page.index(start_tag) + len(start_tag)
    return json.loads(page[start : page.index("</script>", start)])


def add_rubric(notebooks: list[str], **_: object) -> None:
    """nbgrader's GenerateFeedback.post_convert_hook (see module docstring)."""
    try:
        root = course.find_root()
    except FileNotFoundError as error:
        print(f"CareerLab could not add the rubric to the feedback: {error}", file=sys.stderr)
        return
    coursedir = course.course_directory(root)  # once per process, not per notebook
    for path in notebooks:
        # One page at a time: whatever one student's files hold, the others get theirs.
        try:
            _add_rubric_to(coursedir, path)
        except Exception as error:  # nbgrader would hide it at INFO level: say it plainly
            print(
                f"CareerLab could not add the rubric to the feedback {path}: {error}",
                file=sys.stderr,
            )


def _add_rubric_to(coursedir: CourseDirectory, path: str) -> None:
    student, assignment, notebook = course.submission_of(path)
    course.check_student_id(student)
    try:
        rubric: Rubric | None = project_rubric(Path(coursedir.root), assignment)
    except ScoringError:
        rubric = None  # a workbook without a rubric: the story and the checked tasks only
    feedback = course.work_folder(coursedir, coursedir.feedback_directory, student, assignment)
    page_path = feedback / f"{notebook}.html"
    graded = course.work_folder(coursedir, coursedir.autograded_directory, student, assignment)
    answers = graded / answers_filename(notebook)
    levels = levels_for(coursedir, assignment, notebook, student) if rubric else {}
    # A check worth no points (a workbook's progress check for Validate) scores nothing.
    checks = [c for c in results(coursedir, assignment, notebook, student) if c.max_points > 0]
    notes = look_again_notes(source_notebook(coursedir, assignment, notebook))
    story = story_html(rubric, levels, checks)
    if rubric is None:
        section = f"{MARKER}{STYLE}{story}{checked_html(checks, notes)}{END_MARKER}"
    else:
        product = chosen_product(rubric, answers)
        ids = {"assignment": assignment, "notebook": notebook, "student": student}
        ratings = self_ratings(answers, rubric)
        section = rubric_html(rubric, levels, product, ids, ratings, checks, notes, story)
    page = insert_section(page_path.read_text(encoding="utf-8"), section)
    page_path.write_text(for_phones(page), encoding="utf-8")
