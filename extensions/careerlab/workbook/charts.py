"""Charts drawn by trusted code from data, never by a student's code.

The chart task, its previews and every later view (feedback, showcase) draw
with this one function, so a chart always looks the same and is rebuilt from
stored choices instead of from anything a student ran."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import pandas as pd

from careerlab.workbook import numbers, timeline
from careerlab.workbook.datasheet import ColumnNames, plain_name

KINDS = {
    "bar": "Vertical bars",
    "barh": "Horizontal bars",
    "line": "Line over time, in time order",
}
# Bars are sorted by value, which suits categories (sites, addresses) and hides a trend
# over time; a line keeps time in order. So a chart over time offers only LINE, and a
# chart of categories only BARS (a line between categories suggests a trend that is not
# there).
BARS = ("bar", "barh")
LINE = "line"

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def label(column: str) -> str:
    """A column no datasheet describes, in words (``ColumnNames`` says it for those it does)."""
    return plain_name(column)


# One run of a workbook shows each chart several times (the task's preview, its
# HTML copy for graders, the product that includes it), so each is drawn once:
# drawing is most of what a chart workbook costs to run or to grade.
_DRAWN: dict[tuple[object, ...], bytes] = {}
_DRAWN_MAX = 16


def draw_png(
    data: pd.DataFrame,
    category: str,
    measure: str,
    kind: str,
    title: str,
    names: ColumnNames | None = None,
) -> bytes:
    """The chart as PNG bytes; ``names`` gives the axes their labels with units (from the
    data's datasheet)."""
    names = names or ColumnNames()
    frame = data[[category, measure]]
    axes = (names.label(category), names.label(measure), names.short(measure), names.unit(measure))
    key = (
        category,
        measure,
        kind,
        title,
        axes,
        pd.util.hash_pandas_object(frame, index=True).values.tobytes(),
    )
    if key not in _DRAWN:
        if len(_DRAWN) >= _DRAWN_MAX:
            _DRAWN.clear()
        buffer = io.BytesIO()
        figure(frame, category, measure, kind, title, names).savefig(buffer, format="png")
        _DRAWN[key] = buffer.getvalue()
    return _DRAWN[key]


def rows(data: pd.DataFrame, category: str, measure: str, kind: str) -> pd.DataFrame:
    """The rows in the order the chart draws them: a line in time order (never by value),
    bars by value (largest first; barh draws its first row at the bottom)."""
    frame = data[[category, measure]]
    if kind == LINE:
        return frame.iloc[timeline.order(frame[category].tolist())]
    return frame.sort_values(measure, ascending=kind == "barh", kind="stable")


def figure(
    frame: pd.DataFrame, category: str, measure: str, kind: str, title: str, names: ColumnNames
) -> Figure:
    """The chart, drawn: the axes say what they measure, with the unit."""
    # Imported here, not at the top: matplotlib is a good part of a workbook's start-up, and
    # the registry imports this module for every workbook, with a chart or not (bench/
    # workbook_open.py; tests/test_workbook_open.py keeps it deferred).
    # A Figure of its own, not pyplot's: drawing a chart leaves the student's
    # matplotlib as it was (backend, current figure), and skips pyplot's figure
    # bookkeeping, which is a good part of what a small chart costs.
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    drawn = Figure(figsize=(6.4, 3.6), dpi=100)
    axes = drawn.subplots()
    frame = rows(frame, category, measure, kind)
    # Labels come from a datasheet (the student's own copy): never matplotlib's math markup,
    # or a "$" in a label fails to draw (parse_math=False), as for the student's title.
    measure_label, category_label = names.label(measure), names.label(category)
    # The value axis reads as people write numbers: "28,700", "$6,600.00".
    values = FuncFormatter(lambda value, _: numbers.format_cell(value, names.unit(measure)))
    if kind == LINE:
        # The time labels go on the x axis, in the order of the rows (not sorted as text).
        axes.plot(frame[category].astype(str), frame[measure], marker="o", color="#3b6ea8")
        axes.set_xlabel(category_label, parse_math=False)
        axes.set_ylabel(measure_label, parse_math=False)
        axes.yaxis.set_major_formatter(values)
        axes.tick_params(axis="x", labelrotation=45)
    elif kind == "barh":
        axes.barh(frame[category].astype(str), frame[measure], color="#3b6ea8")
        axes.set_xlabel(measure_label, parse_math=False)
        axes.xaxis.set_major_formatter(values)
    else:
        axes.bar(frame[category].astype(str), frame[measure], color="#3b6ea8")
        axes.set_ylabel(measure_label, parse_math=False)
        axes.yaxis.set_major_formatter(values)
        axes.tick_params(axis="x", labelrotation=20)
    # The title is the student's text: never matplotlib's math markup, or "$x_{$" fails to draw.
    default = f"{names.short(measure)} by {names.short(category)}"
    axes.set_title(title or default, parse_math=False)
    drawn.tight_layout()
    return drawn


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
