"""Numbers written for people: the one place that turns a value into the text a student
(or a teacher looking at a student's work) reads.

Money to the cent ("$5.92 a visit"), counts with thousands separators ("28,700 people a
day"), percentages with one decimal ("12.5%"), other numbers with at most two decimals
("98.67 beats a minute"): never ``5.9166666667 dollars``. Only what is shown is rounded;
stored answers and grading keep every digit.

A unit is the words a datasheet or a task gives ("dollars a month", "percent", "MB"): the
unit decides the style. Kernel side: standard library only.
"""

from __future__ import annotations

import math

MONEY_WORDS = ("dollars", "dollar")  # "dollars", "dollars a visit" -> "$5.92 a visit"
PERCENT_WORDS = ("percent", "%")
# Below this a number has no useful two-decimal form ("0.00"): show two significant digits.
SMALL = 0.01
# Past this a float has lost its units digit; write it as it is, with separators.
HUGE = 1e15


def _money_rest(unit: str) -> str | None:
    """What follows the money word of a money unit ("a month"), "" for bare dollars, or
    None when the unit is not money."""
    words = unit.strip()
    if words.startswith("$"):
        return words[1:].strip()
    for word in MONEY_WORDS:
        if words.casefold() == word or words.casefold().startswith(word + " "):
            return words[len(word) :].strip()
    return None


def is_money(unit: str) -> bool:
    return _money_rest(unit) is not None


def is_percent(unit: str) -> bool:
    return unit.strip().casefold() in PERCENT_WORDS


def plain(value: float) -> str:
    """A number without a unit: whole numbers with separators ("28,700"), others with at
    most two decimals ("4.4", "98.67"), tiny ones with two significant digits."""
    if not math.isfinite(value):
        return "not a number" if math.isnan(value) else ("-" if value < 0 else "") + "infinity"
    if abs(value) >= HUGE:
        return f"{value:,.0f}"
    whole = round(value)
    if abs(value - whole) < 1e-9:
        return f"{whole:,}"
    if abs(value) < SMALL:
        return f"{value:.2g}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(value: float, *, cents: bool = True) -> str:
    """Dollars to the cent, the sign before the dollar sign: "$5.92", "-$1,200.00"; with
    ``cents=False`` whole dollars ("$78,760"), for figures published that way (BLS annual
    wages)."""
    if not math.isfinite(value) or abs(value) >= HUGE:
        return "$" + plain(value)
    places = 2 if cents else 0
    sign = "-" if round(value, places) < 0 else ""
    return f"{sign}${abs(value):,.{places}f}"


def format_number(value: float, unit: str = "") -> str:
    """``value`` with its ``unit``, written for people: the style follows the unit."""
    unit = unit.strip()
    rest = _money_rest(unit)
    if rest is not None:
        return f"{money(value)} {rest}".strip()
    if is_percent(unit):
        return f"{value:,.1f}%" if math.isfinite(value) else plain(value)
    return f"{plain(value)} {unit}".strip()


def format_value(value: object, unit: str = "") -> str:
    """A table cell or an answer: numbers as ``format_number``, anything else as its text
    (a bool, a name). Never raises."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    try:
        return format_number(float(value), unit)
    except OverflowError:  # an int with hundreds of digits
        return f"{value:,}"


def format_cell(value: object, unit: str = "") -> str:
    """A number in a table whose heading carries the unit: money and percentages keep
    their sign ("$6,600.00", "12.5%"), other units are left to the heading ("28,700")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return ""
    if is_money(unit):
        return format_number(float(value), "dollars")
    if is_percent(unit):
        return format_number(float(value), unit)
    return format_value(value)
