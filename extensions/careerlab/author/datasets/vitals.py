"""Forty-eight hours of vital signs for one post-operative patient on a
medical-surgical unit: synthetic, seeded, for learning only.

The data is made up. The patient, Ms. Rosa Delgado, 64, does not exist, and no
number below was measured on a person. It is a teaching case, not medical
advice. The story is a common one on a surgical unit: a patient recovering from
open bowel surgery (part of the colon removed) looks well on post-operative
day 2, then over day 3 develops early signs of a wound infection that may be
spreading (early sepsis), and by 08:00 on day 4 needs a prompt report to the
surgical team.

``generate()``: 13 checks, one every 4 hours from 08:00 on post-op day 2 (48
hours after surgery, which started at 08:00 on day 0) to 08:00 on day 4 (96
hours), as on a unit that checks vital signs every 4 hours. Columns:

- ``check``: 1 to 13, in time order; ``day`` (post-op day, by calendar date)
  and ``time`` (24-hour clock); ``hours_after_surgery`` (48 to 96).
- ``shift``: the 12-hour nursing shift the check belongs to (day shift 07:00 to
  19:00, night shift 19:00 to 07:00), numbered 1 to 5; shift 5 has only its
  first check, the one the student has just taken.
- ``temperature_c``: degrees Celsius, to 0.1, as an electronic oral thermometer
  shows it. Usual adult range 36.1 to 37.2; fever 38.0 or more.
- ``heart_rate``: beats a minute (usual 60 to 100). ``respiratory_rate``:
  breaths a minute, even numbers, as when breaths are counted for 30 seconds and
  doubled (usual 12 to 20). ``systolic_bp`` and ``diastolic_bp``: mmHg, from an
  automatic cuff (usual systolic 90 to 120). ``spo2``: percent oxygen
  saturation from a finger pulse oximeter, on room air (usual 95 to 100).
  ``pain_score``: the patient's own 0 to 10 rating; her goal is 4 or less.
- ``on_oxygen``: 1 when she breathes supplemental oxygen at the check, 0 on room
  air (always 0 here). ``consciousness``: ACVPU, the level of consciousness
  NEWS2 scores (A: alert; C: new confusion; V, P, U: responds only to voice,
  only to pain, or not at all). Always A here: the notes say she wakes easily
  and, at 08:00 on day 4, "knows where she is". With these two columns every
  NEWS2 parameter is in the log, so the score is computed, not assumed.
- ``note``: what the nurse saw or heard, in plain words.

How each number is made. Every check has a hand-written story value for each
vital, set so that the pattern follows what nursing and surgical texts describe
for an infection after surgery: a slightly raised temperature on day 2 (common
after surgery and often not an infection), then a steady climb to fever; a
heart rate and a breathing rate that rise with it (a hotter body uses more
oxygen, and the heart works harder as blood vessels widen); a blood pressure
that starts above the usual range (she has high blood pressure and takes pills
for it at home) and falls about 35 mmHg; oxygen saturation that slips from 97%
to 93%; and wound pain that rises again after it had settled. The seed then
adds a small wobble the size of real measurement error (0.1 degree, 2 beats a
minute, 2 breaths, 2 to 4 mmHg, 1% SpO2). A wobble is kept only when it does not
move a reading across a range limit (for example, from 37.9 to 38.0) or a NEWS2
band (``careerlab.author.datasets.news2``), so the clinical story, its NEWS2
score at every check, and every answer key in the vitals-care-plan workbook, are
the same for every seed. ``_check_story`` confirms this for each table it makes:
the fever starts on the night of day 3, the shift averages of temperature climb
every shift, the latest check is the highest, and NEWS2 (Royal College of
Physicians, 2017) stays low (0 to 4, never a 3 in one parameter) through check
9, reaches the urgent-response threshold (5 or more) first at check 10, on the
night of day 3, and the emergency threshold (7 or more) first at check 12, at
04:00 on day 4. The notes record that the registered nurse was told at check 10
("RN aware") but no one called the surgical team until 08:00: the workbook asks
the student when the team should have been called, and by whom.

The ranges are the usual adult resting ranges taught in nursing and nursing
assistant courses; texts differ by a little at the edges (some use 36.5 to 37.5
degrees). The fever line (38.0 C, 100.4 F) and the pattern of fever with a fast
heart rate and fast breathing follow widely used sepsis screening ideas (SIRS
and qSOFA). Real nurses would read these numbers from the electronic health
record's flowsheet, and follow their own hospital's reporting rules and
early warning score. The workbook's hospital uses NEWS2, scored on SpO2 Scale 1
(she has no hypercapnic respiratory failure, the one case for Scale 2).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from careerlab.author.datasets import news2

SEED = 2026
FIRST_HOUR = 48  # the first check, 48 hours after surgery
HOURS_BETWEEN_CHECKS = 4
COLUMNS = [
    "check",
    "day",
    "time",
    "hours_after_surgery",
    "shift",
    "temperature_c",
    "heart_rate",
    "respiratory_rate",
    "systolic_bp",
    "diastolic_bp",
    "spo2",
    "pain_score",
    "on_oxygen",
    "consciousness",
    "note",
]
VITALS = COLUMNS[5:12]  # temperature_c ... pain_score: the readings that wobble


@dataclass(frozen=True)
class Check:
    """The story value of each vital at one check, and the nurse's note."""

    temperature_c: float
    heart_rate: int
    respiratory_rate: int
    systolic_bp: int
    diastolic_bp: int
    spo2: int
    pain_score: int
    note: str


STORY = (
    # Post-op day 2, day shift: recovering as expected.
    Check(37.1, 82, 16, 132, 80, 97, 4, "Walked in the hall with help. Incision clean and dry."),
    Check(36.9, 78, 16, 128, 78, 96, 3, "Resting in bed. Pain pill given at 11:00."),
    Check(
        37.0,
        80,
        18,
        134,
        82,
        97,
        5,
        "Walked twice. Sore after walking. Coughs and breathes deeply.",
    ),
    # Day 2, night shift: a small rise in temperature, common after surgery.
    Check(37.5, 86, 18, 130, 80, 96, 3, "Ate half of dinner. Says she feels fine."),
    Check(37.3, 84, 16, 126, 76, 96, 2, "Sleeping. Wakes easily."),
    Check(37.1, 80, 16, 124, 74, 96, 3, "Sleeping. Wakes easily."),
    # Day 3, day shift: the pattern starts to change.
    Check(37.5, 88, 18, 122, 74, 96, 3, "Incision edges a little pink. Dressing dry."),
    Check(37.6, 92, 18, 118, 72, 95, 3, "Ate little lunch. Says she feels tired."),
    Check(37.7, 96, 18, 114, 70, 95, 4, "Incision pink and sore to touch. Dressing dry."),
    # Day 3, night shift: fever, fast heart rate, fast breathing.
    Check(38.2, 104, 22, 108, 66, 94, 5, "Says she feels hot. Fluids offered. RN aware."),
    Check(38.3, 106, 22, 104, 64, 94, 6, "Shivering at times. Incision red at the edges."),
    Check(38.2, 108, 24, 102, 62, 93, 6, "Slept poorly. Drank little."),
    # Day 4, day shift: the check the student has just taken.
    Check(
        38.6,
        112,
        24,
        96,
        58,
        93,
        7,
        "Incision red and warm, cloudy fluid on the dressing. More tired than yesterday, "
        "but knows where she is.",
    ),
)

# Range limits a wobble may not cross: the usual range's edges, the fever line, and
# the edges of NEWS2's bands (so each check's score is the story's, for every seed).
USUAL = {
    "temperature_c": (36.1, 37.25, 38.0),
    "heart_rate": (60, 100.5),
    "respiratory_rate": (12, 20.5),
    "systolic_bp": (90, 100.5, 120.5),
    "diastolic_bp": (60, 80.5),
    "spo2": (94.5,),
    "pain_score": (4.5,),
}
LIMITS = {
    column: tuple(sorted({*limits, *(news2.edges(column) if column in news2.BANDS else ())}))
    for column, limits in USUAL.items()
}
WOBBLE = {
    "temperature_c": (-0.1, 0.0, 0.0, 0.1),
    "heart_rate": (-2, 0, 2),
    "respiratory_rate": (-2, 0, 0, 2),
    "systolic_bp": (-4, -2, 0, 2, 4),
    "diastolic_bp": (-2, 0, 2),
    "spo2": (-1, 0, 0, 1),
    "pain_score": (0,),  # the patient's own rating: not a measurement, no wobble
}


def _band(value: float, limits: tuple[float, ...]) -> int:
    return sum(value >= limit for limit in limits)


def _wobble(rng: random.Random, column: str, story: float) -> float:
    value = story + rng.choice(WOBBLE[column])
    if column == "temperature_c":
        value = round(value, 1)
    if _band(value, LIMITS[column]) != _band(story, LIMITS[column]):
        return story
    return value


def _check_story(frame: pd.DataFrame) -> None:
    """The clinical story every seed must tell (the workbook's keys rely on it)."""
    fever = frame["temperature_c"] >= 38.0
    assert list(fever) == [False] * 9 + [True] * 4, "the fever starts at check 10"
    by_shift = frame.groupby("shift")["temperature_c"].mean()
    assert by_shift.is_monotonic_increasing and by_shift.is_unique, "shift averages climb"
    assert frame["temperature_c"].idxmax() == len(frame) - 1, "the latest check is the hottest"
    assert (frame["heart_rate"] > 100).sum() == 4 and (frame["respiratory_rate"] > 20).sum() == 4
    rows = frame.to_dict("records")
    risks = [news2.risk(row) for row in rows]
    scores = [news2.score(row) for row in rows]
    assert risks[:9] == ["low"] * 9, "NEWS2 stays low through check 9"
    assert scores.index(next(s for s in scores if s >= 5)) == 9, "urgent first at check 10"
    assert scores.index(next(s for s in scores if s >= 7)) == 11, "emergency first at check 12"


def generate(seed: int = SEED) -> pd.DataFrame:
    """The vital-signs log: one row per check, in time order."""
    rng = random.Random(seed)
    rows = []
    for index, story in enumerate(STORY):
        hours = FIRST_HOUR + index * HOURS_BETWEEN_CHECKS
        clock = (8 + index * HOURS_BETWEEN_CHECKS) % 24
        values = [_wobble(rng, column, getattr(story, column)) for column in VITALS]
        values = [round(v, 1) if i == 0 else int(v) for i, v in enumerate(values)]
        rows.append(
            [
                index + 1,
                (hours + 8) // 24,  # surgery began at 08:00 on day 0
                f"{clock:02d}:00",
                hours,
                index // 3 + 1,
                *values,
                0,  # on room air at every check
                "A",  # alert at every check
                story.note,
            ]
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    _check_story(frame)
    return frame


DATASETS = {"vitals-log": (generate, "vitals-care-plan/vitals-log.csv")}
