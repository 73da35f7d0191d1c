"""The same records in two extracts (issue #29): the newer extract replaces what an older
one loaded (police.uk Crime ID, a force's crime reference, or an identical row), the load
says so, and the monthly rollups (0018, 0019) stay what a fresh count of incident gives.

Its own database (boundaries and places, then small police.uk-shaped and force files made
here)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import database_name, from_template
from pyproj import Transformer
from test_rollups import assert_rollups_fresh

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.ingest import load
from geo.services.retention import purge
from geo.store import db

pytestmark = pytest.mark.db

SAMPLE = PROJECT_ROOT / "sample_data"
STREET = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")
OUTCOMES = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
            "LSOA name,Outcome type")
_TO_LONLAT = Transformer.from_crs(27700, 4326, always_xy=True)


@pytest.fixture(scope="module")
def ds() -> Iterator[Settings]:
    s = get_settings().model_copy(update={"database_name": database_name("duplicates")})
    from_template(s, "boundaries")  # wards, LSOAs and places, copied (tests/conftest.py)
    yield s


@pytest.fixture(scope="module")
def points(ds: Settings) -> np.ndarray:
    """A point inside each ward, as longitude and latitude."""
    with db.connect("superuser", ds) as conn:
        rows = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                            "FROM ward ORDER BY ward_code) s").fetchall()
    xy = np.array(rows, dtype=float)
    lon, lat = _TO_LONLAT.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def crime_id(k: int) -> str:
    return hashlib.sha256(f"crime {k}".encode()).hexdigest()


def street_line(k: int, month: str, points: np.ndarray, outcome: str = "Under investigation",
                asb: bool = False) -> str:
    lon, lat = points[k % len(points)]
    kind = "Anti-social behaviour" if asb else ("Robbery" if k % 2 else "Violence and sexual "
                                                "offences")
    cid = "" if asb else crime_id(k)
    out = "" if asb else outcome
    return (f"{cid},{month},West Midlands Police,West Midlands Police,{lon:.6f},{lat:.6f},"
            f"On or near Park Road,E01009000,Birmingham 001A,{kind},{out},")


def write(folder: Path, name: str, header: str, lines: list[str], crlf: bool = False) -> Path:
    path = folder / name
    end = "\r\n" if crlf else "\n"
    path.write_bytes((end.join([header, *lines]) + end).encode())
    return path


def incidents(ds: Settings) -> int:
    with db.connect("superuser", ds) as conn:
        return int(conn.execute("SELECT count(*) FROM incident").fetchone()[0])


def extract_rows(ds: Settings, extract_id: int) -> int:
    with db.connect("superuser", ds) as conn:
        return int(conn.execute("SELECT count(*) FROM incident WHERE extract_id = %s",
                                (extract_id,)).fetchone()[0])


def test_overlapping_months_replace_the_older_extracts_crimes(
        ds: Settings, points: np.ndarray, tmp_path: Path) -> None:
    # January and February; then February (the same 30 crimes and 4 ASB rows, 2 of them
    # identical to each other) and March
    jan = [street_line(k, "2023-01", points) for k in range(40)]
    feb = [street_line(k, "2023-02", points) for k in range(100, 130)]
    asb = [street_line(k, "2023-02", points, asb=True) for k in (1, 1, 2, 3)]
    mar = [street_line(k, "2023-03", points) for k in range(200, 225)]
    before = incidents(ds)
    a = load("incidents", write(tmp_path, "a.csv", STREET, jan + feb + asb), settings=ds)
    assert a.status == "loaded" and a.rows_loaded == 74 and a.replaced == {}, a.message
    b = load("incidents", write(tmp_path, "b.csv", STREET, feb + asb + mar), settings=ds)
    assert b.status == "loaded" and b.rows_loaded == 59, b.message
    assert b.replaced == {str(a.extract_id): 34}
    assert f"34 incidents already loaded from extract {a.extract_id}: replaced" in b.message
    # each crime once: January from a, February and March from b
    assert incidents(ds) - before == 40 + 34 + 25
    assert extract_rows(ds, a.extract_id) == 40
    assert extract_rows(ds, b.extract_id) == 59
    assert_rollups_fresh(ds)
    with db.connect("superuser", ds) as conn:
        rec = conn.execute("SELECT replaced_extract, what, rows_replaced FROM "
                           "extract_replacement WHERE extract_id = %s",
                           (b.extract_id,)).fetchall()
        audit = conn.execute("SELECT detail->'replaced' FROM audit_log WHERE action = "
                             "'upload' AND detail->>'extract_id' = %s",
                             (str(b.extract_id),)).fetchone()[0]
    assert rec == [(a.extract_id, "incidents", 34)]
    assert audit == {str(a.extract_id): 34}


def test_a_whole_file_sent_again_under_another_name_counts_once(
        ds: Settings, points: np.ndarray, tmp_path: Path) -> None:
    lines = [street_line(k, "2022-06", points) for k in range(300, 350)]
    lines += [street_line(k, "2022-06", points, asb=True) for k in (5, 5, 5, 6)]
    before = incidents(ds)
    first = load("incidents", write(tmp_path, "june.csv", STREET, lines), settings=ds)
    # the same crimes in other bytes (Windows line ends, another name, rows reordered)
    again = load("incidents", write(tmp_path, "june (1).csv", STREET, lines[::-1],
                                    crlf=True), settings=ds)
    assert first.file_sha256 != again.file_sha256
    assert again.status == "loaded" and again.replaced == {str(first.extract_id): 54}
    assert incidents(ds) - before == 54
    assert extract_rows(ds, first.extract_id) == 0
    assert_rollups_fresh(ds)
    # the same bytes a third time: a no-op, as before
    same = load("incidents", tmp_path / "june (1).csv", settings=ds)
    assert same.status == "already_loaded"
    assert incidents(ds) - before == 54


def test_a_republished_month_with_changed_outcomes_replaces_the_old_one(
        ds: Settings, points: np.ndarray, tmp_path: Path) -> None:
    street = [street_line(k, "2022-03", points) for k in range(400, 420)]
    old = load("incidents", write(tmp_path, "s1.csv", STREET, street), settings=ds)
    republished = [street_line(k, "2022-03", points, outcome="Offender given a caution")
                   for k in range(400, 420)]
    new = load("incidents", write(tmp_path, "s2.csv", STREET, republished), settings=ds)
    assert new.replaced == {str(old.extract_id): 20}
    assert_rollups_fresh(ds)

    def outcome_line(k: int, outcome: str) -> str:
        lon, lat = points[k % len(points)]
        return (f"{crime_id(k)},2022-04,West Midlands Police,West Midlands Police,"
                f"{lon:.6f},{lat:.6f},On or near Park Road,E01009000,Birmingham 001A,{outcome}")

    o1 = load("incidents", write(tmp_path, "o1.csv", OUTCOMES, [
        outcome_line(k, "Under investigation") for k in range(400, 420)]), settings=ds)
    assert o1.status == "loaded" and o1.replaced == {}, o1.message
    o2 = load("incidents", write(tmp_path, "o2.csv", OUTCOMES, [
        outcome_line(k, "Offender given a caution") for k in range(400, 410)]), settings=ds)
    assert o2.replaced == {str(o1.extract_id): 10}
    assert f"10 outcomes already loaded from extract {o1.extract_id}: replaced" in o2.message
    with db.connect("superuser", ds) as conn:
        got = dict(conn.execute("SELECT outcome, count(*) FROM crime_outcome "
                                "WHERE month = '2022-04-01' GROUP BY outcome").fetchall())
    assert got == {"Under investigation": 10, "Offender given a caution": 10}


def test_a_force_extract_exported_twice_counts_once(
        ds: Settings, points: np.ndarray, tmp_path: Path) -> None:
    from pyproj import Transformer as T

    to_bng = T.from_crs(4326, 27700, always_xy=True)
    head = "month,occurred_at,harm_type,risk_level,person_id,easting,northing,ward_code"
    rows = []
    for k in range(30):
        x, y = to_bng.transform(*points[k % len(points)])
        rows.append(f"2021-0{1 + k % 3},2021-0{1 + k % 3}-0{1 + k % 5} 1{k % 10}:00,cse,high,"
                    f"YP{k % 7},{x:.0f},{y:.0f},")
    rows += ["2021-02,,missing,,,,,E05011118"] * 3  # located by a code only, three alike
    before = incidents(ds)
    q1 = load("incidents", write(tmp_path, "force_q1.csv", head, rows), settings=ds)
    # the quarter exported again, with two of the three alike rows only, and a new row
    again = [r for r in rows if "E05011118" not in r] + ["2021-02,,missing,,,,,E05011118"] * 2
    again.append("2021-03,,cce,low,,,,E05011118")
    q1b = load("incidents", write(tmp_path, "force_q1_again.csv", head, again), settings=ds)
    # one to one: 30 + 2 identical rows replaced, one of the three alike rows stays
    assert q1b.replaced == {str(q1.extract_id): 32}, q1b.message
    assert incidents(ds) - before == 33 + 1
    assert extract_rows(ds, q1.extract_id) == 1
    assert_rollups_fresh(ds)
    # with a crime reference, a row whose fields were corrected is the same crime
    head_ref = head + ",crime reference"
    keyed = [f"{r},REF-{k}" for k, r in enumerate(rows[:30])]
    k1 = load("incidents", write(tmp_path, "keyed.csv", head_ref, keyed), settings=ds)
    corrected = [r.replace(",high,", ",medium,") for r in keyed]
    k2 = load("incidents", write(tmp_path, "keyed_fixed.csv", head_ref, corrected),
              settings=ds)
    assert k2.replaced == {str(k1.extract_id): 30}
    with db.connect("superuser", ds) as conn:
        risks = conn.execute("SELECT DISTINCT risk_level FROM incident WHERE extract_id "
                             "IN (%s, %s)", (k1.extract_id, k2.extract_id)).fetchall()
    assert risks == [("medium",)]
    assert_rollups_fresh(ds)


def test_no_overlap_replaces_nothing_and_the_purge_keeps_the_rollups_right(
        ds: Settings, points: np.ndarray, tmp_path: Path) -> None:
    lines = [street_line(k, "2019-05", points) for k in range(500, 520)]
    res = load("incidents", write(tmp_path, "may2019.csv", STREET, lines), settings=ds)
    assert res.status == "loaded" and res.replaced == {}
    assert "already loaded" not in res.message
    from datetime import date
    purge(12, actor="tests", today=date(2023, 2, 15), settings=ds)
    assert_rollups_fresh(ds)


def test_a_crime_key_replaces_only_in_its_own_month(
        ds: Settings, points: np.ndarray, tmp_path: Path) -> None:
    # February's crimes 600-609; then a file with 600-604 in January (a different record
    # of each: another month) and other February crimes: nothing of February is replaced
    old = [street_line(k, "2021-02", points) for k in range(600, 610)]
    first = load("incidents", write(tmp_path, "feb.csv", STREET, old), settings=ds)
    assert first.status == "loaded" and first.rows_loaded == 10, first.message
    before = incidents(ds)
    new = ([street_line(k, "2021-01", points) for k in range(600, 605)]
           + [street_line(k, "2021-02", points) for k in range(700, 705)])
    second = load("incidents", write(tmp_path, "jan-feb.csv", STREET, new), settings=ds)
    assert second.status == "loaded" and second.replaced == {}, second.message
    assert incidents(ds) - before == 10
    assert extract_rows(ds, first.extract_id) == 10
    assert_rollups_fresh(ds)
