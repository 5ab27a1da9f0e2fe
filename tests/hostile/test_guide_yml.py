"""Hostile teacher guides: a broken or malicious guide.yml, and markup in the workbook's own
files, on the way to the guide page (careerlab.guide) and the catalog's guide link.

guide.yml is written by an author (or arrives in a shared project from another school);
workbook.yml, solutions.yml and workbook.md feed the page too. Every problem is named at
once, by file and line; nothing in any of them becomes live markup on the page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from careerlab.author import check_assignment
from careerlab.catalog import page as catalog_page
from careerlab.guide.page import guide_html
from careerlab.guide.prose import MAX_FILE_BYTES, GuideError, parse

from ..conftest import REPO, make_course

GOOD = (REPO / "workbooks" / "first-paycheck" / "guide.yml").read_text(encoding="utf-8")
TASKS = {"net-pay", "gross-pay", "fica", "total-net", "paycheck-plan", "career-fit"}
SCRIPT = "<script>alert(1)</script>"


def problems(text: str) -> list[str]:
    with pytest.raises(GuideError) as caught:
        parse(text, "guide.yml", TASKS)
    return caught.value.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_every_problem_is_named_at_once_with_its_line():
    bad = (
        GOOD.replace("tasks: [gross-pay]", "tasks: [no-such-task]")
        .replace("{minutes: 10,", "{minutes: 70,", 1)
        .replace("  - Give a partly filled", "  - yes\n  - Give a partly filled", 1)
    )
    bad = re.sub(r"(?ms)^materials:\n(  - .*?\n)+", "", bad)
    bad += "\nsurprise: true\n"
    found = problems(bad)
    assert len(found) >= 5, found
    expected = {
        line_of(bad, "no-such-task"): "no task 'no-such-task' in workbook.md",
        line_of(bad, "minutes: 70"): "whole number of minutes",
        line_of(bad, "  - yes"): "must be text (put it in quotes)",
        line_of(bad, "surprise:"): "unknown key 'surprise'",
        line_of(bad, "objectives:"): "missing 'materials'",  # the mapping's first line
    }
    for line, message in expected.items():
        assert any(p.startswith(f"guide.yml:{line}:") and message in p for p in found), (
            line,
            message,
            found,
        )


def test_a_period_longer_than_fifty_minutes_is_refused():
    bad = GOOD.replace('{minutes: 5, do: "Hook', '{minutes: 45, do: "Hook', 1)
    assert bad != GOOD
    assert any("a period has 50" in p for p in problems(bad))


def test_observe_in_guide_yml_says_where_it_moved():
    """How the teacher observes is the rubric's now (one source): the old key is named."""
    bad = GOOD + "observe:\n  how: Watch the pitches.\n  look_fors: [Speaks clearly.]\n"
    found = problems(bad)
    line = line_of(bad, "observe:")
    assert any(
        p.startswith(f"guide.yml:{line}:") and "observed: {skill, when, look_for}" in p
        for p in found
    ), found
    assert not any("unknown key" in p for p in found), found


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
        ("objectives: [unclosed\n", "not valid YAML"),
        ("", "the file is empty"),
        ("- just\n- a list\n", "must be a mapping"),
        ("objectives: " + "x" * (MAX_FILE_BYTES + 1), "over 200,000 bytes"),
        ("objectives: [" + ", ".join(["an objective"] * 41) + "]\n", "2 to 40 entries"),
    ],
)
def test_hostile_shapes_are_refused_with_a_line(text, message):
    found = problems(text)
    assert any(re.match(r"guide\.yml:\d+: ", p) and message in p for p in found), found


@pytest.fixture
def hostile_course(tmp_path: Path) -> Path:
    """A course whose coffee-site carries markup in every file the guide reads."""
    root = make_course(tmp_path / "course")
    folder = root / "workbooks" / "coffee-site"
    meta = folder / "workbook.yml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace('title: "Market', f'title: "{SCRIPT} Market'),
        encoding="utf-8",
    )
    solutions = yaml.safe_load((folder / "solutions.yml").read_text(encoding="utf-8"))
    solutions["coffee-site"]["riverside-customers"] = f"</script>{SCRIPT}<!--"
    solutions["coffee-site"]["recommendation"]["parts"]["risks"] = "<img src=x onerror=alert(1)>"
    (folder / "solutions.yml").write_text(yaml.safe_dump(solutions), encoding="utf-8")
    rubric = root / "rubrics" / "coffee-site.yml"  # a criterion scored by watching
    observed = {
        "id": "pitch",
        "title": f"{SCRIPT} Pitch",
        "weight": 1,
        "skills": ["nace:communication"],
        "i_can": "I can pitch my site aloud.",
        "observed": {
            "skill": "oral presentation",
            "when": f"{SCRIPT} the pitches",
            "look_for": ["<img src=x onerror=alert(2)>", "Names the site first."],
        },
        "descriptors": {
            level: "text" for level in ("beginning", "developing", "proficient", "advanced")
        },
    }
    data = yaml.safe_load(rubric.read_text(encoding="utf-8"))
    data["criteria"] = [c for c in data["criteria"] if "observed" not in c] + [observed]
    rubric.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    guide = folder / "guide.yml"
    guide.write_text(
        guide.read_text(encoding="utf-8").replace(
            "  - A projector to model", f'  - "{SCRIPT}"\n  - A projector to model', 1
        ),
        encoding="utf-8",
    )
    return root


def test_markup_in_any_file_is_shown_escaped_and_the_key_round_trips(hostile_course):
    folder = hostile_course / "workbooks" / "coffee-site"
    document = guide_html(folder)
    assert "<script>alert" not in document and "<img" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    observation = document[document.index('id="observation"') :]
    assert "Scored by watching" in observation and "Names the site first." in observation
    assert "&lt;script&gt;alert(1)&lt;/script&gt; the pitches" in observation
    # The one <script> on the page is the answer key's data block, and it parses back.
    assert document.count("<script") == 1 and document.count("</script>") == 1
    data = re.search(
        r'<script type="application/json" id="answer-key-data">(.*?)</script>', document
    )
    key = json.loads(data.group(1))
    assert key["coffee-site"]["responses"]["riverside-customers"] == f"</script>{SCRIPT}<!--"
    # Nothing can load or run even if a string slipped through.
    assert "default-src 'none'" in document


def test_careerlab_check_names_a_broken_guide(tmp_path):
    root = make_course(tmp_path / "course")
    guide = root / "workbooks" / "first-paycheck" / "guide.yml"
    guide.write_text(GOOD.replace("tasks: [fica]", "tasks: [renamed-task]"), encoding="utf-8")
    found = check_assignment(root / "workbooks" / "first-paycheck")
    line = line_of(guide.read_text(encoding="utf-8"), "renamed-task")
    assert any(p.startswith(f"{guide}:{line}:") and "renamed-task" in p for p in found), found


def test_the_catalogs_guide_link_says_what_is_wrong_and_escapes_it(tmp_path):
    root = make_course(tmp_path / "course")
    guide = root / "workbooks" / "first-paycheck" / "guide.yml"
    guide.write_text(f"objectives: [{SCRIPT}\n", encoding="utf-8")
    message = catalog_page.guide_link(root, "first-paycheck", "/user/t/")
    assert message.startswith("No teacher guide for first-paycheck")
    assert "<script>" not in message
    assert not (root / "guides").exists()
