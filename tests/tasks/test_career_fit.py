import json

import pytest
import yaml

from careerlab.workbook.book import Workbook
from careerlab.workbook.tasks.base import AnswerError
from careerlab.workbook.tasks.career_fit import MAX_CHARACTERS, MAX_JOBS

from .conftest import HOSTILE, assert_inert, reopen

JOBS = [
    {"soc": "13-2072.00", "title": "Loan Officers"},
    {"soc": "13-2041.00", "title": "Credit Analysts"},
]
FULL = {"liked": "Reading the numbers.", "learn": "How credit scores work.", "would_try": "maybe"}


def ship_metadata(folder, occupations=None) -> None:
    """A released workbook folder holds workbook.yml, with the project's occupations."""
    (folder / "workbook.yml").write_text(yaml.safe_dump({"occupations": occupations or JOBS}))


def define(wb):
    wb.career_fit("career-fit", "Is this job for you?", "Think about the work you did.")
    return wb["career-fit"]


def test_the_project_jobs_are_shown_above_the_questions(folder):
    ship_metadata(folder)
    task = define(Workbook("demo", folder=folder))
    jobs = task.view.children[1].value
    assert "Loan Officers; Credit Analysts" in jobs and "jobs in this project" in jobs
    assert [box.description for box in task.inputs.values()] == [
        "What did you like about this work?",
        "What would you need to learn to do this job?",
    ]
    assert task.choice.options == (("Yes", "yes"), ("Maybe", "maybe"), ("No", "no"))
    assert task.choice.value is None


def test_without_workbook_yml_the_questions_still_work(workbook, folder):
    task = define(workbook)
    assert "Think about the job" in task.view.children[1].value
    task.fill(FULL)
    assert define(reopen(folder)).value == FULL


def test_each_part_is_saved_as_typed_and_comes_back_after_a_restart(folder):
    ship_metadata(folder)
    task = define(Workbook("demo", folder=folder))
    task.fill({"liked": "The"})
    task.fill({"liked": "The math"})
    assert define(reopen(folder)).value == {"liked": "The math", "learn": "", "would_try": None}
    task.fill({"learn": "Finance", "would_try": "yes"})
    again = define(reopen(folder))
    assert again.value == {"liked": "The math", "learn": "Finance", "would_try": "yes"}
    assert again.inputs["liked"].value == "The math" and again.choice.value == "yes"
    stored = json.loads((folder / "demo.answers.json").read_text())["answers"]["career-fit"]
    # Structured for the district's interest data: the choice as a key, the texts as text.
    assert stored["kind"] == "career_fit" and stored["value"] == again.value


@pytest.mark.parametrize("choice", ["yes", "maybe", "no"])
def test_complete_whatever_the_student_says(workbook, choice):
    task = define(workbook)
    task.fill({**FULL, "would_try": choice})
    result = task.check(task.Key(min_words=3))
    assert result.correct and "complete" in result.message


def test_incomplete_names_what_is_left(workbook):
    task = define(workbook)
    assert not task.check(task.Key()).correct
    task.fill({"liked": "Charts", "learn": "Loan math and rules"})
    result = task.check(task.Key(min_words=3))
    assert not result.correct
    assert "What did you like" in result.message and "Would you try" in result.message
    assert "What would you need" not in result.message
    task.fill({"liked": "Making the charts", "would_try": "no"})
    assert task.check(task.Key(min_words=3)).correct


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"value": "yes"},
        {"value": ["yes"]},
        {"value": {"liked": 3, "learn": None, "would_try": ["yes"]}},
        {"value": {"liked": "a b c", "learn": "a b c", "would_try": {"x": 1}}},
        {"title": {"x": 1}, "value": {"would_try": "definitely"}},
    ],
)
def test_a_tampered_state_is_incomplete_never_an_error(state):
    from careerlab.workbook.tasks.career_fit import CareerFitKey, CareerFitTask

    assert not CareerFitTask.judge(state, CareerFitKey(min_words=1)).correct


@pytest.mark.parametrize(
    "stored",
    [
        "I liked it",
        ["yes"],
        {"liked": 5},
        {"learn": ["a"]},
        {"would_try": "definitely"},
        {"would_try": ["yes"]},
        {"liked": "x" * (MAX_CHARACTERS + 1)},
    ],
)
def test_bad_stored_values_are_rejected(workbook, stored):
    with pytest.raises(AnswerError):
        define(workbook).parse(stored)


def test_a_tampered_answers_file_is_reported_and_the_questions_still_work(folder):
    entry = {"kind": "career_fit", "value": {"liked": "ok", "would_try": "<b>sure</b>"}}
    (folder / "demo.answers.json").write_text(
        json.dumps({"schema": 1, "workbook": "demo", "answers": {"career-fit": entry}})
    )
    task = define(Workbook("demo", folder=folder))
    assert task.value is None and "not yes, maybe or no" in task.problem
    assert "Problem" in task._status.value
    task.fill(FULL)
    assert task.problem is None and define(reopen(folder)).value == FULL


def test_unknown_stored_keys_are_dropped(workbook):
    assert define(workbook).parse({**FULL, "extra": "<script>"}) == FULL


def test_a_huge_answer_is_not_saved_and_the_last_one_is_kept(workbook, folder):
    task = define(workbook)
    task.fill(FULL)
    task.fill({"learn": "word " * MAX_CHARACTERS})
    assert "Not saved" in task._status.value and "2,000 characters" in task._status.value
    assert define(reopen(folder)).value == FULL


def test_answers_and_job_titles_are_escaped_everywhere(folder):
    ship_metadata(folder, [{"soc": "00-0000.00", "title": HOSTILE}])
    task = define(Workbook("demo", folder=folder))
    assert_inert(task.view.children[1].value)
    task.fill({"liked": HOSTILE, "learn": f"line one\n{HOSTILE}", "would_try": "yes"})
    for html in (task.render_html(), task.view._repr_mimebundle_()["text/html"]):
        assert_inert(html)
        assert "<dd>Yes</dd>" in html and "<br>" in html
    assert task.view._repr_mimebundle_()["text/plain"].endswith("would try this job: yes")


def test_a_huge_or_odd_job_list_is_capped(folder):
    jobs = [{"soc": "x", "title": "J" * 10_000}] * 50 + ["not a job", {"title": 3}]
    ship_metadata(folder, jobs)
    task = define(Workbook("demo", folder=folder))
    assert len(task.occupations) == MAX_JOBS and all(len(t) == 200 for t in task.occupations)
    (folder / "workbook.yml").write_text("occupations: [unclosed")
    assert define(Workbook("other", folder=folder)).occupations == ()


def test_a_bare_yaml_yes_in_solutions_is_named_clearly(workbook):
    # solutions.yml with `would_try: yes` gives True: the author is told how to write it.
    task = define(workbook)
    with pytest.raises(ValueError, match=r'would_try is "yes", "maybe" or "no" \(in quotes'):
        task.fill({"would_try": True})
    assert task.value is None
