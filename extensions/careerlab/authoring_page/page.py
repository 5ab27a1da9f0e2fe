"""The authoring pages as HTML, and the previews of what the student sees.

Server-rendered and escaped here (``careerlab.html.escape``); Markdown previews go
through mistune and the course's nh3 cleaner (``careerlab.sanitize.clean``), the same
pair feedback pages use, so an author's raw HTML never runs in the page. authoring.js
gathers the form into parts, asks for previews, checks, saves and releases.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from careerlab.html import escape

DATA_ID = "careerlab-authoring-data"
STATIC = "careerlab/author-static"


class Urls:
    def __init__(self, base_url: str) -> None:
        self.base = base_url if base_url.endswith("/") else base_url + "/"

    def index(self) -> str:
        return f"{self.base}careerlab/author"

    def project(self, project_id: str) -> str:
        return f"{self.base}careerlab/author/{quote(project_id)}"

    def api(self, project_id: str, action: str = "") -> str:
        tail = f"/{action}" if action else ""
        return f"{self.base}careerlab/api/author/{quote(project_id)}{tail}"

    def preview(self) -> str:
        return f"{self.base}careerlab/api/author-preview"

    def upload(self) -> str:
        return f"{self.base}careerlab/api/author-import"

    def static(self, name: str, version: str) -> str:
        return f"{self.base}{STATIC}/{name}?v={version}"


def markdown_html(text: str) -> str:
    """Markdown as the student reads it, cleaned: no script, style, frame or handler."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from careerlab.sanitize import clean

    return clean(markdown2html_mistune(text))


def task_preview(part: dict[str, Any]) -> str:
    """A static picture of the task's widget (no kernel): title, prompt, the control."""
    fields = {row[0]: row[2] for row in part.get("fields", []) if len(row) == 3}
    kind = str(part.get("kind", ""))
    task_id = fields.get("id", "")
    options = part.get("options") or []
    if options:
        control = "".join(
            f'<label class="al-option"><input type="radio" disabled name="p-{escape(task_id)}">'
            f" {escape(text)}</label>"
            for _key, text in options
        )
        control = f'<fieldset class="al-options"><legend>Choose one</legend>{control}</fieldset>'
    elif kind == "number":
        unit = fields.get("unit", "")
        control = f'<input type="number" disabled aria-label="answer"> {escape(unit)}'
    elif kind == "long_text" or kind == "product":
        control = '<textarea disabled rows="3" aria-label="answer"></textarea>'
    elif kind == "short_text":
        control = '<input type="text" disabled aria-label="answer">'
    else:
        control = f"<p><em>JupyterLab shows the {escape(kind)} widget here.</em></p>"
    hint = fields.get("hint", "")
    hint_html = (
        f"<details><summary>Hint</summary>{markdown_html(hint)}</details>" if hint.strip() else ""
    )
    return (
        f'{hint_html}<div class="al-widget"><p><strong>{escape(fields.get("title", ""))}'
        f"</strong></p><p>{escape(fields.get('prompt', ''))}</p>{control}</div>"
    )


def layout(title: str, body: str, urls: Urls, version: str, xsrf: str, data: Any = None) -> str:
    # JSON inside <script type=application/json>: "<" escaped so "</script>" cannot end it.
    payload = (
        f'<script type="application/json" id="{DATA_ID}">'
        + json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        + "</script>"
        if data is not None
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · CareerLab authoring</title>"
        f'<link rel="stylesheet" href="{escape(urls.static("authoring.css", version))}">'
        f'<script src="{escape(urls.static("authoring.js", version))}" defer></script>'
        f'</head><body data-xsrf="{escape(xsrf)}">{payload}'
        '<header class="al-header"><p>CareerLab authoring</p></header>'
        f'<main id="main">{body}</main></body></html>'
    )


def index_page(projects: list[dict[str, Any]], urls: Urls, version: str, xsrf: str) -> str:
    rows = "".join(
        f'<li><a href="{escape(urls.project(p["id"]))}">{escape(p["title"])}</a> '
        f"({escape(p['id'])}{', released' if p['released'] else ''})</li>"
        for p in projects
    )
    body = (
        "<h1>Projects</h1>"
        f"<ul>{rows or '<li>No project has a workbook.md yet.</li>'}</ul>"
        "<h2>Import a project</h2>"
        f'<form id="al-import" data-url="{escape(urls.upload())}">'
        '<label for="al-import-file">Project file (.careerlab.zip)</label> '
        '<input id="al-import-file" type="file" accept=".zip"> '
        '<label for="al-import-as">Import as (optional new id)</label> '
        '<input id="al-import-as" type="text" pattern="[a-z0-9][a-z0-9-]*"> '
        '<button type="submit">Import</button></form>'
        '<div id="al-import-result" role="status" aria-live="polite"></div>'
    )
    return layout("Projects", body, urls, version, xsrf)


def _field(task_id: str, name: str, mode: str, value: str, locked: bool) -> str:
    where = f"tasks.{task_id}.{name}"
    field_id = f"f-{task_id}-{name}"
    readonly = " readonly" if locked and name == "id" else ""
    note = (
        f'<p class="al-lock" id="{escape(field_id)}-lock">Locked: students\' answers are stored '
        "under this id.</p>"
        if readonly
        else ""
    )
    described = f' aria-describedby="{escape(field_id)}-lock"' if readonly else ""
    attributes = (
        f'id="{escape(field_id)}" data-field="{escape(name)}" data-mode="{escape(mode)}" '
        f'data-where="{escape(where)}"{readonly}{described}'
        + (' data-lockable="1"' if name == "id" else "")
    )
    if name in ("prompt", "hint") or "\n" in value or name == "code_path":
        control = f'<textarea {attributes} rows="3">{escape(value)}</textarea>'
    else:
        control = f'<input type="text" {attributes} value="{escape(value)}">'
    hint = " (YAML)" if mode == "yaml" else ""
    return (
        f'<div class="al-field" data-where-box="{escape(where)}">'
        f'<label for="{escape(field_id)}">{escape(name)}{hint}</label>{control}{note}</div>'
    )


def _options(task_id: str, options: list[list[str]], locked: set[str] | None) -> str:
    rows = []
    for number, (key, text) in enumerate(options):
        fixed = locked is not None and key in locked
        readonly = ' readonly data-lockable="1"' if fixed else ""
        rows.append(
            f'<li class="al-option-row"><label>key <input type="text" class="al-option-key" '
            f'value="{escape(key)}"{readonly}></label> '
            f'<label>text <input type="text" class="al-option-text" value="{escape(text)}"></label>'
            + (
                ""
                if fixed
                else f' <button type="button" class="al-remove-option">Remove option {number + 1}'
                "</button>"
            )
            + "</li>"
        )
    where = f"tasks.{task_id}.options"
    note = (
        f'<p class="al-lock" id="o-{escape(task_id)}-lock">Option keys that students may '
        "have chosen are locked: their answers are stored under them.</p>"
        if locked
        else ""
    )
    return (
        f'<fieldset class="al-field al-options-edit" data-where="{escape(where)}" '
        f'data-where-box="{escape(where)}" id="o-{escape(task_id)}"'
        + (f' aria-describedby="o-{escape(task_id)}-lock"' if locked else "")
        + f"><legend>options</legend><ul>{''.join(rows)}</ul>{note}"
        '<button type="button" class="al-add-option">Add an option</button></fieldset>'
    )


def _task(part: dict[str, Any], released: bool) -> str:
    fields = part["fields"]
    task_id = next((value for name, _mode, value in fields if name == "id"), "")
    html = [_field(task_id, name, mode, value, released) for name, mode, value in fields[:3]]
    if part["options"] is not None:
        locked = {key for key, _ in part["options"]} if released else None
        html.append(_options(task_id, part["options"], locked))
    html += [_field(task_id, name, mode, value, released) for name, mode, value in fields[3:]]
    return (
        f'<section class="al-part al-task" data-type="task" data-kind="{escape(part["kind"])}" '
        f'data-where="tasks.{escape(task_id)}"><h2>Task: {escape(task_id)} '
        f'<span class="al-kind">({escape(part["kind"])})</span></h2>'
        f'<div class="al-columns"><div class="al-form">{"".join(html)}</div>'
        f'<div class="al-preview" aria-live="polite" aria-label="What the student sees">'
        f"{task_preview(part)}</div></div></section>"
    )


def _text(part: dict[str, Any], number: int) -> str:
    name = part.get("name") or ""
    field_id = f"t-{number}"
    return (
        f'<section class="al-part al-text" data-type="text" data-name="{escape(name)}" '
        f'data-where="cells"><h2>Text{": " + escape(name) if name else ""}</h2>'
        f'<div class="al-columns"><div class="al-form"><label for="{field_id}">Markdown</label>'
        f'<textarea id="{field_id}" class="al-markdown" rows="8">{escape(part["text"])}</textarea>'
        f'</div><div class="al-preview" aria-live="polite" aria-label="What the student sees">'
        f"{markdown_html(part['text'])}</div></div></section>"
    )


def _kept(part: dict[str, Any]) -> str:
    """Code, data and rubric blocks: shown, kept as they are (edited in workbook.md)."""
    kind = part["type"]
    where = f"data.{part['name']}" if kind == "data" else "rubric" if kind == "rubric" else "cells"
    shown = (
        part.get("code")
        if kind == "code"
        else f"{part['name']} = the table in {part['file']}"
        if kind == "data"
        else "The rubric's cells"
    )
    name = f": {escape(part['name'])}" if part.get("name") else ""
    return (
        f'<section class="al-part al-kept" data-type="{escape(kind)}" '
        f'data-part="{escape(json.dumps(part))}" data-where="{escape(where)}">'
        f"<h2>{escape(kind.capitalize())} block{name}</h2>"
        f"<pre>{escape(shown)}</pre>"
        '<p class="al-note">Edit this block in workbook.md.</p></section>'
    )


def _rubric(rubric: dict[str, Any]) -> str:
    if not rubric["criteria"]:
        return ""
    blocks = []
    for criterion in rubric["criteria"]:
        fields = "".join(
            f'<label for="r-{escape(criterion["id"])}-{escape(level)}">{escape(level)}</label>'
            f'<textarea id="r-{escape(criterion["id"])}-{escape(level)}" rows="2" '
            f'data-criterion="{escape(criterion["id"])}" data-level="{escape(level)}" '
            f'data-where="rubric.{escape(criterion["id"])}.{escape(level)}">{escape(text)}</textarea>'
            for level, text in criterion["descriptors"]
        )
        blocks.append(f"<fieldset><legend>{escape(criterion['id'])}</legend>{fields}</fieldset>")
    return (
        f'<section class="al-rubric" data-where="rubric"><h2>Rubric descriptors '
        f"({escape(rubric['file'])})</h2>{''.join(blocks)}</section>"
    )


def editor_page(data: dict[str, Any], urls: Urls, version: str, xsrf: str) -> str:
    project_id = data["project"]
    released = data["released"]
    parts = []
    for number, part in enumerate(data["parts"]):
        if part["type"] == "text":
            parts.append(_text(part, number))
        elif part["type"] == "task":
            parts.append(_task(part, released))
        else:
            parts.append(_kept(part))
    lock = (
        f'<p class="al-lock" id="al-lock-reason" role="note">{escape(data["lock_reason"])}</p>'
        if released
        else ""
    )
    page_data = {
        "project": project_id,
        "version": data["version"],
        "base": data["text"],
        "rubric": {"version": data["rubric"]["version"], "base": data["rubric"]["base"]},
        "api": urls.api(project_id),
        "preview": urls.preview(),
    }
    body = (
        f"<h1>{escape(project_id)}</h1>{lock}"
        '<div class="al-actions">'
        '<button type="button" id="al-check">Check</button> '
        '<button type="button" id="al-save">Save</button> '
        '<button type="button" id="al-release">Release to the class</button> '
        f'<a href="{escape(urls.api(project_id, "export"))}" download>Export as one file</a> '
        f'<a href="{escape(urls.index())}">All projects</a></div>'
        '<div id="al-status" role="status" aria-live="polite"></div>'
        '<div id="al-problems" role="alert"></div>'
        '<pre id="al-conflict" hidden></pre>'
        '<pre id="al-release-output" hidden></pre>'
        f'<form id="al-editor" novalidate>{"".join(parts)}{_rubric(data["rubric"])}</form>'
    )
    return layout(project_id, body, urls, version, xsrf, page_data)


def error_page(status: int, message: str, urls: Urls, version: str) -> str:
    body = (
        f"<h1>{status}</h1><p>{escape(message)}</p>"
        f'<p><a href="{escape(urls.index())}">All projects</a></p>'
    )
    return layout("Error", body, urls, version, "")
