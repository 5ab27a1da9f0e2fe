"""A student's own code hands a number task anything at all (the code path,
``wb.record``): what cannot be one number in the task's range is refused with a
plain, escaped message, and the answer already saved is kept, also after a restart.
(data_analysis, the other kind with a code path, has its own cases in
tests/tasks/test_data_analysis.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from careerlab.workbook.book import Workbook


class Weird:
    """Claims nothing, and breaks when asked to be a number."""

    def __float__(self) -> float:
        raise RuntimeError("boom")


def _score(folder) -> Workbook:
    wb = Workbook("demo", folder=folder)
    wb.number("score", "Score", "What is it?", unit="points", minimum=0, maximum=20)
    return wb


@pytest.mark.parametrize(
    "value",
    [
        "6",
        "<script>alert(1)</script>",
        True,
        np.bool_(True),
        float("nan"),
        np.float64("inf"),
        10**400,
        -1,
        [6],
        {"value": 6},
        Weird(),
        np.array([6, 7]),
    ],
    ids=lambda v: type(v).__name__ + ":" + repr(v)[:20],
)
def test_what_is_not_one_number_in_range_is_refused_and_the_answer_kept(tmp_path, value):
    wb = _score(tmp_path)
    wb["score"].fill("6")
    wb.record("score", value)
    assert wb["score"].value == 6.0
    status = wb["score"]._status.value
    assert "Not saved" in status and "<script>" not in status
    assert _score(tmp_path)["score"].value == 6.0  # after "Restart Kernel and Run All"
