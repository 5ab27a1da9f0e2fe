"""The rubric in each student's feedback.

nbgrader's generate_feedback writes one HTML file per notebook. Its
post-convert hook (jupyter_config.py) calls ``add_rubric``, which puts the
rubric at the top: every criterion with the level given marked (in words, not
only colour), the points, the teacher's comment and the next step. The same
data is embedded as JSON, because release_feedback copies only HTML files and
the portfolio reads the levels from what students receive.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from careerlab import course
from careerlab.answers import AnswersStore, answers_filename
from careerlab.rubric import Rubric, as_data
from careerlab.scoring import GivenLevel, ScoringError, levels_for, project_rubric
from careerlab.tasks.base import escape

MARKER = "<!-- careerlab-rubric -->"
DATA_ID = "careerlab-rubric-data"

STYLE = """
<style>
.careerlab-rubric table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.5em; }
.careerlab-rubric th, .careerlab-rubric td { border: 1px solid #999; padding: 0.4em;
  vertical-align: top; text-align: left; }
.careerlab-rubric td.careerlab-given { outline: 3px solid #14532d; background: #e7f5ea; }
.careerlab-rubric .careerlab-given-label { display: block; font-weight: bold; color: #14532d; }
.careerlab-rubric .careerlab-next { margin: 0.3em 0; }
.careerlab-rubric th[scope="row"] { font-weight: normal; }
@media (max-width: 700px) {
  .careerlab-rubric table, .careerlab-rubric tbody, .careerlab-rubric tr,
  .careerlab-rubric td, .careerlab-rubric th { display: block; width: auto; }
  .careerlab-rubric thead { display: none; }
  .careerlab-rubric td:not(.careerlab-given) { display: none; }
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


def rubric_data(
    rubric: Rubric, levels: dict[str, GivenLevel], product: str | None, ids: dict[str, str]
) -> dict[str, Any]:
    given = {
        c: {"level": g.level, "points": g.points, "comment": g.comment} for c, g in levels.items()
    }
    return {
        **ids,
        "product": product,
        "rubric": as_data(rubric),
        "levels": given,
        "points": sum(g.points for g in levels.values()),
        "max_points": sum(rubric.max_points(c) for c in rubric.criteria),
    }


def rubric_html(
    rubric: Rubric, levels: dict[str, GivenLevel], product: str | None, ids: dict[str, str]
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
                f'<p class="careerlab-next"><strong>Next step:</strong> '
                f"{escape(criterion.descriptor(following.id, product))}</p>"
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
        rows.append(
            f'<tr><th scope="row"><strong>{escape(criterion.title)}</strong>'
            f"<p><em>I can {escape(criterion.i_can.removeprefix('I can ').strip())}</em></p>"
            f"<p>{escape(status)}</p>{comment}{next_step}</th>{''.join(cells)}</tr>"
        )
    data = rubric_data(rubric, levels, product, ids)
    product_note = f" Product: {escape(product)}." if product else ""
    return (
        f"{MARKER}{STYLE}"
        f'<section class="careerlab-rubric" aria-labelledby="careerlab-rubric-title">'
        f'<h2 id="careerlab-rubric-title">Rubric: {escape(rubric.title)}</h2>'
        f"<p>Rubric points: {data['points']:g} of {data['max_points']:g}.{product_note}</p>"
        f'<table><thead><tr><th scope="col">Criterion</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<script type="application/json" id="{DATA_ID}">{json_for_script(data)}</script>'
        f"</section>"
    )


def insert_section(page: str, section: str) -> str:
    """Put the section at the top of the page's content, replacing an earlier one."""
    if MARKER in page:
        start = page.index(MARKER)
        end = page.index("</section>", start) + len("</section>")
        return page[:start] + section + page[end:]
    for anchor in ('<div class="container">', "<body>"):
        if anchor in page:
            at = page.index(anchor) + len(anchor)
            return page[:at] + section + page[at:]
    return section + page


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
        db_url = course.gradebook_url(root)
        for path in notebooks:
            student, assignment, notebook = course.submission_of(path)
            try:
                rubric = project_rubric(root, assignment)
            except ScoringError:
                continue  # a workbook without a rubric: nbgrader's feedback as it is
            page_path = root / "feedback" / student / assignment / f"{notebook}.html"
            answers = root / "autograded" / student / assignment / answers_filename(notebook)
            product = chosen_product(rubric, answers)
            levels = levels_for(db_url, assignment, notebook, student)
            ids = {"assignment": assignment, "notebook": notebook, "student": student}
            section = rubric_html(rubric, levels, product, ids)
            page_path.write_text(insert_section(page_path.read_text(), section))
    except Exception as error:  # nbgrader would hide it at INFO level: say it plainly
        print(f"CareerLab could not add the rubric to the feedback: {error}", file=sys.stderr)
