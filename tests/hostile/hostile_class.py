"""One graded class with hostile values and student ids, built once per test session.

coffee-site, released and fetched with the real nbgrader apps. ``ana.lee@school.org``
(an id as JupyterHub authenticators write it) answers everything right through the
widgets' own code, submits and is collected. Each student in ``VALUES`` hands in
ana's work with answers no widget would write (a number with hundreds of digits,
or past a float's range; chart and slide titles that look like LaTeX) and a
markdown cell with a pasted picture (an image attachment). A folder named with
markup stands in the ``submitted/`` folder as if someone had put it there. Then
``careerlab autograde`` grades the lot.

Imported by test_values.py and test_student_ids.py: the fixture is session-scoped,
so the class is built once for both.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from careerlab.testing.simulate import answer, load_solutions
from careerlab.workbook.answers import answers_filename

from ..conftest import BIN, make_course, only_coffee_site, run_app

ASSIGNMENT = "coffee-site"
ANA = "ana.lee@school.org"
MARKUP_ID = "<img src=x onerror=alert(1)>"
# A 1x1 PNG: an honest picture pasted into a markdown cell.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
# Per hostile student: the raw JSON text of each value written into the answers file
# (raw, because Python's json would never write 1e400 or a 400-digit number itself).
VALUES: dict[str, dict[str, str]] = {
    "val-digits": {
        "riverside-customers": "1" + "0" * 400,
        "site-title": r"$$\begin{array}{c} x \end{array}$$",
        "headline": r"\(\frac{1}{0}",
    },
    "val-inf": {
        "riverside-customers": "1e400",
        "site-title": r"$\begin{$",
        "headline": r"$$\begin{align}",
    },
    "val-neg": {
        "riverside-customers": "-1e400",
        "site-title": r"Rent $\sqrt{$ per $x_{$",
        "headline": r"\[ \end{document} \]",
    },
}


def _hostile_answers(path: Path, values: dict[str, str]) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    answers = document["answers"]
    answers["riverside-customers"]["value"] = "@NUMBER@"
    answers["site-chart"]["value"]["title"] = values["site-title"]
    answers["recommendation"]["value"]["product"] = "slide"
    answers["recommendation"]["value"]["fields"]["slide"] = {
        "headline": values["headline"],
        "point_1": "Riverside has the lowest rent per customer.",
        "point_2": "Only one other café is nearby.",
        "point_3": "About 195 customers a day.",
        # The memo's text, so the slide is long enough to be complete (80 words).
        "speaker_notes": "\n\n".join(answers["recommendation"]["value"]["fields"]["memo"].values()),
    }
    text = json.dumps(document, indent=1, ensure_ascii=False)
    path.write_text(text.replace('"@NUMBER@"', values["riverside-customers"]), encoding="utf-8")


def _attach_picture(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    cell = nbformat.v4.new_markdown_cell("My site visit:\n\n![my photo](attachment:image.png)")
    cell.attachments = {"image.png": {"image/png": base64.b64encode(PNG).decode("ascii")}}
    nb.cells.insert(len(nb.cells) // 2, cell)
    nbformat.write(nb, notebook)


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = make_course(tmp_path_factory.mktemp("hostile-values") / "course")
    only_coffee_site(root)
    run_app(root, str(BIN / "careerlab"), "release", ASSIGNMENT)
    run_app(root, "nbgrader", "release_assignment", ASSIGNMENT)
    home = root.parent / "home" / "ana"
    home.mkdir(parents=True)
    run_app(root, "nbgrader", "fetch_assignment", ASSIGNMENT, cwd=home)
    notebook = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    answer(notebook, load_solutions(root / "workbooks" / ASSIGNMENT)[ASSIGNMENT])
    run_app(root, "nbgrader", "submit", ASSIGNMENT, f"--student={ANA}", cwd=home)
    run_app(root, "nbgrader", "collect", ASSIGNMENT)
    submitted = root / "submitted" / ANA / ASSIGNMENT
    assert submitted.is_dir(), "nbgrader collect did not collect ana.lee@school.org"
    for student, values in {**VALUES, MARKUP_ID: VALUES["val-digits"]}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(submitted, folder)
        _hostile_answers(folder / answers_filename(ASSIGNMENT), values)
        _attach_picture(folder / f"{ASSIGNMENT}.ipynb")
    graded = run_app(
        root, str(BIN / "careerlab"), "autograde", ASSIGNMENT, "--report", "report", check=False
    )
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    outcomes = {row["student"]: row for row in report["submissions"]}
    return {"root": root, "autograde": graded, "outcomes": outcomes}
