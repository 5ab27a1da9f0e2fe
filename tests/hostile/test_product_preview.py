"""Hostile product text while writing: the live preview, word counts and parts-left line
show a student's text (and a tampered products.json's labels) as text, never as markup:
no HTML, no markdown, no links."""

from __future__ import annotations

import json

from careerlab.workbook.book import Workbook
from careerlab.workbook.products import PRODUCTS_SNAPSHOT, write_products_snapshot

from ..conftest import REPO

ATTACKS = [
    '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "[click](javascript:alert(3)) **bold** <b>bold</b>",
    '</p></div><a href="https://evil.example">x</a><style>*{display:none}</style>',
    "<details open><summary>x</summary></details>&amp; <!-- -->",
]


def product(folder, snapshot_edit=None):
    write_products_snapshot(folder, ["memo", "slide"], root=REPO)
    if snapshot_edit is not None:
        path = folder / PRODUCTS_SNAPSHOT
        data = json.loads(path.read_text())
        snapshot_edit(data)
        path.write_text(json.dumps(data))
    wb = Workbook("demo", folder=folder)
    wb.product("deliverable", "Your recommendation", "Make it.", products=("memo", "slide"))
    task = wb["deliverable"]
    task.build_view()
    task.preview_fold.selected_index = 0
    return task


def assert_inert(html: str) -> None:
    for tag in ("<script", "<img", "<a ", "<style", "<details open", "<b>", "<!--"):
        assert tag not in html, tag
    assert 'href="' not in html and "<strong>bold" not in html  # escaped: href=&quot;


def shown(task) -> str:
    counters = "".join(c.value for boxes in task.counters.values() for c in boxes.values())
    return task.preview.value + task.summary.value + counters


def test_student_text_in_every_part_is_shown_as_text(tmp_path):
    task = product(tmp_path)
    for kind in ("memo", "slide"):
        parts = {
            part.id: ATTACKS[i % len(ATTACKS)] for i, part in enumerate(task.products[kind].parts)
        }
        task.fill({"product": kind, "parts": parts})
        html = shown(task)
        assert_inert(html)
        assert "&lt;script&gt;" in html and "**bold**" in html  # kept, as the student typed
        assert html.count("<div") == html.count("</div>")  # no tag closed from inside


def test_labels_from_a_tampered_snapshot_are_text(tmp_path):
    def hostile_labels(data):
        for family in data["families"]:
            for item in family["products"]:
                for part in item["parts"]:
                    part["label"] = ATTACKS[0] + part["label"]

    task = product(tmp_path, hostile_labels)
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera"}})
    html = shown(task)
    assert_inert(html)
    assert "Still to do: write &lt;script&gt;" in task.summary.value
