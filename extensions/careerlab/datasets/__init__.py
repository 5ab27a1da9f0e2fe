"""Seeded, documented generators for data that does not exist offline.

Each module makes one data set from a fixed seed, so the committed CSV can be
rebuilt exactly (``careerlab data NAME``) and tests check that it is. A
generator is listed here with the workbook file it makes."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def generators() -> dict[str, tuple[Callable[[], pd.DataFrame], str]]:
    """Data set name -> (generator, the CSV it makes, relative to workbooks/)."""
    from careerlab.datasets import neighborhoods, paystubs

    return {
        "paystubs": (paystubs.generate, "first-paycheck/paystubs.csv"),
        "neighborhoods": (neighborhoods.generate, "coffee-site/neighborhoods.csv"),
        "coffee-survey": (neighborhoods.generate_survey, "coffee-site/coffee-survey.csv"),
    }
