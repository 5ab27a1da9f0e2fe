"""Two years of monthly results for a food truck that has applied for a loan to
buy a second truck: synthetic, seeded.

The data is made up. Little Fire Tacos and its owner do not exist, and no
number below was measured. Each number comes from a simple model of a
one-truck business in a northern US town, with ranges chosen to look like the
monthly profit and loss statements (P&Ls) a loan officer at a community bank or
credit union would get with a small-business loan application. The sources
named below are the ones a professional would use to check that the numbers
are normal for this kind of business.

``generate()``: one row per month, January 2024 to December 2025 (24 rows).

- ``days_open``: days the truck sold food that month. A base schedule per
  calendar month (14 days in January, up to 27 in July), plus or minus one day.
  Food trucks in cold climates run fewer days in winter and work festivals,
  farmers' markets and events in summer.
- ``revenue``: sales in dollars = days open x sales per day. Sales per day start
  at $1,200 (about 100 to 120 orders at $10 to $12), are 10% lower in the cold
  months and up to 10% higher at summer events, grow 6% in the second year
  (higher prices and more catering), and vary by up to 5% either way at random.
  About $300,000 a year is in the usual range for a busy single food truck.
- ``food_and_supplies``: 31% to 33% of revenue (food, drinks, paper goods).
  Food cost near one third of sales is normal for restaurants; in real work a
  lender compares it with industry figures such as the Risk Management
  Association's Annual Statement Studies or the owner's own tax returns.
- ``labor``: the owner's salary of $5,000 a month plus the crew: $300 for each
  day open (two workers, about 8 hours each at about $17 an hour, plus payroll
  taxes), varying by up to 5%. Paying the owner a salary inside ``labor``
  matters: what is left over is cash the business can use for debt, not the
  owner's living money. Wage rates like these appear in the BLS Occupational
  Employment and Wage Statistics for food preparation workers and cooks.
- ``fuel_and_propane``: $40 to $50 for each day open (driving, the generator
  and the cooking gas).
- ``commissary_and_permits``: $1,100 a month for the commissary kitchen (where
  a food truck must prep food and park in many cities) and health permits and
  licenses, plus 3% of revenue in event and market fees.
- ``other_costs``: $420 a month for insurance, 2.2% of revenue in card
  processing fees, and $300 to $900 of repairs, marketing and phone.

Costs are rounded to whole dollars. Debt payments are NOT among the costs: the
existing truck loan is paid out of what is left, so revenue minus the five
cost columns is the business's net operating income (NOI), the cash flow a
lender compares with the loan payments (the debt service coverage ratio).

With this model the business earns about $2,000 a month on average, but less
than nothing in most winter months and over $7,000 in the best summer month.
The small-business-loan workbook is built around that shape: the yearly debt
service coverage ratio with the new loan passes the credit union's 1.25
guideline, but the winter months cannot cover the payments on their own, so
the sound decision is to approve with conditions (a seasonal reserve). With
the default seed: average NOI $1,983.08 a month, a payment of $830.33 on the
new loan, a ratio of 1.37, and 12 of the 24 months below the total payments.

``APPLICATION`` holds the loan application's facts that are not monthly
numbers (the request, the existing debt, the collateral); the workbook shows
them. A real loan officer would check them against the owner's tax returns,
bank statements, a credit report and an appraisal of the truck.
"""

from __future__ import annotations

import random

import pandas as pd

SEED = 2026
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YEARS = (2024, 2025)
# Base days open and sales-per-day factor for each calendar month, January first.
DAYS_OPEN = (14, 15, 19, 22, 25, 26, 27, 26, 24, 22, 18, 17)
DAILY_FACTOR = (0.90, 0.90, 0.95, 1.00, 1.05, 1.08, 1.10, 1.08, 1.03, 1.00, 0.95, 0.95)
SALES_PER_DAY = 1_200
SECOND_YEAR_GROWTH = 1.06
OWNER_SALARY = 5_000
CREW_PER_DAY = 300
FIXED_COMMISSARY = 1_100
EVENT_FEES = 0.03
INSURANCE = 420
CARD_FEES = 0.022

# The loan application (facts, not monthly data).
APPLICATION = {
    "business": "Little Fire Tacos LLC",
    "owner": "Maya Torres",
    "in_business_since": "April 2021",
    "loan_amount": 40_000,
    "purpose": "Buy a used food truck with a full kitchen (price $50,000)",
    "down_payment": 10_000,
    "annual_rate": 0.09,
    "term_months": 60,
    "existing_payment": 615,
    "existing_months_left": 20,
    "business_cash": 6_200,
    "credit_score": 712,
}

COLUMNS = [
    "month",
    "days_open",
    "revenue",
    "food_and_supplies",
    "labor",
    "fuel_and_propane",
    "commissary_and_permits",
    "other_costs",
]


def generate(seed: int = SEED) -> pd.DataFrame:
    """24 months of revenue and operating costs, January 2024 first."""
    rng = random.Random(seed)
    rows = []
    for year_index, year in enumerate(YEARS):
        growth = SECOND_YEAR_GROWTH**year_index
        for month in range(12):
            days = DAYS_OPEN[month] + rng.randint(-1, 1)
            per_day = SALES_PER_DAY * DAILY_FACTOR[month] * growth * rng.uniform(0.95, 1.05)
            revenue = round(days * per_day)
            food = round(revenue * rng.uniform(0.31, 0.33))
            labor = round(OWNER_SALARY + days * CREW_PER_DAY * rng.uniform(0.95, 1.05))
            fuel = round(days * rng.uniform(40, 50))
            commissary = round(FIXED_COMMISSARY + revenue * EVENT_FEES)
            other = round(INSURANCE + revenue * CARD_FEES + rng.uniform(300, 900))
            rows.append(
                [
                    f"{MONTH_NAMES[month]} {year}",
                    days,
                    revenue,
                    food,
                    labor,
                    fuel,
                    commissary,
                    other,
                ]
            )
    return pd.DataFrame(rows, columns=COLUMNS)


DATASETS = {"food-truck": (generate, "small-business-loan/food-truck.csv")}
