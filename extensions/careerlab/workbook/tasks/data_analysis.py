"""A question about a data table, answered either with widgets (pick a column and
a summary, see the result, use it) or with the student's own pandas code
(``wb.record(task_id, value)``). Both paths store the same kind of answer, so
grading does not care which one the student took."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd

from careerlab.html import escape
from careerlab.workbook.tasks.base import (
    AnswerError,
    Check,
    Task,
    require_columns,
    state_title,
)
from careerlab.workbook.tasks.number import format_number, within
from careerlab.workbook.tasks.short_text import normalise

MAX_LABEL = 200


@dataclass(frozen=True)
class Statistic:
    label: str  # what the student sees in the menu
    compute: Callable[[pd.DataFrame, str, str | None], Any]
    needs_label_column: bool = False


def _row_label(frame: pd.DataFrame, column: str, label_column: str | None, highest: bool) -> Any:
    values = pd.to_numeric(frame[column], errors="coerce")
    index = values.idxmax() if highest else values.idxmin()
    return frame.loc[index, label_column]


STATISTICS: dict[str, Statistic] = {
    "sum": Statistic("Total (add them up)", lambda f, c, _: f[c].sum()),
    "mean": Statistic("Average (mean)", lambda f, c, _: f[c].mean()),
    "median": Statistic("Middle value (median)", lambda f, c, _: f[c].median()),
    "min": Statistic("Smallest value", lambda f, c, _: f[c].min()),
    "max": Statistic("Largest value", lambda f, c, _: f[c].max()),
    "count": Statistic("How many rows have a value", lambda f, c, _: f[c].count()),
    "highest": Statistic(
        "Which row has the highest value", lambda f, c, lc: _row_label(f, c, lc, True), True
    ),
    "lowest": Statistic(
        "Which row has the lowest value", lambda f, c, lc: _row_label(f, c, lc, False), True
    ),
}


def plain_value(value: Any) -> float | str:
    """Turn what pandas returns (numpy scalars, ints) into a plain float or str."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        raise AnswerError("it is true/false, not a number or a name")
    if isinstance(value, (int, float)):
        try:
            value = float(value)
        except OverflowError:  # an int with hundreds of digits: past any float
            raise AnswerError("it is too large a number") from None
        if not math.isfinite(value):
            raise AnswerError("it is not a finite number")
        # Sums of money pick up float noise (2052.7799999999997); ten decimal
        # places keep every real digit and drop the noise.
        return round(value, 10)
    if isinstance(value, str):
        if len(value) > MAX_LABEL:
            raise AnswerError(f"it is longer than {MAX_LABEL} characters")
        return value
    raise AnswerError(f"it is a {type(value).__name__}; give one number or one name")


def format_value(value: float | str, unit: str) -> str:
    return value if isinstance(value, str) else format_number(value, unit)


@dataclass(frozen=True)
class DataAnalysisKey:
    value: float | str
    tolerance: float = 0.0
    relative: float | None = None


class DataAnalysisTask(Task):
    kind = "data_analysis"
    Key = DataAnalysisKey

    def __init__(
        self,
        context,
        task_id,
        title,
        prompt,
        data: pd.DataFrame,
        columns: list[str],
        label_column: str | None = None,
        unit: str = "",
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        require_columns(task_id, data, [*columns, label_column])
        self.data = data
        self.columns = list(columns)
        self.label_column = label_column
        self.unit = unit
        self.via: str | None = None
        self.query: dict[str, str] | None = None

    # Stored answers --------------------------------------------------------------
    def parse(self, value: Any) -> float | str:
        return plain_value(value)

    def restore(self, entry: dict[str, Any] | None) -> None:
        super().restore(entry)
        if entry is None or self.value is None:
            return
        self.via = entry.get("via") if entry.get("via") in ("widgets", "code") else None
        query = entry.get("query")
        if (
            isinstance(query, dict)
            and query.get("column") in self.columns
            and query.get("statistic") in self.statistics()
        ):
            self.query = {"column": query["column"], "statistic": query["statistic"]}

    def statistics(self) -> dict[str, Statistic]:
        return {
            name: stat
            for name, stat in STATISTICS.items()
            if self.label_column is not None or not stat.needs_label_column
        }

    def compute(self, column: str, statistic: str) -> float | str:
        stat = self.statistics()[statistic]
        return plain_value(stat.compute(self.data, column, self.label_column))

    def record(self, value: Any) -> None:
        """The code path: store a value the student computed with pandas."""
        parsed = self.from_code(
            value,
            "No answer from your code yet: replace None with your pandas code, "
            "or use the menus above.",
        )
        if parsed is None:
            return
        if parsed == self.value and self.via == "code":
            # Running the notebook again (autograde, Run All) changes nothing on disk.
            self.show_status(f"✓ Your code's answer {self.format(parsed)} is saved.")
            return
        if self.save(parsed, via="code", query=None):
            self.via, self.query = "code", None
            self.show_status(f"✓ Saved {self.format(parsed)} from your code.")

    # Widget ------------------------------------------------------------------------
    def build_controls(self) -> list[widgets.Widget]:
        style = {"description_width": "initial"}
        query = self.query or {}
        self.column = widgets.Dropdown(
            options=self.columns,
            value=query.get("column", self.columns[0]),
            description="Column",
            style=style,
        )
        self.statistic = widgets.Dropdown(
            options=[(stat.label, name) for name, stat in self.statistics().items()],
            value=query.get("statistic", "sum"),
            description="Summary",
            style=style,
        )
        self.result = widgets.HTML()
        self.use = widgets.Button(
            description="Use this as my answer",
            tooltip="Save the result shown as your answer",
            button_style="primary",
            icon="check",
        )
        self.column.observe(self._preview, names="value")
        self.statistic.observe(self._preview, names="value")
        self.use.on_click(self._use)
        self._preview()
        return [widgets.HBox([self.column, self.statistic]), self.result, self.use]

    def _preview(self, change: Any = None) -> None:
        try:
            value = self.compute(self.column.value, self.statistic.value)
        except (AnswerError, KeyError, TypeError, ValueError) as error:
            self.result.value = (
                f"<p>That summary does not work for this column ({escape(error)}).</p>"
            )
            return
        self.result.value = f"<p>Result: <strong>{escape(self.format(value))}</strong></p>"

    def _use(self, button: widgets.Button | None = None) -> None:
        column, statistic = self.column.value, self.statistic.value
        try:
            value = self.compute(column, statistic)
        except (AnswerError, KeyError, TypeError, ValueError) as error:
            self.show_status(f"Not saved: that summary does not work here ({error}).", problem=True)
            return
        query = {"column": column, "statistic": statistic}
        if self.save(value, via="widgets", query=query):
            self.via, self.query = "widgets", query
            self.show_status(f"✓ Saved {self.format(value)} as your answer.")

    def fill(self, response: dict[str, str]) -> None:
        """``{"column": ..., "statistic": ...}``: pick both menus, then press the button."""
        self.column.value = response["column"]
        self.statistic.value = response["statistic"]
        self.use.click()

    def format(self, value: float | str) -> str:
        return format_value(value, self.unit)

    # Grading -----------------------------------------------------------------------
    def check_state(self) -> dict[str, Any]:
        return {**super().check_state(), "unit": self.unit}

    @classmethod
    def judge(cls, state: dict[str, Any], key: DataAnalysisKey) -> Check:
        title, value = state_title(state), state.get("value")
        if value is None:
            return Check(False, f"{title}: no answer was given.")
        if isinstance(key.value, str):
            right = isinstance(value, str) and normalise(value) == normalise(key.value)
        else:
            right = (
                isinstance(value, float)
                and math.isfinite(value)
                and within(value, key.value, key.tolerance, key.relative)
            )
        if right:
            return Check(True, f"{title}: correct.")
        if not isinstance(value, (str, float)):
            return Check(False, f"{title}: the answer is not a number or a name.")
        shown = format_value(value, str(state.get("unit", ""))[:60])
        return Check(False, f"{title}: {shown[:200]} is not correct yet.")

    # Other views -------------------------------------------------------------------
    def answer_html(self) -> str:
        how = ""
        if self.via == "code":
            how = "Found with the student's own code."
        elif self.query:
            stat = self.statistics()[self.query["statistic"]].label
            how = f"Found with the menus: {stat} of {self.query['column']}."
        return f"<p>{escape(self.format(self.value))}</p>" + (
            f"<p class='careerlab-how'><em>{escape(how)}</em></p>" if how else ""
        )

    def plain_answer(self) -> str:
        return "no answer" if self.value is None else self.format(self.value)


TASK = DataAnalysisTask  # found by the registry (careerlab.workbook.tasks)
