"""The grading pages as HTML, built from the same data as the JSON API.

Server-rendered, so a page works and reads well before any script runs, and a
reload always shows what the gradebook holds. grading.js adds saving at once,
the keyboard and the comment bank. Every string that did not come from
CareerLab's own code is escaped here; the student's work arrives as HTML built
by the task kinds' trusted ``render_html`` (which escapes student strings).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from careerlab.html import escape
from careerlab.rubrics.format import SKILLS, Observed, observed_html

DATA_ID = "careerlab-grading-data"


KEYS_HELP = (
    "Keys: <kbd>{first}</kbd>–<kbd>{last}</kbd> give the criterion you are on a level and "
    "move to the next criterion; <kbd>Tab</kbd> moves between criteria and comments; "
    "<kbd>C</kbd> writes "
    "a comment; <kbd>N</kbd> or <kbd>J</kbd> opens the next submission, <kbd>P</kbd> or "
    "<kbd>K</kbd> the previous one. Every change is saved at once."
)


class Urls:
    """Every address the pages link to, under the server's base URL (JupyterHub's prefix)."""

    def __init__(self, base_url: str, anonymous: bool) -> None:
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.anonymous = anonymous

    def _query(self) -> str:
        return "?anonymous=1" if self.anonymous else ""

    def index(self) -> str:
        return f"{self.base}careerlab/grade"

    def assignment(self, assignment: str, anonymous: bool | None = None) -> str:
        mode = self.anonymous if anonymous is None else anonymous
        return f"{self.base}careerlab/grade/{quote(assignment)}" + ("?anonymous=1" if mode else "")

    def submission(self, assignment: str, key: str) -> str:
        return f"{self.base}careerlab/grade/{quote(assignment)}/{quote(key)}{self._query()}"

    def api_submission(self, assignment: str, key: str) -> str:
        return f"{self.base}careerlab/api/grade/{quote(assignment)}/{quote(key)}"

    def api_work(self, assignment: str, key: str) -> str:
        return f"{self.api_submission(assignment, key)}/work{self._query()}"

    def api_bank(self, assignment: str) -> str:
        return f"{self.base}careerlab/api/bank/{quote(assignment)}"

    def static(self, name: str, version: str) -> str:
        return f"{self.base}careerlab/static/{name}?v={version}"

    def formgrader(self) -> str:
        return f"{self.base}formgrader"


def layout(title: str, body: str, urls: Urls, version: str, xsrf: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · CareerLab grading</title>"
        f'<link rel="stylesheet" href="{escape(urls.static("grading.css", version))}">'
        f'<script src="{escape(urls.static("grading.js", version))}" defer></script>'
        f'</head><body data-xsrf="{escape(xsrf)}">'
        '<a class="cl-skip" href="#main">Skip to the main content</a>'
        f"{body}</body></html>"
    )


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _unit(value: float | None) -> str:
    return "point" if value == 1 else "points"


def _progress_text(progress: dict[str, int]) -> str:
    return f"{progress['graded']} of {progress['total']} graded"


def index_page(assignments: list[dict[str, Any]], urls: Urls, version: str) -> str:
    rows = "".join(
        f'<tr><th scope="row"><a href="{escape(urls.assignment(a["assignment"]))}">'
        f"{escape(a['assignment'])}</a></th><td>{escape(a['title'])}</td>"
        f"<td>{escape(_progress_text(a['progress']))}</td></tr>"
        for a in assignments
    )
    table = (
        '<table class="cl-table"><caption>Projects with a rubric</caption><thead><tr>'
        '<th scope="col">Project</th><th scope="col">Rubric</th><th scope="col">Progress</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if assignments
        else "<p>No project has a rubric yet.</p>"
    )
    body = (
        '<header class="cl-header"><p class="cl-brand">CareerLab grading</p></header>'
        f'<main id="main" class="cl-narrow"><h1>Grade with rubrics</h1>{table}'
        f'<p>Collect and autograde submissions in <a href="{escape(urls.formgrader())}" '
        'target="_blank" rel="noopener">nbgrader\'s Formgrader</a>; grade them here.</p></main>'
    )
    return layout("Projects", body, urls, version)


def list_page(data: dict[str, Any], urls: Urls, version: str) -> str:
    assignment = data["assignment"]
    anonymous = data["anonymous"]
    rows = []
    for sub in data["submissions"]:
        rows.append(
            f'<tr><th scope="row"><a href="{escape(urls.submission(assignment, sub["key"]))}">'
            f"{escape(sub['label'])}</a></th>"
            f"<td>{escape(sub['status'])}</td>"
            f"<td>{sub['criteria_given']} of {sub['criteria_total']}</td>"
            f"<td>{_points(sub['rubric_points'])} of {_points(data['rubric_max'])}</td>"
            f"<td>{_points(sub['autograde_points'])} of {_points(sub['autograde_max'])}</td></tr>"
        )
    table = (
        '<table class="cl-table"><caption>Submissions</caption><thead><tr>'
        '<th scope="col">Submission</th><th scope="col">Status</th>'
        '<th scope="col">Criteria given</th><th scope="col">Rubric points</th>'
        f'<th scope="col">Autograded points</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if rows
        else "<p>No autograded submission yet.</p>"
    )
    waiting = data["waiting_for_autograde"]
    count = waiting if isinstance(waiting, int) else len(waiting)
    names = "" if isinstance(waiting, int) else f" ({', '.join(escape(w) for w in waiting)})"
    note = (
        f"<p>{count} more submission(s){names} collected but not autograded yet: autograde "
        f'them in <a href="{escape(urls.formgrader())}" target="_blank" rel="noopener">'
        "Formgrader</a>.</p>"
        if count
        else ""
    )
    switch = (
        f'<a href="{escape(urls.assignment(assignment, anonymous=False))}">Show names</a>'
        if anonymous
        else f'<a href="{escape(urls.assignment(assignment, anonymous=True))}">'
        "Hide names (anonymous grading)</a>"
    )
    # Start where grading is still to do: the first submission not graded yet.
    waiting_subs = [s for s in data["submissions"] if s["status"] != "graded"]
    first = (waiting_subs or data["submissions"] or [None])[0]
    words = "Start grading" if data["progress"]["graded"] == 0 else "Continue grading"
    start = (
        f'<p><a class="cl-button" href="{escape(urls.submission(assignment, first["key"]))}">'
        f"{words}</a></p>"
        if first
        else ""
    )
    body = (
        '<header class="cl-header"><nav aria-label="Grading"><a href="'
        f'{escape(urls.index())}">All projects</a></nav></header>'
        f'<main id="main" class="cl-narrow"><h1>{escape(assignment)}: {escape(data["title"])}</h1>'
        f'<p class="cl-progress">{escape(_progress_text(data["progress"]))}</p>'
        f"{start}<p>{switch}</p>{table}{note}</main>"
    )
    return layout(f"Grading {assignment}", body, urls, version)


def _autograde_html(data: dict[str, Any]) -> str:
    if not data["autograde"]:
        return "<p>No autograded tasks.</p>"
    rows = "".join(
        f'<tr class="{"cl-pass" if r["passed"] else "cl-fail"}"><th scope="row">'
        + (
            f'<a href="#task-{escape(r["task"])}">{escape(r["title"])}</a>'
            if r["task"]
            else escape(r["title"])
        )
        + f"</th><td>{'✓ Correct' if r['passed'] else '✗ Not yet'}</td>"
        f"<td>{_points(r['points'])} of {_points(r['max_points'])}</td>"
        f"<td>{'' if r['passed'] else escape(r['message'])}</td></tr>"
        for r in data["autograde"]
    )
    return (
        '<table class="cl-table cl-autograde"><thead><tr><th scope="col">Task</th>'
        '<th scope="col">Result</th><th scope="col">Points</th>'
        f'<th scope="col">What the student was told</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _work_html(work: dict[str, Any], data: dict[str, Any]) -> str:
    results = {r["task"]: r for r in data["autograde"] if r["task"]}
    parts = []
    for problem in work.get("problems", []):
        parts.append(f'<p class="cl-problem">Problem: {escape(problem)}</p>')
    answered = work.get("answered")
    if answered:  # the count the student's progress list, Validate and the export give
        parts.append(
            f'<p class="cl-answered">{answered["answered"]} of {answered["total"]} tasks '
            "answered.</p>"
        )
    for task in work.get("tasks", []):
        result = results.get(task["id"])
        badge = ""
        if task.get("to_do"):
            badge = f'<p class="cl-badge cl-fail">Not answered: {escape(task["to_do"])}</p>'
        if result:
            mark = "✓ Correct" if result["passed"] else "✗ Not yet"
            badge += (
                f'<p class="cl-badge {"cl-pass" if result["passed"] else "cl-fail"}">{mark} '
                f"({_points(result['points'])} of {_points(result['max_points'])} "
                f"{_unit(result['max_points'])})</p>"
            )
        # task["html"] comes from the task kind's render_html, which escapes student text.
        parts.append(
            f'<section class="cl-task" id="task-{escape(task["id"])}" '
            f'aria-label="{escape(task["title"])}">{badge}{task["html"]}</section>'
        )
    if work.get("code"):
        blocks = "".join(
            f"<h4>In cell <code>{escape(c['cell'])}</code></h4><pre><code>"
            f"{escape(c['source'])}</code></pre>"
            for c in work["code"]
        )
        parts.append(
            f'<section class="cl-code"><h3>Code the student wrote (shown, never run)</h3>'
            f"{blocks}</section>"
        )
    return "".join(parts) or "<p>Nothing to show.</p>"


def work_view(data: dict[str, Any], work: dict[str, Any]) -> dict[str, str]:
    """The work as the page shows it, and a fingerprint: grading.js replaces what it shows
    only with a newer answer that differs."""
    html = _work_html(work, data)
    return {"html": html, "version": hashlib.sha256(html.encode()).hexdigest()[:16]}


def _answers_html(data: dict[str, Any], work: dict[str, Any] | None) -> str:
    """The answers, or (not rendered yet) a note grading.js replaces when they arrive."""
    if work is None:
        return (
            '<div id="cl-answers" data-pending="1" aria-busy="true"><p class="cl-waiting">'
            "The student's answers are being prepared and appear here in a moment; the rubric "
            "works meanwhile.</p><noscript><p>Reload the page to see them.</p></noscript></div>"
        )
    view = work_view(data, work)
    return f'<div id="cl-answers" data-version="{view["version"]}">{view["html"]}</div>'


def _criterion_html(criterion: dict[str, Any], levels: dict[str, str], number: int) -> str:
    cid = criterion["id"]
    skills = ", ".join(SKILLS.get(s, s) for s in criterion["skills"])
    cards = []
    for level in criterion["levels"]:
        key = escape(level["key"])
        given = criterion["level"] == level["id"]
        base = f"{cid}--{level['id']}"
        cards.append(
            f'<label class="cl-level{" cl-given" if given else ""}" for="lv-{escape(base)}">'
            f'<input type="radio" id="lv-{escape(base)}" name="level-{escape(cid)}" '
            f'value="{escape(level["id"])}" data-key="{key}"{" checked" if given else ""} '
            f'aria-labelledby="ln-{escape(base)}" aria-describedby="ds-{escape(base)}">'
            f'<span class="cl-level-name" id="ln-{escape(base)}"><kbd aria-hidden="true">{key}'
            f"</kbd> {escape(level['name'])}, {_points(level['points'])} {_unit(level['points'])}"
            "</span>"
            f'<span class="cl-given-mark">✓ Given</span>'
            f'<span class="cl-descriptor" id="ds-{escape(base)}">{escape(level["descriptor"])}'
            "</span></label>"
        )
    rating = criterion["self_rating"]
    self_html = (
        f'<p class="cl-self">Student\'s own rating: <strong>{escape(levels.get(rating, rating))}'
        "</strong></p>"
        if rating
        else ""
    )
    conflict = criterion["conflict"]
    conflict_html = f'<div class="cl-conflict" id="cf-{escape(cid)}"'
    if conflict:
        conflict_html += ">" + conflict_text(conflict, levels)
        if conflict["level"]:
            conflict_html += (
                f' <button type="button" class="cl-keep" data-level="{escape(conflict["level"])}">'
                f"Keep {escape(levels.get(conflict['level'], conflict['level']))}</button>"
            )
        conflict_html += "</div>"
    else:
        conflict_html += " hidden></div>"
    bank = "".join(bank_item_html(c) for c in criterion.get("bank", []))
    watched = criterion.get("observed")
    observed = (
        observed_html(Observed(watched["skill"], watched["when"], tuple(watched["look_for"])))
        if watched
        else ""
    )
    return (
        f'<fieldset class="cl-criterion" id="criterion-{escape(cid)}" '
        f'data-criterion="{escape(cid)}" data-number="{number}">'
        f'<legend><span class="cl-criterion-title">{escape(criterion["title"])}</span> '
        f'<span class="cl-max">(up to {_points(criterion["max_points"])} points)</span></legend>'
        f'<p class="cl-ican">{escape(criterion["i_can"])}</p>'
        f'<p class="cl-skills">Skills: {escape(skills)}</p>{observed}{self_html}{conflict_html}'
        f'<div class="cl-levels">{"".join(cards)}</div>'
        f'<button type="button" class="cl-clear">Clear the level</button>'
        f'<label class="cl-comment-label" for="comment-{escape(cid)}">Comment for the student'
        f'<span class="cl-visually-hidden"> on {escape(criterion["title"])}</span></label>'
        f'<textarea id="comment-{escape(cid)}" class="cl-comment" rows="3" '
        f'data-base="{escape(criterion["comment"])}">{escape(criterion["comment"])}</textarea>'
        f'<details class="cl-bank"><summary>Comment bank for this criterion '
        f'(<span class="cl-bank-count">{len(criterion.get("bank", []))}</span>)</summary>'
        f'<ul class="cl-bank-list">{bank}</ul>'
        f'<button type="button" class="cl-bank-add">Save my comment to the bank</button>'
        "</details></fieldset>"
    )


def conflict_text(conflict: dict[str, Any], levels: dict[str, str]) -> str:
    where = f"Formgrader has {_points(conflict['gradebook_points'])} points"
    if conflict["gradebook_points"] is None:
        where = "Formgrader has no points"
    if conflict["level"]:
        given = levels.get(conflict["level"], conflict["level"])
        return (
            f"<strong>Conflict:</strong> {escape(where)}, but the level given is "
            f"{escape(given)} ({_points(conflict['level_points'])} points). Choose a level again "
            "to settle it."
        )
    return (
        f"<strong>Conflict:</strong> {escape(where)} but no level was given. Choose a level to "
        "settle it."
    )


def bank_item_html(comment: dict[str, Any]) -> str:
    text = escape(comment["text"])
    return (
        f'<li data-id="{int(comment["id"])}"><button type="button" class="cl-bank-use" '
        f'aria-label="Use: {text}">{text}</button> <button type="button" class="cl-bank-remove" '
        f'aria-label="Remove from the bank: {text}">Remove</button></li>'
    )


def grading_page(
    data: dict[str, Any], work: dict[str, Any] | None, urls: Urls, version: str, xsrf: str
) -> str:
    """The page for one submission; ``work`` None: sent before the work is rendered."""
    from careerlab.feedback import json_for_script

    assignment = data["assignment"]
    levels = {level["id"]: level["name"] for level in data["rubric"]["levels"]}
    criteria = []
    for number, criterion in enumerate(data["criteria"], start=1):
        criterion = {**criterion, "bank": data["comment_bank"].get(criterion["id"], [])}
        criteria.append(_criterion_html(criterion, levels, number))
    previous = (
        f'<a id="cl-previous" rel="prev" href="{escape(urls.submission(assignment, prior))}">'
        "← Previous</a>"
        if (prior := data["previous"])
        else '<span class="cl-disabled">← Previous</span>'
    )
    following = (
        f'<a id="cl-next" rel="next" href="{escape(urls.submission(assignment, after))}">Next →</a>'
        if (after := data["next"])
        else '<span class="cl-disabled">Next →</span>'
    )
    client = {
        "api": urls.api_submission(assignment, data["key"]),
        "work": urls.api_work(assignment, data["key"]),
        "bank": urls.api_bank(assignment),
        "anonymous": data["anonymous"],
        "levels": [level["id"] for level in data["rubric"]["levels"]],
        "level_names": levels,
    }
    product = f" Product: {escape(data['product'])}." if data["product"] else ""
    self_note = (
        "The student's own ratings are shown with each criterion."
        if data["self_assessment"]
        else "The student did not rate their own work."
    )
    position = data["position"]
    body = (
        '<header class="cl-header"><nav aria-label="Submissions" class="cl-nav">'
        f'<a href="{escape(urls.assignment(assignment))}">All submissions</a>'
        f"{previous}<span>Submission {position['index']} of {position['total']}</span>{following}"
        f'<span id="cl-progress" class="cl-progress">{escape(_progress_text(data["progress"]))}'
        "</span></nav></header>"
        f'<main id="main"><h1>{escape(data["label"])} <span class="cl-sub">· {escape(assignment)}'
        f"</span></h1>"
        f'<p class="cl-summary">Autograded: {_points(data["autograde_points"])} of '
        f"{_points(data['autograde_max'])} points.{product} {escape(self_note)}"
        f"{' Names are hidden.' if data['anonymous'] else ''}</p>"
        f'<p class="cl-keys" id="cl-keys">{_keys_help(data)}</p>'
        '<div id="cl-status" class="cl-status" role="status" aria-live="polite"></div>'
        '<div id="cl-alert" class="cl-alert" role="alert"></div>'
        '<div class="cl-columns">'
        '<section class="cl-work" aria-labelledby="cl-work-title">'
        '<h2 id="cl-work-title">The student\'s work</h2>'
        f"<h3>Autograded tasks</h3>{_autograde_html(data)}"
        f"<h3>Answers</h3>{_answers_html(data, work)}</section>"
        '<section class="cl-rubric" aria-labelledby="cl-rubric-title">'
        f'<h2 id="cl-rubric-title">Rubric: {escape(data["title"])}</h2>'
        f'<div id="cl-rubric-form" aria-describedby="cl-keys">{"".join(criteria)}</div>'
        "</section></div></main>"
        f'<script type="application/json" id="{DATA_ID}">{json_for_script(client)}</script>'
    )
    return layout(f"{data['label']}: {assignment}", body, urls, version, xsrf)


def _keys_help(data: dict[str, Any]) -> str:
    keys = [level["key"] for level in (data["criteria"] or [{"levels": []}])[0]["levels"]]
    first, last = (keys[0], keys[-1]) if keys else ("1", "1")
    return KEYS_HELP.format(first=escape(first), last=escape(last))


def error_page(status: int, message: str, urls: Urls, version: str) -> str:
    body = (
        f'<main id="main" class="cl-narrow"><h1>This page cannot be shown</h1>'
        f'<p role="alert">{escape(message)}</p>'
        f'<p><a href="{escape(urls.index())}">All projects</a></p></main>'
    )
    return layout(f"Error {status}", body, urls, version)
