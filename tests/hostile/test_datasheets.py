"""Datasheets an author got wrong, or a student edited: `careerlab check` (and so
`careerlab release`) names every problem at once, by file and line, and never crashes or
hangs; the student's side reads labels from whatever is there without an error.

A datasheet in a student's folder is the student's file: ``column_labels`` must survive
garbage, alias bombs and huge files, and give the raw column names instead.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from careerlab.author.datasheets import DatasheetError, check_datasheets, parse_datasheet
from careerlab.workbook.datasheet import MAX_DATASHEET_BYTES, column_labels

from ..conftest import REPO, make_course, run_app

COFFEE = "coffee-site"
SURVEY = "coffee-survey"


@pytest.fixture
def coffee(tmp_path: Path) -> Path:
    """coffee-site's folder alone, in a workbooks/ folder of one's own."""
    folder = tmp_path / "workbooks" / COFFEE
    shutil.copytree(REPO / "workbooks" / COFFEE, folder)
    return folder


def _sheet(folder: Path, stem: str = SURVEY) -> Path:
    return folder / f"{stem}.datasheet.yml"


def _edit(folder: Path, old: str, new: str, stem: str = SURVEY) -> Path:
    path = _sheet(folder, stem)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _only(folder: Path) -> str:
    problems = check_datasheets(folder)
    assert len(problems) == 1, problems
    return problems[0]


def test_the_real_datasheets_pass(coffee):
    assert check_datasheets(coffee) == []


def test_garbage_yaml_is_named_by_file_and_line(coffee):
    path = _sheet(coffee)
    path.write_text("title: [unclosed\nmade: generator\n", encoding="utf-8")
    problem = _only(coffee)
    assert problem.startswith(f"{path}:") and "not valid YAML" in problem
    for text in ("", "just words\n", "- a\n- list\n", "\x00\x01", "\udcff"):
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert _only(coffee).startswith(f"{path}:")  # a problem, never a crash
        assert column_labels(coffee, f"{SURVEY}.csv") == {}


def test_every_problem_is_reported_at_once(coffee):
    path = _sheet(coffee)
    path.write_text(
        "title: ''\nmade: generator\ngenerator: coffee-survey\nseed: soon\n"
        "license: ' '\nsynthetic: maybe\nowner: me\n"
        "columns:\n  response: Answer number\n",
        encoding="utf-8",
    )
    problems = check_datasheets(coffee)
    expected = [
        (1, "title must be non-empty text"),
        (4, "seed must be a whole number"),
        (5, "license must be non-empty text"),
        (6, "synthetic must be true"),
        (7, "unknown key 'owner'"),
        (1, "missing 'about'"),
        (9, "column 'response' needs {label: ..., unit: ...}"),
    ]
    for line, message in expected:
        assert any(p.startswith(f"{path}:{line}: ") and message in p for p in problems), (
            message,
            problems,
        )
    assert len(problems) == len(expected), problems


def test_an_alias_bomb_is_neither_expanded_nor_a_hang(coffee):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]")
    path = _sheet(coffee)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        "\n".join(bomb) + "\n" + text.replace("{label: Answer number}", "{label: *i}"),
        encoding="utf-8",
    )
    start = time.monotonic()
    problems = check_datasheets(coffee)
    labels = column_labels(coffee, f"{SURVEY}.csv")
    assert time.monotonic() - start < 5
    assert sum("unknown key" in p for p in problems) == 9  # a..i, each named once
    assert any("column 'response': label must be non-empty text" in p for p in problems)
    assert "response" not in labels and labels["neighborhood"] == "Neighborhood"


def test_a_huge_datasheet_is_refused_unread(coffee):
    path = _sheet(coffee)
    # A valid datasheet, padded past the limit: refused for its size alone.
    path.write_text(path.read_text() + "#" * MAX_DATASHEET_BYTES, encoding="utf-8")
    assert "a datasheet is a few dozen lines" in _only(coffee)
    assert column_labels(coffee, f"{SURVEY}.csv") == {}


def test_a_data_file_without_its_datasheet_and_the_reverse(coffee):
    _sheet(coffee).unlink()
    (coffee / "extra").mkdir()
    (coffee / "extra" / "typed.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (coffee / "old.datasheet.yml").write_text("title: x\n", encoding="utf-8")
    problems = check_datasheets(coffee)
    assert problems == [
        f"{coffee / 'coffee-survey.csv'}: no datasheet; write coffee-survey.datasheet.yml "
        "beside it (where the data comes from, its license, each column's label: "
        "docs/authoring.md).",
        f"{coffee / 'extra' / 'typed.csv'}: no datasheet; write typed.datasheet.yml beside it "
        "(where the data comes from, its license, each column's label: docs/authoring.md).",
        f"{coffee / 'old.datasheet.yml'}: no old.csv beside it; add the data file or delete "
        "the datasheet.",
    ]
    assert column_labels(coffee, f"{SURVEY}.csv") == {}


def test_columns_must_be_exactly_the_csv_header_in_order(coffee):
    path = _edit(coffee, "  response: {label: Answer number}\n", "")
    assert "column 'response' of coffee-survey.csv is not listed" in _only(coffee)
    _edit(coffee, "  neighborhood:", "  response: {label: Answer number}\n  neighborhood:")
    _edit(coffee, "  typical_spend:", "  tip: {label: Tip, unit: dollars}\n  typical_spend:")
    problem = _only(coffee)
    assert problem.startswith(f"{path}:{_line(path, '  tip:')}: column 'tip' is not in ")
    _edit(coffee, "  tip: {label: Tip, unit: dollars}\n", "")
    _edit(coffee, "  response: {label: Answer number}\n", "")
    _edit(coffee, "  typical_spend:", "  response: {label: Answer number}\n  typical_spend:")
    assert _only(coffee).endswith(
        "the columns must be listed in the CSV's order: response, neighborhood, "
        "visits_per_week, typical_spend."
    )


def test_a_csv_header_that_changes_under_its_datasheet(coffee):
    data = coffee / f"{SURVEY}.csv"
    rows = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("response,neighborhood,response,typical_spend\n" + "".join(rows[1:]))
    problems = check_datasheets(coffee)
    assert any("names column 'response' twice" in p for p in problems), problems
    data.write_text("")
    assert _only(coffee) == f"{data}: it is empty; the first line must name the columns."
    data.write_bytes(b"\xff\xfe,bad\n")
    assert any(f"{data}: not readable" in p for p in check_datasheets(coffee))


def test_an_unknown_way_of_making_a_file(coffee):
    path = _edit(coffee, "made: generator", "made: scraped")
    problem = _only(coffee)
    assert problem.startswith(f"{path}:{_line(path, 'made:')}: made must be one of ")
    assert "generator, downloaded, by-hand; not 'scraped'" in problem


def test_a_generator_that_does_not_exist_or_writes_another_file(coffee):
    _edit(coffee, "generator: coffee-survey", "generator: coffee-surveys")
    assert "no data generator 'coffee-surveys' (`careerlab data` has: coffee-survey," in (
        _only(coffee)
    )
    _edit(coffee, "generator: coffee-surveys", "generator: neighborhoods")
    assert _only(coffee).endswith(
        "generator 'neighborhoods' writes coffee-site/neighborhoods.csv, not "
        "coffee-site/coffee-survey.csv."
    )
    _edit(coffee, "generator: neighborhoods", "generator: coffee-survey")
    _edit(coffee, "seed: 2026", "seed: 2027")
    assert _only(coffee).endswith(
        "seed 2027 is not the seed generator 'coffee-survey' runs with (2026)."
    )


def test_each_way_has_its_fields_and_only_its_fields(coffee):
    path = _edit(coffee, "made: generator", "made: by-hand")
    problems = check_datasheets(coffee)
    assert f"{path}:1: made: by-hand needs 'source'." in problems
    assert any("'generator' is only for made: generator, not made: by-hand." in p for p in problems)
    assert any("'seed' is only for made: generator, not made: by-hand." in p for p in problems)
    assert len(problems) == 3, problems
    _edit(coffee, "generator: coffee-survey\nseed: 2026\n", "source: Ms. Rivera's class\n")
    assert check_datasheets(coffee) == []
    _edit(coffee, "made: by-hand", "made: downloaded")
    _edit(coffee, "source: Ms. Rivera's class", "source: Ms. Rivera's class\nretrieved: soon")
    problems = check_datasheets(coffee)
    assert any("retrieved must be the date it was downloaded, YYYY-MM-DD." in p for p in problems)
    assert any("source must name who published it and its web address." in p for p in problems)
    assert len(problems) == 2, problems
    _edit(coffee, "source: Ms. Rivera's class", "source: City of Millbrook, https://example.org")
    _edit(coffee, "retrieved: soon", "retrieved: 2026-11-30")
    assert check_datasheets(coffee) == []


def test_a_student_edited_datasheet_gives_raw_names_not_an_error(coffee):
    labels = column_labels(coffee, f"{SURVEY}.csv")
    assert labels["typical_spend"] == "Typical spend (dollars a visit)"
    _edit(coffee, "{label: Typical spend, unit: dollars a visit}", "{label: [1, 2], unit: 3}")
    _edit(coffee, "{label: Neighborhood}", "{label: '<b>Where</b>', unit: {x: 1}}")
    labels = column_labels(coffee, f"{SURVEY}.csv")
    assert "typical_spend" not in labels
    assert labels["neighborhood"] == "<b>Where</b>"  # plain text: a page escapes it
    _edit(coffee, "columns:", "columns: 5\nold_columns:")
    assert column_labels(coffee, f"{SURVEY}.csv") == {}
    assert column_labels(coffee, "../../../etc/passwd") == {}
    assert column_labels(coffee / "nowhere", "x.csv") == {}


def test_release_refuses_a_workbook_with_a_bad_datasheet(tmp_path):
    # `careerlab release` runs the same check_assignment as `careerlab check` (and the
    # authoring page), so one real run shows the datasheets are part of it.
    root = make_course(tmp_path / "course")
    folder = root / "workbooks" / COFFEE
    (folder / "neighborhoods.datasheet.yml").unlink()
    released = run_app(root, "careerlab", "release", COFFEE, check=False)
    assert released.returncode == 1
    assert f"{folder / 'neighborhoods.csv'}: no datasheet" in released.stderr
    assert f"{COFFEE}: not released." in released.stderr
    assert not (root / "release" / COFFEE).exists()


def test_parse_alone_raises_with_every_problem():
    with pytest.raises(DatasheetError) as failure:
        parse_datasheet("made: by-hand\n", "x.datasheet.yml")
    missing = [p for p in failure.value.problems if "missing" in p]
    assert len(missing) == 5 and any("needs 'source'" in p for p in failure.value.problems)
