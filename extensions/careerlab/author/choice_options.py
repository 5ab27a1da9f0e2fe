"""The check that a workbook's choice tasks do not give the answer away by its length
(``careerlab check``).

When the right option is the longest, most careful-sounding one again and again, students
learn to pick the longest option instead of thinking. Read from workbook.md (the options
and the answer key as the author wrote them); a project without workbook.md is not checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from careerlab.author import build
from careerlab.author.task_blocks import key_arguments
from careerlab.author.workbook_text import TaskBlock
from careerlab.workbook.tasks import kinds

# Options this short ("Downtown", "Eastgate") differ in length by accident, not as a tell.
MIN_AVERAGE_WORDS = 5
MIN_TASKS = 2  # one task cannot show a habit


def _options(block: TaskBlock) -> dict[str, str] | None:
    options = block.fields.get("options")
    if block.kind != "choice" or not isinstance(options, dict) or len(options) < 2:
        return None
    return {str(key): str(label).strip() for key, label in options.items()}


def _correct(block: TaskBlock) -> set[str] | None:
    try:
        return {str(key) for key in kinds()["choice"].Key(**key_arguments(block)).accepted()}
    except (TypeError, ValueError):
        return None  # a broken key: the build's checks name it


def longest_is_correct(block: TaskBlock) -> bool | None:
    """Whether the one strictly longest option (in characters) is a correct one; None when
    the task does not count (not a choice task, short options, or no usable key)."""
    options = _options(block)
    correct = _correct(block)
    if options is None or correct is None:
        return None
    if sum(len(label.split()) for label in options.values()) / len(options) < MIN_AVERAGE_WORDS:
        return None
    longest = max(len(label) for label in options.values())
    at_longest = [key for key, label in options.items() if len(label) == longest]
    return len(at_longest) == 1 and at_longest[0] in correct


def check_choice_lengths(folder: Path) -> list[str]:
    """A problem when the correct option is strictly the longest in more than half of the
    workbook's choice tasks whose options average five words or more (at least two such)."""
    if not build.has_source(folder):
        return []
    try:
        workbook = build.read(folder)
    except build.BuildError:
        return []  # check_built names every problem of the text
    counted: dict[Any, bool] = {}
    for block in workbook.tasks:
        verdict = longest_is_correct(block)
        if verdict is not None:
            counted[block.fields.get("id")] = verdict
    longest = [str(task) for task, verdict in counted.items() if verdict]
    if len(counted) < MIN_TASKS or len(longest) * 2 <= len(counted):
        return []
    return [
        f"{build.source_path(folder)}: the correct option is the longest in {len(longest)} of "
        f"{len(counted)} choice tasks ({', '.join(longest)}), so students can pick it by its "
        "length. Write each wrong option from a real mistake people in the field make, as long "
        "and as specific as the right one and in the same tone, or shorten the right one."
    ]
