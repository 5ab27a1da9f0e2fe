"""A teacher's new project, from `careerlab new` to the showcase, with files only.

The path of issue #14's "done when": the project is started with `careerlab new`,
then changed only through the plain files a teacher edits (no Python anywhere): its
scenario, a hand-written data file with its datasheet, a two-step data analysis with
its code path written as declared steps, and a new product family with its product
rubric in YAML. It then goes through check, release, a simulated class (collect and
`careerlab autograde`), the grading page's data and page, and the showcase.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from careerlab import course
from careerlab.grading_page import data as grading
from careerlab.grading_page import page
from careerlab.grading_page.render import render_work
from careerlab.showcase.page import showcase_html

from .conftest import make_course, run_app

PROJECT = "roof-estimate"

MATERIALS_CSV = """item,category,quantity,unit_cost,cost
Roof trusses,lumber,14,118.00,1652.00
Plywood sheathing,lumber,32,27.50,880.00
Asphalt shingles (bundle),roofing,45,36.00,1620.00
Underlayment roll,roofing,6,79.00,474.00
Drip edge (10 ft),metal,18,9.25,166.50
Ridge vent (4 ft),metal,8,21.00,168.00
Fascia board (16 ft),lumber,10,24.75,247.50
"""

MATERIALS_DATASHEET = """title: Materials for a 12 by 20 foot shed roof
about: One row per material on the estimator's take-off list, with the supplier's unit cost.
made: by-hand
source: Written by hand by the project's author from a supplier's price list.
license: CC0-1.0
synthetic: true
columns:
  item: {label: Item}
  category: {label: Category}
  quantity: {label: Quantity, unit: pieces}
  unit_cost: {label: Unit cost, unit: dollars}
  cost: {label: Line cost, unit: dollars}
"""

ANALYSIS = """+++ lumber-intro
## 3. What does the lumber cost?

The supplier sends lumber, roofing and metal on different trucks. How much is the
lumber on the list? Add up the cost of the lumber rows only.

```{data} materials
file: materials.csv
show: all
```

```{task} data_analysis
id: lumber-cost
title: The lumber order
prompt: What is the total cost of the lumber, in dollars?
data: materials
columns: [quantity, unit_cost, cost]
unit: dollars
answer: {value: 2779.5, tolerance: 0.01}
points: 2
code_path:
  variable: lumber_cost
  steps:
  - filter: {column: category, is: "==", value: lumber}
  - summary: {column: cost, statistic: sum}
```

"""

PRODUCT_FAMILY = """family: estimates
title: Cost estimates
about: The estimate a contractor gives a customer before work starts.
products:
- id: cost-estimate
  name: Cost estimate
  description: A one-page estimate for a customer, with the total and what it includes.
  showcase: memo
  words: {least: 40}
  parts:
  - {id: to, label: Customer, hint: Who the estimate is for, max_chars: 120}
  - {id: subject, label: Job, hint: The job in a few words, max_chars: 160}
  - {id: scope, label: What the price includes, hint: The work and materials., lines: 4}
  - {id: total, label: Total and terms, hint: The total and how long it holds., lines: 3}
"""

PRODUCT_RUBRIC = """id: estimate-report
title: A cost estimate a customer can trust
kind: product
products: [cost-estimate]
levels:
  - {id: missing, name: Missing, points: 0, descriptor: "No work for this criterion yet."}
  - {id: beginning, name: Beginning, points: 1}
  - {id: developing, name: Developing, points: 2}
  - {id: proficient, name: Proficient, points: 3}
  - {id: advanced, name: Advanced, points: 4}
criteria:
  - id: clear-total
    title: A clear total
    weight: 1
    skills: [nace:communication]
    i_can: I can give the customer one total and say what it includes.
    descriptors:
      cost-estimate:
        beginning: There is no total, or it is hard to find.
        developing: There is a total, but not what it includes.
        proficient: The total is easy to find and the work it covers is listed.
        advanced: The customer can see how the total was reached and how long it holds.
"""

ESTIMATE = {
    "product": "cost-estimate",
    "parts": {
        "to": "Priya Natarajan, homeowner",
        "subject": "New roof for the garden shed",
        "scope": "Trusses, plywood, fascia, shingles, underlayment, drip edge and ridge vent "
        "for a 12 by 20 foot roof, delivered, and two days of work by a crew of two.",
        "total": "Materials come to 5,208 dollars, of which lumber is 2,779.50 dollars. "
        "This estimate holds for 30 days <script>alert(1)</script>.",
    },
}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _only_product_rubrics(root: Path) -> None:
    """A course with no project yet but the shared product rubrics (the new project names
    one). The shipped projects are test_release's to check: here they would only make every
    `careerlab check` read seven projects instead of one, and fail this test whenever one of
    them is half-written."""
    shutil.rmtree(root / course.SOURCE_DIRECTORY)
    (root / course.SOURCE_DIRECTORY).mkdir()
    for path in (root / course.RUBRICS_DIRECTORY).glob("*.yml"):
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("kind") != "product":
            path.unlink()


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("new-project")
    root = make_course(base / "course")
    _only_product_rubrics(root)
    made = run_app(
        root, "careerlab", "new", PROJECT, "--cluster", "Construction", "--grade-band", "9-12"
    )
    folder = root / course.SOURCE_DIRECTORY / PROJECT
    assert run_app(root, "careerlab", "check").returncode == 0
    # The teacher writes the scenario in the files.
    metadata = folder / course.METADATA_FILE
    _replace(
        metadata,
        "Replace: what the student must decide or make, in one sentence.",
        "Price the materials for a shed roof and give the customer an estimate.",
    )
    _replace(
        metadata,
        "Replace: the real job the student plays, and where they work.",
        "A cost estimator at a small building firm.",
    )
    # The people of the story are declared, so no other project reuses their names.
    with metadata.open("a", encoding="utf-8") as file:
        file.write("people: [Priya Natarajan]\n")
    text = folder / course.TEXT_FILE
    _replace(text, "# Replace: the project's title as a question", "# What will the roof cost?")
    # A hand-written data file with its datasheet, and a two-step analysis.
    (folder / "materials.csv").write_text(MATERIALS_CSV, encoding="utf-8")
    (folder / "materials.datasheet.yml").write_text(MATERIALS_DATASHEET, encoding="utf-8")
    _replace(text, "+++ product-intro", ANALYSIS + "+++ product-intro")
    # A new product family and its product rubric, offered by the product task.
    (root / "products" / "estimates.yml").write_text(PRODUCT_FAMILY, encoding="utf-8")
    (root / course.RUBRICS_DIRECTORY / "estimate-report.yml").write_text(
        PRODUCT_RUBRIC, encoding="utf-8"
    )
    rubric = root / course.RUBRICS_DIRECTORY / f"{PROJECT}.yml"
    _replace(rubric, "product_rubric: recommendation", "product_rubric: estimate-report")
    _replace(rubric, "title: Replace with the project's title", "title: What will the roof cost?")
    _replace(text, "products:\n- memo\n- slide", "products:\n- cost-estimate")
    _replace(text, "answer:\n  min_words: 60", "answer:\n  min_words: 40")
    solutions_path = folder / course.SOLUTIONS_FILE
    solutions = yaml.safe_load(solutions_path.read_text(encoding="utf-8"))
    mine = solutions[PROJECT]
    mine["recommendation"] = ESTIMATE
    mine["lumber-cost"] = {"column": "cost", "statistic": "sum"}  # the code path answers it
    mine["self-check"] = {
        "analysis": "proficient",
        "teamwork": "proficient",
        "clear-total": "advanced",
    }
    solutions_path.write_text(yaml.safe_dump(solutions, sort_keys=False), encoding="utf-8")

    stale = run_app(root, "careerlab", "check", check=False)
    assert stale.returncode == 1 and "careerlab build roof-estimate" in stale.stderr
    built = run_app(root, "careerlab", "build", PROJECT, check=False)
    assert built.returncode == 0, built.stderr
    checked = run_app(root, "careerlab", "check", check=False)
    released = run_app(root, "careerlab", "release", PROJECT, check=False)
    simulated = run_app(
        root,
        "careerlab",
        "simulate",
        PROJECT,
        "--class",
        "4",
        "--keep",
        str(base / "kept"),
        check=False,
    )
    return {
        "root": root,
        "made": made,
        "checked": checked,
        "released": released,
        "simulated": simulated,
        "kept": base / "kept",
    }


def test_new_starts_a_project_that_passes_and_refuses_a_second(kept) -> None:
    assert "passes `careerlab check`" in kept["made"].stdout
    again = run_app(
        kept["root"], "careerlab", "new", PROJECT, "--cluster", "Construction",
        "--grade-band", "9-12", check=False,
    )  # fmt: skip
    assert again.returncode == 1 and "already exists" in again.stderr
    wrong = run_app(
        kept["root"], "careerlab", "new", "Bad Id", "--cluster", "Space", "--grade-band", "5",
        check=False,
    )  # fmt: skip
    assert wrong.returncode == 1
    assert all(w in wrong.stderr for w in ("a project id", "14 clusters", "--grade-band"))


def test_the_edited_project_checks_and_releases_without_keys(kept) -> None:
    assert kept["checked"].returncode == 0, kept["checked"].stderr
    assert kept["released"].returncode == 0, kept["released"].stderr
    released = kept["root"] / course.RELEASE_DIRECTORY / PROJECT
    names = {p.name for p in released.iterdir()}
    assert {"materials.csv", "materials.datasheet.yml", "products.json"} <= names
    assert not names & {course.TEXT_FILE, course.SOLUTIONS_FILE}
    text = (released / f"{PROJECT}.ipynb").read_text(encoding="utf-8")
    assert "What will the roof cost?" in text
    for key in ("wb.grade(", "2779.5", "BEGIN SOLUTION", '== "lumber"', "min_words"):
        assert key not in text, key
    # The source notebook has the steps as pandas code in the code path's solution.
    source = nbformat.read(
        kept["root"] / course.SOURCE_DIRECTORY / PROJECT / f"{PROJECT}.ipynb", as_version=4
    )
    (code,) = [c for c in source.cells if c.metadata["nbgrader"]["grade_id"] == "lumber-cost-code"]
    assert '"lumber"' in code.source and "sum()" in code.source


def test_a_simulated_class_is_graded_as_expected(kept) -> None:
    run = kept["simulated"]
    assert run.returncode == 0, run.stdout + run.stderr
    rows = dict(
        (m[0], m[1:])
        for m in re.findall(
            r"^(correct|partial|wrong|empty)\s+\d+\s+\d+\s+(\S+)\s+(\S+)$", run.stdout, re.M
        )
    )
    tests = re.findall(rf"^{PROJECT}/\S+-test\s+(\d+)\s", run.stdout, re.M)
    # The template's three tasks with keys, the teacher's data question, the career-fit reflection.
    assert len(tests) == 5, run.stdout
    # A correct student gets every autograded point (the rest is graded by hand).
    assert float(rows["correct"][0]) == sum(map(float, tests)), run.stdout
    assert rows["empty"][0] == "0", run.stdout
    # The two-step analysis is graded: wrong and empty work fail its test. (The partial
    # student keeps every other stored answer, sorted by task id, so whether it keeps this
    # one depends on which other tasks the project has.)
    assert re.search(
        rf"^{PROJECT}/lumber-cost-test\s+2\s+correct(, partial)?$", run.stdout, re.M
    ), run.stdout


def test_the_grading_page_and_the_showcase_show_the_new_product(kept) -> None:
    root = kept["kept"]
    ctx = grading.Course.at(root)
    student = "sim-correct-01"
    listing = grading.submission_list(ctx, PROJECT, anonymous=False)
    keys = [entry["key"] for entry in listing["submissions"] if entry["student"] == student]
    assert keys, listing
    detail = grading.submission_detail(ctx, PROJECT, keys[0], anonymous=False)
    # What the page's handler does, in this process (it uses a helper process).
    work = render_work(str(root), PROJECT, student, detail["notebook"])
    html = page.grading_page(detail, work, page.Urls("/", False), "v", "xsrf")
    assert "A clear total" in html and "Accurate analysis" in html
    assert "<script>alert(1)</script>" not in html
    showcase = showcase_html(root, PROJECT, student)
    # The new family's parts, laid out by the layout its YAML names (memo).
    assert "<strong>Customer:</strong> Priya Natarajan, homeowner" in showcase
    assert "<h4>What the price includes</h4>" in showcase
    assert "Materials come to 5,208 dollars" in showcase
    assert "<h1>What will the roof cost?</h1>" in showcase
    assert "<script>alert(1)</script>" not in showcase
    assert "&lt;script&gt;" in showcase
