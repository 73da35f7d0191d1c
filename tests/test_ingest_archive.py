"""police.uk bulk downloads (issue #29): a zip (or a folder) of monthly street, outcomes and
stop-and-search CSVs loads in one go, all or nothing, with one report; anything else in it
is named and refuses it; the archive checks (``_safe.check_zip``) still apply. Each file is
made from real rows (tests/data/README.md), two months of about 300 crimes each."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from conftest import database_name, from_template
from test_ingest_real import ARCHIVE, STOP_SEARCH, archive_rows, rows_of, street_rows
from test_rollups import assert_rollups_fresh

from geo.config import Settings, get_settings
from geo.ingest import load

pytestmark = pytest.mark.db

OUTCOMES = [*ARCHIVE[:-3], "Outcome type"]
FORCE = "west-midlands"


@pytest.fixture(scope="module")
def ingest_settings() -> Settings:
    """A database of this module's own (boundaries and places, no incidents): the shared
    load-test database may already hold the same police.uk crimes from another module,
    which this module's loads would then replace, and its counts depend on the order."""
    return from_template(get_settings().model_copy(
        update={"database_name": database_name("archive")}), "boundaries")


def _csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()


def month_files(month: str) -> dict[str, bytes]:
    """police.uk's three files of one month, from the real rows of that month (Crime IDs
    of their own, so that no other test's crimes are these)."""
    rows = [{**r, "Crime ID": hashlib.sha256(f"archive {k}".encode()).hexdigest()
             if r["Crime ID"] else ""}
            for k, r in enumerate(archive_rows()) if r["Month"] == month]
    outs = [{**r, "Outcome type": "Offender given a caution"} for r in rows if r["Crime ID"]]
    stops = [{
        "Type": "Person search", "Date": f"{month}-03T14:20:00+00:00",
        "Part of a policing operation": "False", "Policing operation": "",
        "Latitude": r["latitude"], "Longitude": r["longitude"], "Gender": "Male",
        "Age range": "18-24", "Self-defined ethnicity": "Other ethnic group - Not stated",
        "Officer-defined ethnicity": "White", "Legislation": "Misuse of Drugs Act 1971 "
        "(section 23)", "Object of search": "Controlled drugs",
        "Outcome": "A no further action disposal", "Outcome linked to object of search": "",
        "Removal of more than just outer clothing": "False",
    } for r in street_rows() if r["month"] == month][:25]
    stem = f"{month}/{month}-{FORCE}"
    return {f"{stem}-street.csv": _csv(ARCHIVE, rows),
            f"{stem}-outcomes.csv": _csv(OUTCOMES, outs),
            f"{stem}-stop-and-search.csv": _csv(STOP_SEARCH, stops)}


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def counts(s: Settings) -> tuple[int, ...]:
    return rows_of(s, """SELECT (SELECT count(*) FROM incident),
        (SELECT count(*) FROM crime_outcome),
        (SELECT count(*) FROM extract WHERE status = 'loaded'),
        (SELECT count(*) FROM quarantine)""")[0]


def data_rows(data: bytes) -> int:
    return data.count(b"\r\n") - 1


def test_a_download_of_two_months_loads_every_file_with_one_report(
        ingest_settings: Settings, tmp_path: Path) -> None:
    files = month_files("2017-10") | month_files("2017-11")
    before = counts(ingest_settings)
    # as the Upload page does: a generated file name, the upload's name given, parsed in a
    # child process
    res = load("incidents", write_zip(tmp_path / "upload.zip", files),
               file_name="police-uk-download.zip", settings=ingest_settings, isolate=True)
    assert res.status == "loaded", res.message
    # month by month, each month's crimes before their outcomes
    assert [m["name"] for m in res.members] == [
        f"{m}/{m}-{FORCE}-{k}.csv" for m in ("2017-10", "2017-11")
        for k in ("street", "outcomes", "stop-and-search")]
    assert all(m["status"] == "loaded" for m in res.members)
    assert res.rows_read == sum(data_rows(d) for d in files.values())
    assert res.rows_read == res.rows_loaded + res.rows_quarantined
    assert res.rows_loaded == sum(m["rows_loaded"] for m in res.members)
    # only police.uk's own no-location rows are quarantined
    assert set(res.reasons) == {"no_location"}
    for name in files:
        assert name in res.message
    street = [m for m in res.members if m["name"].endswith("-street.csv")]
    stops = [m for m in res.members if m["name"].endswith("-stop-and-search.csv")]
    outs = [m for m in res.members if m["name"].endswith("-outcomes.csv")]
    after = counts(ingest_settings)
    assert after[0] - before[0] == sum(m["rows_loaded"] for m in street + stops)
    assert after[1] - before[1] == sum(m["rows_loaded"] for m in outs)
    assert after[2] - before[2] == len(files)
    got = rows_of(ingest_settings, "SELECT file_name FROM extract WHERE extract_id = %s",
                  street[0]["extract_id"])[0][0]
    assert got == "police.uk 2017-10 street, west-midlands"
    stop_kinds = rows_of(ingest_settings, "SELECT DISTINCT harm_type FROM incident WHERE "
                         "extract_id = ANY(%s)", [m["extract_id"] for m in stops])
    assert stop_kinds == [("stop_search",)]
    assert_rollups_fresh(ingest_settings)

    # the same archive again, zipped or as a folder (the command line's): nothing changes
    again = load("incidents", write_zip(tmp_path / "again.zip", files),
                 settings=ingest_settings)
    assert again.status == "already_loaded" and again.rows_loaded == 0, again.message
    folder = tmp_path / "unzipped"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    res = load("incidents", folder, settings=ingest_settings)
    assert res.status == "already_loaded", res.message
    assert counts(ingest_settings) == after


def test_an_unknown_file_is_named_and_nothing_is_loaded(ingest_settings: Settings,
                                                         tmp_path: Path) -> None:
    files = month_files("2017-07") | {"2017-07/notes.txt": b"downloaded on Monday\n"}
    before = counts(ingest_settings)
    res = load("incidents", write_zip(tmp_path / "d.zip", files), settings=ingest_settings)
    assert res.status == "rejected"
    assert "'2017-07/notes.txt'" in res.message and "1 of the archive's 4 files" in \
        res.message, res.message
    assert counts(ingest_settings) == before
    # a zip of other tables: the rule, and what it holds
    other = write_zip(tmp_path / "o.zip", {"a.csv": b"x,y\n1,2\n", "b.csv": b"x,y\n1,2\n"})
    res = load("incidents", other, settings=ingest_settings)
    assert res.status == "rejected" and "holds 2 .csv files" in res.message, res.message
    res = load("interventions", write_zip(tmp_path / "i.zip", month_files("2017-07")),
               settings=ingest_settings)
    assert res.status == "rejected" and "only as incidents" in res.message, res.message
    assert counts(ingest_settings) == before


def test_a_file_with_a_bad_header_refuses_the_whole_archive(ingest_settings: Settings,
                                                            tmp_path: Path) -> None:
    # August loads first (street, outcomes, stops), then September's street file, whose
    # crime type column is not police.uk's
    sept = month_files("2017-09")
    name = f"2017-09/2017-09-{FORCE}-street.csv"
    sept[name] = sept[name].replace(b"Crime type", b"Offence", 1)
    files = month_files("2017-08") | sept
    before = counts(ingest_settings)
    res = load("incidents", write_zip(tmp_path / "bad.zip", files), settings=ingest_settings)
    assert res.status == "rejected"
    assert f"{name!r} was refused, so nothing from the archive was loaded" in res.message
    assert "not that of a police.uk street file" in res.message, res.message
    assert counts(ingest_settings) == before
    assert_rollups_fresh(ingest_settings)


@pytest.mark.parametrize("entry, why", [
    ("../2017-06-west-midlands-street.csv", "a path leaving the archive"),
    ("/tmp/2017-06-west-midlands-street.csv", "an absolute path"),
])
def test_the_archive_checks_still_refuse_a_bad_entry(ingest_settings: Settings,
                                                     tmp_path: Path, entry: str,
                                                     why: str) -> None:
    files = month_files("2017-06")
    files[entry] = next(iter(files.values()))
    before = counts(ingest_settings)
    res = load("incidents", write_zip(tmp_path / "e.zip", files), settings=ingest_settings)
    assert res.status == "rejected" and why in res.message, res.message
    assert counts(ingest_settings) == before


def test_an_archive_inside_is_refused(ingest_settings: Settings, tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.csv", b"a,b\n1,2\n")
    files = month_files("2017-06") | {"2017-06/2017-06-west-midlands-street.csv":
                                      inner.getvalue()}
    res = load("incidents", write_zip(tmp_path / "n.zip", files), settings=ingest_settings)
    assert res.status == "rejected" and "holds another archive" in res.message, res.message


def test_a_month_downloaded_again_replaces_its_crimes(ingest_settings: Settings,
                                                     tmp_path: Path) -> None:
    first = month_files("2017-05")
    a = load("incidents", write_zip(tmp_path / "a.zip", first), settings=ingest_settings)
    assert a.status == "loaded", a.message
    before = counts(ingest_settings)
    # police.uk re-publishes the month: the street file's outcomes moved on (other bytes)
    again = dict(first)
    name = f"2017-05/2017-05-{FORCE}-street.csv"
    again[name] = again[name].replace(b"Investigation complete; no suspect identified",
                                      b"Unable to prosecute suspect")
    b = load("incidents", write_zip(tmp_path / "b.zip", again), settings=ingest_settings)
    assert b.status == "loaded", b.message
    street = next(m for m in b.members if m["name"] == name)
    old = next(m for m in a.members if m["name"] == name)
    assert [m["status"] for m in b.members] == ["loaded", "already_loaded", "already_loaded"]
    # every crime and ASB record of the month once: the newer file's
    assert street["replaced"] == {str(old["extract_id"]): old["rows_loaded"]}
    assert f"{old['rows_loaded']} records already loaded from extract(s) " \
        f"{old['extract_id']}: replaced" in b.message, b.message
    assert counts(ingest_settings)[0] == before[0]
    assert_rollups_fresh(ingest_settings)
