"""Hostile ``standards:`` in a workbook.yml: tasks that do not exist, wrong shapes, huge
lists and markup. Each gives a short problem naming the file and the standard, fast,
without a crash; markup in ``why`` is shown escaped on the catalog's card.

workbook.yml is an author's file, but projects arrive from other schools
(``careerlab import``), so the catalog reads it as untrusted.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

from careerlab import course
from careerlab.author.rubric_cells import workbook_rubric
from careerlab.author.standards import check_standards
from careerlab.catalog import MAX_STANDARDS, CatalogError, load_project
from careerlab.catalog.page import card_html
from careerlab.project import MAX_BYTES

from ..conftest import REPO

COFFEE = "coffee-site"
CODE = "CCSS.MATH.CONTENT.6.RP.A.3.B"


@pytest.fixture
def coffee(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "workbooks" / COFFEE, tmp_path / "workbooks" / COFFEE)
    shutil.copytree(REPO / course.RUBRICS_DIRECTORY, tmp_path / course.RUBRICS_DIRECTORY)
    return tmp_path / "workbooks" / COFFEE


def write(folder: Path, standards: object) -> Path:
    path = folder / course.METADATA_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["standards"] = standards
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems(folder: Path) -> list[str]:
    """Every problem ``careerlab check`` gives for the standards: the catalog's, then the
    tasks named."""
    rubrics = {p.stem for p in (folder.parent.parent / "rubrics").glob("*.yml")}
    try:
        project = load_project(folder, rubrics)
    except CatalogError as error:
        return error.problems
    return check_standards(folder, project, workbook_rubric(folder))


def one(folder: Path, standards: object, limit: int = 400) -> str:
    path = write(folder, standards)
    found = problems(folder)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}: standards: "), found[0]
    assert len(found[0]) < limit, "a problem stays short, whatever the file holds"
    return found[0]


def entry(**change: object) -> dict:
    return {"code": CODE, "tasks": ["best-value"], "why": "Rent per customer.", **change}


@pytest.mark.parametrize(
    "standards, message",
    [
        ({"code": CODE}, "must list the standards the tasks meet"),
        (CODE, "must list the standards the tasks meet"),
        ([], "must list the standards the tasks meet"),
        ([42], "entry 1 ('42') must name the tasks that meet it"),
        ([[CODE, "best-value"]], "must name the tasks that meet it"),
        ([entry(code="<b>CCSS</b>")], "entry 1: '<b>CCSS</b>' is not a CCSS, NGSS or CSTA code."),
        ([entry(code=None)], "entry 1: 'None' is not a CCSS"),
        ([entry(tasks="best-value")], f"{CODE}: tasks must be a list of task ids"),
        ([entry(tasks=[1, 2])], f"{CODE}: tasks must be a list of task ids"),
        ([entry(tasks=["<script>x</script>"])], f"{CODE}: tasks must be a list of task ids"),
        ([entry(tasks=["best-value\n"])], f"{CODE}: tasks must be a list of task ids"),
        ([entry(tasks=None)], f"{CODE} names no task"),
        ([{"code": CODE, "why": "x"}], f"{CODE} names no task"),
        ([entry(why=None)], f"{CODE}: `why` must say in a sentence"),
        ([entry(why=["a", "b"])], f"{CODE}: `why` must say in a sentence"),
        ([entry(why="   ")], f"{CODE}: `why` must say in a sentence"),
        ([entry(), entry()], f"{CODE} is listed twice"),
        ([entry(colour="red")], f"{CODE}: unknown field 'colour'"),
    ],
)
def test_wrong_shapes_are_named(coffee, standards, message):
    assert message in one(coffee, standards)


@pytest.mark.parametrize(
    "name", ["no-such-task", "winter-sun", "self-check-2", "a" * 64, "recommendation-x"]
)
def test_a_task_that_does_not_exist_is_named(coffee, name):
    found = one(coffee, [entry(tasks=["best-value", name])], limit=1000)  # lists the tasks
    assert f"{CODE} names '{name}', which is not a task in workbook.md" in found


def test_huge_lists_and_texts_fail_fast_and_short(coffee):
    cases = [
        ([entry(code=f"MS-PS1-{n}") for n in range(1_000)], f"1000 standards listed; "
         f"at most {MAX_STANDARDS}"),
        ([entry(tasks=["best-value"] * 5_000)], f"{CODE}: 5000 tasks; name at most"),
        ([entry(why="x" * 50_000)], f"{CODE}: `why` is 50000 characters"),
        ([entry(code="C" * 50_000)], "is not a CCSS"),
        ([entry(code="CCSS.MATH.CONTENT." + "A" * 50_000)], "is not a CCSS"),
    ]  # fmt: skip
    for standards, message in cases:
        started = time.perf_counter()
        assert message in one(coffee, standards)
        assert time.perf_counter() - started < 10


def test_a_huge_file_is_refused_before_it_is_parsed(coffee):
    path = coffee / course.METADATA_FILE
    lines = "".join(f"- {{code: MS-PS1-{n}, tasks: [x], why: y}}\n" for n in range(100_000))
    path.write_text(path.read_text() + "huge:\n" + lines, encoding="utf-8")
    started = time.perf_counter()
    assert problems(coffee) == [
        f"{path}: over {MAX_BYTES:,} bytes; a project's metadata is a few kB."
    ]
    assert time.perf_counter() - started < 1


def test_markup_in_why_is_escaped_on_the_card(coffee):
    why = "<img src=x onerror=alert(1)> & <script>alert('why')</script>"
    write(coffee, [entry(why=why)])
    assert problems(coffee) == []
    project = load_project(coffee, {p.stem for p in (coffee.parent.parent / "rubrics").glob("*")})
    card = card_html(project)
    assert "<img" not in card and "<script>" not in card
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;script&gt;" in card
    assert f"<strong>{CODE}</strong>" in card and "(tasks: best-value)" in card
