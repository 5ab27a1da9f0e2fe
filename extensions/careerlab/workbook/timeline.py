"""Time order: how CareerLab puts the values of a time column in order.

A chart over time is a line in time order, whatever order its table's rows are in, so the
values themselves must say their order. They are understood as one of:

- numbers (hours after surgery, years, week numbers), in numeric order;
- month names with or without a year ("Jan", "September", "Jan 2024"), in calendar order;
- anything else as text whose numbers count as numbers ("1: day 2, day" before
  "10: day 6, night"; "2026-03-14" and "08:00" in their natural order).

Dates written month first ("3/14/2026") are not understood across years:
``careerlab check`` asks that a datasheet's rows already be in this order, which catches
them. Standard library only: the kernel side and the author checks both use it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# "Jan", "Sept.", "January 2024": a month word of 3 or more letters, then maybe a year.
MONTH = re.compile(r"([a-z]{3,})\.?(?:\s+(\d{4}))?")
DIGITS = re.compile(r"(\d+)")

Key = tuple[object, ...]


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None


def _month(value: object) -> tuple[int, int] | None:
    match = MONTH.fullmatch(str(value).strip().casefold())
    if not match:
        return None
    word, year = match.groups()
    for number, name in enumerate(MONTHS, start=1):
        if name.startswith(word):
            return (int(year) if year else 0, number)
    return None


def _natural(value: object) -> Key:
    # re.split with a group alternates text and digits, always starting with text, so two
    # keys compare text with text and number with number.
    parts = DIGITS.split(str(value).strip().casefold())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def keys(values: Sequence[object]) -> list[Key]:
    """Each value's place in time; missing values go last. One rule for the whole column,
    the first of numbers, months or text that fits every value."""
    present = [value for value in values if not _missing(value)]
    for read in (_number, _month):
        if present and all(read(value) is not None for value in present):
            return [(1,) if _missing(v) else (0, read(v)) for v in values]
    return [(1,) if _missing(v) else (0, _natural(v)) for v in values]


def order(values: Sequence[object]) -> list[int]:
    """The positions of ``values`` in time order; equal times keep the table's order."""
    found = keys(values)
    return sorted(range(len(found)), key=found.__getitem__)


def first_out_of_order(values: Sequence[object]) -> int | None:
    """The position of the first value that comes before the one above it in time, or None
    when ``values`` are already in time order."""
    found = keys(values)
    for position in range(1, len(found)):
        if found[position] < found[position - 1]:
            return position
    return None
