"""first-paycheck's pay stubs: federal income tax withheld as IRS Publication 15-T (2026),
Worksheet 1A and its annual percentage-method table, says; FICA at the 2026 rates.

Every expected figure is worked out by hand below from the table rows the generator cites
(Single or Married Filing Separately, Standard withholding, Form W-4 from 2020 or later,
box in Step 2 not checked, nothing in Steps 3 and 4):

    At least    But less than   Tentative amount   Plus    Of the excess over
    $0          $7,500          $0.00              0%      $0
    $7,500      $19,900         $0.00              10%     $7,500
    $19,900     $57,900         $1,240.00          12%     $19,900
    $57,900     $113,200        $5,800.00          22%     $57,900
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from careerlab.author.datasets import paystubs

from .conftest import REPO

CSV = REPO / "workbooks" / "first-paycheck" / "paystubs.csv"

# (biweekly wages, the amount to withhold), each worked by hand:
WORKED_EXAMPLES = [
    # 1c: 496.00 x 26 = 12,896.00; 1i: 12,896.00 - 8,600 = 4,296.00: first row (0%).
    # 2g: $0; 2h: 0 / 26 = $0.00. (The old simplified rule withheld $24.98.)
    ("496.00", "0.00"),
    # 1c: 700.00 x 26 = 18,200.00; 1i: 18,200.00 - 8,600 = 9,600.00: second row.
    # 2g: 0 + 10% x (9,600 - 7,500) = 210.00; 2h: 210.00 / 26 = 8.0769... -> $8.08.
    ("700.00", "8.08"),
    # 1c: 1,500.00 x 26 = 39,000.00; 1i: 39,000 - 8,600 = 30,400.00: third row.
    # 2g: 1,240 + 12% x (30,400 - 19,900) = 1,240 + 1,260 = 2,500.00;
    # 2h: 2,500.00 / 26 = 96.1538... -> $96.15.
    ("1500.00", "96.15"),
    # 1c: 3,000.00 x 26 = 78,000.00; 1i: 78,000 - 8,600 = 69,400.00: fourth row.
    # 2g: 5,800 + 22% x (69,400 - 57,900) = 5,800 + 2,530 = 8,330.00;
    # 2h: 8,330.00 / 26 = 320.3846... -> $320.38.
    ("3000.00", "320.38"),
    # The edge of the first row: 619.23 x 26 = 16,099.98; 1i = 7,499.98 < 7,500: $0.00.
    ("619.23", "0.00"),
    # Just past it: 620.00 x 26 = 16,120.00; 1i = 7,520.00; 2g: 10% x 20 = 2.00;
    # 2h: 2.00 / 26 = 0.0769... -> $0.08.
    ("620.00", "0.08"),
    # No pay, no tax (1i is never below zero).
    ("0.00", "0.00"),
]


@pytest.mark.parametrize(("wages", "withheld"), WORKED_EXAMPLES)
def test_withholding_follows_worksheet_1a_and_the_annual_table(wages, withheld):
    assert paystubs.federal_withholding(Decimal(wages)) == Decimal(withheld)


def test_the_table_is_transcribed_without_a_slip():
    # Each row's tentative amount is the one before it plus that row's rate on its width:
    # a mistyped bound, base or rate breaks the chain.
    rows = paystubs.ANNUAL_TABLE
    assert rows[0].at_least == 0 and rows[-1].but_less_than is None
    for before, row in zip(rows, rows[1:], strict=False):
        assert row.at_least == before.but_less_than
        assert row.tentative == before.tentative + before.rate * (row.at_least - before.at_least)
    # 1g and the zero row together leave the 2026 standard deduction untaxed: $16,100.
    assert paystubs.STANDARD_DEDUCTION_ADJUSTMENT + rows[1].at_least == 16_100


def test_bad_wages_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="wages must be zero or more"):
        paystubs.federal_withholding(Decimal("-1"))
    with pytest.raises(ValueError, match="pay periods"):
        paystubs.federal_withholding(Decimal("100"), periods=0)


def test_every_stub_adds_up_at_the_real_rates():
    table = paystubs.generate()
    for row in table.itertuples():
        gross = Decimal(str(row.gross_pay))
        # Half up: 19.75 hours x $15.50 = $306.125 -> $306.13 (float rounding gave $306.12).
        pay = Decimal(str(row.hours)) * Decimal("15.50")
        assert gross == pay.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        # 6.2% and 1.45%, to the cent (half up): 496.00 -> 30.752 -> 30.75 and 7.192 -> 7.19.
        assert Decimal(str(row.social_security)) == paystubs.cents(gross * Decimal("0.062"))
        assert Decimal(str(row.medicare)) == paystubs.cents(gross * Decimal("0.0145"))
        assert Decimal(str(row.federal_tax)) == paystubs.federal_withholding(gross)
        net = gross - sum(
            Decimal(str(v)) for v in (row.social_security, row.medicare, row.federal_tax)
        )
        assert Decimal(str(row.net_pay)) == net


def test_the_496_dollar_check_withholds_no_federal_income_tax():
    july = paystubs.generate().set_index("pay_date").loc["2026-07-10"]
    assert (july.hours, july.gross_pay) == (32.0, 496.0)
    assert (july.social_security, july.medicare, july.federal_tax) == (30.75, 7.19, 0.0)
    assert july.net_pay == 458.06  # 496.00 - 30.75 - 7.19 - 0.00


def test_hours_are_legal_for_a_14_or_15_year_old():
    # FLSA (29 CFR 570.35): at most 18 hours in a school week, 40 in a week without school.
    # The stubs cover two weeks each; staying at or under 36 keeps every period legal
    # even if school was in session.
    assert paystubs.generate()["hours"].between(0, 36).all()


def test_the_committed_csv_is_the_generators():
    committed = pd.read_csv(CSV)
    pd.testing.assert_frame_equal(committed, paystubs.generate(), check_dtype=False)
