"""Self-assessment: before submitting, the student rates their own work against
each rubric criterion's "I can" statement, choosing one of the rubric's levels.

The criteria come from the rubric the workbook names in its workbook.yml: from
the course's rubrics/ when the course is reachable (one machine, autograde, the
showcase), else from the ``rubric.json`` snapshot that ``careerlab rubric apply``
writes beside the notebook and nbgrader releases with it (a student's home on
JupyterHub). The teacher sees the ratings beside their own scoring; they never
change a score. The auto-check is only for completeness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.tasks.base import AnswerError, Check, Task, state_title

RUBRIC_SNAPSHOT = "rubric.json"
MAX_ID_CHARS = 64


@dataclass(frozen=True)
class RatedCriterion:
    id: str
    title: str
    i_can: str


@dataclass(frozen=True)
class RubricOutline:
    """What a self-assessment needs of a rubric: its levels and "I can" statements."""

    levels: tuple[tuple[str, str], ...]  # (id, name) a student may choose, lowest first
    criteria: tuple[RatedCriterion, ...]

    @classmethod
    def from_data(cls, data: Any) -> RubricOutline:
        """From careerlab.rubrics.format.as_data's shape; raises ValueError if it is not that."""
        if not isinstance(data, dict):
            raise ValueError("not a rubric")
        # A 0-point level ("Missing") is for work that is not there: a student rating
        # work they did never picks it, so it is not offered (nor accepted) here.
        levels = tuple(
            (str(level["id"]), str(level["name"]))
            for level in sorted(data["levels"], key=lambda level: float(level["points"]))
            if float(level["points"]) > 0
        )
        criteria = tuple(
            RatedCriterion(str(c["id"]), str(c["title"]), str(c["i_can"])) for c in data["criteria"]
        )
        if not levels or not criteria:
            raise ValueError("a rubric without levels or criteria")
        return cls(levels, criteria)


def find_rubric(folder: Path) -> RubricOutline | None:
    """The rubric the workbook in ``folder`` names, or None if it cannot be found."""
    from careerlab import course, project
    from careerlab.rubrics.format import RubricError, as_data, combined, load_all

    try:
        rubric_id = project.read(folder).rubric
    except project.ProjectFileError:
        rubric_id = None
    if rubric_id:
        try:
            root = course.find_root(folder)
            rubrics = load_all(root / course.RUBRICS_DIRECTORY)
            return RubricOutline.from_data(as_data(combined(rubrics, rubric_id)))
        except (FileNotFoundError, RubricError, KeyError, ValueError):
            pass  # not inside a course: the released snapshot below
    try:
        snapshot = json.loads((folder / RUBRIC_SNAPSHOT).read_text(encoding="utf-8"))
        return RubricOutline.from_data(snapshot)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_ratings(value: Any, criteria: dict[str, set[str]]) -> dict[str, str]:
    """The usable ratings in a stored value: {criterion id: level id} for known ones.

    Criteria the rubric no longer has are dropped; a known criterion with an
    unknown level is an error, because the student meant something by it.
    """
    if not isinstance(value, dict):
        raise AnswerError("it is not a set of ratings")
    ratings = {}
    for criterion, level in value.items():
        if not isinstance(criterion, str) or criterion not in criteria:
            continue
        if not isinstance(level, str) or level not in criteria[criterion]:
            raise AnswerError(f"the rating for '{criterion[:MAX_ID_CHARS]}' is not a level")
        ratings[criterion] = level
    return ratings


@dataclass(frozen=True)
class SelfAssessmentKey:
    """Complete when at least ``min_rated`` criteria are rated (every one when None)."""

    min_rated: int | None = None


class SelfAssessmentTask(Task):
    kind = "self_assessment"
    method = "self_assess"
    Key = SelfAssessmentKey

    def __init__(self, context, task_id, title, prompt) -> None:
        super().__init__(context, task_id, title, prompt)
        self.rubric = find_rubric(context.folder)

    @property
    def criteria(self) -> tuple[RatedCriterion, ...]:
        return self.rubric.criteria if self.rubric else ()

    def level_name(self, level_id: str) -> str:
        return dict(self.rubric.levels).get(level_id, level_id) if self.rubric else level_id

    # Stored answers ------------------------------------------------------------
    def parse(self, value: Any) -> dict[str, str]:
        if self.rubric is None:
            # Nothing to check against here: keep what is stored, as long as it
            # has the right shape, so no rating is ever lost.
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_ID_CHARS
                for k, v in value.items()
            ):
                raise AnswerError("it is not a set of ratings")
            return dict(value)
        levels = {level_id for level_id, _ in self.rubric.levels}
        return read_ratings(value, {c.id: levels for c in self.rubric.criteria})

    # Widget --------------------------------------------------------------------
    def build_controls(self) -> list[widgets.Widget]:
        if self.rubric is None:
            return [
                widgets.HTML(
                    '<p class="careerlab-problem">The rubric for this workbook is not here, so '
                    "there is nothing to rate yet. Ask your teacher.</p>"
                )
            ]
        self.inputs: dict[str, widgets.RadioButtons] = {}
        rows: list[widgets.Widget] = []
        for criterion in self.rubric.criteria:
            radios = widgets.RadioButtons(
                options=[(name, level_id) for level_id, name in self.rubric.levels],
                value=(self.value or {}).get(criterion.id),
                description="My level",
                style={"description_width": "initial"},
                layout=widgets.Layout(width="auto"),
            )
            radios.observe(self._changed, names="value")
            self.inputs[criterion.id] = radios
            rows.append(
                widgets.HTML(
                    f'<p class="careerlab-i-can"><strong>{escape(criterion.title)}</strong><br>'
                    f"{escape(criterion.i_can)}</p>"
                )
            )
            rows.append(radios)
        return rows

    def _changed(self, change: dict[str, Any]) -> None:
        chosen = {cid: box.value for cid, box in self.inputs.items() if box.value is not None}
        try:
            value = self.parse(chosen)
        except AnswerError as error:
            self.show_status(f"Not saved: {error}.", problem=True)
            return
        self.save(value)

    def fill(self, response: dict[str, str]) -> None:
        """``{"criterion-id": "level-id", ...}``: one click per criterion."""
        for criterion_id, level_id in response.items():
            self.inputs[criterion_id].value = level_id

    # Grading -------------------------------------------------------------------
    def check_state(self) -> dict[str, Any]:
        return {**super().check_state(), "criteria": len(self.criteria)}

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: every "I can" statement of the rubric is rated.

        Without the rubric (the task then says it is missing), any stored rating counts."""
        value = state.get("value")
        ratings = value.items() if isinstance(value, dict) else []
        rated = sum(1 for key, level in ratings if isinstance(key, str) and isinstance(level, str))
        criteria = state.get("criteria")
        criteria = criteria if isinstance(criteria, int) and not isinstance(criteria, bool) else 0
        if criteria and rated < criteria:
            left = criteria - rated
            return f"rate {left} more “I can” statement{'s' * (left != 1)}"
        return None if rated else "rate each “I can” statement"

    @classmethod
    def judge(cls, state: dict[str, Any], key: SelfAssessmentKey) -> Check:
        title, value = state_title(state), state.get("value")
        rated = len(value) if isinstance(value, dict) else 0
        criteria = state.get("criteria")
        criteria = criteria if isinstance(criteria, int) and not isinstance(criteria, bool) else 0
        needed = criteria if key.min_rated is None else key.min_rated
        if rated == 0:
            return Check(False, f"{title}: no rating was given.")
        if rated < needed:
            return Check(False, f"{title}: {rated} of {needed} criteria rated.")
        return Check(True, f"{title}: complete ({rated} criteria rated).")

    # Other views -------------------------------------------------------------------
    def answer_html(self) -> str:
        ratings = self.value or {}
        rows = "".join(
            f'<tr><th scope="row">{escape(c.title)}<br><em>{escape(c.i_can)}</em></th>'
            f"<td>{escape(self.level_name(ratings[c.id])) if c.id in ratings else 'not rated'}"
            "</td></tr>"
            for c in self.criteria
        ) or "".join(
            f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>"
            for k, v in ratings.items()
        )
        return (
            '<table class="careerlab-self-assessment"><thead><tr><th scope="col">I can</th>'
            f'<th scope="col">My level</th></tr></thead><tbody>{rows}</tbody></table>'
        )

    def plain_answer(self) -> str:
        if self.value is None:
            return "no answer"
        return f"{len(self.value)} of {len(self.criteria) or len(self.value)} criteria rated"


TASK = SelfAssessmentTask  # found by the registry (careerlab.workbook.tasks)
