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
    f.append(("interventions", write(folder, "i1.csv", head + "P-1,STN-AST,patrols,"
                                     "West Midlands Police,2024-01,Worked with Tyrone "
                                     "Baptiste after school\n"), None, "rejected"))
    f.append(("interventions", write(folder, "i2.csv", head + "P-2,STN-AST,patrols,"
                                     "West Midlands Police,2024-01,Seen weekly (DOB "
                                     "02/03/2011)\n"), None, "rejected"))
    f.append(("interventions", write(folder, "i3.csv", head + "P-3,STN-AST,patrols,"
                                     "Shanice Mbeki,2024-01,Patrols\n"), None, "rejected"))
    f.append(("assessments", write(folder, "a1.csv", "place_ref,assessed_on,rating,factors\n"
                                   "STN-AST,2024-02-01,high,Mrs Winterbottom runs the shop\n"),
              None, "rejected"))
    return f


def test_poisoned_files_leave_nothing_identifying_anywhere(
        idb: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    log = cluster.locate(idb).logfile
    log_start = log.stat().st_size if log.exists() else 0
    for kind, path, label, want in poisoned(tmp_path):
        res = load(kind, path, settings=idb, label=label, file_name=path.name)
        assert res.status == want, (path.name, res.message)
        for value in PLANTED:
            assert value.lower() not in res.message.lower(), (path.name, value, res.message)
    # the context's summary from a file is refused by the typed text's guard
    ctx = write(tmp_path, "contexts_p.csv", "ref,name,kind,summary\n"
                "CTX-P1,Aston station evenings,place,Known to Marcus Adeyemi\n")
    with pytest.raises(contexts.ContextError) as refused:
        contexts.load_file(ctx, *ANALYST, settings=idb)
    assert "a person's name" in str(refused.value) and "Adeyemi" not in str(refused.value)
    dump = subprocess.run(["pg_dump", db.dsn("admin", idb)], check=True, capture_output=True,
                          text=True).stdout
    with log.open("rb") as fh:
        fh.seek(log_start)
        server_log = fh.read().decode(errors="replace")
    app_log = "\n".join(r.getMessage() for r in caplog.records)
    for where, text in (("database", dump), ("server log", server_log),
                        ("application log", app_log)):
        found = [v for v in PLANTED if v.lower() in text.lower()]
        assert not found, (where, found)
    # what was stored instead: neutral labels with the files' digests, and quarantine
    # details that say why without quoting
    with db.connect("admin", idb) as conn:
        names = [r[0] for r in conn.execute("SELECT file_name FROM extract WHERE kind = "
                                            "'incidents' ORDER BY extract_id")]
        details = [r[0] for r in conn.execute("SELECT detail FROM quarantine")]
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
    with db.connect("admin", idb) as conn:
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
