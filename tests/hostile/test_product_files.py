"""Hostile product files: what a broken or malicious products/*.yml, or a tampered
products.json in a student's released copy, can do. Every problem is reported at once
with its file and line; nothing is crashed, expanded without bound or shown unescaped."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from careerlab.showcase.page import showcase_html
from careerlab.workbook.book import Workbook
from careerlab.workbook.products import (
    MAX_FILE_BYTES,
    PRODUCTS_SNAPSHOT,
    ProductsError,
    load_families,
    parse_family,
    write_products_snapshot,
)

from ..conftest import REPO, make_course
from ..product_family import ESTIMATE as GOOD

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def problems_of(text: str, expected: str | None = "estimate") -> list[str]:
    with pytest.raises(ProductsError) as raised:
        parse_family(text, "estimate.yml", expected)
    return raised.value.problems


def test_a_good_file_parses():
    family = parse_family(GOOD, "estimate.yml", "estimate")
    assert [p.id for p in family.products] == ["bid"]


def test_garbage_yaml_names_the_file_and_line():
    problems = problems_of("family: estimate\nproducts: [unclosed\n  - {id: x\n")
    assert len(problems) == 1 and problems[0].startswith("estimate.yml:")
    assert "not valid YAML" in problems[0]
    assert problems_of("") == ["estimate.yml:1: the file is empty."]
    assert "must be a mapping" in problems_of("- just\n- a list\n")[0]


def test_an_alias_bomb_is_refused_at_once():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 12):  # 9**12 values if expanded
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [{', '.join([f'*{chr(96 + n)}'] * 9)}]")
    start = time.monotonic()
    problems = problems_of("\n".join(lines) + "\n")
    assert time.monotonic() - start < 2
    assert problems == ["estimate.yml:2: anchors and aliases (& and *) are not allowed here."]


def test_deep_nesting_is_refused_not_a_crash():
    start = time.monotonic()
    problems = problems_of("family: " + "[" * 40_000 + "]" * 40_000 + "\n")
    assert time.monotonic() - start < 2
    assert problems == ["estimate.yml:1: nested too deeply for a product file."]


def test_wrong_types_are_all_reported_with_their_lines():
    text = GOOD.replace("        hint: The client\n", "        hint: yes\n        lines: four\n")
    text = text.replace("    showcase: memo\n", "    showcase: memo\n    words: {least: many}\n")
    text += "      - id: note\n        label: {a: b}\n        hint: Notes\n        max_chars: -5\n"
    text += "  - id: empty\n    name: Empty\n    description: Nothing\n    showcase: memo\n"
    text += "    parts: a text\n"
    problems = problems_of(text)
    assert problems == [
        "estimate.yml:12: product 'bid': part 'to': hint must be text (put it in quotes).",
        "estimate.yml:13: product 'bid': part 'to': lines must be a whole number from 1 to 30.",
        "estimate.yml:15: product 'bid': part 'note': label must be non-empty text.",
        "estimate.yml:17: product 'bid': part 'note': max_chars must be a whole number "
        "from 1 to 20,000.",
        "estimate.yml:8: product 'bid': words least must be a whole number from 0 to 20,000.",
        "estimate.yml:22: product 'empty': parts must be a non-empty list.",
    ]


def test_bad_ids_unknown_keys_and_layouts():
    text = (
        GOOD.replace("  - id: bid\n", "  - id: Bid Sheet!\n    colour: red\n")
        .replace("      - id: to\n", "      - id: ''\n")
        .replace("showcase: memo", "showcase: <b>poster</b>")
        .replace("family: estimate", "family: estimating")
    )
    problems = problems_of(text)
    assert problems == [
        "estimate.yml:1: family is 'estimating' but the file is estimate.yml.",
        "estimate.yml:5: a product: unknown key 'colour' (allowed: description, id, name, "
        "parts, showcase, words).",
        "estimate.yml:4: product id 'Bid Sheet!' must be lowercase letters, digits and dashes.",
        "estimate.yml:8: product 'Bid Sheet!': unknown showcase layout '<b>poster</b>' "
        "(known: memo, slide).",
        "estimate.yml:10: product 'Bid Sheet!': part id must be non-empty text.",
    ]


def test_a_slide_needs_a_headline_points_and_notes():
    problems = problems_of(GOOD.replace("showcase: memo", "showcase: slide"))
    assert "the slide layout needs at least 3 parts" in problems[0]


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path):
    big = GOOD + "# " + "x" * MAX_FILE_BYTES + "\n"
    assert problems_of(big) == [f"estimate.yml:1: the file is over {MAX_FILE_BYTES:,} bytes."]
    (tmp_path / "estimate.yml").write_text(big)
    with pytest.raises(ProductsError, match="over 100,000 bytes"):
        load_families(tmp_path)


def test_a_product_id_in_two_families_and_every_file_reported(tmp_path):
    shutil.copy(REPO / "products" / "recommendation.yml", tmp_path)
    (tmp_path / "estimate.yml").write_text(GOOD.replace("id: bid", "id: memo"))
    (tmp_path / "broken.yml").write_text("family: broken\ntitle: [\n")
    with pytest.raises(ProductsError) as raised:
        load_families(tmp_path)
    problems = raised.value.problems
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'broken.yml'}:3: not valid YAML")
    assert problems[1] == (
        f"{tmp_path / 'recommendation.yml'}:1: product id 'memo' is also used by "
        f"{tmp_path / 'estimate.yml'}."
    )


# Markup in a label, in the course and in a student's copy ------------------------------
@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory) -> Path:
    """A course whose memo has markup in its name, description, a label and a hint."""
    root = make_course(tmp_path_factory.mktemp("hostile-products") / "course")
    path = root / "products" / "recommendation.yml"
    text = path.read_text()
    text = text.replace("name: Recommendation memo", f"name: '{HOSTILE}'")
    text = text.replace(
        "description: A one-page business memo to a decision maker.", f"description: '{HOSTILE}'"
    )
    text = text.replace("label: Risks", f"label: '{HOSTILE}'", 1)  # a paragraph part
    text = text.replace("label: To\n", f"label: '{HOSTILE} To'\n", 1)  # a one-line part
    text = text.replace(
        "hint: What could go wrong, and how to reduce the risk.", f"hint: '{HOSTILE}'"
    )
    path.write_text(text)
    return root


def assert_inert(html: str, times: int = 1) -> None:
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= times


def memo_task(folder: Path):
    wb = Workbook("demo", folder=folder)
    wb.product("deliverable", "Your product", "Make it.", products=("memo", "slide"))
    return wb["deliverable"]


def test_markup_in_a_label_is_escaped_in_the_task_widget(hostile_course):
    folder = hostile_course / "tryout" / "demo"
    folder.mkdir(parents=True)
    task = memo_task(folder)
    view = task.build_view()
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera", "risks": "Rent."}})
    assert_inert(task.render_html(), times=2)
    # The widgets show the label and hint as plain text, never as HTML.
    risks = task.inputs["memo"]["risks"]
    assert risks.description == HOSTILE and not risks.description_allow_html
    assert risks.placeholder == HOSTILE
    assert not task.choose.description_allow_html
    bundle = view._repr_mimebundle_()
    assert_inert(bundle["text/html"])


def test_markup_in_a_label_is_escaped_in_the_showcase(hostile_course):
    work = hostile_course / "autograded" / "ana" / "coffee-site"
    shutil.copytree(hostile_course / "workbooks" / "coffee-site", work)
    answers = {
        "schema": 1,
        "workbook": "coffee-site",
        "answers": {
            "recommendation": {
                "kind": "product",
                "value": {"product": "memo", "fields": {"memo": {"to": "Ms. Rivera"}}},
            }
        },
    }
    (work / "coffee-site.answers.json").write_text(json.dumps(answers))
    # The student's own copy of products.json is never read inside the course.
    (work / PRODUCTS_SNAPSHOT).write_text('{"families": "<b>tampered</b>"}')
    html = showcase_html(hostile_course, "coffee-site", "ana")
    product = html.split('<div class="careerlab-memo">')[1].split("</div>")[0]
    assert_inert(product, times=2)
    assert "Ms. Rivera" in html and "tampered" not in html


# A tampered products.json in a student's released copy ---------------------------------
@pytest.fixture
def student_folder(tmp_path) -> Path:
    folder = tmp_path / "home" / "coffee-site"
    folder.mkdir(parents=True)
    write_products_snapshot(folder, ["memo", "slide"], root=REPO)
    answers = {
        "schema": 1,
        "workbook": "demo",
        "answers": {
            "deliverable": {
                "kind": "product",
                "value": {"product": "memo", "fields": {"memo": {"to": "Ms. Rivera"}}},
            }
        },
    }
    (folder / "demo.answers.json").write_text(json.dumps(answers))
    return folder


@pytest.mark.parametrize(
    "tamper",
    [
        "{ not json",
        '{"schema": 1, "families": [{"family": "x", "title": "X", "products": "memo"}]}',
        "",
        "x" * (MAX_FILE_BYTES + 1),
        None,  # deleted
    ],
)
def test_a_tampered_snapshot_is_a_clear_note_and_loses_nothing(student_folder, tamper):
    snapshot = student_folder / PRODUCTS_SNAPSHOT
    if tamper is None:
        snapshot.unlink()
    else:
        snapshot.write_text(tamper)
    before = (student_folder / "demo.answers.json").read_text()
    wb = Workbook("demo", folder=student_folder)
    wb.short_text("name", "Name", "Your name?")
    task = memo_task_in(wb)
    html = task.build_view().children[1].value
    assert "The forms for this product cannot be shown" in html and PRODUCTS_SNAPSHOT in html
    assert "Your saved work is kept" in html
    assert not task.check(task.Key(min_words=1)).correct  # graded as not done, no crash
    wb["name"].fill("Ana")  # the rest of the workbook still works and saves
    saved = json.loads((student_folder / "demo.answers.json").read_text())
    assert saved["answers"]["deliverable"] == json.loads(before)["answers"]["deliverable"]
    assert saved["answers"]["name"]["value"] == "Ana"


def memo_task_in(wb: Workbook):
    wb.product("deliverable", "Your product", "Make it.", products=("memo", "slide"))
    return wb["deliverable"]


def test_a_snapshot_without_the_offered_product_is_a_note(student_folder):
    data = json.loads((student_folder / PRODUCTS_SNAPSHOT).read_text())
    data["families"][0]["products"] = data["families"][0]["products"][1:]  # no memo
    (student_folder / PRODUCTS_SNAPSHOT).write_text(json.dumps(data))
    task = memo_task_in(Workbook("demo", folder=student_folder))
    assert "no product &#x27;memo&#x27; here" in task.build_view().children[1].value


def test_markup_in_a_tampered_snapshot_stays_inert(student_folder):
    path = student_folder / PRODUCTS_SNAPSHOT
    data = json.loads(path.read_text())
    data["families"][0]["products"][0]["parts"][0]["label"] = HOSTILE
    path.write_text(json.dumps(data))
    task = memo_task_in(Workbook("demo", folder=student_folder))
    task.build_view()
    assert task.value["fields"]["memo"]["to"] == "Ms. Rivera"
    assert_inert(task.render_html())
