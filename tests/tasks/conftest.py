from __future__ import annotations

import pandas as pd
import pytest

from careerlab.workbook.book import Workbook

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def folder(tmp_path):
    return tmp_path


@pytest.fixture
def workbook(folder):
    """A workbook in a student's folder (not inside a course), as after fetch."""
    return Workbook("demo", folder=folder)


def reopen(folder) -> Workbook:
    """What "Restart Kernel and Run All" does: a new Workbook reads the answers file."""
    return Workbook("demo", folder=folder)


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"city": ["Avon", "Bly", "Cort"], "sales": [10.5, 30.25, 20.0], "stores": [1, 3, 2]}
    )


def assert_inert(html: str) -> None:
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
