"""Nothing identifying stored, by construction (issue #29): a set of poisoned files, made
here, each carrying a planted identifier where an analyst's file could (a child's name in
a file name, a description, a summary, an agency, a typed label; dates of birth and phone
numbers in an age column; a column called ``Child Forename``), is loaded through the one
pipeline; then no planted value is anywhere in the database (a pg_dump: every table, the
ledger, the audit log, the quarantine), the server's log or the application's log. The
same files with the identifiers taken out load (the guard does not refuse everything).

Its own database (boundaries and places: the area's names the name check knows)."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import database_name, from_template

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.ingest import load
from geo.ingest._guard import column_identifies, person_name_in
from geo.services import contexts
from geo.store import cluster, db

pytestmark = pytest.mark.db

SAMPLE = PROJECT_ROOT / "sample_data"
ANALYST = ("ana@example.org", "analyst")
#: every value planted in the files below: none may be stored or logged
PLANTED = ("Jayden", "Okafor", "14/05/2010", "07700900123", "07700 900123", "Kayleigh",
           "Tyrone", "Baptiste", "02/03/2011", "Winterbottom", "Adeyemi", "Shanice",
           "Mbeki", "9XQ", "2011-03-02", "Forename")


@pytest.fixture(scope="module")
def idb() -> Iterator[Settings]:
    s = get_settings().model_copy(update={"database_name": database_name("identifiers")})
    from_template(s, "boundaries")  # wards, LSOAs and places, copied (tests/conftest.py)
    yield s


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


INCIDENTS = "month,harm_type,age,easting,northing\n"
GOOD_ROW = "2024-01,cse,14,407300,286900\n"


def poisoned(folder: Path) -> list[tuple[str, Path, str | None, str]]:
    """(kind, file, label typed, what the load must do) for each poisoned file."""
    f = []
    # a child's name in the file name (underscores), a typed label with a name: the load
    # goes in under a neutral label; dates of birth and a phone number in the age column
    # are quarantined without being quoted
    f.append(("incidents", write(folder, "Jayden_Okafor_referral.csv",
                                 INCIDENTS + GOOD_ROW + "2024-01,cse,14/05/2010,407300,286900\n"
                                 "2024-01,cse,07700900123,407300,286900\n"
                                 "2024-01,cse,07700 900123,407300,286900\n"),
              "Jayden Okafor referral", "loaded"))
    # a postcode and a date of birth in the file name
    f.append(("incidents", write(folder, "B12 9XQ dob 2011-03-02.csv", INCIDENTS + GOOD_ROW),
              None, "loaded"))
    # a column called Child Forename: refused, its values never stored
    f.append(("incidents", write(folder, "forenames.csv",
                                 "month,harm_type,Child Forename,easting,northing\n"
                                 "2024-01,cse,Kayleigh,407300,286900\n"), None, "rejected"))
    head = "ref,place_ref,intervention_type,agency,start_month,description\n"
    # a description is free text: never loaded from a file, the rows load without it
    f.append(("interventions", write(folder, "i1.csv", head + "P-1,STN-AST,patrols,"
                                     "West Midlands Police,2024-01,Worked with Tyrone "
                                     "Baptiste after school\n"), None, "loaded"))
    f.append(("interventions", write(folder, "i2.csv", head + "P-2,STN-AST,patrols,"
                                     "West Midlands Police,2024-01,Seen weekly (DOB "
                                     "02/03/2011)\n"), None, "loaded"))
    # an agency is a name, kept when it passes the guard: a person's refuses the file
    f.append(("interventions", write(folder, "i3.csv", head + "P-3,STN-AST,patrols,"
                                     "Shanice Mbeki,2024-01,Patrols\n"), None, "rejected"))
    f.append(("assessments", write(folder, "a1.csv", "place_ref,assessed_on,rating,factors\n"
                                   "STN-AST,2024-02-01,high,Mrs Winterbottom runs the shop\n"),
              None, "loaded"))
    return f


def test_poisoned_files_leave_nothing_identifying_anywhere(
        idb: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    log = cluster.locate(idb).logfile
    log_start = log.stat().st_size if log.exists() else 0
    # the module's other tests share the database, in any order: look at this test's loads
    with db.connect("superuser", idb) as conn:
        before = conn.execute("SELECT coalesce(max(extract_id), 0) FROM extract").fetchone()[0]
    for kind, path, label, want in poisoned(tmp_path):
        res = load(kind, path, settings=idb, label=label, file_name=path.name)
        assert res.status == want, (path.name, res.message)
        for value in PLANTED:
            assert value.lower() not in res.message.lower(), (path.name, value, res.message)
    # a context's summary from a file is left out; a name in its lead agency refuses it
    ctx = write(tmp_path, "contexts_p.csv", "ref,name,kind,summary\n"
                "CTX-P1,Aston station evenings,place,Known to Marcus Adeyemi\n")
    assert contexts.load_file(ctx, *ANALYST, settings=idb)["left_out"] == ["'summary'"]
    ctx = write(tmp_path, "contexts_q.csv", "ref,name,kind,lead_agency\n"
                "CTX-P2,Aston station evenings,place,Marcus Adeyemi\n")
    with pytest.raises(contexts.ContextError) as refused:
        contexts.load_file(ctx, *ANALYST, settings=idb)
    assert "a person's name" in str(refused.value) and "Adeyemi" not in str(refused.value)
    dump = subprocess.run(["pg_dump", db.dsn("superuser", idb)], check=True, capture_output=True,
                          text=True).stdout
    with log.open("rb") as fh:
        fh.seek(log_start)
        server_log = fh.read().decode(errors="replace")
    app_log = "\n".join(r.getMessage() for r in caplog.records)
    for where, text in (("database", dump), ("server log", server_log),
                        ("application log", app_log)):
        low = text.lower()  # once: the dump is tens of megabytes
        found = [v for v in PLANTED if v.lower() in low]
        assert not found, (where, found)
    # what was stored instead: neutral labels with the files' digests, and quarantine
    # details that say why without quoting
    with db.connect("superuser", idb) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT file_name FROM extract WHERE kind = 'incidents' AND extract_id > %s "
            "ORDER BY extract_id", (before,))]
        details = [r[0] for r in conn.execute(
            "SELECT detail FROM quarantine WHERE extract_id > %s", (before,))]
    assert all(n.startswith("incidents upload, ") for n in names), names
    assert len(details) == 3 and all("not an age" in d and "not kept" in d for d in details)


def test_the_same_files_without_identifiers_load(idb: Settings, tmp_path: Path) -> None:
    """The controls: the guard refuses the identifiers, not the files."""
    head = "ref,place_ref,intervention_type,agency,start_month,description\n"
    res = load("interventions", write(tmp_path, "ok.csv", head + "C-1,STN-AST,patrols,"
                                      "West Midlands Police,2024-01,Detached youth work at "
                                      "Sutton Coldfield station after school\n"),
               settings=idb)
    assert res.status == "loaded", res.message
    res = load("interventions", SAMPLE / "interventions.csv", settings=idb)
    assert (res.status, res.rows_quarantined) == ("loaded", 0), res.message
    res = load("assessments", SAMPLE / "assessments.csv", settings=idb)
    assert res.status == "loaded", res.message
    done = contexts.load_file(SAMPLE / "contexts.csv", *ANALYST, settings=idb)
    assert done["added"] == done["rows"] > 0
    labelled = load("incidents", write(tmp_path, "x.csv", INCIDENTS + "2024-02,cce,15,"
                                       "407300,286900\n"), settings=idb,
                    label="BTP extract, March")
    assert labelled.message.startswith("BTP extract, March:")


@pytest.mark.parametrize(("column", "what"), [
    ("Child Forename", "a name"), ("CHILD_FORENAME", "a name"), ("childForename", "a name"),
    ("first name", "a name"), ("Young person name", "a name"), ("YP DOB", "a date of birth"),
    ("Date of Birth", "a date of birth"), ("home address", "an address"),
    ("Home Post Code", "a postcode"), ("Surname", "a name")])
def test_column_names_are_matched_as_words(column: str, what: str) -> None:
    assert column_identifies(column) == what


@pytest.mark.parametrize("column", [
    "Crime ID", "LSOA name", "LSOA code", "Place name", "Ward name", "WD18NM", "lsoa21nm",
    "Station name", "Falls within", "Reported by", "Last outcome category", "Location",
    "Postcode district", "Context", "description", "agency"])
def test_real_column_names_are_not_refused(column: str) -> None:
    assert column_identifies(column) is None


def test_every_shipped_file_passes_the_column_guard() -> None:
    """The columns of every file of sample_data/, tests/data/ and shared data: none is
    refused by its name but the ones their kind allows (a place's or context's name, the
    police.uk API's street)."""
    from geo.ingest._read import read_table

    allowed = {"name", "street"}
    folders = [SAMPLE, PROJECT_ROOT / "tests" / "data", Path("/work/shared/data")]
    seen = 0
    for folder in folders:
        for f in sorted(folder.glob("*")) if folder.is_dir() else []:
            if f.suffix.lower() not in {".csv", ".geojson", ".gpkg", ".xlsx"}:
                continue
            cols = [str(c) for c in read_table(f).columns.columns]
            refused = [c for c in cols if column_identifies(c) and c.lower() not in allowed]
            assert not refused, (f.name, refused)
            seen += 1
    assert seen >= 10


@pytest.mark.parametrize(("text", "named"), [
    ("Jayden Okafor was seen", True), ("Jayden_Okafor", True),
    ("Mrs Patel's shop", True), ("West Midlands Police", False),
    ("Stratford Road takeaway", False), ("British Transport Police", False),
    ("Detached youth workers Thursday to Saturday", False)])
def test_person_names_in_free_text(text: str, named: bool) -> None:
    assert person_name_in(text) is named


def test_file_names_stored_before_are_relabelled(idb: Settings) -> None:
    """Migration 0022 relabels the ledger rows of loads made before file names stopped
    being stored (their name and message), and leaves labels alone."""
    sql = (PROJECT_ROOT / "sql" / "migrations" / "0022_extract_names_relabelled.sql").read_text()
    digest = "ab" * 32
    with db.connect("superuser", idb) as conn:
        rows = []
        for name in ("Jayden_Okafor_referral.csv", "police.uk 2017-10 street, west-midlands",
                     "March referrals (typed)"):
            rows.append(conn.execute(
                "INSERT INTO extract (kind, file_name, file_sha256, loaded_by, loaded_at, "
                "rows_read, rows_loaded, rows_quarantined, status, message) VALUES "
                "('incidents', %s, %s, 'tests', '2025-03-04', 0, 0, 0, 'rejected', %s) "
                "RETURNING extract_id", (name, digest, f"{name}: refused")).fetchone()[0])
        conn.execute(sql)
        got = conn.execute("SELECT file_name, message FROM extract WHERE extract_id = ANY(%s) "
                           "ORDER BY extract_id", (rows,)).fetchall()
        conn.rollback()
    assert got[0] == ("incidents upload, 2025-03 (abababab)",
                      "incidents upload, 2025-03 (abababab): refused")
    assert got[1][0] == "police.uk 2017-10 street, west-midlands"
    assert got[2][0] == "March referrals (typed)"


#: the second poisoned set's planted values: given names alone and in lower case, a date
#: of birth, a phone number, an address; none may be stored or logged
PLANTED_2 = ("jaylen", "kiera", "aaliyah", "deshawn", "keeley", "21/07/2009", "2009-07-21",
             "07911 123456", "07911123456", "wharfdale", "b23 6qt")


def _poisoned_2(folder: Path) -> list[tuple[str, Path, str, str, int]]:
    """(kind, file, its name as uploaded, what the load must do, columns left out): a lone,
    lower-case first name in every free-text-looking column of every kind of file the
    loader takes, and in file names; dates of birth, phone numbers and an address."""
    import geopandas as gpd
    import openpyxl
    import shapely
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(407300, 286900)
    f: list[tuple[str, Path, str, str, int]] = []
    f.append(("incidents", write(
        folder, "a.csv", "month,harm_type,age,easting,northing,notes,description,"
        "Case summary,comments,title\n"
        "2024-03,cse,14,407300,286900,seen with jaylen,kiera's brother,lives at 12 "
        "wharfdale road B23 6QT,call 07911 123456,deshawn\n"
        "2024-03,cse,21/07/2009,407300,286900,,,,,\n"
        "2024-03,cse,07911123456,407300,286900,,,,,\n"), "jaylen_21-07-2009.csv", "loaded", 5))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["month", "harm_type", "easting", "northing", "Notes"])
    sheet.append(["2024-03", "cce", 407310, 286910, "with aaliyah"])
    sheet.append(["2024-03", "cce", 407320, 286920, '=CONCAT("kee","ley")'])
    book.save(folder / "b.xlsx")
    f.append(("incidents", folder / "b.xlsx", "keeley 07911123456.xlsx", "loaded", 1))
    f.append(("incidents", write(
        folder, "c.csv", "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
        "LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
        f"{'ab' * 32},2024-03,West Midlands Police,West Midlands Police,{lon:.6f},{lat:.6f},"
        "On or near wharfdale road,E01009001,Birmingham 001A,Drugs,Under investigation,"
        "seen with deshawn\n"), "2024-03-west-midlands-street.csv", "loaded", 0))
    head = "ref,place_ref,intervention_type,agency,start_month,description,notes\n"
    f.append(("interventions", write(folder, "d.csv", head + "Q-1,STN-AST,patrols,"
                                     "West Midlands Police,2024-03,worked with jaylen,kiera\n"),
              "kiera.csv", "loaded", 2))
    f.append(("interventions", write(folder, "e.csv", head.replace(",notes", "")
                                     + "Q-2,STN-AST,patrols,kiera,2024-03,patrols\n"),
              "e.csv", "rejected", 0))
    f.append(("assessments", write(folder, "f.csv", "place_ref,assessed_on,rating,factors,"
                                   "comments\nSTN-AST,2024-03-01,high,aaliyah's uncle runs "
                                   "the shop,07911 123456\n"), "f.csv", "loaded", 2))
    gpd.GeoDataFrame(
        {"ref": ["Q-PLACE"], "name": ["Hockley flyover steps"], "category": ["park"],
         "description": ["jaylen hangs out here"], "notes": ["deshawn, 21/07/2009"]},
        geometry=[shapely.Point(407300, 286900).buffer(30)], crs=27700,
    ).to_file(folder / "g.geojson", driver="GeoJSON")
    f.append(("places", folder / "g.geojson", "aaliyah places.geojson", "loaded", 2))
    f.append(("population", write(folder, "h.csv", "unit_code,year,young_people,notes\n"
                                  "E05011118,2024,5640,kiera's school\n"), "h.csv", "loaded", 1))
    wards = gpd.read_file(SAMPLE / "birmingham_wards_2018_bng.geojson")
    wards["notes"] = "keeley lives at 12 wharfdale road"
    wards.to_file(folder / "i.geojson", driver="GeoJSON")
    f.append(("wards", folder / "i.geojson", "deshawn wards.geojson", "loaded", 1))
    return f


def test_a_second_poisoned_set_of_every_kind_loads_and_stores_nothing_planted(
        idb: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Free text is never stored, by construction: every free-text column (by its name) of
    every kind of file is left out, and the report says which and why; a lone lower-case
    first name where a name is kept (an agency, a context's name or lead agency, a typed
    note) is refused. Then a pg_dump of the database, the server's log and the
    application's log hold none of the planted values."""
    from geo.services.actions import _no_identifiers

    caplog.set_level(logging.DEBUG)
    log = cluster.locate(idb).logfile
    log_start = log.stat().st_size if log.exists() else 0
    for kind, path, given, want, left in _poisoned_2(tmp_path):
        res = load(kind, path, settings=idb, file_name=given)
        assert res.status == want, (given, res.message)
        assert len(res.left_out) == left, (given, res.left_out)
        if left:
            assert "free text is never loaded from files: type notes on the page" in res.message
        assert not [v for v in PLANTED_2 if v in res.message.lower()], res.message
    ctx = write(tmp_path, "ctx.csv", "ref,name,kind,lead_agency,summary,notes\n"
                "CTX-Q1,Hockley flyover,place,West Midlands Police,known to keeley,deshawn\n")
    done = contexts.load_file(ctx, *ANALYST, settings=idb)
    assert done["added"] == 1 and done["left_out"] == ["'summary'", "'notes'"], done
    for n, header, row in ((1, "ref,name,kind", "CTX-Q2,seen with jaylen,place"),
                           (2, "ref,name,kind,lead_agency", "CTX-Q2,Hockley flyover,place,jaylen")):
        bad = write(tmp_path, f"ctx_{n}.csv", f"{header}\n{row}\n")
        with pytest.raises(contexts.ContextError, match="a person's name"):
            contexts.load_file(bad, *ANALYST, settings=idb)
    # typed on a form: the guard refuses a lone lower-case first name
    for typed in ("seen with jayden", "kiera was there", "with aaliyah after school"):
        with pytest.raises(ValueError, match="a person's name"):
            _no_identifiers(typed, "description")
        with pytest.raises(contexts.ContextError, match="a person's name"):
            contexts.save(*ANALYST, contexts.Entry(ref="CTX-Q3", name="Hockley flyover",
                                                   kind="place", summary=typed),
                          settings=idb)
    dump = subprocess.run(["pg_dump", db.dsn("superuser", idb)], check=True, capture_output=True,
                          text=True).stdout
    with log.open("rb") as fh:
        fh.seek(log_start)
        server_log = fh.read().decode(errors="replace")
    app_log = "\n".join(r.getMessage() for r in caplog.records)
    for where, text in (("database", dump), ("server log", server_log),
                        ("application log", app_log)):
        low = text.lower()  # once: the dump is tens of megabytes
        found = [v for v in PLANTED_2 if v in low]
        assert not found, (where, found)
    # the structured fields are kept: the quarantined ages say why without quoting
    with db.connect("superuser", idb) as conn:
        kept = conn.execute("SELECT type, agency, description FROM intervention "
                            "WHERE ref = 'Q-1'").fetchone()
    assert kept == ("patrols", "West Midlands Police", "")


@pytest.mark.parametrize(("text", "named"), [
    ("seen with jayden", True), ("kayleigh", True), ("with Tyrone", True),
    ("Lighting on the lane", False), ("patrols may help", False), ("Hope this helps", False),
    ("tried to rob a phone", False), ("Aston station evenings", False),
    ("Seen near Rose Lane", False), ("Meeting with BTP", False)])
def test_given_names_alone_or_in_lower_case(text: str, named: bool) -> None:
    assert person_name_in(text) is named


@pytest.mark.parametrize(("column", "free"), [
    ("Notes", True), ("Case summary", True), ("Risk factors", True), ("description", True),
    ("MO", True), ("title", True), ("note_ref", False), ("Summary code", False),
    ("Crime type", False), ("Context", False), ("agency", False), ("name", False)])
def test_free_text_columns_are_known_by_their_names(column: str, free: bool) -> None:
    from geo.ingest._guard import is_free_text_column

    assert is_free_text_column(column) is free


@pytest.mark.parametrize("name", ["Jayden's house", "jayden okafor flat", "Mrs Patel's shop",
                                  "Tyrone's place"])
def test_a_place_named_for_a_person_is_refused_and_nothing_kept(
        idb: Settings, tmp_path: Path, name: str) -> None:
    """A place's name is checked for a title or a given name (not for runs of capitals:
    "Five Ways", "Bull Ring" are places); the refusal names the row and column, not the
    value, and the place is not stored."""
    import json

    sample = json.loads((PROJECT_ROOT / "sample_data" / "places.geojson").read_text())
    feats = sample["features"][:2]
    feats[1] = {**feats[1], "properties": {**feats[1]["properties"], "ref": "PL-X1",
                                           "name": name}}
    f = tmp_path / "places_p.geojson"
    f.write_text(json.dumps({**sample, "features": feats}))
    res = load("places", f, actor="tests", settings=idb)
    assert res.status == "rejected" and "a person's name" in res.message, res.message
    assert name.split("'")[0].split()[-1].lower() not in res.message.lower()
    with db.connect("superuser", idb) as conn:
        assert not conn.execute("SELECT 1 FROM place WHERE ref = 'PL-X1'").fetchone()


def test_place_names_of_the_area_are_not_taken_for_people() -> None:
    for place in ("Five Ways station", "Bull Ring", "St Paul's Square", "Victoria Square",
                  "Kingsley Road", "Rose Lane"):
        assert not person_name_in(place, (), runs=False), place
    # a given name that is also a ward's ("Perry Barr"): the area's own names are known
    assert person_name_in("Perry Barr bus station", (), runs=False)
    assert not person_name_in("Perry Barr bus station", {"perry", "barr"}, runs=False)
    assert person_name_in("seen at Jayden's house")  # typed text too
