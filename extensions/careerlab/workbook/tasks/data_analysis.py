"""A question about a data table, answered either with widgets (pick a column and
a summary, see the result, use it) or with the student's own pandas code
(``wb.record(task_id, value)``). Both paths store the same kind of answer, so
grading does not care which one the student took.

A task may offer analysis steps in its menus (``steps=["derive", "filter"]``): the
student adds rows of menus (``careerlab.workbook.step_menus``), sees the table after
them, and summarises that table. The steps are stored with the answer as the same data
an author writes in YAML and checked by ``analysis_steps`` on every read."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd

from careerlab.html import escape
from careerlab.workbook import analysis_steps, numbers, step_menus
from careerlab.workbook.datasheet import ColumnNames, datasheet_problem
from careerlab.workbook.tasks.base import (
    AnswerError,
    Check,
    Task,
    require_columns,
    state_title,
)
from careerlab.workbook.tasks.number import within
from careerlab.workbook.tasks.short_text import normalise

MAX_LABEL = 200
# What a question asks for: a row's name ("which neighborhood?") or a number ("how many?").
NAME, NUMBER = "name", "number"
ASKS = (NAME, NUMBER)
# A menu as wide as its chosen label ("Median household income (dollars a year)"), not
# ipywidgets' fixed 300 px, which cuts a long label short; never wider than the page.
FIT = {"width": "auto", "max_width": "100%"}


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


def statistics(has_label: bool) -> dict[str, Statistic]:
    """The summaries offered: "which row" ones only when rows have a name to give."""
    return {name: s for name, s in STATISTICS.items() if has_label or not s.needs_label_column}


def steps_problem(steps: object) -> str | None:
    """What is wrong with a task's ``steps`` field (the step kinds its menus offer)."""
    if steps is None:
        return None
    kinds = ", ".join(step_menus.KINDS)
    if (
        not isinstance(steps, list | tuple)
        or not steps
        or not all(isinstance(s, str) and s in step_menus.KINDS for s in steps)
        or len(set(steps)) != len(steps)
    ):
        return f"steps: a list of the step kinds the menus offer, each once, any of: {kinds}."
    return None


class StepsProblem(ValueError):
    """A step (``index``, from 0) the menus cannot use, in words for the student."""

    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message if index is None else f"step {index + 1}: {message}")
        self.index, self.message = index, message


def one_step(table: pd.DataFrame, raw: object, offered: Sequence[str]) -> pd.DataFrame:
    """The table after one step as the menus make it; raises StepsProblem(None, why)."""
    message = step_menus.menu_problem(raw, offered)
    if message is None:
        steps, problems = analysis_steps.parse([raw], [str(c) for c in table.columns])
        message = " ".join(_plain_problem(p) for p in problems) or None
    if message is None:
        message = step_menus.compare_problem(table, raw)  # type: ignore[arg-type]
    if message is None:
        try:
            return analysis_steps.evaluate(table, steps)
        except analysis_steps.StepError as error:
            message = error.problem.message
    raise StepsProblem(None, message)


def names_after(names: ColumnNames, raw: dict) -> ColumnNames:
    """The columns' names after one step that ran: a new column in the unit its formula
    gives (``analysis_steps.derived_unit``), a count per group in none (3 rows of a money
    column are not $3.00)."""
    if "derive" in raw:
        fields = raw["derive"]
        unit = analysis_steps.derived_unit(fields["formula"], names.unit)
        return names.with_unit(fields["column"], unit)
    if "group" in raw and raw["group"]["summary"] == "count":
        return names.with_unit(raw["group"]["column"], "")
    return names


def _plain_problem(problem: analysis_steps.Problem) -> str:
    field = problem.path.split(".")[2:]  # steps[0].derive.formula -> formula
    return f"{field[0]}: {problem.message}" if field else problem.message


def run_steps(
    base: pd.DataFrame, raw: object, offered: Sequence[str], label: str | None
) -> tuple[pd.DataFrame, str | None]:
    """The table after a list of steps, and the column naming its rows (a group's)."""
    if not isinstance(raw, list):
        raise StepsProblem(None, "the steps must be a list.")
    if len(raw) > step_menus.MAX_MENU_STEPS:
        raise StepsProblem(None, f"at most {step_menus.MAX_MENU_STEPS} steps.")
    table = base
    for index, item in enumerate(raw):
        try:
            table = one_step(table, item, offered)
        except StepsProblem as problem:
            raise StepsProblem(index, problem.message) from None
        if "group" in item:
            label = item["group"]["by"]
    return table, label


def menu_columns(table: pd.DataFrame, base: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The Column menu: the author's columns and the student's new ones, as in ``table``."""
    return [c for c in table.columns if c in columns or c not in base.columns]


def offered_table(data: pd.DataFrame, columns: Sequence[str], label: str | None) -> pd.DataFrame:
    """The columns the menus work with: the author's and the one naming the rows."""
    return data[list(dict.fromkeys([*columns, *([label] if label else [])]))]


def summarise(table: pd.DataFrame, column: str, statistic: str, label: str | None) -> float | str:
    stat = statistics(label is not None)[statistic]
    return plain_value(stat.compute(table, column, label))


def menu_answer(
    data: pd.DataFrame,
    columns: Sequence[str],
    label_column: str | None,
    offered: Sequence[str],
    response: dict[str, Any],
) -> float | str:
    """What the menus give for ``{steps: [...], column, statistic}`` (``steps`` optional):
    the one computation the widget, a stored answer's check and the author checks share.
    Raises StepsProblem or AnswerError in plain words."""
    base = offered_table(data, columns, label_column)
    table, label = run_steps(base, response.get("steps", []), offered, label_column)
    column, statistic = response.get("column"), response.get("statistic")
    if column not in menu_columns(table, base, columns):
        raise AnswerError(f"the Column menu has no {str(column)[:60]!r} after the steps")
    if statistic not in statistics(label is not None):
        raise AnswerError(f"the Summary menu has no {str(statistic)[:60]!r} here")
    return summarise(table, column, statistic, label)


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
    return value if isinstance(value, str) else numbers.format_number(value, unit)


def asks_for(key_value: object) -> str:
    """What a question with this answer key asks for: a name for a text key, else a number."""
    return NAME if isinstance(key_value, str) else NUMBER


def gives(statistic: str) -> str:
    """What a summary of the menus gives: a row's name or a number."""
    return NAME if STATISTICS[statistic].needs_label_column else NUMBER


def asks_problem(fields: dict[str, Any]) -> str | None:
    """What is wrong with a task's ``asks`` field: one of ASKS, agreeing with the key."""
    if "asks" not in fields:
        return None
    asks = fields["asks"]
    if asks not in ASKS:
        return f"asks: {NAME} (the question asks which row) or {NUMBER}, or leave it out."
    answer = fields.get("answer")
    key = answer.get("value") if isinstance(answer, dict) else answer
    if "answer" in fields and asks_for(key) != asks:
        return f"asks: {asks}, but the answer key is a {asks_for(key)}; leave asks out."
    if asks == NAME and not fields.get("label_column"):
        return "asks: name needs label_column, the column whose values name the rows."
    return None


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
        steps: list[str] | None = None,
        asks: str | None = None,
        datasheet: str | None = None,
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        require_columns(task_id, data, [*columns, label_column])
        fields = {
            "steps": steps,
            "asks": asks,
            "datasheet": datasheet,
            "label_column": label_column,
        }
        problem = next(iter(self.field_problems(fields)), None)
        if problem:
            raise ValueError(f"Task '{task_id}': {problem[1]}")
        self.data = data
        self.columns = list(columns)
        self.label_column = label_column
        self.unit = unit
        self.asks = asks  # NAME, NUMBER, or None: either (a question without a key)
        self.names = ColumnNames.read(context.folder, datasheet)  # the datasheet's labels
        self.steps: list[str] = list(steps or [])
        self.base = offered_table(data, self.columns, label_column)
        self.via: str | None = None
        self.query: dict[str, Any] | None = None
        self.rows: list[step_menus.StepRow] = []
        self.table, self.label = self.base, label_column  # the table after the steps
        self.table_names = self.names  # its columns' names, a new column's unit too
        self.broken = False  # a step row has a problem, so the steps are not used
        self._quiet = False  # the menus are being set from code, not by the student

    @classmethod
    def field_problems(cls, fields: dict[str, Any]) -> list[tuple[str, str]]:
        found = {
            "steps": steps_problem(fields.get("steps")),
            "asks": asks_problem({k: v for k, v in fields.items() if v is not None}),
            "datasheet": datasheet_problem(fields.get("datasheet")),
        }
        return [(field, problem) for field, problem in found.items() if problem]

    # Stored answers --------------------------------------------------------------
    def parse(self, value: Any) -> float | str:
        value = plain_value(value)
        if self.asks is not None and asks_for(value) != self.asks:
            raise AnswerError(self.wrong_kind())
        return value

    def wrong_kind(self) -> str:
        """Why an answer of the other kind is not an answer to this question."""
        if self.asks == NUMBER:
            return "this question asks for a number, not the name of a row"
        if self.label_column is None:
            return "this question asks which row: a name, not a number"
        column = self.names.short(self.label_column)
        return f"this question asks which row: a name from the {column} column, not a number"

    def restore(self, entry: dict[str, Any] | None) -> None:
        super().restore(entry)
        if entry is None or self.value is None:
            return
        self.via = entry.get("via") if entry.get("via") in ("widgets", "code") else None
        self.query = self._usable_query(entry.get("query"))

    def _usable_query(self, query: Any) -> dict[str, Any] | None:
        """A stored query the menus can show again, else None (the value is kept anyway):
        it comes from a file anyone could have written."""
        try:
            if not isinstance(query, dict) or not set(query) <= {"steps", "column", "statistic"}:
                return None
            menu_answer(self.data, self.columns, self.label_column, self.steps, query)
        except Exception:  # any garbage: start the menus empty, never stop the workbook
            return None
        steps = query.get("steps") or []
        return {
            **({"steps": steps} if steps else {}),
            **{k: query[k] for k in ("column", "statistic")},
        }

    def statistics(self) -> dict[str, Statistic]:
        return statistics(self.label is not None)

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
        # Both menus start with nothing chosen: a result appears only once the student has
        # picked a column and a summary, so nothing is computed (or saved) by default.
        self.column = widgets.Dropdown(
            options=[], value=None, description="Column", style=style, layout=FIT
        )
        self.statistic = widgets.Dropdown(
            options=[], value=None, description="Summary", style=style, layout=FIT
        )
        self.result = widgets.HTML()
        self.use = widgets.Button(
            description="Use this as my answer",
            tooltip="Save the result shown as your answer",
            button_style="primary",
            icon="check",
            layout={"width": "max-content"},  # the whole label, not "Use this as my..."
        )
        controls: list[widgets.Widget] = []
        if self.steps:
            controls = self._build_steps(query.get("steps", []))
        self._refresh()
        self._quiet = True
        if query.get("column") in dict(self.column.options).values():
            self.column.value = query["column"]
        if query.get("statistic") in dict(self.statistic.options).values():
            self.statistic.value = query["statistic"]
        self._quiet = False
        self.column.observe(self._preview, names="value")
        self.statistic.observe(self._preview, names="value")
        self.use.on_click(self._use)
        self._preview()
        menus = widgets.HBox([self.column, self.statistic], layout={"flex_flow": "row wrap"})
        return [*controls, menus, self.result, self.use]

    def _build_steps(self, stored: list[dict]) -> list[widgets.Widget]:
        self.rows_box = widgets.VBox()
        self.add_kind = widgets.Dropdown(
            options=[(step_menus.KINDS[k], k) for k in self.steps],
            description="Add a step",
            style={"description_width": "initial"},
        )
        self.add = widgets.Button(description="Add", tooltip="Add this step", icon="plus")
        self.add.on_click(lambda _: self._add_row(self.add_kind.value))
        self.table_view = widgets.HTML()
        for raw in stored:  # checked on restore: each is one step the menus can make
            [(kind, fields)] = raw.items()
            self._add_row(kind, fields)
        heading = widgets.HTML(
            "<p><strong>Steps</strong> (if you need them): change the table, "
            "then pick a column and a summary below.</p>"
        )
        return [heading, self.rows_box, widgets.HBox([self.add_kind, self.add]), self.table_view]

    def _add_row(self, kind: str, fields: dict | None = None) -> None:
        if len(self.rows) >= step_menus.MAX_MENU_STEPS:
            self.show_status(f"At most {step_menus.MAX_MENU_STEPS} steps.", problem=True)
            return
        row = step_menus.StepRow(kind, self._refresh, self._remove_row, self.names)
        self.rows.append(row)
        self.rows_box.children = [r.box for r in self.rows]
        self._refresh()  # the new row lists the columns of the table it starts from
        if fields:
            self._quiet = True
            row.fill(fields)
            self._quiet = False
            self._refresh()

    def _remove_row(self, row: step_menus.StepRow) -> None:
        self.rows.remove(row)
        self.rows_box.children = [r.box for r in self.rows]
        self._refresh()

    def _refresh(self) -> None:
        """Run the rows of steps in order, each on the table the one before made; show a
        problem next to the first row that cannot run, and the table after the steps."""
        if self._quiet:
            return
        self._quiet = True  # setting menus' options below must not call this again
        try:
            table, label, self.broken = self.base, self.label_column, False
            names = self.names
            for row in self.rows:
                row.problem.value = ""
                if self.broken:
                    continue
                row.set_columns([str(c) for c in table.columns], names)
                raw = row.as_step()
                try:
                    if isinstance(raw, str):
                        raise StepsProblem(None, raw)
                    table = one_step(table, raw, self.steps)
                except StepsProblem as problem:
                    row.problem.value = step_menus.problem_html(problem.message)
                    self.broken = True
                    continue
                label = raw["group"]["by"] if "group" in raw else label
                names = names_after(names, raw)
            self.table, self.label, self.table_names = table, label, names
            if self.steps:
                self.table_view.value = (
                    "<p>Fix the step marked Problem, or remove it; until then the steps "
                    "are not used.</p>"
                    if self.broken
                    else step_menus.table_html(table, names=names)
                    if self.rows
                    else ""
                )
            columns = menu_columns(table, self.base, self.columns)
            step_menus.set_options(self.column, columns, names, keep_empty=True)
            statistic = self.statistic.value
            self.statistic.options = [(s.label, n) for n, s in self.statistics().items()]
            self.statistic.value = statistic if statistic in self.statistics() else None
        finally:
            self._quiet = False
        self._preview()

    def missing(self) -> str | None:
        """What the student has still to pick before the menus give a result."""
        if self.column.value is None and self.statistic.value is None:
            return "pick a column and a summary first"
        if self.column.value is None:
            return "pick a column first"
        if self.statistic.value is None:
            return "pick a summary first"
        return None

    def kind_problem(self) -> str | None:
        """Why the summary picked cannot answer this question (a number for "which
        neighborhood?", a name for "how many?"), with what to pick instead."""
        statistic = self.statistic.value
        if self.asks is None or statistic is None or gives(statistic) == self.asks:
            return None
        picked = STATISTICS[statistic].label
        if self.asks == NAME:
            return (
                f"{self.wrong_kind()}. “{picked}” gives a number; pick a summary that names "
                f"a row, such as “{STATISTICS['highest'].label}”"
            )
        return (
            f"{self.wrong_kind()}. “{picked}” gives the name of a row; pick a summary that gives "
            f"a number, such as “{STATISTICS['max'].label}”"
        )

    def _current(self) -> float | str:
        missing = self.missing()
        if missing:
            raise AnswerError(missing)
        return summarise(self.table, self.column.value, self.statistic.value, self.label)

    def result_unit(self) -> str:
        """The unit of what the menus give: the column's, as its datasheet says (a total of
        bytes is bytes, even when the question wants megabytes), else the task's. A count
        of rows is in the task's unit."""
        column, statistic = self.column.value, self.statistic.value
        if column is None or statistic in (None, "count"):
            return self.unit
        return self.table_names.unit(column) or self.unit

    def _preview(self, change: Any = None) -> None:
        if self._quiet:
            return
        if self.broken:  # the steps' own message says what to do
            self.result.value = ""
            return
        missing = self.missing()
        if missing:
            self.result.value = f"<p>Result: none yet: {escape(missing)}.</p>"
            return
        try:
            value = self._current()
        except (AnswerError, KeyError, TypeError, ValueError) as error:
            self.result.value = (
                f"<p>That summary does not work for this column ({escape(error)}).</p>"
            )
            return
        shown = format_value(value, self.result_unit())
        note = self.kind_problem()  # said before the button is pressed, not only after
        self.result.value = f"<p>Result: <strong>{escape(shown)}</strong></p>" + (
            f'<p class="careerlab-kind-problem" role="note">Not an answer: {escape(note)}.</p>'
            if note
            else ""
        )

    def _use(self, button: widgets.Button | None = None) -> None:
        if self.broken:
            self.show_status("Not saved: fix the step marked Problem, or remove it.", problem=True)
            return
        missing, wrong = self.missing(), self.kind_problem()
        if missing or wrong:
            self.show_status(f"Not saved: {missing or wrong}.", problem=True)
            return
        try:
            value = self._current()
        except (AnswerError, KeyError, TypeError, ValueError) as error:
            self.show_status(f"Not saved: that summary does not work here ({error}).", problem=True)
            return
        steps = [row.as_step() for row in self.rows]
        query: dict[str, Any] = {"steps": steps} if steps else {}
        query.update(column=self.column.value, statistic=self.statistic.value)
        if self.save(value, via="widgets", query=query):
            self.via, self.query = "widgets", query
            self.show_status(f"✓ Saved {format_value(value, self.result_unit())} as your answer.")

    def fill(self, response: dict[str, Any]) -> None:
        """``{"steps": [...], "column": ..., "statistic": ...}`` (steps as in YAML, optional):
        add each step's row of menus and set it, pick both menus, then press the button."""
        for row in list(self.rows):
            self._remove_row(row)
        for raw in response.get("steps", []):
            [(kind, fields)] = raw.items()
            problem = step_menus.menu_problem(raw, self.steps)
            if problem:
                raise ValueError(f"Task '{self.id}': the menus cannot make {raw!r}: {problem}")
            self.add_kind.value = kind
            self.add.click()
            self.rows[-1].fill(fields)
        self.column.value = response["column"]
        self.statistic.value = response["statistic"]
        self.use.click()

    def format(self, value: float | str) -> str:
        return format_value(value, self.unit)

    # Grading -----------------------------------------------------------------------
    def check_state(self) -> dict[str, Any]:
        return {**super().check_state(), "unit": self.unit, "asks": self.asks}

    @classmethod
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: a number, or a row's name, as the question asks (what ``parse`` keeps)."""
        value, asks = state.get("value"), state.get("asks")
        given = (
            NUMBER
            if isinstance(value, float) and math.isfinite(value)
            else NAME
            if isinstance(value, str) and value.strip()
            else None
        )
        if given is None:
            return "find the answer with the menus (or your code) and use it"
        if asks in ASKS and given != asks:
            wanted = "a row’s name" if asks == NAME else "a number"
            return f"find the answer again: the question asks for {wanted}"
        return None

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
            stat = STATISTICS[self.query["statistic"]].label
            steps = [step_menus.describe(raw, self.names) for raw in self.query.get("steps", [])]
            if steps:  # one sentence: the steps, then the summary
                stat = f"{'; '.join(steps)}; then {stat[0].lower()}{stat[1:]}"
            column = self.table_names.label(self.query["column"])
            how = f"Found with the menus: {stat} of {column}."
        return f"<p>{escape(self.format(self.value))}</p>" + (
            f"<p class='careerlab-how'><em>{escape(how)}</em></p>" if how else ""
        )

    def plain_answer(self) -> str:
        return "no answer" if self.value is None else self.format(self.value)


TASK = DataAnalysisTask  # found by the registry (careerlab.workbook.tasks)
