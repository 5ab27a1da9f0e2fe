"""A chart the student designs with menus: which measure, which chart type, and
a title. Stored as those choices; drawn by trusted code (careerlab.workbook.charts)
wherever it is shown, so the same chart appears in the workbook, the feedback
and the showcase. A chart over time (`time`) is a line in time order; any other
chart is bars.

A chart over time (``time``: the category is the table's time column, named on the task
or, for a table read from a data file, by its datasheet's ``time: true``, which
``careerlab build`` passes on) is a line in time order with the times on the x axis, and
offers no bars: bars sorted by value would scramble time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image, clear_output, display

from careerlab.html import escape
from careerlab.workbook import charts, numbers
from careerlab.workbook.datasheet import MAX_LABEL_CHARS, ColumnNames, datasheet_problem
from careerlab.workbook.tasks.base import (
    AnswerError,
    Check,
    Task,
    require_columns,
    state_title,
)

MAX_TITLE = 100
# A menu as wide as its chosen label ("Monthly rent (dollars a month)"), not ipywidgets'
# fixed 300 px, which cuts a long label short; never wider than the page.
FIT = {"width": "auto", "max_width": "100%"}


@dataclass(frozen=True)
class ChartKey:
    """Correct when the chart shows one of ``measures`` and has a title."""

    measures: tuple[str, ...]


def chart_kinds(
    task_id: str, category: str, kinds: tuple[str, ...] | None, time: str | None
) -> tuple[str, ...]:
    """The chart types a chart offers: a line over time, bars otherwise. An author's
    mistake fails at once, naming the task and what to change (``careerlab check`` reports
    the same before release: ``careerlab.author.time_charts``)."""
    where = f"Task '{task_id}'"
    if time is not None and time != category:
        raise ValueError(
            f"{where}: a chart over time puts its time column on the x axis; "
            f"set category to {time!r}."
        )
    wanted = (charts.LINE,) if time is not None else charts.BARS
    if kinds is None:
        return wanted
    unknown = [kind for kind in kinds if kind not in charts.KINDS]
    if unknown:
        raise ValueError(
            f"{where}: {unknown[0]!r} is not a chart type ({', '.join(charts.KINDS)})."
        )
    wrong = [kind for kind in kinds if kind not in wanted]
    if wrong and time is not None:
        raise ValueError(
            f"{where}: {time!r} is time, so the chart is a line in time order; "
            f"bars ({', '.join(wrong)}) would sort it by value. Leave kinds out."
        )
    if wrong:
        raise ValueError(
            f"{where}: a line is for a chart over time; name the time column with time=, "
            "or offer bars."
        )
    if not kinds:
        raise ValueError(f"{where}: kinds offers no chart type; leave it out.")
    return tuple(kinds)


COLUMN_FIELDS = ("label", "unit")


def columns_problem(columns: object) -> str | None:
    """What is wrong with a chart's ``columns``: the label and unit of each column its data
    file's datasheet does not describe (one the notebook's code makes), in a datasheet's
    form, so its menu and axis say what it measures and in what."""
    if columns is None:
        return None
    if not isinstance(columns, dict) or not all(isinstance(name, str) for name in columns):
        return (
            "columns: each column's label and unit, such as "
            "`rent_per_customer: {label: Rent per customer, unit: dollars a customer}`."
        )
    for name, column in columns.items():
        at = f"columns.{name}"
        if not isinstance(column, dict):
            return f"{at}: a label and a unit, such as {{label: Rent per customer, unit: dollars}}."
        extra = [str(field) for field in column if field not in COLUMN_FIELDS]
        if extra:
            return f"{at}: no field {extra[0]!r}; a column has {' and '.join(COLUMN_FIELDS)}."
        for field in COLUMN_FIELDS:
            value = column.get(field)
            if field == "unit" and value is None:
                continue  # a missing unit is the check's to report, naming the measure
            if not (isinstance(value, str) and 0 < len(value.strip()) <= MAX_LABEL_CHARS):
                return f"{at}.{field}: text of at most {MAX_LABEL_CHARS} characters."
    return None


class ChartTask(Task):
    kind = "chart"
    Key = ChartKey

    @classmethod
    def field_problems(cls, fields: dict[str, Any]) -> list[tuple[str, str]]:
        problems = [
            ("datasheet", datasheet_problem(fields.get("datasheet"))),
            ("columns", columns_problem(fields.get("columns"))),
        ]
        return [(field, problem) for field, problem in problems if problem]

    def __init__(
        self,
        context,
        task_id,
        title,
        prompt,
        data: pd.DataFrame,
        category: str,
        measures: list[str],
        kinds: tuple[str, ...] | None = None,
        time: str | None = None,
        datasheet: str | None = None,
        columns: dict[str, dict[str, str]] | None = None,
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        require_columns(task_id, data, [category, *measures, time])
        problem = datasheet_problem(datasheet) or columns_problem(columns)
        if problem:
            raise ValueError(f"Task '{task_id}': {problem}")
        # The columns' labels and units from the data file's datasheet (careerlab build
        # names the file) and, for columns the notebook's code made, from the task's
        # ``columns``; a column neither describes is shown as its name in words.
        self.names = ColumnNames.read(context.folder, datasheet).and_given(columns)
        self.data = data
        self.category = category
        self.measures = list(measures)
        self.time = time
        self.kinds = chart_kinds(task_id, category, kinds, time)

    def parse(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise AnswerError("it is not a chart design")
        measure, kind, title = value.get("measure"), value.get("kind"), value.get("title", "")
        if measure not in self.measures:
            raise AnswerError("its measure is not one of the choices")
        if kind not in self.kinds:
            raise AnswerError("its chart type is not one of the choices")
        if not isinstance(title, str) or len(title) > MAX_TITLE:
            raise AnswerError(f"its title must be text of at most {MAX_TITLE} characters")
        return {"measure": measure, "kind": kind, "title": title}

    def build_controls(self) -> list[widgets.Widget]:
        style = {"description_width": "initial"}
        current = self.value or {}
        self.measure = widgets.Dropdown(
            options=[(self.names.label(m), m) for m in self.measures],
            value=current.get("measure", self.measures[0]),
            description="Measure to show",
            style=style,
            layout=FIT,
        )
        self.chart_kind = widgets.Dropdown(
            options=[(charts.KINDS[k], k) for k in self.kinds],
            value=current.get("kind", self.kinds[0]),
            description="Chart type",
            style=style,
            layout=FIT,
        )
        self.chart_title = widgets.Text(
            value=current.get("title", ""),
            description="Chart title",
            placeholder="Say what the chart shows",
            continuous_update=False,
            style=style,
            layout=widgets.Layout(width="min(36em, 100%)"),
        )
        self.preview = widgets.Output()
        for control in (self.measure, self.chart_kind, self.chart_title):
            control.observe(self._changed, names="value")
        self._draw(self._design())
        menus = widgets.HBox([self.measure, self.chart_kind], layout={"flex_flow": "row wrap"})
        return [menus, self.chart_title, self.preview]

    def _design(self) -> dict[str, str]:
        return {
            "measure": self.measure.value,
            "kind": self.chart_kind.value,
            "title": self.chart_title.value.strip(),
        }

    def _draw(self, design: dict[str, str]) -> None:
        with self.preview:
            clear_output(wait=True)
            display(Image(data=self.png(design), alt=self.alt_text(design)))

    def _changed(self, change: Any = None) -> None:
        try:
            design = self.parse(self._design())
        except AnswerError as error:
            self.show_status(f"Not saved: {error}.", problem=True)
            return
        self._draw(design)
        self.save(design)

    def fill(self, response: dict[str, str]) -> None:
        self.measure.value = response["measure"]
        self.chart_kind.value = response.get("kind", self.kinds[0])
        self.chart_title.value = response.get("title", "")

    def png(self, design: dict[str, str]) -> bytes:
        return charts.draw_png(
            self.data,
            self.category,
            design["measure"],
            design["kind"],
            design.get("title", ""),
            self.names,
        )

    def alt_text(self, design: dict[str, str]) -> str:
        # The rows in the order the chart shows them, so a screen reader hears the same
        # chart a sighted reader sees (a line in time order).
        drawn = charts.rows(self.data, self.category, design["measure"], design["kind"])
        unit = self.names.unit(design["measure"])
        rows = ", ".join(
            f"{row[self.category]}: {numbers.format_value(row[design['measure']], unit)}"
            for _, row in drawn.iterrows()
        )
        measure, category = self.names.label(design["measure"]), self.names.label(self.category)
        shape = "Line chart" if design["kind"] == charts.LINE else "Bar chart"
        return f"{shape} of {measure} by {category}. {rows}"

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: a design the student saved, with a title (the chart drawn from the
        menus' first choices is a preview, not an answer).

        Nothing is saved until the student picks or types, and a chart is theirs once it
        says what it shows."""
        value = state.get("value")
        if not (
            isinstance(value, dict)
            and isinstance(value.get("measure"), str)
            and isinstance(value.get("kind"), str)
        ):
            return "choose what the chart shows and type its title"
        title = value.get("title")
        return None if isinstance(title, str) and title.strip() else "type the chart's title"

    @classmethod
    def judge(cls, state: dict[str, Any], key: ChartKey) -> Check:
        title, value = state_title(state), state.get("value")
        if not isinstance(value, dict):
            return Check(False, f"{title}: no chart was made.")
        if value.get("measure") not in key.measures:
            return Check(False, f"{title}: this measure does not support the question.")
        if not value.get("title"):
            return Check(False, f"{title}: the chart needs a title.")
        return Check(True, f"{title}: the chart shows a useful measure and has a title.")

    def answer_html(self) -> str:
        url = charts.png_data_url(self.png(self.value))
        alt = escape(self.alt_text(self.value))
        return (
            f'<figure class="careerlab-chart"><img src="{url}" alt="{alt}">'
            f"<figcaption>{escape(self.value['title'] or 'Untitled chart')}</figcaption></figure>"
        )

    def plain_answer(self) -> str:
        if self.value is None:
            return "no answer"
        return f"{self.names.label(self.value['measure'])} chart: {self.value['title']}"


TASK = ChartTask  # found by the registry (careerlab.workbook.tasks)
