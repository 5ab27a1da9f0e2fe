"""NEWS2, the National Early Warning Score 2: the score a nurse gives one set of
vital signs, and the response its band calls for.

Source: Royal College of Physicians. National Early Warning Score (NEWS) 2:
Standardising the assessment of acute-illness severity in the NHS. Updated report
of a working party. London: RCP, 2017. Chart 1 (the scoring system), Chart 3
(thresholds and triggers) and Chart 4 (clinical response to the trigger
thresholds). The bands below are Chart 1's, with SpO2 Scale 1 (Scale 2 is only
for patients with hypercapnic respiratory failure whom a clinician has
prescribed it for, and is not implemented: no patient here has it).

Used by the vitals-log generator (its story must agree with the score: see
``careerlab.author.datasets.vitals``) and by the tests that check the
vitals-care-plan workbook's answer keys. Not a clinical tool.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

# Each parameter's bands as (highest value in the band, points), lowest band first;
# the last band has no upper limit. Values are read as the chart prints them:
# temperature to 0.1 degree, the others as whole numbers.
BANDS: dict[str, tuple[tuple[float, int], ...]] = {
    "respiratory_rate": ((8, 3), (11, 1), (20, 0), (24, 2), (math.inf, 3)),
    "spo2": ((91, 3), (93, 2), (95, 1), (math.inf, 0)),  # Scale 1
    "on_oxygen": ((0, 0), (math.inf, 2)),  # 0: air, 1: any supplemental oxygen
    "systolic_bp": ((90, 3), (100, 2), (110, 1), (219, 0), (math.inf, 3)),
    "heart_rate": ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (math.inf, 3)),
    "temperature_c": ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (math.inf, 2)),
}
DECIMALS = {"temperature_c": 1}  # every other parameter is a whole number
# ACVPU: Alert scores 0; new Confusion, responds to Voice, to Pain, or Unresponsive, 3.
CONSCIOUSNESS = {"A": 0, "C": 3, "V": 3, "P": 3, "U": 3}
PARAMETERS = (*BANDS, "consciousness")

# Chart 3's risk bands and Chart 4's response for each, in the chart's words, shortened.
RESPONSES = {
    "low": "Registered nurse assesses the patient and decides how often to check "
    "(at least every 4 to 6 hours; every 12 hours at a score of 0).",
    "low-medium": "Registered nurse informs the medical team caring for the patient, "
    "who review and decide whether to escalate; checks at least every hour.",
    "medium": "Urgent response: the registered nurse immediately informs the medical team "
    "and asks for an urgent assessment by a clinician with core competencies in acute "
    "illness; checks at least every hour.",
    "high": "Emergency response: the registered nurse immediately informs the medical team; "
    "emergency assessment by a team with critical-care competencies; continuous monitoring; "
    "consider transfer to a higher level of care.",
}


def points(parameter: str, value: Any) -> int:
    """The points one reading scores on Chart 1."""
    if parameter == "consciousness":
        if not isinstance(value, str) or value.strip().upper() not in CONSCIOUSNESS:
            raise ValueError(f"consciousness: {value!r} is not one of A, C, V, P, U (ACVPU).")
        return CONSCIOUSNESS[value.strip().upper()]
    if parameter not in BANDS:
        raise ValueError(f"{parameter!r} is not a NEWS2 parameter ({', '.join(PARAMETERS)}).")
    # numbers.Real takes numpy's numbers too (a pandas row's values); a bool is not a reading.
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{parameter}: {value!r} is not a finite number.")
    if value < 0:
        raise ValueError(f"{parameter}: {value!r} is below zero.")
    reading = round(value, DECIMALS.get(parameter, 0))
    return next(score for highest, score in BANDS[parameter] if reading <= highest)


def parameter_points(observations: Mapping[str, Any]) -> dict[str, int]:
    """Each parameter's points for one set of observations (a row of the log)."""
    missing = [name for name in PARAMETERS if name not in observations]
    if missing:
        raise ValueError(f"NEWS2 needs {', '.join(missing)} too.")
    return {name: points(name, observations[name]) for name in PARAMETERS}


def score(observations: Mapping[str, Any]) -> int:
    """The aggregate NEWS2 score, 0 to 20."""
    return sum(parameter_points(observations).values())


def risk(observations: Mapping[str, Any]) -> str:
    """Chart 3's band: low (0-4), low-medium (a 3 in any one parameter with a total
    under 5), medium (5-6: the urgent response threshold) or high (7 or more: the
    emergency response threshold)."""
    found = parameter_points(observations)
    total = sum(found.values())
    if total >= 7:
        return "high"
    if total >= 5:
        return "medium"
    return "low-medium" if max(found.values()) == 3 else "low"


def edges(parameter: str) -> tuple[float, ...]:
    """The values at which a reading moves to another band (a reading >= the edge is in
    the higher band): halfway between the chart's printed limits, so a generator can
    keep a wobble from crossing one."""
    step = 10.0 ** -DECIMALS.get(parameter, 0)
    return tuple(
        round(highest + step / 2, 2) for highest, _ in BANDS[parameter] if highest != math.inf
    )
