"""NEWS2 (Royal College of Physicians, 2017) scored from its own chart's bands, and the
vitals-care-plan story and answer keys agreeing with it: the log reaches the urgent
threshold (5) at check 10 and the emergency threshold (7) at check 12, and the
workbook's NEWS2 tasks are keyed to exactly those scores and checks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from careerlab.author import workbook_text
from careerlab.author.datasets import news2, vitals

from .conftest import REPO

PROJECT = REPO / "workbooks" / "vitals-care-plan"
NORMAL = {
    "respiratory_rate": 16,
    "spo2": 97,
    "on_oxygen": 0,
    "systolic_bp": 120,
    "heart_rate": 70,
    "consciousness": "A",
    "temperature_c": 37.0,
}

# Chart 1, read band by band: each printed limit and the value just past it.
CHART_1 = {
    "respiratory_rate": [
        (0, 3),
        (8, 3),
        (9, 1),
        (11, 1),
        (12, 0),
        (20, 0),
        (21, 2),
        (24, 2),
        (25, 3),
        (60, 3),
    ],
    "spo2": [(80, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
    "on_oxygen": [(0, 0), (1, 2)],
    "systolic_bp": [
        (60, 3),
        (90, 3),
        (91, 2),
        (100, 2),
        (101, 1),
        (110, 1),
        (111, 0),
        (219, 0),
        (220, 3),
    ],
    "heart_rate": [
        (30, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (180, 3),
    ],
    "temperature_c": [
        (34.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (41.0, 2),
    ],
    "consciousness": [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3), ("a", 0)],
}


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [(p, v, e) for p, rows in CHART_1.items() for v, e in rows],
)
def test_each_reading_scores_as_chart_1_prints_it(parameter, value, expected):
    assert news2.points(parameter, value) == expected


def test_a_reading_is_read_as_the_chart_prints_it():
    # A thermometer's 38.04 reads 38.0 (0 points); 38.05 reads 38.1 (1 point).
    assert news2.points("temperature_c", 38.04) == 0
    assert news2.points("temperature_c", 38.06) == 1
    assert news2.points("heart_rate", 90.4) == 0


@pytest.mark.parametrize(
    ("changes", "total", "band"),
    [
        ({}, 0, "low"),
        ({"heart_rate": 95, "spo2": 95}, 2, "low"),
        ({"respiratory_rate": 25}, 3, "low-medium"),  # a 3 in one parameter
        ({"consciousness": "C"}, 3, "low-medium"),  # new confusion
        ({"respiratory_rate": 22, "temperature_c": 38.3, "systolic_bp": 110}, 4, "low"),
        (
            {
                "respiratory_rate": 22,
                "spo2": 94,
                "systolic_bp": 110,
                "heart_rate": 102,
                "temperature_c": 38.3,
            },
            6,
            "medium",
        ),
        ({"on_oxygen": 1, "respiratory_rate": 22, "spo2": 94}, 5, "medium"),
        ({"respiratory_rate": 25, "spo2": 94, "heart_rate": 95}, 5, "medium"),
        (
            {
                "respiratory_rate": 24,
                "spo2": 92,
                "systolic_bp": 102,
                "heart_rate": 106,
                "temperature_c": 38.3,
            },
            7,
            "high",
        ),
        (
            {
                "respiratory_rate": 8,
                "spo2": 85,
                "on_oxygen": 1,
                "systolic_bp": 80,
                "heart_rate": 140,
                "consciousness": "U",
                "temperature_c": 34.0,
            },
            20,
            "high",
        ),
    ],
)
def test_totals_and_chart_3_bands(changes, total, band):
    observations = {**NORMAL, **changes}
    assert news2.score(observations) == total
    assert news2.risk(observations) == band


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("heart_rate", "fast"),
        ("heart_rate", math.nan),
        ("heart_rate", math.inf),
        ("heart_rate", True),
        ("spo2", -1),
        ("consciousness", "X"),
        ("consciousness", 0),
        ("pain_score", 3),
    ],
)
def test_a_reading_the_chart_cannot_score_is_refused_by_name(parameter, value):
    with pytest.raises(ValueError, match=parameter.split("_")[0]):
        news2.points(parameter, value)


def test_a_missing_parameter_is_named():
    with pytest.raises(ValueError, match="consciousness"):
        news2.score({k: v for k, v in NORMAL.items() if k != "consciousness"})


def test_edges_sit_between_the_printed_limits():
    assert news2.edges("temperature_c") == (35.05, 36.05, 38.05, 39.05)
    assert news2.edges("heart_rate") == (40.5, 50.5, 90.5, 110.5, 130.5)


def _scores(frame: pd.DataFrame) -> list[int]:
    return [news2.score(row) for row in frame.to_dict("records")]


def _first(scores: list[int], threshold: int) -> int:
    return next(check for check, s in enumerate(scores, start=1) if s >= threshold)


@pytest.mark.parametrize("seed", [vitals.SEED, *range(12)])
def test_every_seed_tells_the_same_news2_story(seed):
    frame = vitals.generate(seed)
    scores = _scores(frame)
    risks = [news2.risk(row) for row in frame.to_dict("records")]
    assert risks[:9] == ["low"] * 9  # no trigger on day 2 or the day shift of day 3
    assert _first(scores, 5) == 10 and _first(scores, 7) == 12
    assert scores == _scores(vitals.generate(vitals.SEED))  # the keys hold for any seed


def _task(blocks, task_id):
    return next(b for b in blocks if b.fields.get("id") == task_id)


def text_of(text, name):
    return next(p.text for p in text.parts if isinstance(p, workbook_text.Text) and p.name == name)


def test_the_workbook_is_keyed_to_the_score_of_its_own_log():
    log = pd.read_csv(PROJECT / "vitals-log.csv")
    scores = _scores(log)
    text = workbook_text.parse((PROJECT / "workbook.md").read_text(encoding="utf-8"))
    blocks = [p for p in text.parts if isinstance(p, workbook_text.TaskBlock)]
    urgent, emergency = _first(scores, 5), _first(scores, 7)
    assert _task(blocks, f"news2-check-{urgent}").fields["answer"] == scores[urgent - 1]
    assert _task(blocks, f"news2-check-{emergency}").fields["answer"] == scores[emergency - 1]
    assert _task(blocks, "escalate-when").fields["answer"] == f"check-{urgent}-urgent"
    assert _task(blocks, "emergency-response").fields["answer"] == "rapid-response"
    # The worked example scores check 9 from the log's own readings.
    worked = text_of(text, "news2-intro")
    row = log.iloc[8]
    example = worked[worked.index("Worked example: check 9") :]
    for column in ("respiratory_rate", "spo2", "systolic_bp", "heart_rate", "temperature_c"):
        assert f" {row[column]:g}" in example, column
    assert f"= **{scores[8]}**" in example and news2.risk(row) == "low"
    # The 08:00 check the story escalates at is scored as an emergency in the solutions.
    solutions = (PROJECT / "solutions.yml").read_text(encoding="utf-8")
    assert f"NEWS2 score of {scores[-1]}" in solutions and news2.risk(log.iloc[-1]) == "high"
