"""Five candidate spots for a solar array at Maple Ridge Middle School, and a
year of sunlight and electricity use for its town: synthetic, seeded.

The data is made up. Maple Ridge is a fictional town in the middle of the
United States, at about 40 degrees north (the latitude of Indianapolis,
Columbus or Denver), and no number below was measured. Each number is drawn
from a range chosen to look like what a solar site assessor would gather for a
real school, and the source named for each column is the kind of source a
professional would use.

The physics the workbook teaches, and that these numbers follow:

- Full, strong sunlight delivers about 1,000 watts (1 kW) to each square meter
  of a surface facing it. One **sun hour** ("peak sun hour") is that much
  sunlight for one hour: 1 kWh of sunlight energy on each square meter. A
  day's real sunlight, weak in the morning and strong at noon, is reported as
  the number of sun hours that would deliver the same energy. This is how
  NREL's PVWatts calculator and solar installers report a site's sunlight.
- Solar panels change about 20% of the light energy that hits them into
  electrical energy (a typical panel efficiency today). About one fifth of that
  is lost before it reaches the school's wiring: panels make less when hot, and
  the inverter, the wires and dust take their share. Installers call what is
  left the performance ratio (here 0.80), so about 20% x 0.80 = 16% of the
  sunlight energy arrives as usable electricity: ``SYSTEM_EFFICIENCY``. The
  rest of the energy is not destroyed; most of it heats the panels and the
  roof, and some is reflected.
- So: daily electricity (kWh) = usable area (m^2) x sun hours (kWh of sunlight
  per m^2 per day) x 0.16.

``generate_sites()``: one row per candidate spot.

- ``site``, ``surface``, ``facing``, ``tilt_degrees``: where the panels would go
  and how they would sit. In the Northern Hemisphere, outside the tropics, the
  sun is in the southern part of the sky at noon all year and for most of
  each day, so panels facing south get the most light. In real work these
  come from a site visit, roof plans and satellite images.
- ``usable_area_m2``: the area panels can really cover, in square meters,
  rounded to 10: roofs lose their edges to fire-code walkways and lose room to
  vents and air-conditioning units. In real work an assessor measures it on
  site and on the school's drawings.
- ``shade_hours``: hours of a typical day that trees or buildings shade the
  spot, to the nearest half hour. In real work a shade tool (a Solar Pathfinder
  or a phone app with a fisheye lens) traces the skyline from the spot.
- ``sun_hours``: average sun hours a day the panels at that spot would get over
  a whole year, with shade and facing counted, rounded to 0.1. It is made as
  the town's yearly average for an ideal panel (south-facing, well tilted, no
  shade) x an orientation factor x (1 - 0.1 x shade_hours). The orientation
  factors are close to PVWatts results at 40 degrees north: 1.00 for a 25-30
  degree tilt facing south, about 0.94 for a 7-10 degree tilt facing south, and
  about 0.72 for a 20 degree tilt facing north. Counting each hour of shade as
  a tenth of the day's sunlight is a simplification: a day's sunlight comes
  mostly in its 8 to 10 brightest hours. Real assessors multiply these two
  fractions too; the product is called the total solar resource fraction.
- ``distance_to_panel_m``: meters of trench or conduit from the spot to the
  school's main electrical room, rounded to 5. Long runs cost more (trenching
  and thick copper wire cost roughly $100 to $200 a meter) and lose a little
  more energy in the wire. In real work it is measured on the site plan.

The ranges are set so that the workbook has one clearly defensible answer for
every seed, with real trade-offs: the field edge gets the most sun on each
square meter, but the gym roof makes the most electricity in all because it is
bigger; it is also closest to the electrical room, needs no new structure, and
is away from where students play. The parking lot canopy comes second: it
would shade cars but needs a steel frame and a long trench. The south roof
faces the right way but three oak trees shade it in the afternoon, and the
north wing roof has no shade but tilts away from the sun.

``generate_months()``: one row per month for the town and the school.

- ``sun_hours``: average daily sun hours for an ideal panel in each month,
  rounded to 0.1. The ranges follow the shape of PVWatts / NREL National Solar
  Radiation Database (NSRDB) values for 40 degrees north: about 2.6 in December,
  when the sun is low and days are short, to about 6.0 in June and July.
- ``school_use_kwh``: the school's electricity use that month, in kilowatt-hours,
  rounded to 100. In real work this is 12 months of the school's utility bills.
  It is sized like a 64,000 square foot middle school: about 10 kWh a square
  foot a year, close to the U.S. Energy Information Administration's Commercial
  Buildings Energy Consumption Survey (CBECS) figure for education buildings.
  Use is lowest in July, when the school is closed, and in June, when school
  ends early in the month; it is a little lower in December (winter break).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

SEED = 2026
SCHOOL = "Maple Ridge Middle School"
SYSTEM_EFFICIENCY = 0.16  # 20% panel efficiency x 0.80 performance ratio
SHADE_LOSS_PER_HOUR = 0.1  # each hour of shade takes about a tenth of a day's sunlight
DAYS_PER_YEAR = 365
SITE_COLUMNS = [
    "site",
    "surface",
    "facing",
    "tilt_degrees",
    "usable_area_m2",
    "shade_hours",
    "sun_hours",
    "distance_to_panel_m",
]
MONTH_COLUMNS = ["month", "days", "sun_hours", "school_use_kwh"]


@dataclass(frozen=True)
class Spot:
    """A candidate spot: fixed facts, and ranges (low, high) its numbers come from."""

    name: str
    surface: str
    facing: str
    tilt_degrees: int
    orientation_factor: float
    area: tuple[int, int]
    shade_hours: float
    distance: tuple[int, int]


SPOTS = (
    # The big flat roof over the gym; panels sit on low racks tilted to the south.
    # The main electrical room is next to the gym.
    Spot("Gym roof", "flat roof", "south", 10, 0.94, (600, 680), 0.0, (25, 40)),
    # A new steel canopy over one row of the parking lot: shades cars, needs a long trench.
    Spot("Parking lot canopy", "parking canopy", "south", 7, 0.94, (560, 620), 0.5, (140, 170)),
    # Open grass beside the soccer field: ideal tilt, but far away and near play areas.
    Spot("Field edge", "ground", "south", 30, 1.00, (380, 440), 0.0, (230, 270)),
    # The main building's south roof: faces the right way, but old oaks shade it.
    Spot("South roof", "sloped roof", "south", 25, 1.00, (340, 400), 2.0, (60, 80)),
    # The north wing's roof: no shade, but it tilts away from the sun.
    Spot("North wing roof", "sloped roof", "north", 20, 0.72, (420, 480), 0.0, (50, 70)),
)

# Month, days, and the range of average daily sun hours for an ideal panel, and
# of the school's electricity use in kWh.
MONTHS = (
    ("January", 31, (2.9, 3.2), (57_000, 60_000)),
    ("February", 28, (3.7, 4.0), (55_000, 58_000)),
    ("March", 31, (4.5, 4.8), (55_000, 58_000)),
    ("April", 30, (5.1, 5.4), (53_000, 56_000)),
    ("May", 31, (5.5, 5.8), (57_000, 61_000)),
    ("June", 30, (5.8, 6.1), (42_000, 46_000)),
    ("July", 31, (5.8, 6.1), (28_000, 32_000)),
    ("August", 31, (5.5, 5.8), (52_000, 56_000)),
    ("September", 30, (5.0, 5.3), (60_000, 64_000)),
    ("October", 31, (4.2, 4.5), (56_000, 59_000)),
    ("November", 30, (3.2, 3.5), (54_000, 57_000)),
    ("December", 31, (2.5, 2.8), (50_000, 53_000)),
)


def _step(rng: random.Random, bounds: tuple[float, float], step: float) -> float:
    """A number in ``bounds`` on a grid of ``step`` (0.1, 5, 100, ...)."""
    low, high = round(bounds[0] / step), round(bounds[1] / step)
    value = rng.randint(low, high) * step
    return round(value, 1) if step < 1 else int(value)


def generate_months(seed: int = SEED) -> pd.DataFrame:
    """Twelve months of the town's sunlight and the school's electricity use."""
    rng = random.Random(seed)
    rows = [
        [month, days, _step(rng, sun, 0.1), _step(rng, use, 100)]
        for month, days, sun, use in MONTHS
    ]
    return pd.DataFrame(rows, columns=MONTH_COLUMNS)


def ideal_yearly_sun_hours(months: pd.DataFrame) -> float:
    """The town's average daily sun hours over a year for an ideal panel (day-weighted)."""
    return float((months["sun_hours"] * months["days"]).sum() / months["days"].sum())


def generate_sites(seed: int = SEED) -> pd.DataFrame:
    """The five candidate spots, one row each."""
    ideal = ideal_yearly_sun_hours(generate_months(seed))
    rng = random.Random(seed + 1)
    rows = []
    for spot in SPOTS:
        solar_access = 1 - SHADE_LOSS_PER_HOUR * spot.shade_hours
        sun_hours = round(ideal * spot.orientation_factor * solar_access, 1)
        rows.append(
            [
                spot.name,
                spot.surface,
                spot.facing,
                spot.tilt_degrees,
                _step(rng, spot.area, 10),
                spot.shade_hours,
                sun_hours,
                _step(rng, spot.distance, 5),
            ]
        )
    return pd.DataFrame(rows, columns=SITE_COLUMNS)


DATASETS = {
    "solar-sites": (generate_sites, "solar-site/solar-sites.csv"),
    "solar-months": (generate_months, "solar-site/solar-months.csv"),
}
