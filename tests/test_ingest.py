"""Loading extracts: formats, locations, the identifier guard, nothing lost or half-done."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import psycopg
import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from geo.config import PROJECT_ROOT, Settings
from geo.ingest import INCIDENT_ID_SHIFT, load
from geo.store import db

SHARED = PROJECT_ROOT / "sample_data"
TABLES = (
    "extract",
    "incident",
    "quarantine",
    "place",
    "intervention",
    "location_assessment",
    "ward",
    "lsoa",
    "area",
    "population",
    "audit_log",
)

# points inside Birmingham: New Street (lon/lat), the same in BNG
NEW_STREET = (-1.8990, 52.4778)
NEW_STREET_BNG = (406900, 286600)


def counts(s: Settings) -> dict[str, int]:
    with db.connect("superuser", s) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in TABLES
        }


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp / name
    p.write_bytes(text.encode(encoding))
    return p


def test_lon_lat_csv_loads_and_is_assigned(ingest_settings: Settings, tmp_path: Path) -> None:
    lon, lat = NEW_STREET
    f = write(
        tmp_path,
        "a.csv",
        "month,harm_type,risk_level,age_band,longitude,latitude\n"
        f"2024-03,cce,high,14-15,{lon},{lat}\n2024-03,Missing episode,M,16-17,{lon},{lat}\n",
    )
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_quarantined) == ("loaded", 2, 2, 0)
    with db.connect("superuser", ingest_settings) as conn:
        rows = conn.execute(
            "SELECT ward_code, lsoa_code, p.ref, harm_type, risk_level, hex_i, "
            "hex_j FROM incident i LEFT JOIN place p USING (place_id) "
            "WHERE i.extract_id = %s ORDER BY source_row",
            (res.extract_id,),
        ).fetchall()
    assert rows[0][0] == "E05011151"  # Ladywood
    assert rows[0][1].startswith("E01")
    assert rows[0][2] == "STN-BHM"
    assert [r[3] for r in rows] == ["cce", "missing"]
    assert [r[4] for r in rows] == ["high", "medium"]
    assert rows[0][5] is not None and rows[0][6] is not None


def test_bng_input(ingest_settings: Settings, tmp_path: Path) -> None:
    e, n = NEW_STREET_BNG
    f = write(
        tmp_path,
        "bng.csv",
        f"Month;Harm;Easting;Northing\n2024-01;robbery;{e};{n}\n"
        f"2024-01;robbery;{n};{e}\n2024-01;robbery;999999;999999\n",
    )
    res = load("incidents", f, settings=ingest_settings)
    assert res.rows_loaded == 1
    assert res.reasons == {"swapped_coordinates": 1, "outside_area": 1}


def test_ward_and_lsoa_code_only(ingest_settings: Settings, tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "codes.csv",
        "month,harm_type,ward_code,lsoa_code\n"
        "2024-02,drugs,E05011151,\n2024-02,drugs,,E01033620\n2024-02,drugs,E05000000,\n"
        "2024-02,drugs,,\n",
    )
    res = load("incidents", f, settings=ingest_settings)
    assert res.rows_loaded == 2
    assert res.reasons == {"unknown_ward_code": 1, "no_location": 1}
    with db.connect("superuser", ingest_settings) as conn:
        rows = conn.execute(
            "SELECT ward_code, lsoa_code, place_id, geom IS NULL, hex_i "
            "FROM incident WHERE extract_id = %s ORDER BY source_row",
            (res.extract_id,),
        ).fetchall()
    assert rows[0] == ("E05011151", None, None, True, None)
    assert rows[1][1] == "E01033620" and rows[1][0] is not None and rows[1][2] is None


def test_swapped_and_out_of_area_lon_lat(ingest_settings: Settings, tmp_path: Path) -> None:
    lon, lat = NEW_STREET
    f = write(
        tmp_path,
        "swap.csv",
        "month,harm_type,lat,lon\n"
        f"2024-01,weapons,{lon},{lat}\n2024-01,weapons,51.5074,-0.1278\n"
        f"2024-01,weapons,{lat},{lon}\n2024-01,weapons,abc,{lon}\n2024-01,weapons,{lat},\n",
    )
    res = load("incidents", f, settings=ingest_settings)
    assert res.rows_loaded == 1
    assert res.reasons == {"swapped_coordinates": 1, "outside_area": 1, "bad_coordinates": 2}
    report = quarantine(ingest_settings, res.extract_id)
    assert [r["row_number"] for r in report] == [2, 3, 5, 6]
    # only known fields are kept, the coordinates rounded (to about 100 m)
    assert report[0]["row_values"] == {"month": "2024-01", "harm_type": "weapons",
                                       "longitude": round(lat, 3), "latitude": round(lon, 3)}


def quarantine(s: Settings, extract_id: int) -> list[dict]:
    with db.connect("superuser", s) as conn:
        cur = conn.execute(
            "SELECT row_number, reason, row_values FROM quarantine "
            "WHERE extract_id = %s ORDER BY row_number",
            (extract_id,),
        )
        return [dict(zip(("row_number", "reason", "row_values"), r, strict=True)) for r in cur]


def test_same_file_twice_changes_nothing(ingest_settings: Settings, tmp_path: Path) -> None:
    lon, lat = NEW_STREET
    f = write(tmp_path, "twice.csv", f"month,harm_type,lon,lat\n2023-05,cse,{lon},{lat}\n")
    first = load("incidents", f, settings=ingest_settings)
    before = counts(ingest_settings)
    second = load("incidents", f, settings=ingest_settings)
    after = counts(ingest_settings)
    assert first.status == "loaded" and second.status == "already_loaded"
    assert second.extract_id == first.extract_id
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert after["audit_log"] == before["audit_log"] + 1


STEPS = ["ledger", "copied", "attached", "inserted", "audited"]


@pytest.mark.parametrize("step", STEPS)
def test_fault_mid_load_leaves_every_table_unchanged(
    ingest_settings: Settings, tmp_path: Path, step: str
) -> None:
    f = tmp_path / "big.csv"
    sample = (PROJECT_ROOT / "sample_data" / "incidents.csv").read_text().splitlines()[:3000]
    step_row = f"2024-01,,drugs,,,,{NEW_STREET_BNG[0] + 7 * STEPS.index(step)},{NEW_STREET_BNG[1]}"
    f.write_text("\n".join([*sample, step_row]) + "\n")
    before = counts(ingest_settings)

    seen: list[str] = []

    def fault(at: str) -> None:
        seen.append(at)
        if at == step:
            raise RuntimeError(f"injected fault at {at}")

    with pytest.raises(RuntimeError, match="injected"):
        load("incidents", f, settings=ingest_settings, on_step=fault)
    assert seen == STEPS[: STEPS.index(step) + 1]
    assert counts(ingest_settings) == before
    assert load("incidents", f, settings=ingest_settings).status == "loaded"


@pytest.mark.parametrize(
    ("header", "value", "what"),
    [
        ("name", "Jane Smith", "holds a name."),
        ("DOB", "2009-04-01", "holds a date of birth."),
        ("seen_with", "seen near B5 4BU", "holds a full postcode (first seen in row 3)"),
        ("contact", "07700 900123", "holds a phone number (first seen in row 3)"),
        ("extra", "jane.smith@example.org", "holds an e-mail address (first seen in row 3)"),
        ("ref2", "943 476 5919", "holds an NHS number (first seen in row 3)"),
        (
            "seen",
            "was with three older boys near the canal after school",
            "holds free text (first seen in row 3)",
        ),
    ],
)
def test_identifiers_reject_the_file_and_are_stored_nowhere(
    ingest_settings: Settings, tmp_path: Path, header: str, value: str, what: str
) -> None:
    lon, lat = NEW_STREET
    f = write(
        tmp_path,
        f"id_{header}.csv",
        f"month,harm_type,lon,lat,{header}\n"
        f"2024-01,cse,{lon},{lat},\n2024-01,cse,{lon},{lat},{value}\n",
    )
    before = counts(ingest_settings)
    res = load("incidents", f, settings=ingest_settings)
    assert res.status == "rejected"
    assert f"column {header!r} {what}" in res.message
    assert value not in res.message
    after = counts(ingest_settings)
    assert after["incident"] == before["incident"]
    assert after["quarantine"] == before["quarantine"]
    assert after["extract"] == before["extract"] + 1  # the rejection is on the ledger
    dump = subprocess.run(
        ["pg_dump", db.dsn("superuser", ingest_settings)], check=True, capture_output=True,
        text=True
    ).stdout
    assert value not in dump


@pytest.mark.parametrize(("header", "value"), [
    ("Notes", "seen near B5 4BU with older males"),
    ("remarks", "was with three older boys near the canal after school"),
    ("Case description", "with jayden"),
])
def test_free_text_columns_are_left_out_and_stored_nowhere(
    ingest_settings: Settings, tmp_path: Path, header: str, value: str
) -> None:
    """A free-text column (by its name) is never loaded from a file: the rows load without
    it, the report names it and says why, and its values are nowhere."""
    lon, lat = NEW_STREET
    f = write(tmp_path, f"free_{header}.csv", f"month,harm_type,lon,lat,{header}\n"
              f"2024-01,cse,{lon},{lat},\n2024-01,cse,{lon},{lat},{value}\n")
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 2), res.message
    assert res.left_out == [repr(header)]
    assert (f"column {header!r} left out: free text is never loaded from files: type notes "
            "on the page, where they are checked") in res.message
    dump = subprocess.run(
        ["pg_dump", db.dsn("superuser", ingest_settings)], check=True, capture_output=True,
        text=True
    ).stdout
    assert value not in dump


def test_person_key_is_pseudonymised(ingest_settings: Settings, tmp_path: Path) -> None:
    lon, lat = NEW_STREET
    f = write(
        tmp_path,
        "keys.csv",
        "month,harm_type,lon,lat,case_id\n"
        f"2024-01,cce,{lon},{lat},CASE-778812\n2024-02,cce,{lon},{lat}, case-778812 \n"
        f"2024-03,cce,{lon},{lat},CASE-000001\n2024-03,cce,{lon},{lat},\n",
    )
    res = load("incidents", f, settings=ingest_settings)
    with db.connect("superuser", ingest_settings) as conn:
        keys = [
            r[0]
            for r in conn.execute(
                "SELECT person_key FROM incident WHERE extract_id = %s ORDER BY source_row",
                (res.extract_id,),
            )
        ]
    assert keys[0] == keys[1] != keys[2] and keys[3] is None
    assert all(len(k) == 64 for k in keys[:3])
    dump = subprocess.run(
        ["pg_dump", db.dsn("superuser", ingest_settings)], check=True, capture_output=True,
        text=True
    ).stdout
    assert "778812" not in dump


@pytest.mark.parametrize(
    ("encoding", "sep", "bom"),
    [
        ("utf-8", ",", False),
        ("utf-8", ";", True),
        ("cp1252", "\t", False),
    ],
)
def test_encodings_and_delimiters(
    ingest_settings: Settings, tmp_path: Path, encoding: str, sep: str, bom: bool
) -> None:
    e, n = NEW_STREET_BNG
    text = sep.join(["Month", "Crime type", "Easting", "Northing", "Café note"]) + "\n"
    text += sep.join(["2024-01", "Robbery", str(e), str(n), "£5 café"]) + "\n"
    data = text.encode(encoding)
    f = tmp_path / f"enc_{encoding}.csv"
    f.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 1), res.message


def test_xlsx_with_a_formula_cell(ingest_settings: Settings, tmp_path: Path) -> None:
    e, n = NEW_STREET_BNG
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["month", "harm_type", "easting", "northing"])
    ws.append(["2024-01", "drugs", e, n])
    ws.append(["2024-01", '=HYPERLINK("http://x")', e, n])
    ws.append(["2024-02", "weapons", e + 10, n])
    f = tmp_path / "sheet.xlsx"
    wb.save(f)
    res = load("incidents", f, settings=ingest_settings)
    assert (res.rows_read, res.rows_loaded, res.reasons) == (3, 2, {"formula_cell": 1})


def test_police_uk_archive_shape(ingest_settings: Settings, tmp_path: Path) -> None:
    lon, lat = NEW_STREET
    head = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
    )
    rows = [
        f"abc123,2024-05,West Midlands Police,West Midlands Police,{lon},{lat},"
        "On or near Station Street,E01033620,Birmingham 138A,Violence and sexual offences,"
        "Under investigation,",
        f",2024-05,West Midlands Police,West Midlands Police,{lon},{lat},On or near Hill Street,"
        "E01033620,Birmingham 138A,Anti-social behaviour,,",
        "def456,2024-05,West Midlands Police,West Midlands Police,,,No Location,,,Drugs,"
        "Status update unavailable,",
        "ghi789,2024-05,West Midlands Police,West Midlands Police,,,No Location,E01033620,"
        "Birmingham 138A,Possession of weapons,,",
    ]
    f = write(tmp_path, "2024-05-west-midlands-street.csv", head + "\n".join(rows) + "\n")
    res = load("incidents", f, settings=ingest_settings)
    assert (res.rows_read, res.rows_loaded, res.reasons) == (4, 3, {"no_location": 1})
    with db.connect("superuser", ingest_settings) as conn:
        harms = [
            r[0]
            for r in conn.execute(
                "SELECT harm_type FROM incident WHERE extract_id=%s ORDER BY source_row",
                (res.extract_id,),
            )
        ]
    assert harms == ["violence", "asb", "weapons"]


def test_real_police_uk_api_file(ingest_settings: Settings, tmp_path: Path) -> None:
    # a trailing blank line makes it a new file to the ledger, whatever ran before
    f = tmp_path / "birmingham_city_centre_crime_2017_api.csv"
    f.write_bytes((SHARED / f.name).read_bytes() + b"\n")
    res = load("incidents", f, settings=ingest_settings)
    assert res.status == "loaded", res.message
    assert res.rows_read == 17_260
    assert res.rows_read == res.rows_loaded + res.rows_quarantined
    assert res.rows_loaded > 17_000
    with db.connect("superuser", ingest_settings) as conn:
        mix = dict(
            conn.execute(
                "SELECT harm_type, count(*) FROM incident WHERE extract_id=%s GROUP BY 1",
                (res.extract_id,),
            ).fetchall()
        )
        months = conn.execute(
            "SELECT min(month), max(month) FROM incident WHERE extract_id=%s", (res.extract_id,)
        ).fetchone()
    assert {"asb", "violence", "drugs", "weapons", "robbery"} <= set(mix)
    assert str(months[0]) == "2017-01-01" and str(months[1]) == "2017-11-01"


def test_places_from_zipped_shapefile_and_geopackage_with_repair(
    ingest_settings: Settings, tmp_path: Path
) -> None:
    bow = shapely.Polygon(
        [(406000, 286000), (406200, 286200), (406200, 286000), (406000, 286200), (406000, 286000)]
    )  # self-intersecting
    ok = shapely.Point(407500, 287500).buffer(100)
    gdf = gpd.GeoDataFrame(
        {
            "ref": ["T-1", "T-2", "T-3"],
            "name": ["Bow tie", "Round", "Line"],
            "category": ["park", "Fast food", "street"],
        },
        geometry=[bow, ok, shapely.LineString([(0, 0), (1, 1)])],
        crs=27700,
    )
    gpkg = tmp_path / "places.gpkg"
    gdf.to_file(gpkg)
    res = load("places", gpkg, settings=ingest_settings)
    assert (res.rows_loaded, res.rows_quarantined) == (2, 1)
    assert res.reasons == {"not_a_polygon": 1, "repaired_geometry": 1}
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.iloc[1:2].assign(ref="T-4").to_crs(4326).to_file(shp_dir / "p.shp")
    z = tmp_path / "places.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in shp_dir.iterdir():
            zf.write(p, p.name)
    res = load("places", z, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 1), res.message
    with db.connect("superuser", ingest_settings) as conn:
        valid, srid, cat = conn.execute(
            "SELECT bool_and(ST_IsValid(geom)), min(ST_SRID(geom)), "
            "min(category) FROM place WHERE ref IN ('T-1','T-4')"
        ).fetchone()
    assert valid and srid == 27700 and cat == "fast_food"


def test_cli_json_and_exit_status(ingest_settings: Settings, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "CONTEXTS_DATABASE_NAME": ingest_settings.database_name}
    good = write(
        tmp_path,
        "cli.csv",
        "month,harm_type,easting,northing\n2024-06,cse,406900,"
        "286600\n2024-06,unknown thing,406900,286600\n",
    )
    out = subprocess.run(
        [sys.executable, "-m", "geo.cli", "load", "incidents", str(good), "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {
        "extract_id",
        "kind",
        "file_sha256",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "reasons",
        "message",
        "replaced",
        "members",
        "left_out",
    }
    assert (doc["status"], doc["rows_loaded"], doc["reasons"]) == (
        "loaded",
        1,
        {"unknown_harm_type": 1},
    )
    bad = write(
        tmp_path,
        "cli_bad.csv",
        "month,harm_type,easting,northing,surname\n2024-06,cse,406900,286600,Smith\n",
    )
    out = subprocess.run(
        [sys.executable, "-m", "geo.cli", "load", "incidents", str(bad), "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode != 0
    assert json.loads(out.stdout)["status"] == "rejected"


messy_cell = st.one_of(
    st.just(""),
    st.just("  "),
    st.text(alphabet="abcXYZ-_. 0123456789é£", max_size=8),
    st.sampled_from(
        [
            "2024-01",
            "2023-13",
            "01/2024",
            "cse",
            "Drugs",
            "robbery",
            "nan",
            "52.4778",
            "-1.899",
            "406900",
            "286600",
            "1e9",
            "high",
            "L",
            "16-17",
        ]
    ),
)


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.lists(messy_cell, min_size=6, max_size=6), min_size=1, max_size=30),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    sep=st.sampled_from([",", ";", "\t"]),
    extra=st.booleans(),
)
def test_messy_csv_every_row_is_accounted_for(
    ingest_settings: Settings, tmp_path: Path, rows, encoding, sep, extra
) -> None:
    import csv
    import io

    header = ["month", "harm_type", "risk_level", "age_band", "longitude", "latitude"]
    if extra:
        header.append("shoe_size")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep)
    w.writerow(header)
    for r in rows:
        w.writerow(r + (["42"] if extra else []))
    f = tmp_path / "messy.csv"
    f.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    before = counts(ingest_settings)["incident"]
    res = load("incidents", f, settings=ingest_settings)
    if res.status == "rejected":
        assert counts(ingest_settings)["incident"] == before
        return
    assert res.rows_read == len(rows)
    if res.status == "loaded":
        assert res.rows_read == res.rows_loaded + res.rows_quarantined
        assert counts(ingest_settings)["incident"] == before + res.rows_loaded
        assert sum(res.reasons.values()) == res.rows_quarantined


def test_a_file_in_many_chunks_is_loaded_as_one(
    ingest_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are validated and copied a chunk at a time: with chunks of 700 rows, every row
    of a 3,000-row file is still loaded or quarantined once, with its own row number."""
    from geo.ingest import _incidents

    monkeypatch.setattr(_incidents, "CHUNK_ROWS", 700)
    lines = (PROJECT_ROOT / "sample_data" / "incidents.csv").read_text().splitlines()[:3001]
    header = lines[0].split(",")
    bad = {5: ("month", "13/13/13"), 1500: ("harm_type", "not_a_harm"),
           2999: ("easting", "9")}  # data rows, 0-based; their row number is k + 2
    for k, (column, value) in bad.items():
        cells = lines[k + 1].split(",")
        cells[header.index(column)] = value
        lines[k + 1] = ",".join(cells)
    f = write(tmp_path, "chunks.csv", "\n".join(lines) + "\n")
    before = counts(ingest_settings)["incident"]
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_quarantined) == (
        "loaded", 3000, 2997, 3)
    # rows another test loaded from the same sample file are replaced, not counted twice
    again = sum(res.replaced.values())
    assert counts(ingest_settings)["incident"] == before + 2997 - again
    from geo.ingest import quarantine_report

    report = quarantine_report(res.extract_id, ingest_settings)
    assert dict(zip(report["row_number"], report["reason"], strict=True)) == {
        7: "bad_month", 1502: "unknown_harm_type", 3001: "outside_area"}
    with db.connect("superuser", ingest_settings) as conn:
        rows = conn.execute("SELECT count(DISTINCT source_row), min(source_row), "
                            "max(source_row) FROM incident WHERE extract_id = %s",
                            (res.extract_id,)).fetchone()
    assert rows == (2997, 2, 3000)


def test_rows_at_the_edges_of_chunks_keep_their_row_and_column(
    ingest_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 700 rows over a 2,000-row file (not a multiple of 700: 700, 700, 600):
    a bad row on either side of each boundary, and the file's last row, are quarantined
    with their own row number and column; a person seen in the first and the last chunk
    gets one pseudonym, the one a file of one chunk gives."""
    from geo.ingest import _incidents, quarantine_report
    from geo.ingest._pseudonym import pseudonym

    monkeypatch.setattr(_incidents, "CHUNK_ROWS", 700)
    lines = (PROJECT_ROOT / "sample_data" / "incidents.csv").read_text().splitlines()[:2001]
    header = lines[0].split(",")
    bad = {699: ("month", "13/13/13"), 700: ("harm_type", "not_a_harm"),
           1399: ("risk_level", "extreme"), 1400: ("age_band", "99-100"),
           1999: ("northing", "9")}  # data rows, 0-based; their row number is k + 2
    person = {0: "YP-EDGE-1", 1998: " yp-edge-1 ", 701: "YP-EDGE-2"}
    for k, changes in [*((k, [v]) for k, v in bad.items()),
                       *((k, [("person_id", v)]) for k, v in person.items())]:
        cells = lines[k + 1].split(",")
        for column, value in changes:
            cells[header.index(column)] = value
        lines[k + 1] = ",".join(cells)
    f = write(tmp_path, "edges.csv", "\n".join(lines) + "\n")
    res = load("incidents", f, settings=ingest_settings)
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_quarantined) == (
        "loaded", 2000, 1995, 5)
    report = quarantine_report(res.extract_id, ingest_settings)
    got = {int(r.row_number): (r.reason, r.column_name) for r in report.itertuples()}
    assert got == {701: ("bad_month", "month"), 702: ("unknown_harm_type", "harm_type"),
                   1401: ("unknown_risk_level", "risk_level"),
                   1402: ("unknown_age_band", "age_band"),
                   2001: ("outside_area", "easting, northing")}
    with db.connect("superuser", ingest_settings) as conn:
        keys = dict(conn.execute(
            "SELECT source_row, person_key FROM incident WHERE extract_id = %s "
            "AND source_row = ANY (%s)", (res.extract_id, [2, 2000, 703])).fetchall())
    key = pseudonym("YP-EDGE-1", ingest_settings.pseudonym_key)
    assert keys[2] == keys[2000] == key != keys[703]
    assert keys[703] == pseudonym("YP-EDGE-2", ingest_settings.pseudonym_key)


def test_cells_give_the_answer_of_the_polygons(settings: Settings) -> None:
    """The demo's 20,000 incidents were assigned through the 50 m cells where they could
    be: every one has the ward, LSOA and place a point-in-polygon test gives."""
    with db.connect("superuser", settings) as conn:
        share = conn.execute(
            "SELECT avg((c.ci IS NOT NULL)::int) FROM incident i LEFT JOIN area_cell c "
            "ON c.ci = floor(ST_X(i.geom) / 50)::int AND c.cj = floor(ST_Y(i.geom) / 50)::int "
            "WHERE i.geom IS NOT NULL").fetchone()[0]
        assert share > 0.5  # most points took the shortcut: the comparison means something
        wrong = conn.execute("""
            SELECT count(*) FILTER (WHERE w.ward_code IS NOT NULL
                                      AND w.ward_code IS DISTINCT FROM i.ward_code),
                   count(*) FILTER (WHERE l.lsoa_code IS NOT NULL
                                      AND l.lsoa_code IS DISTINCT FROM i.lsoa_code),
                   count(*) FILTER (WHERE p.place_id IS DISTINCT FROM i.place_id),
                   count(*)
            FROM incident i
            LEFT JOIN LATERAL (SELECT ward_code FROM ward WHERE ST_Intersects(geom, i.geom)
                               ORDER BY ward_code LIMIT 1) w ON true
            LEFT JOIN LATERAL (SELECT lsoa_code FROM lsoa WHERE ST_Intersects(geom, i.geom)
                               ORDER BY lsoa_code LIMIT 1) l ON true
            LEFT JOIN LATERAL (SELECT place_id FROM place WHERE ST_DWithin(geom, i.geom, 50)
                               -- places loaded after the incident (other tests add some)
                               -- could not have been assigned to it
                               AND place.extract_id < i.extract_id
                               ORDER BY ST_Distance(geom, i.geom), place_id LIMIT 1) p ON true
            WHERE i.geom IS NOT NULL""").fetchone()
    assert wrong[:3] == (0, 0, 0) and wrong[3] > 15_000


def test_cells_lie_inside_one_ward_and_one_lsoa(settings: Settings) -> None:
    with db.connect("superuser", settings) as conn:
        n, bad = conn.execute("""
            WITH c AS (SELECT *, ST_MakeEnvelope(ci * 50.0, cj * 50.0, ci * 50.0 + 50,
                                                 cj * 50.0 + 50, 27700) AS box
                       FROM area_cell TABLESAMPLE SYSTEM (10) REPEATABLE (1))
            SELECT count(*), count(*) FILTER (WHERE
                NOT ST_ContainsProperly(w.geom, c.box) OR NOT ST_ContainsProperly(l.geom, c.box)
                OR (SELECT count(*) FROM ward x WHERE ST_Intersects(x.geom, c.box)) <> 1
                OR (SELECT count(*) FROM lsoa x WHERE ST_Intersects(x.geom, c.box)) <> 1)
            FROM c JOIN ward w USING (ward_code) JOIN lsoa l USING (lsoa_code)""").fetchone()
        assert n > 1000 and bad == 0
        # a layer whose polygons overlap gets no cells: every point is then tested
        with conn.transaction(force_rollback=True):
            conn.execute("UPDATE ward SET geom = ST_Multi(ST_Buffer(geom, 100)) "
                         "WHERE ward_code = 'E05011151'")
            assert conn.execute("SELECT contexts_refresh_area_cells()").fetchone()[0] == 0


def test_each_load_is_a_partition_checked_before_it_is_attached(settings: Settings) -> None:
    with db.connect("superuser", settings) as conn:
        parts = {r[0] for r in conn.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'incident'::regclass").fetchall()}
        loads = {f"incident_x{r[0]}" for r in conn.execute(
            "SELECT extract_id FROM extract WHERE kind = 'incidents' AND status = 'loaded'")}
        assert loads and loads <= parts and parts - loads == {"incident_default"}
        assert conn.execute("SELECT count(*) FROM incident_default").fetchone()[0] == 0
        # a load's ids are its extract and row, unique without a sequence
        assert conn.execute("SELECT count(*), count(*) FILTER (WHERE incident_id <> "
                            "(extract_id << %s) + source_row) FROM incident",
                            (INCIDENT_ID_SHIFT,)).fetchone()[1] == 0
    # each reference is checked: a record's codes and where it is
    for values, message in (("'cse', 'E05999999', NULL, NULL, NULL", "unknown ward E05999999"),
                            ("'burglary', NULL, NULL, NULL, NULL", "unknown harm type burglary"),
                            ("'cse', NULL, '0-3', NULL, NULL", "unknown age band 0-3"),
                            ("'cse', NULL, NULL, 987654, NULL", "unknown place 987654"),
                            ("'cse', NULL, NULL, NULL, 'E01999999'", "unknown LSOA E01999999")):
        with db.connect("loader", settings) as conn, conn.transaction(force_rollback=True):
            ext = conn.execute(
                "INSERT INTO extract (kind, file_name, file_sha256, loaded_by, rows_read, "
                "rows_loaded, rows_quarantined, status) VALUES ('incidents', 'x.csv', "
                "repeat('0', 64), 'tests', 1, 1, 0, 'loaded') RETURNING extract_id"
            ).fetchone()[0]
            rel = conn.execute("SELECT contexts_new_incident_partition(%s)", (ext,)).fetchone()[0]
            conn.execute(f"INSERT INTO {rel} (extract_id, source_row, month, harm_type, "  # noqa: S608
                         "ward_code, age_band, place_id, lsoa_code) "
                         f"VALUES (%s, 2, '2024-01-01', {values})", (ext,))
            with pytest.raises(psycopg.errors.ForeignKeyViolation, match=message):
                conn.execute("SELECT contexts_attach_incident_partition(%s)", (ext,))


def test_rows_dated_after_the_load_are_quarantined(ingest_settings: Settings,
                                                   tmp_path: Path) -> None:
    """A month after the month of loading is "month in the future": quarantined, so a few
    such rows never start a month of their own (they made every page's default period a
    nearly empty future year)."""
    from datetime import date

    import numpy as np

    from geo.ingest._incidents import in_future

    e, n = NEW_STREET_BNG
    today = date.today()
    ahead = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    f = write(tmp_path, "future.csv",
              "month,harm_type,easting,northing\n"
              f"{today:%Y-%m},robbery,{e},{n}\n{ahead:%Y-%m},robbery,{e},{n}\n"
              f"{today.year + 1}-12,robbery,{e},{n}\n")
    res = load("incidents", f, settings=ingest_settings)
    assert (res.rows_loaded, res.rows_quarantined) == (1, 2)
    assert res.reasons == {"future_month": 2}
    months = np.array(["2026-11-01", "2026-12-01", "NaT"], dtype="datetime64[D]")
    assert in_future(months, date(2026, 11, 30)).tolist() == [False, True, False]
