"""A workbook's text (workbook.md) and the notebook built from it.

Every shipped project is written as text; its notebook must be exactly what the text
builds (so the per-project tests and the benchmark, which grade the notebooks, grade
what the text says), and the build must be deterministic and never lose a hand edit.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from careerlab import course
from careerlab.author import build, check_assignment
from careerlab.author.convert import convert
from careerlab.author.workbook_text import (
    Code,
    Data,
    Rubric,
    TaskBlock,
    Text,
    WorkbookText,
    WorkbookTextError,
    dump,
    parse,
)

REPO = Path(__file__).resolve().parents[1]
PROJECTS = sorted(p.parent for p in (REPO / course.SOURCE_DIRECTORY).glob("*/workbook.md"))


def test_every_project_is_written_as_text() -> None:
    folders = course.assignments(REPO)
    assert [p.name for p in PROJECTS] == [f.name for f in folders]


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_the_notebook_is_what_the_text_builds(folder: Path) -> None:
    assert build.check_built(folder) == []
    assert build.hand_edited(build.notebook_path(folder)) is None
    # Written back (as the authoring page writes it), the text says the same.
    parts = parse(build.source_path(folder).read_text(encoding="utf-8")).parts
    again = parse(dump(WorkbookText(parts))).parts
    assert [_without_line(p) for p in again] == [_without_line(p) for p in parts]


def _without_line(part: object) -> object:
    return dataclasses.replace(part, line=0)


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_a_converted_notebook_builds_back_the_same_cells(folder: Path, tmp_path: Path) -> None:
    root = _course(tmp_path)
    copy = root / course.SOURCE_DIRECTORY / folder.name
    nb = nbformat.read(build.notebook_path(folder), as_version=4)
    build.source_path(copy).write_text(dump(convert(nb)), encoding="utf-8")
    rebuilt = build.notebook(copy)
    assert [(c.cell_type, c.source, c.metadata) for c in rebuilt.cells] == [
        (c.cell_type, c.source, c.metadata) for c in nb.cells
    ]


def _course(tmp_path: Path) -> Path:
    from tests.conftest import make_course

    return make_course(tmp_path / "course")


def test_build_is_deterministic_and_refuses_to_lose_a_hand_edit(tmp_path: Path) -> None:
    root = _course(tmp_path)
    folder = root / course.SOURCE_DIRECTORY / "first-paycheck"
    path = build.notebook_path(folder)
    before = path.read_bytes()
    assert build.build(folder) == (path, False)
    assert path.read_bytes() == before
    # Running the notebook (outputs) is not an edit.
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hello")]
    nbformat.write(nb, path)
    assert build.hand_edited(path) is None
    # Changing a cell is, and a build says so and keeps the change.
    nb.cells[0].source += "\nA teacher's note."
    nbformat.write(nb, path)
    with pytest.raises(build.HandEdited, match="edited after it was built"):
        build.build(folder)
    assert "A teacher's note." in path.read_text(encoding="utf-8")
    assert any("does not match workbook.md" in p for p in check_assignment(folder))
    build.build(folder, force=True)
    assert path.read_bytes() == before


def test_an_edit_to_the_text_reaches_the_notebook_and_its_hidden_test(tmp_path: Path) -> None:
    root = _course(tmp_path)
    folder = root / course.SOURCE_DIRECTORY / "first-paycheck"
    source = build.source_path(folder)
    source.write_text(
        source.read_text(encoding="utf-8").replace("answer: take-home", "answer: before"),
        encoding="utf-8",
    )
    assert any("does not match workbook.md" in p for p in check_assignment(folder))
    build.build(folder)
    nb = nbformat.read(build.notebook_path(folder), as_version=4)
    test = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "net-pay-test")
    assert 'wb.grade("net-pay", correct="before")' in test.source
    assert test.metadata["nbgrader"]["points"] == 1


def test_the_release_holds_no_text_no_key_and_no_solution(tmp_path: Path) -> None:
    from tests.conftest import run_app

    root = _course(tmp_path)
    run_app(root, "careerlab", "release", "coffee-site")
    released = root / course.RELEASE_DIRECTORY / "coffee-site"
    names = {p.name for p in released.iterdir()}
    assert course.TEXT_FILE not in names and course.SOLUTIONS_FILE not in names
    nb = nbformat.read(released / "coffee-site.ipynb", as_version=4)
    text = json.dumps(nb)
    assert "wb.grade(" not in text
    folder = root / course.SOURCE_DIRECTORY / "coffee-site"
    workbook = parse(build.source_path(folder).read_text())
    steps_code = build._steps_code(folder, workbook)
    # The cells' own text: json.dumps escapes every quote, so code would never match it.
    sources = "\n".join(cell.source for cell in nb.cells)
    paths = [task for task in workbook.tasks if task.fields.get("code_path")]
    assert any("steps" in task.fields["code_path"] for task in paths)  # best-value's steps
    for task in paths:  # the author's solution code is gone from the student's copy
        path = task.fields["code_path"]
        solution = path["solution"] if "solution" in path else steps_code(task)
        for line in filter(None, (line.strip() for line in solution.splitlines())):
            assert line not in sources, line
    assert "BEGIN SOLUTION" not in text


def test_parts_and_their_cells() -> None:
    text = (
        "+++ intro\n# Title\n\nSome words.\n\n"
        "```{code} setup\nimport pandas as pd\n```\n\n"
        "```{data} sites\nfile: sites.csv\nshow: 5\n```\n\n"
        "```{task} choice\nid: pick\ntitle: Pick\nprompt: Which?\n"
        "options: {a: One, b: Two}\nanswer: b\npoints: 2\nhint: Think.\n```\n\n"
        "```{solution} extra\nprint(1)\n```\n\n"
        "```{rubric}\n```\n"
    )
    workbook = parse(text)
    kinds = [type(p) for p in workbook.parts]
    assert kinds == [Text, Code, Data, TaskBlock, Code, Rubric]
    assert workbook.parts[2] == Data("sites", "sites.csv", 5, None, 10)
    assert workbook.parts[4].solution
    assert parse(dump(workbook)).parts[3].fields == workbook.parts[3].fields


def test_task_cells_are_code_a_student_cannot_break_out_of() -> None:
    from careerlab.author import task_blocks

    hostile = 'x", correct="a")\nimport os; os.system("id") #\u2028\'"'
    block = TaskBlock(
        "choice",
        {
            "id": "pick",
            "title": hostile,
            "prompt": "Which?\n" + hostile,
            "options": {"a": hostile, "b": "Two"},
            "answer": "b",
            "points": 1,
        },
    )
    assert task_blocks.check(block) == []
    cells = task_blocks.cells(block)
    widget = ast.parse(cells[0].source)
    (statement,) = widget.body
    call = statement.value
    assert isinstance(call, ast.Call)
    assert all(isinstance(a, ast.Constant) for a in call.args)
    assert ast.literal_eval(call.args[1]) == hostile
    assert ast.literal_eval(call.keywords[0].value) == {"a": hostile, "b": "Two"}


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("```{task} choice\nid: a\n```", "tasks.a.title", "needs a title"),
        (
            "```{task} choice\nid: a\ntitle: T\nprompt: P\noptions: {x: X}\n"
            "answer: y\npoints: 1\n```",
            "tasks.a.answer",
            "not one of the options",
        ),
        (
            "```{task} choice\nid: a\ntitle: T\nprompt: P\noptions: {x: X}\nanswer: x\n```",
            "tasks.a.points",
            "worth points",
        ),
        (
            "```{task} number\nid: a\ntitle: T\nprompt: P\nanswer: {valu: 3}\npoints: 1\n```",
            "tasks.a.answer",
            "not part of a number key",
        ),
        (
            "```{task} number\nid: a\ntitle: T\nprompt: P\ncolour: red\n```",
            "tasks.a.colour",
            "no field 'colour'",
        ),
        (
            "```{task} chart\nid: a\ntitle: T\nprompt: P\ndata: os.system('x')\ncategory: c\n"
            "measures: [m]\n```",
            "tasks.a.data",
            "the name of a table",
        ),
        ("```{task} lottery\nid: a\n```", "tasks.a.kind", "not a task kind"),
        ("```{task} number\nid: Not An Id\ntitle: T\nprompt: P\n```", "tasks.Not An Id.id", "id:"),
        ("```{data} sites\nfile: ../../etc/passwd.csv\n```", "data.sites.file", ".csv file"),
        ("```{data} sites\nfile: s.csv\nshow: 10000\n```", "data.sites.show", "1 to 1000"),
        ("```{data} os.system\nfile: s.csv\n```", "line 1", "not a cell name"),
        ("```{data} 2sites\nfile: s.csv\n```", "data.2sites", "name the table"),
    ],
)
def test_each_problem_names_its_field(tmp_path: Path, text: str, where: str, message: str) -> None:
    folder = tmp_path / "workbooks" / "demo"
    folder.mkdir(parents=True)
    (folder / course.TEXT_FILE).write_text(text, encoding="utf-8")
    found = build.problems(folder)
    assert any(p.where == where and message in p.message for p in found), found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```{task} choice\nid: [unclosed\n```", "not valid YAML"),
        ("```{task} choice\nid: a\n", "never closed"),
        ("```{script} x\nrm -rf /\n```", "not a block CareerLab knows"),
        ("+++ ../../x\nhello", "not a cell name"),
        ("```{task} choice\n- a\n- b\n```", "holds fields"),
        ("```{task}\nid: a\n```", "name the task's kind"),
    ],
)
def test_a_broken_text_is_reported_with_its_line(text: str, message: str) -> None:
    with pytest.raises(WorkbookTextError) as caught:
        parse(text)
    assert any(message in str(p) and p.line for p in caught.value.problems)


def test_a_yaml_alias_bomb_is_only_a_wrong_field(tmp_path: Path) -> None:
    # safe_load shares aliased lists instead of copying them; the check must not expand them.
    folder = tmp_path / "workbooks" / "demo"
    folder.mkdir(parents=True)
    (folder / course.TEXT_FILE).write_text(
        "```{task} choice\nid: a\ntitle: T\nprompt: P\noptions: {x: X}\n"
        "b: &b [x, x, x, x, x, x, x, x, x]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n```",
        encoding="utf-8",
    )
    assert {p.where for p in build.problems(folder)} == {
        "tasks.a.b",
        "tasks.a.c",
        "tasks.a.d",
        "tasks.a.e",
    }


def test_a_huge_text_is_refused_before_it_is_read() -> None:
    with pytest.raises(WorkbookTextError, match="over"):
        parse("x" * 2_000_000)


def test_two_cells_with_one_name_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "workbooks" / "demo"
    folder.mkdir(parents=True)
    (folder / course.TEXT_FILE).write_text("+++ a\none\n\n+++ a\ntwo\n", encoding="utf-8")
    assert [p.where for p in build.problems(folder)] == ["cells"]


def test_a_notebook_nobody_built_is_never_replaced(tmp_path: Path) -> None:
    root = _course(tmp_path)
    folder = root / course.SOURCE_DIRECTORY / "first-paycheck"
    path = build.notebook_path(folder)
    nb = nbformat.read(path, as_version=4)
    del nb.metadata["careerlab"]
    nbformat.write(nb, path)
    with pytest.raises(build.HandEdited, match="was not built"):
        build.build(folder)


def test_convert_keeps_every_cell_or_refuses(tmp_path: Path) -> None:
    from careerlab.author.convert import ConvertError

    nb = nbformat.read(REPO / "workbooks/coffee-site/coffee-site.ipynb", as_version=4)
    stray = nbformat.v4.new_code_cell(
        "### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS",
        metadata={"nbgrader": {"grade": True, "grade_id": "stray", "points": 1}},
    )
    nb.cells.insert(3, stray)
    with pytest.raises(ConvertError, match="a test that follows no task"):
        convert(nb)
    shutil.rmtree(tmp_path, ignore_errors=True)
