"""Declared analysis steps: the reference solution of a data question, written as data.

A teacher who does not code lists steps (filter, derive, group, sort, summary) in a
project file; this module checks them (``parse``), writes the pandas code a student who
codes could have written (``pandas_code``) and computes the same answer directly
(``evaluate``), so the answer key and the code shown can never disagree.

Everything here is untrusted input: a teacher's typing, and a CSV header anyone could
have written. A formula is parsed with ``ast`` and walked node by node (only numbers,
column names, + - * / and parentheses pass); nothing is ever ``eval``'d or ``exec``'d.
Every name put into generated code is a Python string literal made here, so a column
called ``"]); import os #`` stays a string.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MAX_STEPS = 50  # a real analysis is a handful of steps; a huge list is a mistake or an attack
MAX_FORMULA_CHARS = 300
MAX_FORMULA_DEPTH = 20  # nested operations in one formula
MAX_NAME_CHARS = 200  # a derived column's name
MAX_TEXT_VALUE_CHARS = 1000  # a filter's text value
MAX_NUMBER = 10**15  # larger numbers print as 1e+16, which ruff rewrites; nobody needs them
LINE_LENGTH = 100  # the project's ruff line length

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
STATISTICS = ("mean", "median", "sum", "count", "min", "max")
ROW_STATISTICS = {"highest": "idxmax", "lowest": "idxmin"}  # the row with the largest value
GROUP_SUMMARIES = ("sum", "mean", "median", "count", "min", "max")
ORDERS = ("ascending", "descending")
MAX_ROUND = 6

# Each step kind with its required and optional fields, in the order a teacher writes them.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "filter": (("column", "is", "value"), ()),
    "derive": (("column", "formula"), ("round",)),
    "group": (("by", "column", "summary"), ("round",)),
    "sort": (("column",), ("order",)),
    "summary": (("column", "statistic"), ("label", "round")),
}

# Formula operators: symbol, precedence (higher binds tighter) and the function applied.
BINARY: dict[type[ast.operator], tuple[str, int, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", 1, operator.add),
    ast.Sub: ("-", 1, operator.sub),
    ast.Mult: ("*", 2, operator.mul),
    ast.Div: ("/", 2, operator.truediv),
}
UNARY: dict[type[ast.unaryop], tuple[str, Callable[[Any], Any]]] = {
    ast.USub: ("-", operator.neg),
    ast.UAdd: ("+", operator.pos),
}
UNARY_PRECEDENCE, ATOM_PRECEDENCE = 3, 4
# What a teacher is told they wrote, for the nodes a formula may not have.
NOT_ARITHMETIC = {
    ast.Call: "a function call",
    ast.Attribute: "a dot (attribute)",
    ast.Subscript: "square brackets",
    ast.Lambda: "a lambda",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.Pow: "** (power)",
    ast.FloorDiv: "// (whole-number division)",
    ast.Mod: "% (remainder)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: ``path`` names the field (``steps[1].derive.formula``)
    so a page can show ``message`` next to it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class StepError(ValueError):
    """A checked step cannot run on this data (a text column compared with a number, an
    empty table asked for its highest row): ``problem`` names the step."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Filter:
    column: str
    is_: str
    value: str | int | float


@dataclass(frozen=True)
class Derive:
    column: str
    formula: str
    round: int | None = None
    expression: ast.expr = field(default_factory=lambda: ast.Constant(0), compare=False)


@dataclass(frozen=True)
class Group:
    by: str
    column: str
    summary: str
    round: int | None = None


@dataclass(frozen=True)
class Sort:
    column: str
    order: str = "ascending"


@dataclass(frozen=True)
class Summary:
    column: str
    statistic: str
    label: str | None = None
    round: int | None = None


Step = Filter | Derive | Group | Sort | Summary
KIND = {Filter: "filter", Derive: "derive", Group: "group", Sort: "sort", Summary: "summary"}


# Checking ------------------------------------------------------------------------------
def _show(value: object) -> str:
    """A value quoted for a message, escaped and cut short (it may be anyone's text)."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    return text if len(text) <= 60 else text[:57] + "...'"


def _show_columns(columns: Sequence[str]) -> str:
    shown = ", ".join(_show(c) for c in list(columns)[:20])
    return shown + (f" and {len(columns) - 20} more" if len(columns) > 20 else "") or "none"


def _is_number(value: object) -> bool:
    return type(value) in (int, float)  # bool is an int, but True is not a number here


def _number_problem(value: int | float) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return "must be an ordinary number (not infinite or 'not a number')"
    if abs(value) > MAX_NUMBER:
        return f"is too large (at most {MAX_NUMBER:,})"
    return None


class _Checker:
    """Collects every problem of a step list in one pass."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = [c for c in columns if isinstance(c, str)]
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # A field that is None is missing, and ``step`` has said so already.
    def column(self, path: str, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in self.columns:
            self.problem(
                path,
                f"there is no column {_show(value)} at this step; "
                f"the columns are: {_show_columns(self.columns)}.",
            )
            return None
        return value

    def choice(self, path: str, value: object, allowed: Sequence[str]) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in allowed:
            self.problem(path, f"{_show(value)} is not one of: {', '.join(allowed)}.")
            return None
        return value

    def rounding(self, path: str, value: object) -> int | None:
        if type(value) is not int or not 0 <= value <= MAX_ROUND:
            self.problem(path, f"must be a whole number of decimal places, 0 to {MAX_ROUND}.")
            return None
        return value

    def step(self, index: int, raw: object, last: bool) -> Step | None:
        here = f"steps[{index}]"
        kinds = ", ".join(FIELDS)
        if not isinstance(raw, dict) or len(raw) != 1:
            self.problem(here, f"each step is exactly one of: {kinds}.")
            return None
        [(kind, fields)] = raw.items()
        if kind not in FIELDS:
            self.problem(here, f"{_show(kind)} is not a step; a step is one of: {kinds}.")
            return None
        here = f"{here}.{kind}"
        before = len(self.problems)
        required, optional = FIELDS[kind]
        if not isinstance(fields, dict):
            self.problem(here, f"a {kind} step needs its fields: {', '.join(required)}.")
            return None
        known = required + optional
        for name in fields:
            if name not in known:
                self.problem(
                    f"{here}.{name}" if isinstance(name, str) else here,
                    f"{_show(name)} is not a field of a {kind} step; it has: {', '.join(known)}.",
                )
        missing = [name for name in required if fields.get(name) is None]
        for name in missing:
            self.problem(f"{here}.{name}", f"a {kind} step needs {name}.")
        if kind == "summary" and not last:
            self.problem(here, "a summary gives one answer, so it must be the last step.")
        step = getattr(self, kind)(here, fields)  # checks the other fields too
        return step if len(self.problems) == before else None

    def filter(self, here: str, fields: dict) -> Step | None:
        column = self.column(f"{here}.column", fields.get("column"))
        comparison = self.choice(f"{here}.is", fields.get("is"), COMPARISONS)
        value = fields.get("value")
        if value is None:
            return None
        if _is_number(value):
            why = _number_problem(value)
            if why:
                self.problem(f"{here}.value", f"{value!r} {why}.")
                return None
        elif isinstance(value, str):
            if len(value) > MAX_TEXT_VALUE_CHARS:
                self.problem(f"{here}.value", f"is too long (at most {MAX_TEXT_VALUE_CHARS}).")
                return None
        else:
            self.problem(
                f"{here}.value",
                "must be a number or text (for a yes/no column, use 1 for yes and 0 for no).",
            )
            return None
        if column is None or comparison is None:
            return None
        return Filter(column, comparison, value)

    def derive(self, here: str, fields: dict) -> Step | None:
        name, formula = fields.get("column"), fields.get("formula")
        if name is None:
            pass
        elif not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
            self.problem(f"{here}.column", f"must be a name, 1 to {MAX_NAME_CHARS} characters.")
            name = None
        expression = self.formula(f"{here}.formula", formula)
        places = self.rounding(f"{here}.round", fields["round"]) if "round" in fields else None
        if name is not None and name not in self.columns:
            self.columns.append(name)  # later steps may use it, even if this step is wrong
        if name is None or expression is None or ("round" in fields and places is None):
            return None
        return Derive(name, formula, places, expression)

    def formula(self, path: str, formula: object) -> ast.expr | None:
        if formula is None:
            return None
        if not isinstance(formula, str) or not formula.strip():
            self.problem(path, "must be a formula, such as: price * quantity")
            return None
        if len(formula) > MAX_FORMULA_CHARS:
            self.problem(path, f"is too long (at most {MAX_FORMULA_CHARS} characters).")
            return None
        try:
            tree = ast.parse(formula.strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            self.problem(
                path,
                "is not a formula; write column names and numbers joined by "
                "+ - * / and parentheses, such as: (price - cost) * quantity",
            )
            return None
        before = len(self.problems)
        self.arithmetic(path, tree.body, 1)
        return tree.body if len(self.problems) == before else None

    def arithmetic(self, path: str, node: ast.AST, depth: int) -> None:
        """Allow only numbers, known column names, + - * / and parentheses."""
        if depth > MAX_FORMULA_DEPTH:
            self.problem(path, f"is nested too deeply (at most {MAX_FORMULA_DEPTH} levels).")
        elif isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            self.arithmetic(path, node.left, depth + 1)
            self.arithmetic(path, node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
            self.arithmetic(path, node.operand, depth + 1)
        elif isinstance(node, ast.Name):
            if node.id not in self.columns:
                self.problem(
                    path,
                    f"there is no column {_show(node.id)} at this step; "
                    f"the columns are: {_show_columns(self.columns)}.",
                )
        elif isinstance(node, ast.Constant) and _is_number(node.value):
            why = _number_problem(node.value)
            if why:
                self.problem(path, f"a number in it {why}.")
        else:
            kind = type(node.op) if isinstance(node, ast.BinOp) else type(node)
            if isinstance(node, ast.Constant):
                what = "text" if isinstance(node.value, str) else _show(node.value)
            else:
                what = NOT_ARITHMETIC.get(kind, "something else")
            self.problem(
                path,
                f"may only have numbers, column names, + - * / and parentheses; it has {what}.",
            )

    def group(self, here: str, fields: dict) -> Step | None:
        by = self.column(f"{here}.by", fields.get("by"))
        column = self.column(f"{here}.column", fields.get("column"))
        summary = self.choice(f"{here}.summary", fields.get("summary"), GROUP_SUMMARIES)
        places = self.rounding(f"{here}.round", fields["round"]) if "round" in fields else None
        if by is not None and by == column:
            self.problem(f"{here}.column", "must be another column than the one grouped by.")
            return None
        if by is not None and column is not None:
            self.columns = [by, column]  # a group makes a new table: one row per group
        if None in (by, column, summary) or ("round" in fields and places is None):
            return None
        return Group(by, column, summary, places)

    def sort(self, here: str, fields: dict) -> Step | None:
        column = self.column(f"{here}.column", fields.get("column"))
        order = self.choice(f"{here}.order", fields.get("order", "ascending"), ORDERS)
        return None if column is None or order is None else Sort(column, order)

    def summary(self, here: str, fields: dict) -> Step | None:
        column = self.column(f"{here}.column", fields.get("column"))
        statistic = self.choice(
            f"{here}.statistic", fields.get("statistic"), (*STATISTICS, *ROW_STATISTICS)
        )
        label, places = None, None
        if statistic in ROW_STATISTICS:
            if fields.get("label") is None:
                self.problem(
                    f"{here}.label",
                    f"{statistic} gives a row: name the column whose value is the answer.",
                )
                return None
            label = self.column(f"{here}.label", fields["label"])
            if "round" in fields:
                self.problem(f"{here}.round", f"{statistic} gives a value from the table as is.")
                return None
        elif statistic is not None and "label" in fields:
            self.problem(f"{here}.label", "only highest and lowest give a row to label.")
            return None
        if "round" in fields:
            places = self.rounding(f"{here}.round", fields["round"])
            if places is None:
                return None
        if column is None or statistic is None or (statistic in ROW_STATISTICS and not label):
            return None
        return Summary(column, statistic, label, places)


def parse(raw: object, columns: Sequence[str]) -> tuple[list[Step], list[Problem]]:
    """The steps of ``raw`` (a project file's ``steps:``) over a table with ``columns``, and
    every problem found; the steps are only usable when there is no problem."""
    if not isinstance(raw, list) or not raw:
        return [], [Problem("steps", "must be a list of one or more steps.")]
    if len(raw) > MAX_STEPS:
        return [], [Problem("steps", f"has {len(raw):,} steps; at most {MAX_STEPS}.")]
    checker = _Checker(columns)
    steps = [checker.step(index, item, index == len(raw) - 1) for index, item in enumerate(raw)]
    return [step for step in steps if step is not None], checker.problems


# Code ----------------------------------------------------------------------------------
def literal(text: str) -> str:
    """``text`` as a Python string literal, quoted the way ruff format writes it (double
    quotes unless the text has more of them than single quotes). Backslashes, the quote
    and every unprintable character (newlines included) are escaped, so nothing in a
    column name can end the string or the line."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for char in text:
        if char == "\\" or char == quote:
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])  # \n, \x00, \u2028: as repr escapes them
    return quote + "".join(out) + quote


def _value(value: str | int | float) -> str:
    return literal(value) if isinstance(value, str) else repr(value)


def _formula_code(node: ast.expr, frame: str) -> tuple[str, int]:
    """A checked formula as code over ``frame``'s columns, with the parentheses its
    meaning needs (``a - (b - c)`` keeps them; floating point is not associative)."""
    if isinstance(node, ast.BinOp):
        symbol, precedence, _ = BINARY[type(node.op)]
        left, left_precedence = _formula_code(node.left, frame)
        right, right_precedence = _formula_code(node.right, frame)
        if left_precedence < precedence:
            left = f"({left})"
        if right_precedence <= precedence:
            right = f"({right})"
        return f"{left} {symbol} {right}", precedence
    if isinstance(node, ast.UnaryOp):
        operand, operand_precedence = _formula_code(node.operand, frame)
        if operand_precedence < UNARY_PRECEDENCE:
            operand = f"({operand})"
        return UNARY[type(node.op)][0] + operand, UNARY_PRECEDENCE
    if isinstance(node, ast.Name):
        return f"{frame}[{literal(node.id)}]", ATOM_PRECEDENCE
    assert isinstance(node, ast.Constant)  # parse let nothing else through
    return repr(node.value), ATOM_PRECEDENCE


def _width(line: str) -> int:
    """Columns a line takes, as ruff counts them (wide East Asian characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _statement(line: str) -> str:
    # A line too long for ruff would be re-wrapped by `ruff format`, and its wrapping rules
    # are its own; telling it to leave this one line alone keeps the output formatted.
    return line if _width(line) <= LINE_LENGTH else f"{line}  # fmt: skip"


def _check_names(frame: str, result: str) -> None:
    for name in (frame, result):
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{name!r} is not a Python variable name.")
    if frame == result:
        raise ValueError(f"the result must not replace the table {frame!r} itself.")


def pandas_code(frame: str, steps: list[Step], result: str) -> str:
    """The steps as pandas code, one statement per step, from the DataFrame ``frame`` to
    ``result`` (no trailing newline). ``frame`` is never changed: every step makes a new
    table in ``result``, and a derived column is added to a copy."""
    _check_names(frame, result)
    lines: list[str] = []
    source = frame  # the table the next step reads
    for index, step in enumerate(steps):
        later_derive = any(isinstance(s, Derive) for s in steps[index + 1 :])
        if isinstance(step, Filter):
            rows = f"{source}[{source}[{literal(step.column)}] {step.is_} {_value(step.value)}]"
            # a column added to a filtered table needs its own copy (pandas warns otherwise)
            lines.append(f"{result} = {rows}{'.copy()' if later_derive else ''}")
        elif isinstance(step, Derive):
            if source == frame:
                lines.append(f"{result} = {frame}.copy()")
            expression, _ = _formula_code(step.expression, result)
            if step.round is not None:
                expression = f"round({expression}, {step.round})"
            lines.append(f"{result}[{literal(step.column)}] = {expression}")
        elif isinstance(step, Group):
            code = (
                f"{source}.groupby({literal(step.by)}, as_index=False)"
                f"[{literal(step.column)}].{step.summary}()"
            )
            lines.append(f"{result} = {code}{_round_call(step.round)}")
        elif isinstance(step, Sort):
            descending = ", ascending=False" if step.order == "descending" else ""
            lines.append(f"{result} = {source}.sort_values({literal(step.column)}{descending})")
        else:
            column = f"{source}[{literal(step.column)}]"
            if step.statistic in ROW_STATISTICS:
                row = f"{column}.{ROW_STATISTICS[step.statistic]}()"
                code = f"{source}.loc[{row}, {literal(step.label or '')}]"
            else:
                code = f"{column}.{step.statistic}()"
                if step.round is not None:
                    code = f"round({code}, {step.round})"
            lines.append(f"{result} = {code}")
        source = result
    if not lines:
        lines.append(f"{result} = {frame}.copy()")
    return "\n".join(_statement(line) for line in lines)


def _round_call(places: int | None) -> str:
    return "" if places is None else f".round({places})"


# Computing -----------------------------------------------------------------------------
def _formula_value(node: ast.expr, table: pd.DataFrame) -> Any:
    """The formula computed with the same operations, in the same order, as its code."""
    if isinstance(node, ast.BinOp):
        apply = BINARY[type(node.op)][2]
        return apply(_formula_value(node.left, table), _formula_value(node.right, table))
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)][1](_formula_value(node.operand, table))
    if isinstance(node, ast.Name):
        return table[node.id]
    assert isinstance(node, ast.Constant)
    return node.value


def derived_unit(formula: str, unit_of: Callable[[str], str]) -> str:
    """The unit of a column a derive step makes, where its formula settles it, else "".

    The rule is narrow on purpose, since no unit is better than a wrong one: a column keeps
    its unit, and so does a sum or difference of columns that all have the same one
    (``gross_pay - net_pay``: dollars). A number or a product or ratio gives no unit: a
    number may change the unit (``bytes / 1000000`` is megabytes, ``people a day * 30`` is
    people a month), and a ratio's unit ("dollars per customer") takes a person to name.
    ``unit_of`` gives each column's unit ("" for none)."""
    try:
        node = ast.parse(formula.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ""
    return _unit(node, unit_of) or ""


def _unit(node: ast.expr, unit_of: Callable[[str], str]) -> str | None:
    if isinstance(node, ast.Name):
        return unit_of(node.id) or None
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return _unit(node.operand, unit_of)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        left = _unit(node.left, unit_of)
        return left if left is not None and left == _unit(node.right, unit_of) else None
    return None


COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _apply(table: pd.DataFrame, step: Step) -> Any:
    """One step, by the same pandas calls ``pandas_code`` writes."""
    if isinstance(step, Filter):
        return table[COMPARE[step.is_](table[step.column], step.value)]
    if isinstance(step, Derive):
        table = table.copy()
        value = _formula_value(step.expression, table)
        table[step.column] = value if step.round is None else round(value, step.round)
        return table
    if isinstance(step, Group):
        grouped = getattr(table.groupby(step.by, as_index=False)[step.column], step.summary)()
        return grouped if step.round is None else grouped.round(step.round)
    if isinstance(step, Sort):
        return table.sort_values(step.column, ascending=step.order == "ascending")
    column = table[step.column]
    if step.statistic in ROW_STATISTICS:
        return table.loc[getattr(column, ROW_STATISTICS[step.statistic])(), step.label]
    value = getattr(column, step.statistic)()
    return value if step.round is None else round(value, step.round)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (str, int, float, bool)."""
    return value.item() if isinstance(value, np.generic) else value


def evaluate(frame: pd.DataFrame, steps: list[Step]) -> Any:
    """The steps' result on ``frame`` (which is left as it is): a plain Python value for a
    summary, else the resulting DataFrame. Raises ``StepError`` naming the step that
    cannot run on this data."""
    table: Any = frame
    for index, step in enumerate(steps):
        try:
            table = _apply(table, step)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            where = f"steps[{index}].{KIND[type(step)]}"
            raise StepError(Problem(where, f"cannot run on this data ({error}).")) from error
    return _plain(table.copy() if table is frame else table)
