"""One day of web-server log for Harbor Lane Outfitters, a fictional small online
store that sells camping gear: synthetic, seeded.

The data is made up. The store does not exist, and no row below was recorded
from a real server. The log is built to look like the access log a small
store's web application writes (one row per request), the kind of file a
junior security analyst reads when a monitoring tool warns about "many failed
logins". Hidden in an ordinary day is a credential-stuffing attack: three
addresses try 138 username and password pairs, as if from a list leaked by
another website, on the sign-in page overnight; then one staff password works,
and the attacker downloads two large exports from the admin area.

Every IP address comes from the blocks set aside for documentation
(RFC 5737: 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24), so no real
computer is named. Usernames are invented.

``generate()``: one row per request on Tuesday, March 10, 2026, in the store's
local time, sorted by time. Columns:

- ``timestamp``: "YYYY-MM-DD HH:MM:SS". Real logs record this to the second.
- ``source_ip``: the address the request came from.
- ``username``: the name typed on the sign-in page, or the signed-in account
  for later pages; "-" when no one is signed in (as in the Apache and Nginx
  "combined" log format, which writes "-" for an empty field).
- ``path``: the page or file asked for. ``/login`` is the sign-in page.
- ``status``: the HTTP status code the server answered with: 200 OK, 401 wrong
  username or password, 403 forbidden (signed in, but not allowed), 404 not
  found, 500 server error (RFC 9110 defines them).
- ``bytes``: the size of the answer the server sent back.

How each part of the day is made:

- **Customers** (``CUSTOMER_SESSIONS`` visits): each visit has its own address
  (about one in eleven from 203.0.113.0/24, the attackers' block, so the block
  alone proves nothing) and starts at a time drawn from hour-of-day weights
  that are low at night and peak at lunch and in the evening, the usual shape
  of shopping traffic. A visit views the home page and one to four product
  pages, and some sign in, fill a cart and check out. Eight of the sign-ins
  start with one or two typos (401), as people mistype passwords. Page sizes
  are drawn from ranges typical of a small store (a product page 20 to 60 KB,
  a 401 answer about 2 KB). One customer fails five times, resets the password
  and gets in; one checkout fails once with a 500 and works on the retry.
- **Staff**: the store has 40 staff members; only four of them have an account
  on the website's staff pages. They sign in each morning from the office address
  (198.51.100.20) and use the admin pages during the day. The shipping lead
  downloads the day's small order export, as on any workday.
- **A scanner**: one address asks for eight pages the store does not have
  (``/wp-login.php``, ``/.env``, ...) and gets 404 each time. Bots do this to
  every website all day; it is noise, not a break-in.
- **The attack**: from 02:14:07, three addresses in 203.0.113.0/24 take turns
  trying usernames from a leaked list, one every 14 to 24 seconds, with a fixed
  number of failures each (``ATTACKERS``). Attack tools can go much faster, but
  a slow pace spread over several addresses is a common way to stay under the
  limits many sites set per address; OWASP's guidance on credential stuffing
  describes both. Each username is tried once or twice, the mark of stuffing
  (a list of many accounts) rather than guessing one account's password.
  Then the staff account ``mkim``, whose password had been reused on another
  site, signs in from the busiest address, which opens the admin pages,
  downloads the full customer export (about 3 MB) and the full order export
  (about 7 MB), and is refused (403) when it tries the staff user settings.
  The real Min-jun Kim signs in later from the office, as every morning.

The counts of the attack are fixed, so the workbook has one clear answer for
every question; the times, sizes and the ordinary traffic come from the seed.
Real analysts get such data from the web server's or the application's access
logs, usually gathered in a log platform or SIEM (such as the open-source
Wazuh or the Elastic Stack), and they check addresses against threat
intelligence lists.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pandas as pd

SEED = 2026
DAY = datetime(2026, 3, 10)
COLUMNS = ["timestamp", "source_ip", "username", "path", "status", "bytes"]
CUSTOMER_SESSIONS = 72
SIGN_IN_SHARE = 0.4  # visits in which the customer signs in
TYPO_VISITS = 8  # sign-ins that start with one or two wrong passwords
CHECKOUT_CUSTOMER = "theo.reed"  # the customer whose checkout fails once
OFFICE_IP = "198.51.100.20"
SCANNER_IP = "198.51.100.66"
# Failed sign-ins from each attacking address; the first one gets in.
ATTACKERS = {"203.0.113.77": 64, "203.0.113.45": 41, "203.0.113.102": 33}
ATTACK_START = DAY.replace(hour=2, minute=14, second=7)
STOLEN_ACCOUNT = "mkim"
# How likely a customer visit starts in each hour of the day (0 = midnight).
HOUR_WEIGHTS = (
    1, 1, 0.5, 0.5, 0.5, 1, 2, 3, 4, 5, 6, 6, 8, 7, 6, 6, 6, 6, 7, 9, 9, 8, 5, 3,
)  # fmt: skip
PRODUCTS = (
    "tents/trail-2", "tents/family-6", "sleeping-bags/summit-20", "sleeping-bags/kids-40",
    "stoves/pocket-rocket", "packs/daypack-28", "packs/trek-65", "lights/headlamp-300",
    "water/filter-mini", "chairs/camp-lite",
)  # fmt: skip
FIRST_NAMES = (
    "ana", "ben", "carla", "dev", "elena", "femi", "grace", "hugo", "isla", "jamal", "kira",
    "leo", "mira", "nate", "olga", "priya", "quinn", "rafael", "sara", "theo", "uma", "victor",
    "wen", "yusuf", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "adams", "brown", "chen", "diaz", "evans", "fischer", "garcia", "hall", "ito", "jones",
    "khan", "lopez", "moore", "nguyen", "owens", "perez", "reed", "smith", "tran", "walker",
)  # fmt: skip
SHIPPING_LEAD = "kmensah"  # downloads the day's order list every morning
STAFF = (SHIPPING_LEAD, "jpatel", "mkim", "sbrooks")
# Usernames that are common in leaked lists of passwords.
COMMON_NAMES = ("admin", "info", "sales", "support", "test", "user", "office", "shop")
SCANNED_PATHS = (
    "/wp-login.php", "/wp-admin/", "/.env", "/phpmyadmin/", "/admin.php", "/.git/config",
    "/config.php", "/xmlrpc.php",
)  # fmt: skip
PAGE_SIZES = {  # bytes: (low, high)
    "/": (31_000, 44_000),
    "/products/": (20_000, 60_000),
    "/login ok": (1_100, 1_300),
    "/login failed": (2_150, 2_350),
    "/reset-password": (3_000, 3_400),
    "/cart": (8_000, 15_000),
    "/checkout": (12_000, 20_000),
    "/checkout error": (600, 800),
    "/order/confirm": (6_000, 9_000),
    "/account/orders": (9_000, 18_000),
    "/admin": (16_000, 20_000),
    "/admin/orders": (40_000, 90_000),
    "/admin/products": (30_000, 70_000),
    "/admin/customers": (45_000, 60_000),
    "/admin/export/orders-today.csv": (25_000, 60_000),
    "/admin/export/customers-all.csv": (2_900_000, 3_400_000),
    "/admin/export/orders-all.csv": (6_500_000, 7_200_000),
    "forbidden": (500, 700),
    "not found": (280, 340),
}


class _Day:
    """Collects rows; each request takes its size from PAGE_SIZES."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rows: list[tuple[datetime, str, str, str, int, int]] = []

    def size(self, kind: str) -> int:
        return self.rng.randint(*PAGE_SIZES[kind])

    def add(self, when: datetime, ip: str, user: str, path: str, status: int, kind: str) -> None:
        self.rows.append((when, ip, user, path, status, self.size(kind)))


def _addresses(rng: random.Random, count: int) -> list[str]:
    """Different customer addresses; none is the office, the scanner or an attacker."""
    taken = {OFFICE_IP, SCANNER_IP, *ATTACKERS}
    found: list[str] = []
    while len(found) < count:
        block = rng.choices(("192.0.2", "198.51.100", "203.0.113"), weights=(5, 5, 1))[0]
        ip = f"{block}.{rng.randint(2, 254)}"
        if ip not in taken:
            taken.add(ip)
            found.append(ip)
    return found


def _customer_visit(day: _Day, ip: str, user: str, start: datetime, typos: int) -> None:
    rng = day.rng
    when = start
    day.add(when, ip, "-", "/", 200, "/")
    for _ in range(rng.randint(1, 4)):
        when += timedelta(seconds=rng.randint(8, 90))
        day.add(when, ip, "-", f"/products/{rng.choice(PRODUCTS)}", 200, "/products/")
    if user == "-":
        return
    for _ in range(typos):
        when += timedelta(seconds=rng.randint(6, 25))
        day.add(when, ip, user, "/login", 401, "/login failed")
    if typos >= 5:  # gave up guessing and reset the password
        when += timedelta(seconds=rng.randint(60, 180))
        day.add(when, ip, user, "/reset-password", 200, "/reset-password")
        when += timedelta(seconds=rng.randint(90, 240))
    when += timedelta(seconds=rng.randint(6, 25))
    day.add(when, ip, user, "/login", 200, "/login ok")
    if rng.random() < 0.3:
        when += timedelta(seconds=rng.randint(5, 40))
        day.add(when, ip, user, "/account/orders", 200, "/account/orders")
        return
    when += timedelta(seconds=rng.randint(10, 60))
    day.add(when, ip, user, "/cart", 200, "/cart")
    when += timedelta(seconds=rng.randint(10, 60))
    day.add(when, ip, user, "/checkout", 200, "/checkout")
    when += timedelta(seconds=rng.randint(20, 120))
    day.add(when, ip, user, "/order/confirm", 200, "/order/confirm")


def _customers(day: _Day) -> None:
    rng = day.rng
    names = [f"{first}.{last}" for first in FIRST_NAMES for last in LAST_NAMES]
    addresses = _addresses(rng, CUSTOMER_SESSIONS)
    users = rng.sample([name for name in names if name != CHECKOUT_CUSTOMER], CUSTOMER_SESSIONS)
    signs_in = [rng.random() < SIGN_IN_SHARE for _ in users]
    forgetful = signs_in.index(True)
    signed = [number for number, yes in enumerate(signs_in) if yes and number != forgetful]
    typos = {number: rng.choice((1, 1, 2)) for number in rng.sample(signed, TYPO_VISITS)}
    typos[forgetful] = 5  # gives up, resets the password, and gets in
    for number, (ip, user) in enumerate(zip(addresses, users, strict=True)):
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        # The last hour starts early enough that every visit ends before midnight.
        start = DAY + timedelta(hours=hour, seconds=rng.randint(0, 3_300 if hour < 23 else 1_800))
        user = user if signs_in[number] else "-"
        _customer_visit(day, ip, user, start, typos.get(number, 0))
    # A checkout that fails once with a server error at lunchtime, then works.
    ip, user = _addresses(rng, 1)[0], CHECKOUT_CUSTOMER
    when = DAY.replace(hour=12, minute=41, second=rng.randint(0, 59))
    day.add(when, ip, "-", "/", 200, "/")
    day.add(when + timedelta(seconds=31), ip, user, "/login", 200, "/login ok")
    day.add(when + timedelta(seconds=74), ip, user, "/cart", 200, "/cart")
    day.add(when + timedelta(seconds=110), ip, user, "/checkout", 500, "/checkout error")
    day.add(when + timedelta(seconds=152), ip, user, "/checkout", 200, "/checkout")
    day.add(when + timedelta(seconds=219), ip, user, "/order/confirm", 200, "/order/confirm")


def _staff(day: _Day) -> None:
    rng = day.rng
    for number, user in enumerate(STAFF):
        when = DAY.replace(hour=8, minute=5 + 14 * number, second=rng.randint(0, 59))
        day.add(when, OFFICE_IP, user, "/login", 200, "/login ok")
        day.add(
            when + timedelta(seconds=rng.randint(5, 20)), OFFICE_IP, user, "/admin", 200, "/admin"
        )
        pages = ["/admin/orders", "/admin/products", "/admin/customers"]
        for hour in sorted(rng.sample(range(9, 17), 3)):
            page = rng.choice(pages)
            at = DAY.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
            day.add(at, OFFICE_IP, user, page, 200, page)
        if user == SHIPPING_LEAD:
            path = "/admin/export/orders-today.csv"
            day.add(when + timedelta(minutes=3), OFFICE_IP, user, path, 200, path)


def _scanner(day: _Day) -> None:
    when = DAY.replace(hour=14, minute=5, second=day.rng.randint(0, 59))
    for path in SCANNED_PATHS:
        when += timedelta(seconds=day.rng.randint(1, 3))
        day.add(when, SCANNER_IP, "-", path, 404, "not found")


def _attack(day: _Day) -> None:
    rng = day.rng
    leaked = [f"{first[0]}{last}" for first in FIRST_NAMES for last in LAST_NAMES]
    leaked = [name for name in leaked if name not in STAFF] + list(COMMON_NAMES)
    tries = [ip for ip, failures in ATTACKERS.items() for _ in range(failures)]
    rng.shuffle(tries)
    when = ATTACK_START
    for number, ip in enumerate(tries):
        if number:
            when += timedelta(seconds=rng.randint(14, 24))
        # One try is a real staff name, with the wrong password.
        user = SHIPPING_LEAD if number == 57 else rng.choice(leaked)
        day.add(when, ip, user, "/login", 401, "/login failed")
    ip = next(iter(ATTACKERS))
    when += timedelta(seconds=rng.randint(14, 24))
    day.add(when, ip, STOLEN_ACCOUNT, "/login", 200, "/login ok")
    for path, wait in (
        ("/admin", (8, 15)),
        ("/admin/customers", (30, 60)),
        ("/admin/export/customers-all.csv", (60, 120)),
        ("/admin/export/orders-all.csv", (90, 180)),
        ("/admin/settings/users", (120, 240)),
    ):
        when += timedelta(seconds=rng.randint(*wait))
        status = 403 if path.startswith("/admin/settings") else 200
        day.add(when, ip, STOLEN_ACCOUNT, path, status, path if status == 200 else "forbidden")


def generate(seed: int = SEED) -> pd.DataFrame:
    """The day's log, one row per request, in time order."""
    day = _Day(random.Random(seed))
    _customers(day)
    _staff(day)
    _scanner(day)
    _attack(day)
    rows = sorted(day.rows, key=lambda row: (row[0], row[1]))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return frame


DATASETS = {"server-log": (generate, "log-detective/server-log.csv")}
