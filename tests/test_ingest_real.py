"""Real extracts (issue #15): police.uk in every published shape, a guard in linear time,
quarantine that keeps nothing identifying, layers that must land in the area, and the
smaller shapes spreadsheets write (UTF-16, formulas, header-only, duplicate columns,
degrees). Each police.uk file is made from real rows (tests/data/README.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from geo.config import Settings
from geo.ingest import _guard, load, quarantine_report
from geo.store import db

DATA = Path(__file__).parent / "data"
STREET = DATA / "police_uk_street_api_birmingham_2017.csv"
NEW_STREET = (-1.8990, 52.4778)
NEW_STREET_BNG = (406900, 286600)

#: police.uk API slugs and the archive's titles for them
TITLES = {
    "anti-social-behaviour": "Anti-social behaviour",
    "violent-crime": "Violence and sexual offences",
    "vehicle-crime": "Vehicle crime",
    "other-theft": "Other theft",
    "shoplifting": "Shoplifting",
    "criminal-damage-arson": "Criminal damage and arson",
    "theft-from-the-person": "Theft from the person",
    "public-order": "Public order",
    "burglary": "Burglary",
    "robbery": "Robbery",
    "drugs": "Drugs",
    "bicycle-theft": "Bicycle theft",
    "possession-of-weapons": "Possession of weapons",
    "other-crime": "Other crime",
}
#: the documented mapping (docs/loading.md)
HARM = {"anti-social-behaviour": "asb", "violent-crime": "violence", "drugs": "drugs",
        "possession-of-weapons": "weapons", "robbery": "robbery"}
ARCHIVE = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
           "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
           "Context"]


def street_rows() -> list[dict[str, str]]:
    with STREET.open(newline="") as fh:
        return list(csv.DictReader(fh))


def crime_id(k: int) -> str:
    return hashlib.sha256(f"a crime {k}".encode()).hexdigest()


def archive_rows(no_location_every: int = 40) -> list[dict[str, str]]:
    """The real rows in the archive shape: 64-hex Crime IDs (blank for anti-social
    behaviour), every ``no_location_every``-th with no location, as police.uk publishes."""
    out = []
    for k, r in enumerate(street_rows()):
        asb = r["type"] == "anti-social-behaviour"
        no_loc = k % no_location_every == 7
        out.append({
            "Crime ID": "" if asb else crime_id(k),
            "Month": r["month"],
            "Reported by": "West Midlands Police",
            "Falls within": "West Midlands Police",
            "Longitude": "" if no_loc else r["longitude"],
            "Latitude": "" if no_loc else r["latitude"],
            "Location": "No Location" if no_loc else r["street"],
            "LSOA code": "" if no_loc else "E01033620",
            "LSOA name": "" if no_loc else "Birmingham 138A",
            "Crime type": TITLES[r["type"]],
            "Last outcome category": "" if asb else "Investigation complete; no suspect "
                                                   "identified",
            "Context": "",
        })
    return out


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]],
              encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def dump(s: Settings) -> str:
    return subprocess.run(["pg_dump", db.dsn("superuser", s)], check=True, capture_output=True,
                          text=True).stdout


def rows_of(s: Settings, sql: str, *params: object) -> list[tuple]:
    with db.connect("superuser", s) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


# --- 1. police.uk files in every shape ---------------------------------------------------


def test_police_uk_archive_of_3000_rows_loads_with_only_no_location_quarantined(
    ingest_settings: Settings, tmp_path: Path
) -> None:
    rows = archive_rows()
    f = write_csv(tmp_path / "2017-11-west-midlands-street.csv", ARCHIVE, rows)
    res = load("incidents", f, settings=ingest_settings)
    assert res.status == "loaded", res.message
    no_loc = sum(r["Location"] == "No Location" for r in rows)
    assert res.rows_read == 3000
    assert res.reasons == {"no_location": no_loc}
    assert res.rows_loaded == 3000 - no_loc
    got = dict(rows_of(ingest_settings, "SELECT harm_type, count(*) FROM incident "
                       "WHERE extract_id = %s GROUP BY 1", res.extract_id))
    want: dict[str, int] = {}
    for r, src in zip(rows, street_rows(), strict=True):
        if r["Location"] != "No Location":
            h = HARM.get(src["type"], "other_crime")
            want[h] = want.get(h, 0) + 1
    assert got == want
    # Crime IDs are kept only as pseudonyms: one per crime, none for anti-social behaviour
    keys = rows_of(ingest_settings, "SELECT count(crime_key), count(DISTINCT crime_key), "
                   "count(*) FILTER (WHERE harm_type = 'asb' AND crime_key IS NOT NULL) "
                   "FROM incident WHERE extract_id = %s", res.extract_id)[0]
    located_crimes = sum(1 for r in rows if r["Crime ID"] and r["Location"] != "No Location")
    assert keys == (located_crimes, located_crimes, 0)
    text = dump(ingest_settings)
    raw = {r["Crime ID"] for r in rows if r["Crime ID"]}
    assert not raw & set(re.findall(r"[0-9a-f]{64}", text))


@pytest.mark.parametrize("variant", ["no_context", "reordered", "lower_case_tsv"])
def test_police_uk_archive_variants(ingest_settings: Settings, tmp_path: Path,
                                    variant: str) -> None:
    rows = archive_rows()[:200]
    header, sep = list(ARCHIVE), ","
    if variant == "no_context":  # the archives before 2013 have no Context column
        header.remove("Context")
    elif variant == "reordered":
        header = header[::-1]
    else:
        header = [h.lower().replace(" ", "_") for h in header]
        rows = [{h.lower().replace(" ", "_"): v for h, v in r.items()} for r in rows]
        sep = "\t"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", delimiter=sep)
    w.writeheader()
    w.writerows(rows)
    f = tmp_path / f"street_{variant}.csv"
    f.write_text(buf.getvalue())
    res = load("incidents", f, settings=ingest_settings)
    no_loc = sum(r.get("Location", r.get("location")) == "No Location" for r in rows)
    assert (res.status, res.rows_read, res.reasons) == ("loaded", 200,
                                                        {"no_location": no_loc}), res.message


def test_police_uk_categories_of_every_year_load(ingest_settings: Settings,
                                                  tmp_path: Path) -> None:
    """Titles police.uk used before May 2013, and a category it might add, are mapped
    (documented in docs/loading.md), never quarantined."""
    rows = [r for r in archive_rows() if r["Location"] != "No Location"][:60]
    for k, title in enumerate(["Violent crime", "Public disorder and weapons",
                               "Fraud and forgery"]):
        rows[k]["Crime type"] = title
    f = write_csv(tmp_path / "2012-12-west-midlands-street.csv", ARCHIVE, rows)
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 60), res.message
    got = rows_of(ingest_settings, "SELECT harm_type FROM incident WHERE extract_id = %s "
                  "ORDER BY source_row LIMIT 3", res.extract_id)
    assert [g[0] for g in got] == ["violence", "other_crime", "other_crime"]


def test_police_uk_api_json_flattened(ingest_settings: Settings, tmp_path: Path) -> None:
    """The API's JSON (``/crimes-street/all-crime``) as pandas.json_normalize writes it."""
    src = street_rows()[:300]
    records = [{
        "category": r["type"],
        "location_type": "Force",
        "location": {"latitude": r["latitude"], "longitude": r["longitude"],
                     "street": {"id": 1000 + k, "name": r["street"]}},
        "context": "",
        "outcome_status": None if r["type"] == "anti-social-behaviour" else
        {"category": "Under investigation", "date": r["month"]},
        "persistent_id": "" if r["type"] == "anti-social-behaviour" else crime_id(k),
        "id": 54_000_000 + k,
        "location_subtype": "",
        "month": r["month"],
    } for k, r in enumerate(src)]
    frame = pd.json_normalize(records)
    f = tmp_path / "crimes-street-all-crime.csv"
    frame.to_csv(f, index=False)
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_read, res.rows_loaded) == ("loaded", 300, 300), res.message
    n = rows_of(ingest_settings, "SELECT count(crime_key) FROM incident WHERE extract_id = %s",
                res.extract_id)[0][0]
    assert n == sum(1 for r in src if r["type"] != "anti-social-behaviour")


def test_police_uk_outcomes_link_to_their_crimes(ingest_settings: Settings,
                                                 tmp_path: Path) -> None:
    rows = archive_rows()[:400]
    crimes = write_csv(tmp_path / "2017-10-west-midlands-street.csv", ARCHIVE, rows)
    street = load("incidents", crimes, settings=ingest_settings)
    assert street.status == "loaded", street.message
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
              "Location", "LSOA code", "LSOA name", "Outcome type"]
    outs = [{**r, "Outcome type": "Offender given a caution"} for r in rows if r["Crime ID"]]
    outs[0]["Outcome type"] = "Tyrone Smith was cautioned at Lozells chip shop"  # not a category
    outs.append({**outs[1], "Crime ID": ""})  # an outcome must belong to a crime
    f = write_csv(tmp_path / "2017-10-west-midlands-outcomes.csv", header, outs)
    res = load("incidents", f, settings=ingest_settings)
    assert res.status == "loaded", res.message
    assert (res.rows_read, res.rows_loaded, res.reasons) == (
        len(outs), len(outs) - 1, {"missing_crime_id": 1})
    linked = rows_of(ingest_settings, """
        SELECT count(*), count(i.crime_key), count(*) FILTER (WHERE o.outcome = 'other')
        FROM crime_outcome o
        LEFT JOIN incident i ON i.crime_key = o.crime_key AND i.extract_id = %s
        WHERE o.extract_id = %s""", street.extract_id, res.extract_id)[0]
    located = sum(1 for r in outs[:-1] if r["Location"] != "No Location")
    assert linked == (len(outs) - 1, located, 1)
    assert rows_of(ingest_settings, "SELECT count(*) FROM incident WHERE extract_id = %s",
                   res.extract_id)[0][0] == 0
    text = dump(ingest_settings)
    assert "Tyrone" not in text and outs[2]["Crime ID"] not in text


STOP_SEARCH = ["Type", "Date", "Part of a policing operation", "Policing operation",
               "Latitude", "Longitude", "Gender", "Age range", "Self-defined ethnicity",
               "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome",
               "Outcome linked to object of search",
               "Removal of more than just outer clothing"]


def test_police_uk_stop_and_search(ingest_settings: Settings, tmp_path: Path) -> None:
    src = street_rows()[:4]
    ages = ["10-17", "18-24", "over 34", "under 10"]
    rows = [{
        "Type": "Person search", "Date": f"{r['month']}-03T14:20:00+00:00",
        "Part of a policing operation": "False", "Policing operation": "",
        "Latitude": r["latitude"] if k != 3 else "", "Longitude": r["longitude"] if k != 3
        else "", "Gender": "Male", "Age range": ages[k],
        "Self-defined ethnicity": "Other ethnic group - Not stated",
        "Officer-defined ethnicity": "White",
        "Legislation": "Criminal Justice and Public Order Act 1994 (section 60)",
        "Object of search": "Offensive weapons", "Outcome": "A no further action disposal",
        "Outcome linked to object of search": "", "Removal of more than just outer clothing":
        "False",
    } for k, r in enumerate(src)]
    f = write_csv(tmp_path / "2017-11-west-midlands-stop-and-search.csv", STOP_SEARCH, rows)
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded, res.reasons) == ("loaded", 3, {"no_location": 1}), \
        res.message
    got = rows_of(ingest_settings, "SELECT harm_type, age_band, month::text, "
                  "occurred_at IS NOT NULL FROM incident WHERE extract_id = %s "
                  "ORDER BY source_row", res.extract_id)
    assert got == [("stop_search", None, f"{src[0]['month']}-01", True),
                   ("stop_search", "18-24", f"{src[1]['month']}-01", True),
                   ("stop_search", None, f"{src[2]['month']}-01", True)]


# --- 2. the identifier guard runs in linear time -------------------------------------------


@pytest.mark.parametrize("cell", [
    "a." * 500_000,                   # the e-mail pattern's worst case before
    "x" * 999_999 + "@",
    "0" * 1_000_000,                  # phone and NHS numbers
    "ab " * 333_333 + "a",            # words
    "B1" * 500_000,                   # postcodes
])
def test_a_million_character_cell_is_loaded_or_refused_and_never_echoed(
    ingest_settings: Settings, tmp_path: Path, cell: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load ends (how fast is ``python -m bench --only guard``'s figure, not a test's:
    a busy machine must not fail it); the guard read the cell with RE2 only (linear time:
    :func:`test_guard_scans_distinct_values_in_linear_work`), no value went
    through Python's backtracking ``re`` but a bounded NHS candidate, and the message does
    not repeat the cell."""
    passes = _spy_on_the_guard(monkeypatch)
    lon, lat = NEW_STREET
    lines = [f"2024-0{1 + k % 9},drugs,{lon},{lat},{'ok' if k != 12 else cell}"
             for k in range(30)]
    f = tmp_path / "long_cell.csv"
    f.write_text("month,harm_type,lon,lat,extra\n" + "\n".join(lines) + "\n")
    res = load("incidents", f, settings=ingest_settings)
    assert res.rows_read in (0, 30) and res.status in ("loaded", "rejected")
    assert cell[:50] not in res.message
    longest = max(chars for kind, _, chars in passes["re2"] if kind == "longest")
    assert longest == len(cell)  # the guard scanned the cell, on RE2
    assert all(len(v) <= 20 for v in passes["python_re"]), "a long value in Python's re"


def _spy_on_the_guard(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Record the guard's work: each RE2 pass (Arrow's regex kernels) as ``("pass",
    values, characters)`` and ``("longest", 1, longest value)``, and each value given to
    Python's ``re`` (the NHS check digits) under ``python_re``. The real functions run."""
    import pyarrow.compute as pc

    seen: dict[str, list] = {"re2": [], "python_re": []}
    for name in ("match_substring_regex", "count_substring_regex"):
        real = getattr(pc, name)

        def spy(arr, pattern, *args, _real=real, **kwargs):  # type: ignore[no-untyped-def]
            lengths = pc.utf8_length(arr)
            seen["re2"].append(("pass", len(arr), int(pc.sum(lengths).as_py() or 0)))
            seen["re2"].append(("longest", 1, int(pc.max(lengths).as_py() or 0)))
            return _real(arr, pattern, *args, **kwargs)

        monkeypatch.setattr(pc, name, spy)
    real_nhs = _guard._has_nhs

    def nhs(value: str) -> bool:
        seen["python_re"].append(value)
        return real_nhs(value)

    monkeypatch.setattr(_guard, "_has_nhs", nhs)
    return seen


def _unbounded_repeats(pattern: re.Pattern[str]) -> int:
    """How many repeats of ``pattern`` have no upper bound (``*``, ``+``, ``{n,}``)."""
    import re._constants as c  # type: ignore[import-not-found]
    import re._parser as p  # type: ignore[import-not-found]

    def walk(items: object) -> int:
        found = 0
        for op, arg in items:  # type: ignore[attr-defined]
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                found += (arg[1] == c.MAXREPEAT) + walk(arg[2])
            elif op in (c.SUBPATTERN,):
                found += walk(arg[-1])
            elif op in (c.ASSERT, c.ASSERT_NOT):
                found += walk(arg[1])
            elif op == c.BRANCH:
                found += sum(walk(b) for b in arg[1])
        return found

    return walk(p.parse(pattern.pattern, pattern.flags))


def test_guard_scans_distinct_values_in_linear_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear by counting the work, not by a clock (a busy machine made that test fail):
    twice the distinct values cost the same six RE2 passes over twice the characters,
    each distinct value once however often it repeats, and no value in Python's ``re``.
    RE2 runs in time linear in the text by construction (no backtracking: Arrow refuses a
    pattern that would need it), and the one Python pattern, for NHS candidates only, has
    no unbounded repeat: a bounded amount of work from each character."""
    assert _unbounded_repeats(_guard._NHS) == 0
    assert _unbounded_repeats(re.compile(r"a(?:b|c+)d*")) == 2  # the counter counts

    def work(n: int) -> tuple[list[tuple[str, int, int]], list[str]]:
        seen = _spy_on_the_guard(monkeypatch)
        values = [f"R{k:07d} seen" for k in range(n)]
        frame = pd.DataFrame({"ref": values + values[: n // 2]})  # some twice
        _guard.check(frame, np.arange(2, len(frame) + 2), "f.csv")
        return [p for p in seen["re2"] if p[0] == "pass"], seen["python_re"]

    small, small_py = work(100_000)
    large, large_py = work(200_000)
    # NHS candidates, e-mail, postcode, phone, a date of birth named as such, words
    assert len(small) == len(large) == 6
    assert all(p == ("pass", 100_000, 13 * 100_000) for p in small)
    assert all(p == ("pass", 200_000, 13 * 200_000) for p in large)
    assert small_py == large_py == []


# --- 3. quarantine keeps no free values --------------------------------------------------

PLANTED = ["Tyrone Smith", "Lozells chip shop", "14/03/2009", "Kayleigh", "Winterbottom",
           "02-03-2011", "B12 9XQ", "Jayden Okafor", "Mrs Patel"]


def test_quarantine_and_ledger_keep_nothing_identifying(ingest_settings: Settings,
                                                        tmp_path: Path) -> None:
    lon, lat = NEW_STREET
    head = "month,harm_type,risk,lon,lat,Seen with,Born,age band\n"
    rows = [
        f"13/2025,drugs,high,{lon},{lat},Tyrone Smith at Lozells chip shop,14/03/2009,16-17",
        f"2024-01,Jayden Okafor,high,{lon},{lat},Tyrone Smith at Lozells chip shop,14/03/2009,",
        f"2024-01,drugs,Mrs Patel,{lon},{lat},,14/03/2009,",
        f"Kayleigh,drugs,low,{lon},{lat},Tyrone Smith,14/03/2009,",
        f"2024-01,drugs,low,{lat},{lon},Tyrone Smith,14/03/2009,",
        "2024-01,drugs,low,,,Tyrone Smith,14/03/2009,",
        f"2024-01,drugs,low,{lon},{lat},Tyrone Smith,14/03/2009,",
    ]
    f = tmp_path / "Kayleigh Winterbottom DOB 02-03-2011 B12 9XQ.csv"
    f.write_text(head + "\n".join(rows) + "\n")
    res = load("incidents", f, settings=ingest_settings)
    sha8 = res.file_sha256[:8]
    assert res.status == "loaded", res.message
    assert (res.rows_loaded, res.rows_quarantined) == (1, 6)
    # never the file's name: a neutral label, the month of the load and the digest
    said = re.match(r"incidents upload, \d{4}-\d{2} \(" + sha8 + r"\)", res.message)
    assert said is not None, res.message
    label = said.group(0)
    report = quarantine_report(res.extract_id, ingest_settings)
    by_row = report.set_index("row_number")
    assert by_row.loc[2, "detail"] == "month '13/2025' is not a month (YYYY-MM, MM/YYYY, " \
                                      "DD/MM/YYYY or Mon YYYY)"
    assert by_row.loc[2, "column_name"] == "month"
    assert (by_row.loc[3, "reason"], by_row.loc[3, "column_name"]) == ("unknown_harm_type",
                                                                       "harm_type")
    assert (by_row.loc[4, "reason"], by_row.loc[4, "column_name"]) == ("unknown_risk_level",
                                                                       "risk")
    assert "not kept" in by_row.loc[5, "detail"]
    assert set(report.columns) <= {"row_number", "reason", "column_name", "detail", "month",
                                   "harm_type", "risk_level", "age_band", "longitude",
                                   "latitude", "easting", "northing"}
    assert report["detail"].str.len().min() > 10
    with db.connect("superuser", ingest_settings) as conn:
        name = conn.execute("SELECT file_name FROM extract WHERE extract_id = %s",
                            (res.extract_id,)).fetchone()[0]
        targets = [r[0] for r in conn.execute(
            "SELECT target || coalesce(detail::text, '') FROM audit_log")]
    assert name == label
    assert any(label in t for t in targets)
    # an xlsx and a rejected file with the same values, then nothing of them anywhere
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["month", "harm_type", "lon", "lat", "Seen with", "Born"])
    ws.append(["13/2025", "drugs", lon, lat, "Jayden Okafor at Lozells chip shop", "14/03/2009"])
    ws.append(["2024-02", "drugs", lon, lat, "Mrs Patel", "14/03/2009"])
    x = tmp_path / "Jayden Okafor.xlsx"
    wb.save(x)
    assert load("incidents", x, settings=ingest_settings).rows_quarantined == 1
    bad = tmp_path / "B12 9XQ list.csv"
    bad.write_text(head + rows[0] + ",B12 9XQ\n")
    assert load("incidents", bad, settings=ingest_settings).status == "rejected"
    text = dump(ingest_settings)
    for value in PLANTED:
        assert value not in text, value


def test_every_reason_has_a_column_and_a_description(ingest_settings: Settings,
                                                     tmp_path: Path) -> None:
    e, n = NEW_STREET_BNG
    rows = [
        "2024-13,drugs,,,,,,",                       # bad_month
        ",drugs,,,,,E05011118,",                     # missing_month
        "2024-01,juggling,,,,,E05011118,",           # unknown_harm_type
        "2024-01,,,,,,E05011118,",                   # missing_harm_type
        "2024-01,drugs,extreme,,,,E05011118,",       # unknown_risk_level
        "2024-01,drugs,,99-100,,,E05011118,",        # unknown_age_band
        "2024-01,drugs,,,abc,1,,",                   # bad_coordinates
        f"2024-01,drugs,,,{n},{e},,",                # swapped_coordinates
        "2024-01,drugs,,,530000,180000,,",           # outside_area
        "2024-01,drugs,,,,,E05999999,",              # unknown_ward_code
        "2024-01,drugs,,,,,,E01999999",              # unknown_lsoa_code
        "2024-01,drugs,,,,,,",                       # no_location
    ]
    f = tmp_path / "reasons.csv"
    f.write_text("month,harm_type,risk_level,age_band,easting,northing,ward_code,lsoa_code\n"
                 + "\n".join(rows) + "\n")
    res = load("incidents", f, settings=ingest_settings)
    assert res.rows_quarantined == 12 and len(res.reasons) == 12, res.reasons
    report = quarantine_report(res.extract_id, ingest_settings)
    assert (report["detail"].str.len() > 10).all(), report[["reason", "detail"]]
    with_column = report[report["reason"] != "no_location"]
    assert (with_column["column_name"] != "").all(), report[["reason", "column_name"]]
    detail = dict(zip(report["reason"], report["detail"], strict=True))
    assert "'E05999999'" in detail["unknown_ward_code"]
    assert "outside the area" in detail["outside_area"]
    got = report.set_index("reason")
    assert (got.loc["outside_area", "easting"], got.loc["outside_area", "northing"]) == (
        530000.0, 180000.0)


# --- 4. boundary and place layers must land in the area -----------------------------------


def _zipped_shapefile(tmp: Path, frame: gpd.GeoDataFrame, name: str,
                      prj: bool = False) -> Path:
    shp_dir = tmp / name
    shp_dir.mkdir()
    with warnings.catch_warnings():  # "'crs' was not provided": that is the point
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(shp_dir / f"{name}.shp")
    out = tmp / f"{name}.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for part in shp_dir.iterdir():
            if part.suffix != ".prj" or prj:
                zf.write(part, part.name)
    return out


def _places(lonlat: bool, at: tuple[float, float] = NEW_STREET, n: int = 3,
            prefix: str = "N") -> gpd.GeoDataFrame:
    lon, lat = at
    if lonlat:
        geoms = [shapely.box(lon + k * 0.002, lat, lon + k * 0.002 + 0.001, lat + 0.001)
                 for k in range(n)]
    else:
        x, y = at
        geoms = [shapely.box(x + k * 200, y, x + k * 200 + 100, y + 100) for k in range(n)]
    return gpd.GeoDataFrame({"code": [f"{prefix}{k}" for k in range(n)],
                             "name": [f"Test place {k}" for k in range(n)],
                             "category": ["park"] * n}, geometry=geoms, crs=None)


def test_shapefile_without_prj_in_lon_lat_lands_where_it_is(ingest_settings: Settings,
                                                            tmp_path: Path) -> None:
    f = _zipped_shapefile(tmp_path, _places(lonlat=True, prefix="NOPRJ"), "noprj_lonlat")
    res = load("places", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 3), res.message
    x, y = rows_of(ingest_settings, "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) "
                   "FROM place WHERE ref = 'NOPRJ0'")[0]
    assert abs(x - 406_930) < 300 and abs(y - 286_660) < 300


def test_shapefile_without_prj_in_bng_is_read_as_bng(ingest_settings: Settings,
                                                     tmp_path: Path) -> None:
    f = _zipped_shapefile(tmp_path, _places(lonlat=False, at=NEW_STREET_BNG, prefix="BNG"),
                          "noprj_bng")
    res = load("places", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 3), res.message


@pytest.mark.parametrize("at", [(5.0, 5.0), (-74.0, 40.7), (300_000.0, 900_000.0)])
def test_shapefile_without_prj_elsewhere_is_rejected_with_its_extent(
    ingest_settings: Settings, tmp_path: Path, at: tuple[float, float]
) -> None:
    frame = _places(lonlat=abs(at[0]) < 200, at=at, prefix="FAR")
    f = _zipped_shapefile(tmp_path, frame, f"noprj_far_{int(at[0])}")
    res = load("places", f, settings=ingest_settings)
    assert res.status == "rejected"
    assert "says nothing of its coordinate system" in res.message
    assert f"coordinates (x {at[0]:g}" in res.message.replace(".0 to", " to")
    assert rows_of(ingest_settings, "SELECT count(*) FROM place WHERE ref LIKE 'FAR%%'")[0][0] \
        == 0


def test_a_layer_mostly_outside_the_area_is_rejected(ingest_settings: Settings,
                                                     tmp_path: Path) -> None:
    manchester = (-2.2426, 53.4808)
    frame = _places(lonlat=True, at=manchester, n=4, prefix="MAN").set_crs(4326)
    frame = pd.concat([frame, _places(lonlat=True, n=1, prefix="BHM").set_crs(4326)])
    f = tmp_path / "places_elsewhere.geojson"
    frame.to_file(f, driver="GeoJSON")
    res = load("places", f, settings=ingest_settings)
    assert res.status == "rejected"
    assert "4 of 5 places fall outside the area" in res.message
    assert "longitude -2.24" in res.message and "latitude 53.48" in res.message


def test_a_layer_without_crs_before_any_area_is_read_by_its_coordinates() -> None:
    from geo.ingest._polygons import to_bng

    lonlat = np.array([shapely.box(-1.90, 52.47, -1.89, 52.48)], dtype=object)
    x0 = shapely.bounds(to_bng(lonlat, None, None)[0])[0]
    assert 406_000 < x0 < 407_000  # degrees are not taken for metres near the grid's origin
    bng = np.array([shapely.box(406_000, 286_000, 407_000, 287_000)], dtype=object)
    assert to_bng(bng, None, None)[0].equals(bng[0])
    with pytest.raises(ValueError, match="coordinates .x -80.0 to -79.0"):
        to_bng(np.array([shapely.box(-80, 40, -79, 41)], dtype=object), None, None)


def test_wards_elsewhere_are_rejected_once_an_area_is_loaded(ingest_settings: Settings,
                                                             tmp_path: Path) -> None:
    wards = gpd.read_file(Path(__file__).parents[1] / "sample_data"
                          / "birmingham_wards_2018_bng.geojson")
    wards["geometry"] = wards.geometry.translate(0, 250_000)  # up north, still BNG
    f = tmp_path / "wards_shifted.geojson"
    wards.to_file(f, driver="GeoJSON")
    res = load("wards", f, settings=ingest_settings)
    assert res.status == "rejected"
    assert f"{len(wards)} of {len(wards)} wards fall outside the area" in res.message


# --- 5. formula cells ---------------------------------------------------------------------


def test_formula_cells_are_quarantined_whatever_their_text(ingest_settings: Settings,
                                                           tmp_path: Path) -> None:
    e, n = NEW_STREET_BNG
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["month", "harm_type", "easting", "northing", "note_ref"])
    ws.append(["2024-01", "drugs", e, n, "A1"])
    ws.append(["2024-01", "drugs", e, n,
               '=CONCATENATE("was with three older boys"," near the canal after school")'])
    ws.append(["2024-02", '=IF(A2="x","seen near B5 4BU","Tyrone Smith")', e, n, "A3"])
    ws.append(["2024-02", "weapons", "=A1+1", n, "A4"])
    f = tmp_path / "formulas.xlsx"
    wb.save(f)
    res = load("incidents", f, settings=ingest_settings)
    assert res.status == "loaded", res.message
    assert (res.rows_read, res.rows_loaded, res.reasons) == (4, 1, {"formula_cell": 3})
    report = quarantine_report(res.extract_id, ingest_settings)
    assert report["column_name"].tolist() == ["note_ref", "harm_type", "easting"]
    assert report["detail"].str.contains("formula").all()
    text = dump(ingest_settings)
    assert "canal" not in text and "Tyrone" not in text


# --- 6. spreadsheets' other shapes ----------------------------------------------------------


@pytest.mark.parametrize(("encoding", "bom"), [
    ("utf-16-le", b"\xff\xfe"),     # Excel's "Unicode text"
    ("utf-16-be", b"\xfe\xff"),
    ("utf-32-le", b"\xff\xfe\x00\x00"),
    ("utf-16-le", b""),             # LibreOffice can write it without a BOM
    ("latin-1", b""),               # ISO-8859-1 with a byte Windows-1252 leaves undefined
    ("mac_roman", b""),
])
def test_text_in_every_encoding_spreadsheets_write(ingest_settings: Settings, tmp_path: Path,
                                                   encoding: str, bom: bytes) -> None:
    e, n = NEW_STREET_BNG
    note = "Caf\x81" if encoding == "latin-1" else "Café £5"
    text = (f"Month\tCrime type\tEasting\tNorthing\tTag\r\n"
            f"2024-01\tRobbery\t{e}\t{n}\t{note}\r\n2024-02\tDrugs\t{e}\t{n}\t\r\n")
    f = tmp_path / f"unicode_{encoding}_{len(bom)}.txt"
    f.write_bytes(bom + text.encode(encoding))
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 2), res.message


def test_mac_line_ends_and_excel_sep_line(ingest_settings: Settings, tmp_path: Path) -> None:
    e, n = NEW_STREET_BNG
    f = tmp_path / "mac.csv"
    f.write_bytes(f"month;harm_type;easting;northing\r2024-01;drugs;{e};{n}\r".encode())
    assert load("incidents", f, settings=ingest_settings).rows_loaded == 1
    g = tmp_path / "sep.csv"
    g.write_text(f"sep=;\nmonth;harm_type;easting;northing\n2024-13;drugs;{e};{n}\n"
                 f"2024-01;drugs;{e};{n}\n;;;\n")
    res = load("incidents", g, settings=ingest_settings)
    assert (res.rows_read, res.rows_loaded) == (3, 1)  # the header is row 2 after "sep="
    assert quarantine_report(res.extract_id, ingest_settings)["row_number"].tolist() == [3, 5]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_header_only_is_rejected(ingest_settings: Settings, tmp_path: Path,
                                 suffix: str) -> None:
    f = tmp_path / f"header_only{suffix}"
    if suffix == ".csv":
        f.write_text("month,harm_type,easting,northing\n\n")
    else:
        wb = openpyxl.Workbook()
        wb.active.append(["month", "harm_type", "easting", "northing"])
        wb.save(f)
    res = load("incidents", f, settings=ingest_settings)
    assert res.status == "rejected"
    # called by its neutral label, never its file name
    assert res.message == (f"incidents upload, {res.message[18:25]} ({res.file_sha256[:8]}): "
                           "the file has a header but no rows")
    assert re.fullmatch(r"\d{4}-\d{2}", res.message[18:25])


@pytest.mark.parametrize("header", ["month,harm_type,easting,northing,month",
                                    "month,Crime type,easting,northing,crime_type"])
def test_duplicate_column_names_are_rejected_naming_them(ingest_settings: Settings,
                                                         tmp_path: Path, header: str) -> None:
    e, n = NEW_STREET_BNG
    f = tmp_path / "dupes.csv"
    f.write_text(f"{header}\n2024-01,drugs,{e},{n},2023-01\n")
    res = load("incidents", f, settings=ingest_settings)
    first, last = header.split(",")[1 if "Crime" in header else 0], header.split(",")[-1]
    assert res.status == "rejected"
    assert f"{first!r} and {last!r}" in res.message and "more than once" in res.message


def test_degree_and_compass_coordinates(ingest_settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "degrees.csv"
    f.write_text("month,harm_type,latitude,longitude\n"
                 "2024-01,drugs,52.4778°N,1.8990°W\n"
                 "2024-01,drugs,N 52.4778,W 1.899\n"
                 "2024-01,drugs,52°28'40\"N,1°53'56\"W\n"
                 "2024-01,drugs,\"52,4778\",\"-1,8990\"\n"
                 "2024-01,drugs,52.4778°Q,1.8990°W\n")
    res = load("incidents", f, settings=ingest_settings)
    assert (res.rows_loaded, res.reasons) == (4, {"bad_coordinates": 1}), res.message
    pts = rows_of(ingest_settings, "SELECT ST_X(geom), ST_Y(geom) FROM incident "
                  "WHERE extract_id = %s", res.extract_id)
    assert all(abs(x - 406_900) < 100 and abs(y - 286_600) < 100 for x, y in pts), pts


def test_the_upload_page_passes_the_chosen_sheet(ingest_settings: Settings,
                                                 tmp_path: Path) -> None:
    from geo.services import actions

    e, n = NEW_STREET_BNG
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["read me"])
    ws = wb.create_sheet("Incidents")
    ws.append(["month", "harm_type", "easting", "northing"])
    ws.append(["2024-03", "drugs", e, n])
    f = tmp_path / "two_sheets.xlsx"
    wb.save(f)
    res = actions.upload("analyst@example.org", "analyst", "incidents", f, "two_sheets.xlsx",
                         sheet="Incidents", settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 1), res.message
    page = (Path(__file__).parents[1] / "dashboard" / "views" / "upload.py").read_text()
    assert "sheet=sheet" in page  # what the page gives load()
