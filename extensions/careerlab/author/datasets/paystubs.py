"""Six biweekly pay stubs of a 15-year-old part-time grocery clerk, summer 2026: synthetic, seeded.

How the numbers are made (and where each rule comes from):
- Hours: 16 to 32 hours per two weeks, in quarter hours. Legal for a 14- or 15-year-old under
  the Fair Labor Standards Act even in a school week: 29 CFR 570.35(a) allows at most 18 hours
  in a week when school is in session and 40 when it is not (8 a day), between 7 a.m. and 9 p.m.
  from June 1 through Labor Day (also US Department of Labor, "Youth Rules!", 14-15 year olds,
  non-agricultural: https://dol.gov/agencies/whd/YouthRules/young-workers/non-ag-14-15).
  Cashiering, bagging, packing and shelving are among the retail jobs 14- and 15-year-olds may
  do under Child Labor Regulation No. 3 (29 CFR part 570, subpart C; the list as quoted at
  https://www.lawinfo.com/resources/employment-law-employee/texas/what-are-permitted-occupations.html).
  States may have stricter rules.
- Pay rate: $15.50 an hour, just under the national median hourly wage of cashiers, $15.81
  (BLS Occupational Employment and Wage Statistics, May 2025, SOC 41-2011: `careerlab wages
  show 41-2011`).
- Social Security 6.2% and Medicare 1.45% of gross pay: the 2026 employee rates (no one here
  nears the $184,500 Social Security wage base), as listed from IRS Publication 15-T (2026) by
  https://www.halfpricesoft.com/federal_income_tax_2026 (stored page, December 2025).
- Federal income tax: IRS Publication 15-T (2026), "Federal Income Tax Withholding Methods",
  Section 1, Worksheet 1A (Employer's Withholding Worksheet for Percentage Method Tables for
  Automated Payroll Systems) with the 2026 annual Percentage Method table, Single or Married
  Filing Separately, Standard withholding (Form W-4 from 2020 or later, Step 2 box not checked),
  https://www.irs.gov/pub/irs-pdf/p15t.pdf. The employee is single with no other job, no
  dependents and nothing in Step 4. `federal_withholding` follows the worksheet line by line.
  What was confirmed where (no stored copy of the publication itself could be found):
  * line 1g, $8,600 for a filer who is not married filing jointly: halfpricesoft (above);
  * the table's first rows ($0 to $7,500: 0%; $7,500 to $19,900: 10% of the excess over
    $7,500; $19,900 to $57,900: $1,240 plus 12% of the excess over $19,900): no stored page
    shows the single rows; they are the 2026 tax brackets for a single filer (10% up to
    $12,400, 12% up to $50,400, standard deduction $16,100: stored pages
    https://www.thelighthousecpa.com/tax-rates and https://www.dynamicassociates.net/general-8-2)
    moved up by $16,100 - $8,600 = $7,500, the same construction halfpricesoft shows for the
    2026 married-filing-jointly schedule ($19,300; $44,100; $2,480), and they agree with the
    2026 tables in several public payroll programs. The higher rows are built the same way;
    the stubs never reach them.
  * Rounding: the worksheet's lines are not rounded; the employer may round the amount to
    withhold to whole dollars (said in older editions; not confirmed for 2026). We keep the
    cents: the amount to withhold is rounded half up to the cent, once, at the end.
  At $15.50 an hour no stub reaches $16,100 a year once multiplied by 26, so no federal income
  tax is withheld: the real result for a student who works part time.
- No state income tax, as in states such as Texas or Florida.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

SEED = 2026
HOURLY_RATE = Decimal("15.50")
SOCIAL_SECURITY = Decimal("0.062")
MEDICARE = Decimal("0.0145")
PAY_PERIODS_PER_YEAR = 26  # biweekly: Worksheet 1A, line 1b
# Worksheet 1A, line 1g: $8,600 unless married filing jointly ($12,900); 0 if the Step 2 box
# is checked. Publication 15-T (2026).
STANDARD_DEDUCTION_ADJUSTMENT = Decimal("8600")
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


@dataclass(frozen=True)
class Row:
    """One row of the annual Percentage Method table (its columns A to E)."""

    at_least: Decimal  # A
    but_less_than: Decimal | None  # B (None: and over)
    tentative: Decimal  # C
    rate: Decimal  # D, applied to the part of line 1i over A (column E is A again)


def _row(a: int, b: int | None, c: str, d: str) -> Row:
    return Row(Decimal(a), None if b is None else Decimal(b), Decimal(c), Decimal(d))


# 2026 annual table, Single or Married Filing Separately, Standard withholding (Form W-4 from
# 2020 or later, Step 2 box not checked). See the docstring for what confirms each row.
ANNUAL_TABLE = (
    _row(0, 7_500, "0", "0"),
    _row(7_500, 19_900, "0", "0.10"),
    _row(19_900, 57_900, "1240", "0.12"),
    _row(57_900, 113_200, "5800", "0.22"),
    _row(113_200, 209_275, "17966", "0.24"),
    _row(209_275, 263_725, "41024", "0.32"),
    _row(263_725, 648_100, "58448", "0.35"),
    _row(648_100, None, "192979.25", "0.37"),
)


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up, as money is paid (Decimal: no binary rounding surprises)."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def federal_withholding(wages: Decimal, periods: int = PAY_PERIODS_PER_YEAR) -> Decimal:
    """The federal income tax to withhold from one paycheck: Worksheet 1A, single filer.

    Step 1: annualize the wages (1a x 1b = 1c), nothing in Step 4(a) or 4(b) (1d, 1f), subtract
    line 1g (1h) to get the Adjusted Annual Wage Amount (1i, never below zero). Step 2: find the
    table row with A <= 1i < B; the tentative annual withholding is C + D x (1i - A) (2g); divide
    by the pay periods (2h). Steps 3 and 4 add nothing for this employee.
    """
    if wages < 0:
        raise ValueError(f"wages must be zero or more, not {wages}")
    if periods < 1:
        raise ValueError(f"the number of pay periods must be at least 1, not {periods}")
    annual = wages * periods  # 1c
    adjusted = max(Decimal(0), annual - STANDARD_DEDUCTION_ADJUSTMENT)  # 1i
    row = next(
        r
        for r in ANNUAL_TABLE
        if r.at_least <= adjusted and (r.but_less_than is None or adjusted < r.but_less_than)
    )
    tentative_annual = row.tentative + row.rate * (adjusted - row.at_least)  # 2g
    return cents(tentative_annual / periods)  # 2h, then Steps 3 and 4: nothing to change


def generate(seed: int = SEED, periods: int = 6) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for period in range(periods):
        hours = Decimal(rng.randint(16 * 4, 32 * 4)) / 4
        gross = cents(hours * HOURLY_RATE)
        social_security = cents(gross * SOCIAL_SECURITY)
        medicare = cents(gross * MEDICARE)
        federal = federal_withholding(gross)
        net = gross - social_security - medicare - federal
        payday = FIRST_PAYDAY + timedelta(days=14 * period)
        money = (gross, social_security, medicare, federal, net)
        rows.append([payday.isoformat(), float(hours), *(float(m) for m in money)])
    return pd.DataFrame(rows, columns=COLUMNS)


DATASETS = {"paystubs": (generate, "first-paycheck/paystubs.csv")}
