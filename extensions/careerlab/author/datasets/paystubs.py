"""Six biweekly pay stubs of a part-time grocery clerk: synthetic, seeded.

How the numbers are made (and why they are realistic):
- Hours: a part-time student schedule, 16 to 32 hours per two weeks in quarter hours.
- Pay rate: $15.50 an hour, a common starting wage for grocery clerks.
- Social Security 6.2% and Medicare 1.45% of gross pay: the real FICA rates.
- Federal income tax: a simplified version of the IRS percentage method
  (Publication 15-T, 2025) for a single filer paid every two weeks: yearly pay
  above $6,400 is withheld at 10%. Real withholding depends on the W-4.
- No state income tax, as in states such as Texas or Florida.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd

SEED = 2026
HOURLY_RATE = 15.50
SOCIAL_SECURITY = 0.062
MEDICARE = 0.0145
PAY_PERIODS_PER_YEAR = 26
STANDARD_ALLOWANCE = 6_400
FEDERAL_RATE = 0.10
FIRST_PAYDAY = date(2026, 6, 12)
COLUMNS = [
    "pay_date",
    "hours",
    "gross_pay",
    "social_security",
    "medicare",
    "federal_tax",
    "net_pay",
]


def generate(seed: int = SEED, periods: int = 6) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for period in range(periods):
        hours = rng.randint(16 * 4, 32 * 4) / 4
        gross = round(hours * HOURLY_RATE, 2)
        social_security = round(gross * SOCIAL_SECURITY, 2)
        medicare = round(gross * MEDICARE, 2)
        yearly = gross * PAY_PERIODS_PER_YEAR
        federal = round(
            max(0.0, yearly - STANDARD_ALLOWANCE) * FEDERAL_RATE / PAY_PERIODS_PER_YEAR, 2
        )
        net = round(gross - social_security - medicare - federal, 2)
        payday = FIRST_PAYDAY + timedelta(days=14 * period)
        rows.append([payday.isoformat(), hours, gross, social_security, medicare, federal, net])
    return pd.DataFrame(rows, columns=COLUMNS)


DATASETS = {"paystubs": (generate, "first-paycheck/paystubs.csv")}
