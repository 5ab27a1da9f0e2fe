"""Data files a notebook reads: `careerlab check` (and so `careerlab release`) names every
one a student would not get, by notebook, cell and file, without running any cell.

The notebooks are the author's, but the names in them are checked as untrusted text: a
path that leaves the workbook folder (``../``, absolute, ``~``, a link) is a problem, a
broken cell is reported and not a crash, and a name that is not a literal is not judged.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from careerlab import course
from careerlab.author import build, check_assignment
from careerlab.author.data_files import data_reads

from ..conftest import REPO, make_course, run_app

PAYCHECK = "first-paycheck"


@pytest.fixture
def paycheck(tmp_path: Path) -> Path:
    """first-paycheck's folder in a course copy of one's own."""
    return make_course(tmp_path / "course") / "workbooks" / PAYCHECK


def _add_cell(folder: Path, source: str) -> int:
    """Append a code cell as an author does (a {code} block in workbook.md, then a
    build); its number in the notebook, as checks count."""
    text = folder / course.TEXT_FILE
    blocks = text.read_text(encoding="utf-8").count("```{code}")
    with text.open("a", encoding="utf-8") as file:
        file.write(f"\n```{{code}} added-{blocks}\n{source.rstrip()}\n```\n")
    build.build(folder)
    return len(nbformat.read(folder / f"{folder.name}.ipynb", as_version=4).cells)


def _cell_reading(notebook: Path, name: str) -> int:
    cells = nbformat.read(notebook, as_version=4).cells
    return next(i for i, c in enumerate(cells, start=1) if f'read_csv("{name}")' in c.source)


@pytest.mark.parametrize("name", [p.name for p in course.assignments(REPO)])
def test_every_real_read_is_found(name):
    """The six notebooks' real patterns: every CSV beside a notebook is one it reads."""
    folder = REPO / "workbooks" / name
    found = set()
    for notebook in course.notebooks(folder):
        found |= {r.name for r in data_reads(nbformat.read(notebook, as_version=4)).reads}
    assert found == {p.name for p in folder.glob("*.csv")}


def test_a_missing_csv_is_named_by_notebook_cell_and_file(tmp_path):
    folder = make_course(tmp_path / "course") / "workbooks" / "coffee-site"
    (folder / "neighborhoods.csv").unlink()
    notebook = folder / "coffee-site.ipynb"
    everything = check_assignment(folder)
    # The datasheet left without its file is named too (tests/hostile/test_datasheets.py).
    assert f"{folder / 'neighborhoods.datasheet.yml'}: no neighborhoods.csv" in "\n".join(
        everything
    )
    problems = [p for p in everything if p.startswith(f"{notebook}:")]
    cell = _cell_reading(notebook, "neighborhoods.csv")
    assert len(problems) == 1, problems  # coffee-survey.csv is there: nothing said about it
    assert problems[0].startswith(f"{notebook}: cell {cell}, line 1: reads 'neighborhoods.csv'")
    assert "not in coffee-site/" in problems[0]


def test_check_and_release_refuse_a_workbook_missing_its_data(paycheck):
    root = paycheck.parent.parent
    (paycheck / "paystubs.csv").unlink()
    checked = run_app(root, "careerlab", "check", check=False)
    assert checked.returncode == 1
    assert f"{PAYCHECK}.ipynb: cell 13, line 1: reads 'paystubs.csv'" in checked.stderr
    released = run_app(root, "careerlab", "release", PAYCHECK, check=False)
    assert released.returncode == 1
    # Release builds the notebook from workbook.md first, whose {data} block names the file.
    assert "paystubs.csv is not in first-paycheck/" in released.stderr
    assert f"{PAYCHECK}: not released." in released.stderr
    assert not (root / "release" / PAYCHECK).exists()


def test_paths_that_leave_the_folder_are_reported(paycheck, tmp_path):
    # Each file exists where the path leads, so only leaving the folder is wrong.
    (paycheck.parent / "paystubs.csv").write_text("a\n1\n")
    (tmp_path / "outside.csv").write_text("a\n1\n")
    (paycheck / "link.csv").symlink_to(tmp_path / "outside.csv")
    cell = _add_cell(
        paycheck,
        'up = pd.read_csv("../paystubs.csv")\n'
        f'absolute = pd.read_csv("{tmp_path / "outside.csv"}")\n'
        'home = pd.read_csv("~/paystubs.csv")\n'
        'linked = open("link.csv").read()\n'
        'deep = pd.read_csv("data/../../paystubs.csv")\n',
    )
    problems = [p for p in check_assignment(paycheck) if f"cell {cell}," in p]
    assert len(problems) == 5, problems
    for line, problem in enumerate(problems, start=1):
        assert f"cell {cell}, line {line}: reads " in problem
        assert "outside the workbook folder" in problem


def test_a_file_nbgrader_would_not_release_is_reported(paycheck):
    (paycheck / "feedback").mkdir()
    (paycheck / "feedback" / "scores.csv").write_text("a\n1\n")
    (paycheck / "notes.pyc").write_bytes(b"")
    cell = _add_cell(paycheck, 'pd.read_csv("feedback/scores.csv")\nopen("notes.pyc", "rb")\n')
    problems = [p for p in check_assignment(paycheck) if f"cell {cell}," in p]
    assert len(problems) == 2, problems
    assert "'feedback/scores.csv'" in problems[0] and "nbgrader does not release" in problems[0]
    assert "'notes.pyc'" in problems[1] and "nbgrader does not release" in problems[1]


def test_a_cell_that_is_not_python_is_reported_not_a_crash(paycheck):
    broken = _add_cell(paycheck, 'pd.read_csv("paystubs.csv"\n')
    magic = _add_cell(paycheck, '%matplotlib inline\n!ls\ngone = pd.read_csv("gone.csv")\n')
    problems = "\n".join(check_assignment(paycheck))
    assert f"cell {broken}: not valid Python (line " in problems
    # IPython's own syntax (magics, shell lines) is not an error, and the cell is still read.
    assert f"cell {magic}, line 3: reads 'gone.csv'" in problems
    assert f"cell {magic}: not valid Python" not in problems


def test_odd_names_and_cells_are_reported_not_a_crash(paycheck):
    (paycheck / "loop.csv").symlink_to(paycheck / "loop.csv")
    names = _add_cell(
        paycheck,
        'pd.read_csv("bad\\x00name.csv")\n'  # a NUL byte: no file can have this name
        f'pd.read_csv("{"x" * 5000}.csv")\n'  # longer than any file name may be
        'pd.read_csv("loop.csv")\n',  # a link to itself
    )
    nul = _add_cell(paycheck, "x = 1\x00\n")
    problems = check_assignment(paycheck)
    for line in (1, 2, 3):
        assert any(f"cell {names}, line {line}: reads " in p and "not in" in p for p in problems)
    assert any(f"cell {nul}: not valid Python" in p for p in problems), problems


def test_names_that_cannot_be_checked_raise_no_false_alarm(paycheck):
    _add_cell(
        paycheck,
        "import io\n"
        'name = "paystubs.csv"\n'
        "pd.read_csv(name)\n"
        'pd.read_csv(f"{name}")\n'
        'pd.read_csv(io.StringIO("a\\n1"))\n'
        'pd.read_csv("https://example.org/data.csv")\n'
        'pd.read_csv("./paystubs.csv")\n'
        'pd.read_csv(filepath_or_buffer="paystubs.csv")\n'
        "pd.read_json('{\"a\": [1]}')\n"
        'pd.DataFrame().to_csv("mine.csv")\n'
        'pd.read_csv("mine.csv")\n'
        'open("notes.txt", "w").write("x")\n'
        'open("notes.txt").read()\n'
        'open("later.txt", mode).read()\n'
        "import yaml\n"
        'yaml.safe_load("a: 1")\n',
    )
    assert check_assignment(paycheck) == []
