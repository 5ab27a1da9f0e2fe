"""`careerlab check` on how a workbook reads: the whole student text inside its grade band's
reading level (Flesch-Kincaid), and choice tasks that do not give the answer away by the
right option being the longest. Small projects in tmp folders; no kernels."""

from __future__ import annotations

from pathlib import Path

import nbformat

from careerlab import course
from careerlab.author import build, check_assignment
from careerlab.author.choice_options import check_choice_lengths
from careerlab.author.new_project import PLACEHOLDER, create
from careerlab.author.readability import (
    GRADE_LIMITS,
    MIN_WORDS_TO_MEASURE,
    check_reading_level,
    grade_level,
    plain_text,
    student_text,
)
from careerlab.author.rubric_cells import CELL_PREFIX
from careerlab.author.workbook_text import TaskBlock, WorkbookText, dump

from .conftest import make_course

# Sample texts, each measured in test_the_sample_texts_read_where_the_tests_need_them.
LOW = "We sat down. The shop was hot. We ran the cells. It was fun to do. " * 20
MIDDLE = (
    "The analyst compares how much each store sells in a month. Then she writes a memo to "
    "the director about where the company should open its next store. She explains every "
    "calculation, so the director can check the numbers and understand why she chose that "
    "site. "
) * 8
HIGH = (
    "Notwithstanding considerable methodological heterogeneity, the comprehensive "
    "investigation demonstrated statistically significant socioeconomic correlations. "
) * 25


def measured(markdown: str) -> float:
    return grade_level(plain_text(markdown))


def test_the_sample_texts_read_where_the_tests_need_them() -> None:
    for text in (LOW, MIDDLE, HIGH):  # long enough to be measured at all
        assert len(plain_text(text).split()) >= MIN_WORDS_TO_MEASURE
    assert measured(LOW) < GRADE_LIMITS["6-8"].low
    assert GRADE_LIMITS["9-12"].low < measured(MIDDLE) < GRADE_LIMITS["6-8"].high
    assert measured(HIGH) > GRADE_LIMITS["9-12"].high


def _project_with_text(folder: Path, markdown: str, *, with_source: bool = True) -> Path:
    """A folder with a notebook of one Markdown cell (and workbook.md, the file the author
    edits, when ``with_source``)."""
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, folder / f"{folder.name}.ipynb")
    if with_source:
        (folder / course.TEXT_FILE).write_text(f"+++ intro\n{markdown}\n", encoding="utf-8")
    return folder / f"{folder.name}.ipynb"


def test_text_below_the_band_names_the_file_the_grade_the_band_and_what_to_do(
    tmp_path: Path,
) -> None:
    _project_with_text(tmp_path / "easy", LOW)
    (problem,) = check_reading_level(tmp_path / "easy", "9-12")
    assert problem == (
        f"{tmp_path / 'easy' / course.TEXT_FILE}: the student text reads at grade "
        f"{measured(LOW):.2f} (Flesch-Kincaid, the whole workbook without its rubric), "
        "outside the 9-12 band (7 to 10): sentences read below the band. Write full, "
        "connected sentences for a reader in grades 9-12; do not pad."
    )


def test_text_above_the_band_asks_for_shorter_sentences(tmp_path: Path) -> None:
    notebook = _project_with_text(tmp_path / "hard", HIGH, with_source=False)
    (problem,) = check_reading_level(tmp_path / "hard", "6-8")
    # Without workbook.md the notebook is the file to edit.
    assert problem.startswith(f"{notebook}: the student text reads at grade ")
    assert "outside the 6-8 band (4.5 to 8): sentences read above the band." in problem
    advice = (
        "Write shorter sentences, and explain each term of the field the first time it is used."
    )
    assert problem.endswith(advice)


def test_each_band_has_its_own_floor_and_ceiling(tmp_path: Path) -> None:
    _project_with_text(tmp_path / "middle", MIDDLE)
    assert check_reading_level(tmp_path / "middle", "6-8") == []
    assert check_reading_level(tmp_path / "middle", "9-12") == []
    _project_with_text(tmp_path / "low", LOW)
    assert len(check_reading_level(tmp_path / "low", "6-8")) == 1
    # A band that is not ours is the catalog check's to name, not a crash here.
    assert check_reading_level(tmp_path / "low", "K-2") == []


def test_the_whole_workbook_is_measured_not_one_cell(tmp_path: Path) -> None:
    # One short cell reads low on its own; beside enough ordinary text the workbook is fine.
    notebook = _project_with_text(tmp_path / "mixed", MIDDLE)
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Run the cell below."))
    nbformat.write(nb, notebook)
    assert grade_level("Run the cell below.") < GRADE_LIMITS["6-8"].low
    assert check_reading_level(tmp_path / "mixed", "6-8") == []


# Choice options -----------------------------------------------------------------------

RIGHT = "Divide each site's rent by the number of customers it would bring in each month"
WRONG = {
    "rent": "Pick the site with the lowest rent.",
    "people": "Pick the site where the most people live.",
    "walk": "Pick the site that most people walk past.",
}
EVEN = {  # wrong options as long as the right one, each a real mistake
    "rent": "Pick the site with the lowest monthly rent, whatever its number of customers",
    "people": "Pick the site where the most people live, even if few of them ever buy coffee there",
    "walk": "Pick the site that most people walk past on their way to work each morning",
}


def choice(task_id: str, wrong: dict[str, str], answer: object = "right", **options: str):
    return TaskBlock(
        "choice",
        {
            "id": task_id,
            "title": "A choice",
            "prompt": "Which is best?",
            "options": {"right": RIGHT, **wrong, **options},
            "answer": answer,
            "points": 1,
        },
    )


def _workbook(folder: Path, *tasks: TaskBlock) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / course.TEXT_FILE).write_text(dump(WorkbookText(list(tasks))), encoding="utf-8")
    return folder


def test_the_right_option_longest_in_most_tasks_names_the_file_and_the_tasks(
    tmp_path: Path,
) -> None:
    folder = _workbook(
        tmp_path / "tells", choice("a", WRONG), choice("b", EVEN), choice("c", WRONG)
    )
    assert check_choice_lengths(folder) == [
        f"{folder / course.TEXT_FILE}: the correct option is the longest in 2 of 3 choice tasks "
        "(a, c), so students can pick it by its length. Write each wrong option from a real "
        "mistake people in the field make, as long and as specific as the right one and in the "
        "same tone, or shorten the right one."
    ]


def test_half_or_fewer_is_not_a_habit(tmp_path: Path) -> None:
    half = _workbook(tmp_path / "half", choice("a", WRONG), choice("b", EVEN))
    assert check_choice_lengths(half) == []
    # One counted task cannot show a habit, however many short-option tasks sit beside it.
    short = {"right": "Riverside", "east": "Eastgate", "oak": "Oak Park"}
    shorts = [
        TaskBlock(
            "choice",
            {"id": f"s{i}", "title": "T", "prompt": "P?", "options": short, "answer": "right"},
        )
        for i in range(3)
    ]
    assert check_choice_lengths(_workbook(tmp_path / "one", choice("a", WRONG), *shorts)) == []


def test_a_tie_for_longest_is_no_tell_and_several_right_answers_count(tmp_path: Path) -> None:
    tie = {"same": RIGHT.replace("Divide", "Multiply")}  # as long as the right option
    folder = _workbook(tmp_path / "tie", choice("a", WRONG, **tie), choice("b", WRONG, **tie))
    assert check_choice_lengths(folder) == []
    # With two right answers, the longest option being one of them is the same tell.
    folder = _workbook(
        tmp_path / "several",
        choice("a", WRONG, answer=["right", "rent"]),
        choice("b", WRONG, answer=["rent", "right"]),
    )
    assert "in 2 of 2 choice tasks (a, b)" in check_choice_lengths(folder)[0]


def test_a_broken_or_missing_workbook_text_is_left_to_the_other_checks(tmp_path: Path) -> None:
    assert check_choice_lengths(tmp_path) == []  # no workbook.md
    (tmp_path / course.TEXT_FILE).write_text("```{task} choice\nid: [\n```\n", encoding="utf-8")
    assert check_choice_lengths(tmp_path) == []
    folder = _workbook(
        tmp_path / "badkey", choice("a", WRONG, answer="nope"), choice("b", WRONG, answer=3)
    )
    assert check_choice_lengths(folder) == []


# Both checks in `careerlab check`, on a project from `careerlab new` ------------------


def _add_before(folder: Path, marker: str, text: str) -> None:
    path = build.source_path(folder)
    source = path.read_text(encoding="utf-8")
    assert marker in source
    path.write_text(source.replace(marker, text + marker), encoding="utf-8")
    build.build(folder)


def test_careerlab_check_runs_both_on_a_new_project(tmp_path: Path) -> None:
    folder = create(make_course(tmp_path / "course"), "quiet-shop", "Construction", "6-8")
    where = build.source_path(folder)
    fresh = check_assignment(folder)
    assert not [p for p in fresh if p.startswith(f"{where}: ")], fresh
    # Text far below the band, and two choice tasks whose right option is the longest
    # (the template's own choice task does not give its answer away).
    # The author writes over the template's lines (here: badly), so the prose is judged.
    source = build.source_path(folder)
    source.write_text(source.read_text().replace(PLACEHOLDER, ""), encoding="utf-8")
    blocks = dump(WorkbookText([choice("site-a", WRONG), choice("site-b", WRONG)]))
    _add_before(folder, "+++ check-intro", f"+++ chatter\n{LOW * 4}\n\n{blocks}\n")
    nb = nbformat.read(build.notebook_path(folder), as_version=4)
    own = [text for cell, text in student_text(nb) if not cell.startswith(CELL_PREFIX)]
    grade = grade_level(" ".join(own))
    assert grade < GRADE_LIMITS["6-8"].low
    reading, lengths = [p for p in check_assignment(folder) if p.startswith(f"{where}: ")]
    assert reading.startswith(f"{where}: the student text reads at grade {grade:.2f} ")
    assert "below the band" in reading and "grades 6-8" in reading
    assert lengths.startswith(f"{where}: the correct option is the longest in 2 of 3 ")
    assert "(site-a, site-b)" in lengths


def test_too_little_text_to_measure_is_not_judged(tmp_path: Path) -> None:
    """A new project's few placeholder lines are not yet prose: no grade is given."""
    short = " ".join(LOW.split()[: MIN_WORDS_TO_MEASURE - 20])
    _project_with_text(tmp_path / "short", short)
    assert check_reading_level(tmp_path / "short", "9-12") == []
    _project_with_text(tmp_path / "long", LOW)  # the same sentences, more of them
    assert len(check_reading_level(tmp_path / "long", "9-12")) == 1


def test_the_rubric_cells_are_left_out(tmp_path: Path) -> None:
    """A product rubric is shared across grade bands: its cells do not move the grade."""
    path = _project_with_text(tmp_path / "with-rubric", MIDDLE)
    nb = nbformat.read(path, as_version=4)
    rubric = nbformat.v4.new_markdown_cell(LOW * 3)
    rubric.metadata["nbgrader"] = {"grade_id": "rubric-claim", "grade": True, "points": 4}
    nb.cells.append(rubric)
    nbformat.write(nb, path)
    assert check_reading_level(tmp_path / "with-rubric", "6-8") == []
    rubric.metadata["nbgrader"]["grade_id"] = "claim"  # the same text as the project's own
    nbformat.write(nb, path)
    assert len(check_reading_level(tmp_path / "with-rubric", "6-8")) == 1
