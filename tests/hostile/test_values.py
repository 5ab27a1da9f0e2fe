"""Bad values never break a page: every view shows the rest of the work and a note.

The class (tests/hostile/hostile_class.py) has students whose answers file holds a
number with hundreds of digits or past a float's range, chart and slide titles
that look like LaTeX, and a notebook with a pasted picture (a markdown image
attachment). Each must be graded like honest work, shown by the grading page
(HTTP API and a real browser), the showcase and the feedback, and exported to
CSV without a cell a spreadsheet would run.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from careerlab import course as layout
from careerlab import export
from careerlab.rubrics.format import combined, load_all
from careerlab.rubrics.levels import record_level

from ..conftest import BIN, REPO, run_app
from ..servers import CHROMIUM, call_api, chromium_page, jupyter_lab
from .hostile_class import ANA, ASSIGNMENT, VALUES

RUBRIC = combined(load_all(REPO / "rubrics"), ASSIGNMENT)
NUMBER_TASK = "riverside-customers"
HEADLINES = {student: values["headline"] for student, values in VALUES.items()}
CHART_TITLES = {student: values["site-title"] for student, values in VALUES.items()}


def scores(root: Path, student: str) -> dict[str, float]:
    coursedir = layout.course_directory(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.score for g in submission.grades if g.cell_type == "code"}


def test_hostile_values_are_graded_like_honest_work(hostile_class):
    root, outcomes = hostile_class["root"], hostile_class["outcomes"]
    honest = scores(root, ANA)
    for student in VALUES:
        assert outcomes[student]["status"] == "graded", outcomes[student]
        got = scores(root, student)
        # The number cannot be used (it scores zero), but a LaTeX-looking chart title
        # is a title like any other: the chart and the product still score.
        assert got["riverside-test"] == 0
        assert got["chart-test"] == honest["chart-test"] > 0, (student, got)
        assert got["product-test"] == honest["product-test"] > 0, (student, got)


@pytest.mark.parametrize("student", sorted(VALUES))
def test_the_showcase_shows_the_rest_and_a_note(hostile_class, student, tmp_path):
    root = hostile_class["root"]
    out = tmp_path / "showcase.html"
    run_app(root, str(BIN / "careerlab"), "showcase", ASSIGNMENT, student, "--html", str(out))
    page = out.read_text(encoding="utf-8")
    assert "The finished product" in page and "careerlab-slide" in page
    assert _escaped(HEADLINES[student]) in page
    assert _escaped(CHART_TITLES[student]) in page  # the chart's caption
    assert 'src="data:image/png;base64,' in page  # the chart itself, drawn
    assert "could not be used" in page and NUMBER_TASK in page  # the note


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_feedback_is_generated_for_every_student(hostile_class):
    root = hostile_class["root"]
    result = run_app(root, "nbgrader", "generate_feedback", ASSIGNMENT, check=False)
    for student in [ANA, *VALUES]:
        page_path = root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert page_path.exists(), f"no feedback for {student}:\n{result.stderr[-3000:]}"
        page = page_path.read_text(encoding="utf-8")
        assert "careerlab-rubric" in page, student
        if student != ANA:
            # The pasted picture is shown, as an embedded image (no outside request).
            assert 'alt="my photo"' in page and "data:image/png;base64," in page
            assert _escaped(HEADLINES[student]) in page
    assert "could not add the rubric" not in result.stderr


# --- CSV export: no cell a spreadsheet would evaluate -------------------------------
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n=cmd|' /C calc'!A0",
    "\u3000=1+1",  # an ideographic space first
    "\uff1d1+1",  # full-width =
    "\uff0b1+1",  # full-width +
    "\uff0d1",  # full-width -
    "\uff20SUM(A1)",  # full-width @
]


def test_export_neutralises_every_formula_and_keeps_numbers(hostile_class, tmp_path):
    root = hostile_class["root"]
    coursedir = layout.course_directory(root)
    criteria = [c.id for c in RUBRIC.criteria]
    students = [ANA, *VALUES]
    given: dict[tuple[str, str], str] = {}
    for number, formula in enumerate(FORMULAS):
        student, criterion = students[number % len(students)], criteria[number % len(criteria)]
        record_level(
            coursedir, RUBRIC, ASSIGNMENT, ASSIGNMENT, student, criterion, "developing", formula
        )
        given[(student, criterion)] = formula
    out = tmp_path / "exports"
    run_app(root, str(BIN / "careerlab"), "export", ASSIGNMENT, "--out", str(out))
    with open(out / f"{ASSIGNMENT}-criteria.csv", encoding="utf-8", newline="") as handle:
        rows = {(r["student"], r["criterion"]): r for r in csv.DictReader(handle)}
    for key, formula in given.items():
        assert rows[key]["comment"] == "'" + formula, (key, rows[key]["comment"])
    document = json.loads((out / f"{ASSIGNMENT}-criteria.json").read_text(encoding="utf-8"))
    kept = {(r["student"], r["criterion"]): r["comment"] for r in document["rows"]}
    assert all(kept[key] == formula for key, formula in given.items())  # JSON keeps them
    # Honest numbers stay numbers, negative ones too; honest text is left alone.
    assert export._cell(-3.5) == -3.5 and export._cell(-2.0) == -2 and export._cell(0.0) == 0
    assert export._cell("Riverside: 195 customers") == "Riverside: 195 customers"
    assert export._cell("ana.lee@school.org") == "ana.lee@school.org"


# --- The grading page: HTTP API, JSON bodies, and a real browser ----------------------
DEEP_BODIES = {
    "list": b"[" * 100_000 + b"]" * 100_000,
    "object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "in a comment": b'{"comment": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "unclosed": b"[" * 100_000,
}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)")
def test_the_grading_page_shows_the_rest_and_refuses_deep_json(hostile_class, tmp_path):
    from playwright.sync_api import expect

    root = hostile_class["root"]
    api = f"/careerlab/api/grade/{ASSIGNMENT}"
    with jupyter_lab(root, root, tmp_path / "state") as server:
        for student in VALUES:
            status, detail = call_api(server, "GET", f"{api}/{student}")
            assert status == 200, (student, detail)
            tasks = {t["id"]: t for t in detail["work"]["tasks"]}
            product = tasks["recommendation"]["html"]
            assert "careerlab-slide" in product and _escaped(HEADLINES[student]) in product
            assert "data:image/png;base64," in product  # the chart inside the product
            assert "data:image/png;base64," in tasks["site-chart"]["html"]
            assert any(NUMBER_TASK in p for p in detail["work"]["problems"]), detail["work"]
        for what, body in DEEP_BODIES.items():
            for method, path in (
                ("PUT", f"{api}/val-inf/criteria/evidence"),
                ("POST", f"/careerlab/api/bank/{ASSIGNMENT}"),
            ):
                status, refused = call_api(server, method, path, body)
                assert status == 400, (what, method, status, str(refused)[:300])
                assert "JSON" in refused["message"], refused
        # A real browser: the page shows the product, the chart and a note for the number.
        with chromium_page(tmp_path) as page:
            expect.set_options(timeout=20_000)
            page.goto(f"{server.url}/careerlab/grade/{ASSIGNMENT}/val-digits?token={server.token}")
            work = page.locator(".cl-work")
            expect(work.locator(".careerlab-slide h3")).to_have_text(HEADLINES["val-digits"])
            expect(work.locator("figure.careerlab-chart img").first).to_be_visible()
            expect(page.locator(".cl-problem").first).to_contain_text(NUMBER_TASK)
            assert page.dialogs == []  # type: ignore[attr-defined]
