"""Five candidate neighborhoods for a new coffee shop in Millbrook, a fictional
mid-size city, and a small survey of coffee buyers there: synthetic, seeded.

The data is made up. Millbrook does not exist, and no number below was measured.
Each number is drawn from a range chosen to look like what a market research
analyst would gather for a real site study, and the source named for each
column is the kind of source a professional would use.

``generate()``: one row per neighborhood.

- ``weekday_foot_traffic``: people walking past a storefront on an average
  weekday, rounded to the nearest 100. In real work this comes from a city's
  pedestrian counts (many transportation departments publish them) or from a
  commercial foot-traffic service that counts phones. 2,000 to 10,000 a day is
  the usual range from a quiet neighborhood street to a busy downtown block.
- ``residents``: people living in the neighborhood, rounded to 100; in real work
  the Census Bureau's American Community Survey (ACS) 5-year estimates for the
  neighborhood's census tracts.
- ``median_household_income``: dollars a year, rounded to 100; also ACS. The
  ranges sit around the US median (about $78,000 in ACS 2023): lower where many
  college students live, higher in a suburb of family homes.
- ``office_workers``: people whose job is in the neighborhood, rounded to 50; in
  real work the Census Bureau's LEHD data (the OnTheMap tool), which counts jobs
  by where people work rather than where they live.
- ``students``: college students living or studying there, rounded to 50; in
  real work college enrollment figures (NCES IPEDS) and ACS school enrollment.
- ``competing_cafes``: coffee shops within a few minutes' walk; in real work a
  count from business listings or the county's food-service permits, checked
  by walking the street.
- ``monthly_rent``: dollars a month for a shop of about 1,500 square feet,
  rounded to 50; in real work commercial listings and brokers' market reports.
  Shop rent in a mid-size city runs roughly $15 to $60 a square foot a year
  (here $1,900 to $7,000 a month), highest on the busiest downtown blocks.

The ranges are set so that the analysis in the coffee-site workbook has one
clearly defensible answer for every seed, with a real trade-off: Downtown has
by far the most foot traffic but the highest rent and the most competing cafes;
Riverside has less traffic but the lowest rent per expected customer
(``monthly_rent / (weekday_foot_traffic x 3% x 30)``) and only one competitor.
The 3% "capture rate" (the share of passers-by who buy) is the workbook's
stated assumption, a rule of thumb a chain would take from its own stores.
Rent is a small share of a cafe's sales, as in real life, so "sales minus
rent" at a flat 3% still favours Downtown; once the customers are shared with
the competing cafes (customers / (competing_cafes + 1)), Riverside leads again.
The workbook's extension asks students to find exactly this.

``generate_survey()``: 120 answers, 24 from people near each site who buy coffee
away from home: ``visits_per_week`` (1 to 7 coffee shop visits) and
``typical_spend`` (dollars per visit, to the nearest 25 cents). Each
neighborhood has its own average (office workers visit often; students spend
less; the suburb visits less but spends more). Real analysts would run such a
survey themselves, on the street or online.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

SEED = 2026
CITY = "Millbrook"
CAPTURE_RATE = 0.03  # the workbook's assumption: 3 in 100 passers-by become customers
DAYS_PER_MONTH = 30
SURVEY_PER_NEIGHBORHOOD = 24
COLUMNS = [
    "neighborhood",
    "weekday_foot_traffic",
    "residents",
    "median_household_income",
    "office_workers",
    "students",
    "competing_cafes",
    "monthly_rent",
]
SURVEY_COLUMNS = ["response", "neighborhood", "visits_per_week", "typical_spend"]


@dataclass(frozen=True)
class Profile:
    """Ranges (low, high) a neighborhood's numbers are drawn from."""

    name: str
    foot_traffic: tuple[int, int]
    residents: tuple[int, int]
    income: tuple[int, int]
    office_workers: tuple[int, int]
    students: tuple[int, int]
    cafes: tuple[int, int]
    rent: tuple[int, int]
    visits: float  # survey: average visits a week
    spend: float  # survey: average dollars a visit


PROFILES = (
    # The business district: the busiest sidewalks, the highest rent, the most cafes.
    Profile(
        "Downtown",
        (9_000, 10_200),
        (5_500, 7_000),
        (58_000, 66_000),
        (11_000, 13_000),
        (300, 800),
        (4, 5),
        (6_250, 7_000),
        4.2,
        6.50,
    ),
    # Around the college: busy, many students who spend less, three cafes already.
    Profile(
        "University Hill",
        (6_800, 7_600),
        (14_000, 16_000),
        (34_000, 40_000),
        (1_500, 2_200),
        (9_000, 11_000),
        (3, 3),
        (4_100, 4_500),
        4.0,
        4.75,
    ),
    # A riverfront street with new offices and a weekend market: one small cafe.
    Profile(
        "Riverside",
        (6_200, 6_900),
        (9_000, 10_500),
        (68_000, 76_000),
        (3_500, 4_500),
        (500, 1_200),
        (1, 1),
        (2_750, 3_100),
        3.2,
        6.25,
    ),
    # A suburb of family homes: high incomes, quiet streets, low rent, no cafe.
    Profile(
        "Oak Park",
        (1_900, 2_500),
        (18_000, 21_000),
        (92_000, 104_000),
        (300, 600),
        (800, 1_500),
        (0, 0),
        (1_900, 2_250),
        2.0,
        7.00,
    ),
    # Warehouses and a bus station: modest traffic, one diner that sells coffee.
    Profile(
        "Eastgate",
        (3_000, 3_500),
        (7_000, 8_500),
        (47_000, 54_000),
        (2_000, 3_000),
        (200, 500),
        (1, 1),
        (2_000, 2_300),
        3.0,
        5.50,
    ),
)


def _draw(rng: random.Random, bounds: tuple[int, int], step: int) -> int:
    """A whole number in ``bounds``, rounded to ``step`` and kept inside the bounds."""
    low, high = bounds
    return rng.randint(-(-low // step), high // step) * step


def generate(seed: int = SEED) -> pd.DataFrame:
    """The five candidate neighborhoods, one row each."""
    rng = random.Random(seed)
    rows = []
    for profile in PROFILES:
        rows.append(
            [
                profile.name,
                _draw(rng, profile.foot_traffic, 100),
                _draw(rng, profile.residents, 100),
                _draw(rng, profile.income, 100),
                _draw(rng, profile.office_workers, 50),
                _draw(rng, profile.students, 50),
                rng.randint(*profile.cafes),
                _draw(rng, profile.rent, 50),
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def generate_survey(seed: int = SEED) -> pd.DataFrame:
    """120 survey answers: 24 coffee buyers near each candidate site."""
    rng = random.Random(seed + 1)
    rows = []
    for profile in PROFILES:
        for _ in range(SURVEY_PER_NEIGHBORHOOD):
            visits = min(7, max(1, round(rng.gauss(profile.visits, 1.3))))
            spend = min(9.0, max(3.0, rng.gauss(profile.spend, 1.0)))
            rows.append([len(rows) + 1, profile.name, visits, round(spend * 4) / 4])
    return pd.DataFrame(rows, columns=SURVEY_COLUMNS)


DATASETS = {
    "neighborhoods": (generate, "coffee-site/neighborhoods.csv"),
    "coffee-survey": (generate_survey, "coffee-site/coffee-survey.csv"),
}
