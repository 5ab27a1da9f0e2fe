"""A workbook's data file with its datasheet in a student's folder, and a chart of
coffee-site's neighborhoods: the set-up of the tests of column labels and units
(tests/tasks, tests/hostile)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from careerlab.workbook.datasheet import datasheet_path

from .conftest import REPO

DATA = "neighborhoods.csv"
SHEET = datasheet_path(Path(DATA)).name


def copy_data_file(folder: Path, project: str, name: str) -> pd.DataFrame:
    """``project``'s data file ``name`` and its datasheet copied into ``folder``; the
    table, read."""
    data = REPO / "workbooks" / project / name
    for path in (data, datasheet_path(data)):
        shutil.copy(path, folder / path.name)
    return pd.read_csv(folder / name)


def copy_neighborhoods(folder: Path) -> pd.DataFrame:
    return copy_data_file(folder, "coffee-site", DATA)


def rent_and_traffic_chart(wb, sites: pd.DataFrame):
    """A chart task of monthly rent or foot traffic by neighborhood, labelled by the
    datasheet in the workbook's folder."""
    wb.chart(
        "chart",
        "Chart",
        "Make a chart",
        data=sites,
        category="neighborhood",
        measures=["monthly_rent", "weekday_foot_traffic"],
        datasheet=DATA,
    )
    return wb["chart"]
