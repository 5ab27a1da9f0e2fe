"""The Workbook object: where answers go, friendly checks, and hidden-test grading."""

from __future__ import annotations

import json

import pytest

from careerlab.workbook.book import ScratchStore, Workbook


def test_answers_go_beside_the_notebook(tmp_path):
    wb = Workbook("demo", folder=tmp_path)
    wb.short_text("name", "Name", "Your name?")
    wb["name"].fill("Ana")
    assert (
        json.loads((tmp_path / "demo.answers.json").read_text())["answers"]["name"]["value"]
        == "Ana"
    )


@pytest.mark.parametrize("place", ["workbooks", "release"])
def test_answers_are_never_written_inside_the_course(tmp_path, place):
    (tmp_path / "jupyter_config.py").write_text("")
    folder = tmp_path / place / "demo"
    folder.mkdir(parents=True)
    wb = Workbook("demo", folder=folder)
    assert isinstance(wb.store, ScratchStore)
    wb.short_text("name", "Name", "Your name?")
    wb["name"].fill("Ana")
    assert wb["name"].value == "Ana"
    assert list(folder.iterdir()) == []


def test_grade_passes_and_fails_with_student_language(tmp_path):
    wb = Workbook("demo", folder=tmp_path)
    wb.number("n", "Hours", "How many?")
    with pytest.raises(AssertionError, match="no number was given"):
        wb.grade("n", value=3)
    wb["n"].fill("3")
    wb.grade("n", value=3)
    with pytest.raises(AssertionError, match="3 is not correct yet") as failure:
        wb.grade("n", value=4)
    assert "4" not in str(failure.value)  # the key never shows in feedback
    with pytest.raises(AssertionError, match="was not shown"):
        wb.grade("missing", value=1)


def test_check_reports_progress_and_never_raises(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("careerlab.workbook.book.display", shown.append)
    (tmp_path / "demo.answers.json").write_text(
        json.dumps({"schema": 1, "answers": {"n": {"kind": "number", "value": "lots"}}})
    )
    wb = Workbook("demo", folder=tmp_path)
    wb.number("n", "Hours", "How many?")
    wb.short_text("s", "Name", "Name?")
    wb.check()
    wb.record("s", 5)  # not a data task: a notice, not an error
    # Notices are HTML outputs; the progress list is a widget (it follows each save).
    html = " ".join(
        text
        for item in shown
        for text in (getattr(item, "data", None), getattr(item, "value", None))
        if isinstance(text, str)
    )
    assert "0 of 2 tasks answered" in html
    assert "needs a new answer" in html and "it is not a number" in html
    assert "no data question called" in html


def test_a_damaged_file_is_announced_and_kept(tmp_path):
    (tmp_path / "demo.answers.json").write_text("{{{ not json")
    wb = Workbook("demo", folder=tmp_path)
    assert wb.loaded.unreadable
    wb.short_text("s", "Name", "Name?")
    wb["s"].fill("Ana")
    damaged = list(tmp_path.glob("demo.answers.damaged-*.json"))
    assert len(damaged) == 1 and damaged[0].read_text() == "{{{ not json"
    assert "kept as demo.answers.damaged" in wb["s"]._status.value


def test_invalid_ids_are_refused_for_authors(tmp_path):
    with pytest.raises(ValueError):
        Workbook("../escape", folder=tmp_path)
    wb = Workbook("demo", folder=tmp_path)
    with pytest.raises(ValueError):
        wb.short_text("Bad Id", "x", "y")
