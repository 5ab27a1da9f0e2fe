import json

import pytest
import yaml

from careerlab.rubrics.format import as_data, combined, load_all
from careerlab.workbook.book import Workbook
from careerlab.workbook.tasks.base import AnswerError
from careerlab.workbook.tasks.self_assessment import RUBRIC_SNAPSHOT, find_rubric

from ..conftest import REPO
from .conftest import HOSTILE, assert_inert, reopen

RUBRIC = combined(load_all(REPO / "rubrics"), "coffee-site")
CRITERIA = [c.id for c in RUBRIC.criteria]


def ship_rubric(folder, data=None) -> None:
    """What a released workbook folder holds: workbook.yml and the rubric snapshot."""
    (folder / "workbook.yml").write_text(yaml.safe_dump({"rubric": "coffee-site"}))
    (folder / RUBRIC_SNAPSHOT).write_text(json.dumps(data or as_data(RUBRIC)))


def define(wb):
    wb.self_assess("self-check", "Rate your work", "How well did you do?")
    return wb["self-check"]


def test_the_criteria_come_from_the_released_snapshot(folder):
    ship_rubric(folder)
    task = define(Workbook("demo", folder=folder))
    assert [c.id for c in task.criteria] == CRITERIA
    assert [name for _, name in task.rubric.levels] == [
        "Beginning",
        "Developing",
        "Proficient",
        "Advanced",
    ]
    assert len(task.inputs) == len(CRITERIA)
    assert task.inputs["trade-offs"].options[2] == ("Proficient", "proficient")


def test_ratings_save_one_click_at_a_time_and_come_back(folder):
    ship_rubric(folder)
    task = define(Workbook("demo", folder=folder))
    task.fill({"market-analysis": "developing"})
    task.fill({"evidence": "advanced"})
    again = define(reopen(folder))
    assert again.value == {"market-analysis": "developing", "evidence": "advanced"}
    assert again.inputs["evidence"].value == "advanced"
    assert again.inputs["audience"].value is None


def test_completeness_is_every_criterion_rated(folder):
    ship_rubric(folder)
    task = define(Workbook("demo", folder=folder))
    assert not task.check(task.Key()).correct
    task.fill({c: "proficient" for c in CRITERIA[:-1]})
    result = task.check(task.Key())
    assert not result.correct and f"{len(CRITERIA) - 1} of {len(CRITERIA)}" in result.message
    assert task.check(task.Key(min_rated=2)).correct
    task.fill({CRITERIA[-1]: "beginning"})
    assert task.check(task.Key()).correct


def test_inside_a_course_the_course_rubric_is_used(course):
    folder = course / "tryout" / "coffee-site"
    folder.mkdir(parents=True)
    (folder / "workbook.yml").write_text(yaml.safe_dump({"rubric": "coffee-site"}))
    outline = find_rubric(folder)  # no snapshot here: read from the course's rubrics/
    assert outline is not None and [c.id for c in outline.criteria] == CRITERIA


def test_a_student_is_never_offered_the_missing_level(folder):
    """The rubric's 0-point level is for work that is not there: not a self-rating."""
    assert RUBRIC.levels[0].points == 0  # the course rubric has one to leave out
    ship_rubric(folder)
    task = define(Workbook("demo", folder=folder))
    offered = [level_id for _, level_id in task.inputs["evidence"].options]
    assert offered == ["beginning", "developing", "proficient", "advanced"]
    with pytest.raises(AnswerError, match="is not a level"):
        task.parse({"evidence": RUBRIC.levels[0].id})


@pytest.mark.parametrize(
    "stored", [3, ["proficient"], {"market-analysis": "great"}, {"market-analysis": 3}]
)
def test_bad_stored_ratings_are_rejected(folder, stored):
    ship_rubric(folder)
    with pytest.raises(AnswerError):
        define(Workbook("demo", folder=folder)).parse(stored)


def test_a_criterion_the_rubric_no_longer_has_is_dropped(folder):
    ship_rubric(folder)
    task = define(Workbook("demo", folder=folder))
    assert task.parse({"gone": "advanced", "evidence": "beginning"}) == {"evidence": "beginning"}


def test_without_a_rubric_the_student_is_told_and_nothing_is_lost(folder):
    (folder / "demo.answers.json").write_text(
        json.dumps(
            {
                "schema": 1,
                "workbook": "demo",
                "answers": {"self-check": {"kind": "self_assessment", "value": {"x": "high"}}},
            }
        )
    )
    task = define(Workbook("demo", folder=folder))
    assert task.rubric is None and task.value == {"x": "high"}
    assert "not here" in task.view.children[1].value


def test_statements_and_ratings_are_escaped_everywhere(folder):
    data = as_data(RUBRIC)
    data["criteria"][0]["i_can"] = f"I can {HOSTILE}"
    data["criteria"][0]["title"] = HOSTILE
    ship_rubric(folder, data)
    task = define(Workbook("demo", folder=folder))
    task.fill({CRITERIA[0]: "advanced"})
    assert_inert(task.render_html())
    assert "Advanced" in task.render_html()
    assert_inert(task.view._repr_mimebundle_()["text/html"])
    widget_text = "".join(getattr(w, "value", "") or "" for w in task.view.children[1:3])
    assert "<script" not in widget_text
