"""A teacher guide as one self-contained HTML page (print CSS, no scripts run) and a PDF.

Every string on the page passes ``careerlab.html.escape``: the facts come from files any
author may edit (and a shared project comes from another school). The answer key is also
embedded as data (``<script type="application/json" id="answer-key-data">``), what a fully
correct student enters per notebook, so a test can enter it in the released workbook and
autograde it: the key the teacher reads is the key that earns full marks. The page's
Content-Security-Policy lets nothing load or run. The PDF is printed by Debian's chromium
(the browser the tests use); without it only the HTML is written, and the caller says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from careerlab.guide import facts as facts_module
from careerlab.guide import prose as prose_module
from careerlab.guide.facts import Facts, Task
from careerlab.guide.prose import PERIOD_MINUTES, Prose
from careerlab.html import escape
from careerlab.rubrics.format import observed_html

# The sections every guide has, in order: (id, heading). tests/test_guides.py checks each.
SECTIONS = (
    ("overview", "The project at a glance"),
    ("objectives", "Learning objectives"),
    ("standards", "Standards and the tasks that meet them"),
    ("pacing", f"Pacing ({PERIOD_MINUTES}-minute periods)"),
    ("materials", "Materials"),
    ("vocabulary", "Vocabulary"),
    ("misconceptions", "Common misconceptions and how to respond"),
    ("answer-key", "Answer key"),
    ("exemplar", "Exemplar product"),
    ("scaffolds", "Scaffolds for students who need support"),
    ("english-learners", "Supports for English learners"),
    ("extensions", "Extensions for advanced students"),
    ("observation", "Observing conduct and presentation"),
)
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, as in tests/servers.py; PATH is tried too
PDF_TIMEOUT = 120  # seconds: printing a page of text takes a few

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;
color:#1a1a1a}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #2b5f8a;padding-bottom:.15rem;
margin-top:1.8rem;color:#1d4466}h3{margin-bottom:.3rem}
.private{background:#fff3cd;border:1px solid #c9a227;padding:.4rem .7rem;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #999;
padding:.3rem .45rem;text-align:left;vertical-align:top}th{background:#e8eef4}
pre{background:#f4f4f4;padding:.4rem;white-space:pre-wrap;margin:.2rem 0;font-size:.85rem}
dt{font-weight:600}dd{margin:0 0 .4rem 1rem}.note{color:#5a4a00}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}
tr,pre,section>ul>li{break-inside:avoid}.private{border-width:2px}}
@page{margin:1.6cm}
"""


@dataclass(frozen=True)
class Written:
    html: Path
    pdf: Path | None
    pdf_problem: str | None  # why there is no PDF, in plain words


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _flow(value: Any) -> str:
    """A key or entry as one short line of YAML, the way the author wrote it."""
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(str(v) for v in value)  # accepted answers, measures
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6).strip()


def _key(task: Task) -> str:
    if not task.key:
        if task.kind == "self_assessment":
            return "None: a self-rating never changes a score."
        return "Scored by you with the rubric."
    first = next(iter(task.key.values()))  # a single answer: the kind's first key field
    if task.kind == "choice":
        chosen = first if isinstance(first, list) else [first]
        return "; ".join(f"{key}: {task.options.get(key, '?')}" for key in chosen)
    if task.kind in ("long_text", "product"):
        return f"Complete at {first} words or more; its quality is scored with the rubric."
    if task.kind == "career_fit":
        return (
            f"Complete with {first} words or more in each written answer and yes, maybe or "
            "no chosen; any choice counts."
        )
    if len(task.key) == 1:
        return _flow(first)
    return _flow(task.key)


def _entry(task: Task) -> str:
    if task.entry is None:
        return "(no solution in solutions.yml)"
    if task.kind == "product":
        return "See the exemplar product below."
    if task.kind == "data_analysis" and isinstance(task.entry, dict):
        return _menus_in_words(task.entry)
    return _flow(task.entry)


def _menus_in_words(entry: dict) -> str:
    """A data question's menus as a teacher would say them: the steps, then the summary."""
    from careerlab.workbook.step_menus import describe
    from careerlab.workbook.tasks.data_analysis import STATISTICS

    try:
        said = [describe(step) for step in entry.get("steps") or []]
        said.append(f"{STATISTICS[entry['statistic']].label} of {entry['column']}")
    except (KeyError, TypeError, ValueError, AttributeError):
        return _flow(entry)  # the build check names a malformed entry; show it as written
    return "In the menus: " + "; then ".join(said) + "."


def _task_name(facts: Facts, task_id: str) -> str:
    task = facts.task(task_id)
    if task is not None:
        return f"{task.title} ({task_id})"
    if facts.rubric is not None:
        for criterion in facts.rubric.criteria:
            if criterion.id == task_id:
                return f"rubric: {criterion.title} ({task_id})"
    return task_id


def _overview(facts: Facts) -> str:
    rows = [
        ("Grades", facts.grade_band),
        ("Time", f"about {facts.hours:g} class hours"),
        ("Careers", "; ".join(f"{title} (SOC {soc})" for title, soc in facts.occupations)),
        *[(part.capitalize(), text) for part, text in facts.grasp.items()],
    ]
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def _standards(facts: Facts) -> str:
    rows = []
    for standard in facts.standards:
        met = "; ".join(_task_name(facts, t) for t in standard.tasks)
        rows.append(
            f"<tr><td>{escape(standard.code)}</td>"
            f"<td>{escape(met or 'not named in workbook.yml')}</td>"
            f"<td>{escape(standard.why)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Standard</th><th>Tasks that meet it</th><th>Why</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _pacing(facts: Facts, prose: Prose) -> str:
    html = [
        f"<p>{len(prose.pacing)} periods of {PERIOD_MINUTES} minutes; workbook.yml plans "
        f"about {escape(f'{facts.hours:g}')} class hours.</p>"
    ]
    paced: set[str] = set()
    for number, period in enumerate(prose.pacing, start=1):
        rows = []
        for step in period.steps:
            paced.update(step.tasks)
            tasks = "; ".join(_task_name(facts, t) for t in step.tasks)
            rows.append(
                f"<tr><td>{step.minutes} min</td><td>{escape(step.do)}</td>"
                f"<td>{escape(tasks)}</td></tr>"
            )
        html.append(
            f"<h3>Period {number}: {escape(period.title)} ({period.minutes} min)</h3>"
            "<table><thead><tr><th>Time</th><th>What happens</th><th>Tasks</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    # Tasks added to workbook.md after the prose was written still reach the teacher.
    unpaced = [t for t in facts.tasks if t.id not in paced]
    if unpaced:
        names = "; ".join(f"{t.title} ({t.id})" for t in unpaced)
        html.append(f'<p class="note">Not yet placed in a period: {escape(names)}.</p>')
    return "".join(html)


def _answer_key(facts: Facts) -> str:
    rows = []
    for task in facts.tasks:
        code = f"<pre>{escape(task.code)}</pre>" if task.code else ""
        rows.append(
            f'<tr data-task="{escape(task.id)}"><td>{escape(task.title)}<br>'
            f"<small>{escape(task.id)}, {escape(task.kind)}</small></td>"
            f"<td>{task.points:g}</td><td>{escape(_key(task))}</td>"
            f"<td>{escape(_entry(task))}{code}</td></tr>"
        )
    other = "".join(
        f"<h3>Code cell {escape(cell)}</h3><pre>{escape(source)}</pre>"
        for cell, source in facts.other_code.items()
    )
    # JSON inside <script> ends at "</script>" whatever the quoting: < > & as \\u escapes.
    data = json.dumps(facts.answer_key, ensure_ascii=False, sort_keys=True)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        "<p>What the hidden tests check, and what a fully correct student enters "
        "(from workbook.md and solutions.yml). Code paths are optional for students.</p>"
        "<table><thead><tr><th>Task</th><th>Points</th><th>The hidden test accepts</th>"
        "<th>A correct student enters</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + other
        + f'<script type="application/json" id="answer-key-data">{data}</script>'
    )


def _exemplar(facts: Facts) -> str:
    exemplar = facts.exemplar
    if exemplar is None:
        return "<p>This project has no product task.</p>"
    parts = "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(text)}</dd>" for label, text in exemplar.parts
    )
    return (
        f"<p>A {escape(exemplar.product)} that meets the top of the rubric "
        f"(task {escape(exemplar.task)}). Show it to students after they draft their own, "
        f"or earlier, with parts covered, as a model.</p><dl>{parts}</dl>"
    )


def _pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(a)}</dt><dd>{escape(b)}</dd>" for a, b in pairs) + "</dl>"


def _observation(facts: Facts) -> str:
    """The rubric's observed criteria (the rubric file is the one source), then the rubric."""
    rubric = facts.rubric
    if rubric is None:
        return "<p>This project has no rubric yet, so nothing is scored by watching.</p>"
    html = [
        f"<h3>{escape(c.title)} ({rubric.max_points(c):g} points)</h3>"
        f"<p><em>{escape(c.i_can)}</em></p>{observed_html(c.observed)}"
        for c in rubric.criteria
        if c.observed
    ] or ["<p>The rubric has no criterion scored by watching yet.</p>"]
    rows = "".join(
        f"<tr><td>{escape(c.title)}{' (observed)' if c.observed else ''}</td>"
        f"<td>{escape(c.i_can)}</td><td>{rubric.max_points(c):g}</td></tr>"
        for c in rubric.criteria
    )
    html.append(
        f"<h3>The rubric: {escape(rubric.title)}</h3><table><thead><tr><th>"
        "Criterion</th><th>I can</th><th>Points</th></tr></thead><tbody>"
        f"{rows}</tbody></table>"
    )
    return "".join(html)


def render(facts: Facts, prose: Prose) -> str:
    """The whole guide as one HTML document."""
    bodies = {
        "overview": _overview(facts),
        "objectives": "<p>Students will:</p>" + _list(prose.objectives),
        "standards": _standards(facts),
        "pacing": _pacing(facts, prose),
        "materials": _list(prose.materials),
        "vocabulary": _pairs(prose.vocabulary),
        "misconceptions": "<table><thead><tr><th>Students may think</th><th>How to respond</th>"
        "<th>Task</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{escape(m.students_think)}</td><td>{escape(m.respond)}</td>"
            f"<td>{escape(_task_name(facts, m.task) if m.task else '')}</td></tr>"
            for m in prose.misconceptions
        )
        + "</tbody></table>",
        "answer-key": _answer_key(facts),
        "exemplar": _exemplar(facts),
        "scaffolds": _list(prose.scaffolds),
        "english-learners": "<h3>Glossary</h3>" + _pairs(prose.glossary)
        + "<h3>Sentence frames</h3>" + _list(prose.sentence_frames),
        "extensions": _list(prose.extensions),
        "observation": _observation(facts),
    }  # fmt: skip
    sections = "".join(
        f'<section id="{key}"><h2>{escape(heading)}</h2>{bodies[key]}</section>'
        for key, heading in SECTIONS
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>Teacher guide: {escape(facts.title)}</title><style>{STYLE}</style></head><body>"
        f'<header><p class="private">Teacher guide: for teachers only. It holds the answer '
        f"key; never share it with students.</p><h1>{escape(facts.title)}</h1>"
        f"<p>Project <code>{escape(facts.id)}</code></p></header><main>{sections}</main>"
        "</body></html>"
    )


def guide_html(folder: Path) -> str:
    """The guide of the project in ``folder``, read from its files now.

    Raises GuideError (guide.yml), or the readers' errors when a workbook file is broken."""
    facts = facts_module.read(folder)
    prose = prose_module.read(folder, {t.id for t in facts.tasks})
    return render(facts, prose)


def chromium() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def print_pdf(html: Path, pdf: Path) -> str | None:
    """Print ``html`` to ``pdf`` with headless chromium; None, or why no PDF was made."""
    browser = chromium()
    if browser is None:
        return "no PDF: Debian's chromium is not installed (apt-get install chromium)."
    with tempfile.TemporaryDirectory(prefix="careerlab-guide-") as profile:
        command = [
            str(browser), "--headless", "--disable-gpu", "--no-pdf-header-footer",
            f"--user-data-dir={profile}", "--disable-background-networking",
            f"--print-to-pdf={pdf}", html.resolve().as_uri(),
        ]  # fmt: skip
        if os.geteuid() == 0:  # chromium refuses to start as root with its sandbox on
            command.insert(1, "--no-sandbox")
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PDF_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            return f"no PDF: chromium did not finish within {PDF_TIMEOUT} s."
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        return f"no PDF: chromium failed ({done.stderr.strip()[-300:]})."
    return None


def write_guide(folder: Path, out: Path) -> Written:
    """``<id>-guide.html`` and, with chromium, ``<id>-guide.pdf`` in ``out``."""
    document = guide_html(folder)
    out.mkdir(parents=True, exist_ok=True)
    html = out / f"{folder.name}-guide.html"
    html.write_text(document, encoding="utf-8")
    pdf = out / f"{folder.name}-guide.pdf"
    pdf.unlink(missing_ok=True)  # never leave an old PDF beside a new page
    problem = print_pdf(html, pdf)
    return Written(html, None if problem else pdf, problem)
