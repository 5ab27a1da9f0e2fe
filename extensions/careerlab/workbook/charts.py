"""Charts drawn by trusted code from data, never by a student's code.

The chart task, its previews and every later view (feedback, showcase) draw
with this one function, so a chart always looks the same and is rebuilt from
stored choices instead of from anything a student ran."""

from __future__ import annotations

import base64
import io

import pandas as pd

# A Figure of its own, not pyplot's: drawing a chart leaves the student's
# matplotlib as it was (backend, current figure), and skips pyplot's figure
# bookkeeping, which is a good part of what a small chart costs.
from matplotlib.figure import Figure

from careerlab.workbook import timeline

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


def label(column: str) -> str:
    return column.replace("_", " ").capitalize()


# One run of a workbook shows each chart several times (the task's preview, its
# HTML copy for graders, the product that includes it), so each is drawn once:
# drawing is most of what a chart workbook costs to run or to grade.
_DRAWN: dict[tuple[object, ...], bytes] = {}
_DRAWN_MAX = 16


def draw_png(data: pd.DataFrame, category: str, measure: str, kind: str, title: str) -> bytes:
    frame = data[[category, measure]]
    key = (
        category,
        measure,
        kind,
        title,
        pd.util.hash_pandas_object(frame, index=True).values.tobytes(),
    )
    if key not in _DRAWN:
        if len(_DRAWN) >= _DRAWN_MAX:
            _DRAWN.clear()
        _DRAWN[key] = _draw_png(frame, category, measure, kind, title)
    return _DRAWN[key]


def rows(data: pd.DataFrame, category: str, measure: str, kind: str) -> pd.DataFrame:
    """The rows in the order the chart draws them: a line in time order (never by value),
    bars by value (largest first; barh draws its first row at the bottom)."""
    frame = data[[category, measure]]
    if kind == LINE:
        return frame.iloc[timeline.order(frame[category].tolist())]
    return frame.sort_values(measure, ascending=kind == "barh", kind="stable")


def _draw_png(frame: pd.DataFrame, category: str, measure: str, kind: str, title: str) -> bytes:
    figure = Figure(figsize=(6.4, 3.6), dpi=100)
    axes = figure.subplots()
    frame = rows(frame, category, measure, kind)
    if kind == LINE:
        # The time labels go on the x axis, in the order of the rows (not sorted as text).
        axes.plot(frame[category].astype(str), frame[measure], marker="o", color="#3b6ea8")
        axes.set_xlabel(label(category))
        axes.set_ylabel(label(measure))
        axes.tick_params(axis="x", labelrotation=45)
    elif kind == "barh":
        axes.barh(frame[category].astype(str), frame[measure], color="#3b6ea8")
        axes.set_xlabel(label(measure))
    else:
        axes.bar(frame[category].astype(str), frame[measure], color="#3b6ea8")
        axes.set_ylabel(label(measure))
        axes.tick_params(axis="x", labelrotation=20)
    # The title is the student's text: never matplotlib's math markup, or "$x_{$" fails to draw.
    axes.set_title(title or f"{label(measure)} by {label(category)}", parse_math=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
