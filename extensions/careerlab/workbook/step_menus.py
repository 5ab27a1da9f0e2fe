"""A data question's step menus: one analysis step as a row of menus, and back.

A student who does not code builds the same steps an author declares in YAML
(``analysis_steps``): each row of menus makes one step as the same dict, which
``analysis_steps.parse`` then checks like any other untrusted steps (nothing typed is
ever run as code). The menus make simple steps only (a new column from one column and
another column or a number), so a step written by hand, in ``solutions.yml`` or in a
stored answer, is used only when the menus could have made it (``menu_problem``).
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from careerlab.html import escape
from careerlab.workbook import numbers
from careerlab.workbook.analysis_steps import COMPARISONS, GROUP_SUMMARIES, ORDERS
from careerlab.workbook.datasheet import ColumnNames

MAX_MENU_STEPS = 10  # rows of menus a student can follow on one screen
# Step kinds the menus offer, with what the student reads (no pandas words).
KINDS: dict[str, str] = {
    "derive": "Make a new column",
    "filter": "Keep only rows where",
    "group": "One row per group",
    "sort": "Sort the rows",
}
OPERATORS = {"+": "+", "-": "−", "*": "×", "/": "÷"}  # formula symbol -> what is shown
COMPARISON_WORDS = dict(
    zip(
        COMPARISONS,
        ("is", "is not", "is less than", "is at most", "is more than", "is at least"),
        strict=True,
    )
)
GROUP_WORDS = dict(
    zip(
        GROUP_SUMMARIES,
        ("total", "average", "middle value", "number of rows", "smallest", "largest"),
        strict=True,
    )
)
ORDER_WORDS = dict(zip(ORDERS, ("smallest first", "largest first"), strict=True))
# A number as a person types it: digits, thousands commas, a decimal point, a sign.
NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?")
NAME_RULE = (
    "A new column's name uses letters, digits and _ only (no spaces), such as profit_per_day."
)


def is_name(text: object) -> bool:
    """Whether a column can be written in a formula (a Python name; formulas are only parsed)."""
    return isinstance(text, str) and text.isidentifier() and not keyword.iskeyword(text)


def read_typed(text: str) -> int | float | str:
    """What a student typed as a value: a number if it looks like one, else the text."""
    text = text.strip()
    if any(c.isdigit() for c in text) and NUMBER.fullmatch(text):
        number = text.replace(",", "").lstrip("+")
        return float(number) if "." in number else int(number)
    return text


def _number_code(value: int | float) -> str:
    return str(value) if isinstance(value, int) or not value.is_integer() else str(int(value))


def formula_parts(formula: object) -> tuple[str, str, str] | None:
    """``column op column-or-number``, the only formula the menus make, as its three parts."""
    if not isinstance(formula, str) or len(formula) > 300:
        return None
    try:
        node = ast.parse(formula.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
    if not (isinstance(node, ast.BinOp) and type(node.op) in symbols):
        return None
    left, right = node.left, node.right
    sign = ""
    if isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub):
        sign, right = "-", right.operand
    if not isinstance(left, ast.Name):
        return None
    if isinstance(right, ast.Name) and not sign:
        return left.id, symbols[type(node.op)], right.id
    if isinstance(right, ast.Constant) and type(right.value) in (int, float):
        return left.id, symbols[type(node.op)], sign + _number_code(right.value)
    return None


def menu_problem(raw: object, offered: Sequence[str]) -> str | None:
    """Why the step menus could not have made ``raw`` (None when they could). A step that
    is not even a step is left to ``analysis_steps.parse``, which says what is wrong."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    [(kind, fields)] = raw.items()
    if kind not in offered:
        shown = ", ".join(KINDS.get(k, k) for k in offered) or "none"
        return f"{str(kind)[:40]!r} is not a step these menus offer (they offer: {shown})."
    if not isinstance(fields, dict):
        return None
    if "round" in fields:
        return "the menus do not round; leave round out."
    if kind == "derive":
        if fields.get("column") is not None and not is_name(fields["column"]):
            return NAME_RULE
        if fields.get("formula") is not None and formula_parts(fields["formula"]) is None:
            return (
                "the menus make a new column from one column and another column or a number "
                "(such as: price - cost); split a longer formula into several steps."
            )
    return None


def compare_problem(table: pd.DataFrame, raw: dict) -> str | None:
    """A filter comparing text with a number keeps no rows without a word; say why instead."""
    fields = raw.get("filter")
    if not isinstance(fields, dict) or fields.get("column") not in table.columns:
        return None
    column, value = fields["column"], fields.get("value")
    numeric = pd.api.types.is_numeric_dtype(table[column])
    if numeric and isinstance(value, str):
        return f"{column} holds numbers, so type a number to compare it with, not words."
    if not numeric and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{column} holds words, so type words to compare it with, not a number."
    return None


def describe(raw: dict, names: ColumnNames | None = None) -> str:
    """A checked step in words, for the grading page (plain text: escape it)."""
    names = names or ColumnNames()
    [(kind, fields)] = raw.items()
    if kind == "derive":
        parts = formula_parts(fields["formula"])
        formula = (
            f"{names.label(parts[0])} {OPERATORS[parts[1]]} "
            f"{names.label(parts[2]) if is_name(parts[2]) else parts[2]}"
            if parts
            else str(fields["formula"])
        )
        return f"made a new column {names.label(fields['column'])} = {formula}"
    column = names.label(fields["column"])
    if kind == "filter":
        words = COMPARISON_WORDS[fields["is"]]
        return f"kept only rows where {column} {words} {fields['value']}"
    if kind == "group":
        words = GROUP_WORDS[fields["summary"]]
        return f"made one row per {names.label(fields['by'])} with the {words} of {column}"
    order = ORDER_WORDS[fields.get("order", "ascending")]
    return f"sorted the rows by {column}, {order}"


def table_html(table: pd.DataFrame, rows: int = 8, names: ColumnNames | None = None) -> str:
    """The first ``rows`` rows of a table, numbers written for people (``numbers``), the
    columns by their datasheet labels, every cell escaped."""
    names = names or ColumnNames()

    def cell(value: Any, column: object) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            text = str(value)
            return escape(text if len(text) <= 60 else text[:57] + "...")
        return escape(numbers.format_cell(value, names.unit(str(column))))

    pad = 'style="padding: 0.1em 0.8em 0.1em 0"'  # readable without the notebook's CSS
    head = "".join(f"<th {pad}>{escape(names.label(str(c))[:120])}</th>" for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td {pad}>{cell(v, c)}</td>" for v, c in zip(row, table.columns, strict=True))
        + "</tr>"
        for row in table.head(rows).itertuples(index=False)
    )
    shown = f", the first {rows} shown" if len(table) > rows else ""
    return (
        f"<p>The table after your steps: {len(table):,} rows{shown}.</p>"
        f'<table class="careerlab-steps-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def problem_html(message: str) -> str:
    return f'<p class="careerlab-problem" role="status">Problem: {escape(message)}</p>'


class StepRow:
    """One step as a row of menus, with a Remove button and a place for its problem."""

    def __init__(
        self,
        kind: str,
        on_change: Callable[[], None],
        on_remove: Callable[[StepRow], None],
        names: ColumnNames | None = None,
    ) -> None:
        self.kind = kind
        self.names = names or ColumnNames()
        self.menus: dict[str, widgets.Widget] = {}  # by the step field each one sets
        self._columns: list[widgets.Dropdown] = []  # menus listing the table's columns
        self._formula_columns: list[widgets.Widget] = []  # menus listing columns a formula names
        self.problem = widgets.HTML()
        self.remove = widgets.Button(description="Remove", tooltip="Remove this step", icon="trash")
        self.remove.on_click(lambda _: on_remove(self))
        parts = getattr(self, f"_build_{kind}")()
        for menu in self.menus.values():
            menu.observe(lambda _: on_change(), names="value")
        label = widgets.HTML(f"<strong>{escape(KINDS[kind])}</strong>")
        self.box = widgets.VBox(
            [
                widgets.HBox([label, *parts, self.remove], layout={"flex_flow": "row wrap"}),
                self.problem,
            ]
        )

    def _dropdown(
        self, name: str, tooltip: str, options: Any = (), **kwargs: Any
    ) -> widgets.Dropdown:
        style = {"description_width": "initial"}  # "for each", "of": no wide gaps
        # The tooltip is also the menu's name for a screen reader (most have no label).
        menu = widgets.Dropdown(
            options=options, tooltip=tooltip, layout={"width": "auto"}, style=style, **kwargs
        )
        self.menus[name] = menu
        return menu

    def _text(self, name: str, placeholder: str, combo: bool = False) -> widgets.Widget:
        kind = widgets.Combobox if combo else widgets.Text
        extra = {"ensure_option": False} if combo else {}
        box = kind(
            placeholder=placeholder,
            tooltip=placeholder,
            continuous_update=False,
            layout={"width": "14em"},
            **extra,
        )
        self.menus[name] = box
        return box

    def _build_derive(self) -> list[widgets.Widget]:
        name = self._text("column", "new column name")
        left = self._dropdown("left", "a column")
        operator = self._dropdown(
            "operator",
            "add, subtract, multiply or divide",
            [(s, op) for op, s in OPERATORS.items()],
        )
        right = self._text("right", "a column or a number", combo=True)
        self._formula_columns += [left, right]
        return [name, widgets.HTML("&nbsp;=&nbsp;"), left, operator, right]

    def _build_filter(self) -> list[widgets.Widget]:
        column = self._dropdown("column", "the column to look at")
        self._columns.append(column)
        comparison = self._dropdown(
            "is", "how to compare", [(w, c) for c, w in COMPARISON_WORDS.items()]
        )
        return [column, comparison, self._text("value", "a number or words")]

    def _build_group(self) -> list[widgets.Widget]:
        by = self._dropdown("by", "the column whose values make the groups", description="for each")
        summary = self._dropdown(
            "summary", "the summary", [(w, s) for s, w in GROUP_WORDS.items()], description="the"
        )
        column = self._dropdown("column", "the column to summarise", description="of")
        self._columns += [by, column]
        return [by, summary, column]

    def _build_sort(self) -> list[widgets.Widget]:
        column = self._dropdown("column", "the column to sort by", description="by")
        self._columns.append(column)
        order = self._dropdown("order", "the order", [(w, o) for o, w in ORDER_WORDS.items()])
        return [column, order]

    def set_columns(self, columns: list[str], names: ColumnNames | None = None) -> None:
        """List the columns of the table this step starts from, keeping what is chosen;
        ``names``: how that table's columns are named (a new column's unit too)."""
        self.names = names or self.names
        for menu in self._columns:
            set_options(menu, columns, self.names)
        names = [c for c in columns if is_name(c)]
        for menu in self._formula_columns:  # the Combobox lists names, as a formula has them
            set_options(menu, names, self.names)

    def as_step(self) -> dict | str:
        """The step as the YAML dict ``analysis_steps`` reads, or what to fix first."""
        m = {name: menu.value for name, menu in self.menus.items()}
        if self.kind == "derive":
            name, right = str(m["column"] or "").strip(), str(m["right"] or "").strip()
            if not name:
                return "Type a name for the new column."
            if not is_name(name):
                return NAME_RULE
            if right not in self.menus["right"].options:
                typed = read_typed(right)
                if isinstance(typed, str):
                    if not right:
                        return "Pick a column or type a number after the sign."
                    if "%" in right:
                        return "Type a percent as a decimal: 3% is 0.03."
                    return f"“{right[:40]}” is not a column or a number. Pick one from the list."
                right = _number_code(typed)
            return {"derive": {"column": name, "formula": f"{m['left']} {m['operator']} {right}"}}
        if self.kind == "filter":
            if not str(m["value"]).strip():
                return "Type a number or words to compare with."
            return {
                "filter": {"column": m["column"], "is": m["is"], "value": read_typed(m["value"])}
            }
        if self.kind == "group":
            return {"group": {"by": m["by"], "column": m["column"], "summary": m["summary"]}}
        return {"sort": {"column": m["column"], "order": m["order"]}}

    def fill(self, fields: dict) -> None:
        """Set the menus to a step the menus could make (``menu_problem`` said so)."""
        values = dict(fields)
        if self.kind == "derive":
            parts = formula_parts(values.pop("formula"))
            assert parts is not None
            values.update(left=parts[0], operator=parts[1], right=parts[2])
        if self.kind == "filter":
            values["value"] = str(values["value"])
        for name, value in values.items():
            self.menus[name].value = value


def set_options(
    menu: widgets.Widget,
    options: list[str],
    names: ColumnNames | None = None,
    *,
    keep_empty: bool = False,
) -> None:
    """Give a menu new options (columns, shown by ``names``' labels), keeping its choice
    when it is still one of them; with ``keep_empty`` nothing is chosen for the student."""
    chosen = menu.value
    typed = isinstance(menu, widgets.Combobox)  # it offers names to type: no labels
    shown = options if typed or names is None else [(names.label(o), o) for o in options]
    if list(menu.options) == shown:
        return
    menu.options = shown
    if typed or chosen in options:
        menu.value = chosen
    elif options and not keep_empty:  # a menu with nothing chosen shows a choice
        menu.value = options[0]
    else:
        menu.value = None
