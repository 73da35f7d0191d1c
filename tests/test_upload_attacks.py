"""Issue #28, uploads: each trick an uploaded file can play, replayed, and refused.

A file may claim one format and be another (OGR VRT XML named ``.geojson`` reads any file
the server can; a GDALG pipeline runs one), point GDAL at a URL (a GeoJSON ``crs`` link), or
make the reader do unbounded work (a zip bomb, a huge declared sheet, a 100 MB line, a
geometry of millions of vertices). The attack files are made here, in ``tmp_path``; the
"secret" each tries to read is a file of the test's own.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely

from geo.ingest import _safe, load
from geo.ingest._read import UnreadableFile, read_table
from geo.store import db
from tests._wait import wait_for

SECRET = "SECRET-TOKEN-4f1c"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "server_secret.csv"
    path.write_text(f"ref,name,category\nS-1,{SECRET},park\n")
    return path


def _vrt(secret: Path) -> str:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="{secret.stem}"><SrcDataSource>{secret}'
            "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")


def _unlocked_gdal_reads(path: Path) -> str:
    """What a plain pyogrio (this project's GDAL, not locked) reads from ``path``: the
    proof that the file is a real attack."""
    out = subprocess.run([sys.executable, "-c",
                          "import sys, pyogrio; print(pyogrio.read_dataframe(sys.argv[1]))",
                          str(path)], capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


# --- claiming one format, being another ------------------------------------------------------

def test_vrt_named_geojson_reads_no_file(tmp_path: Path, secret: Path) -> None:
    evil = tmp_path / "places.geojson"
    evil.write_text(_vrt(secret))
    assert SECRET in _unlocked_gdal_reads(evil)  # the attack works on GDAL as it comes
    with pytest.raises(UnreadableFile, match=r"places\.geojson: not GeoJSON \(XML\)"):
        read_table(evil)
    # and past the content check, GDAL itself has no VRT driver to read it with
    with pytest.raises(Exception) as caught:
        _safe.open_spatial(evil, "places.geojson", ".geojson")
    assert SECRET not in str(caught.value)
    assert set(pyogrio.list_drivers()) == {"GeoJSON", "GPKG", "ESRI Shapefile"}


def test_gdal_pipeline_json_named_geojson_is_not_run(tmp_path: Path, secret: Path) -> None:
    """A hold-out of the same trick: JSON (so past a "starts with {" check) that another
    GDAL driver (GDALG, a streamed pipeline) would run to read a file."""
    evil = tmp_path / "wards.geojson"
    evil.write_text(json.dumps({
        "type": "gdal_streamed_alg",
        "command_line": f"gdal vector pipeline ! read {secret} ! write --of stream out",
        "note": {"type": "FeatureCollection"}}))
    with pytest.raises(UnreadableFile, match="its type is 'gdal_streamed_alg'"):
        read_table(evil)
    with pytest.raises(Exception) as caught:
        _safe.open_spatial(evil, "wards.geojson", ".geojson")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("content", ["vrt", "geojson", "csv"])
def test_gpkg_that_is_something_else_is_refused(tmp_path: Path, secret: Path,
                                                content: str) -> None:
    evil = tmp_path / "places.gpkg"
    evil.write_text({"vrt": _vrt(secret), "csv": secret.read_text(),
                     "geojson": json.dumps({"type": "FeatureCollection", "features": []})
                     }[content])
    with pytest.raises(UnreadableFile, match=r"places\.gpkg: not a GeoPackage"):
        read_table(evil)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"+proj=longlat +datum=WGS84 +no_defs")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _with_crs(path: Path, crs: object, where: str = "top") -> Path:
    feature = {"type": "Feature", "properties": {"ref": "A", "name": "x", "category": "park"},
               "geometry": {"type": "Point", "coordinates": [-1.9, 52.48]}}
    doc: dict[str, object] = {"type": "FeatureCollection", "features": [feature]}
    if where == "top":
        doc["crs"] = crs
    else:
        feature["geometry"]["crs"] = crs  # type: ignore[index]
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("kind", ["href", "url-as-name", "nested"])
def test_geojson_crs_link_is_never_fetched(tmp_path: Path, recorder: tuple[str, list[str]],
                                           kind: str) -> None:
    url, hits = recorder
    crs = ({"type": "link", "properties": {"href": f"{url}/crs.proj4", "type": "proj4"}}
           if kind != "url-as-name" else {"type": "name", "properties": {"name": f"{url}/c"}})
    evil = _with_crs(tmp_path / "places.geojson", crs, "top" if kind != "nested" else "geom")
    with pytest.raises(UnreadableFile, match=r"places\.geojson: its \"crs\" member is not"):
        read_table(evil)
    assert hits == []
    if kind == "href":
        # past the content check, GDAL's own configuration sends nothing to the URL either
        _safe.open_spatial(evil, "places.geojson", ".geojson")
        assert hits == []


def test_the_crs_link_attack_is_real_on_gdal_as_it_comes(
        tmp_path: Path, recorder: tuple[str, list[str]]) -> None:
    url, hits = recorder
    evil = _with_crs(tmp_path / "p.geojson", {"type": "link", "properties": {
        "href": f"{url}/crs.proj4", "type": "proj4"}})
    _unlocked_gdal_reads(evil)
    assert hits == ["/crs.proj4"]


def test_named_crs_still_reads(tmp_path: Path) -> None:
    ok = _with_crs(tmp_path / "p.geojson",
                   {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}})
    table = read_table(ok)
    assert len(table) == 1 and table.crs is not None and "4326" in table.crs


# --- archives --------------------------------------------------------------------------------

def _shapefile_parts(tmp_path: Path) -> dict[str, bytes]:
    d = tmp_path / "shp"
    d.mkdir()
    gpd.GeoDataFrame({"ref": ["P-1"], "name": ["A park"], "category": ["park"]},
                     geometry=[shapely.Point(407000, 286000).buffer(50)],
                     crs=27700).to_file(d / "p.shp")
    return {f"p{ext}": (d / f"p{ext}").read_bytes() for ext in (".shp", ".shx", ".dbf", ".prj")}


def _zip(path: Path, members: dict[str, bytes], extra: list[tuple[zipfile.ZipInfo, bytes]] = (
         )) -> Path:  # type: ignore[assignment]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
        for info, data in extra:
            zf.writestr(info, data)
    return path


def test_a_plain_zipped_shapefile_reads(tmp_path: Path) -> None:
    table = read_table(_zip(tmp_path / "p.zip", _shapefile_parts(tmp_path)))
    assert list(table.columns["ref"]) == ["P-1"]


@pytest.mark.parametrize("member", ["../p.cpg", "../../etc/p.shp.xml", "/tmp/x.txt",
                                    "C:/x.txt", "a/../../x"])
def test_zip_member_leaving_the_archive_is_refused(tmp_path: Path, member: str) -> None:
    parts = _shapefile_parts(tmp_path) | {member: b"x"}
    with pytest.raises(UnreadableFile, match=r"p\.zip: the archive entry .* is (a path "
                                             r"leaving the archive|an absolute path)"):
        read_table(_zip(tmp_path / "p.zip", parts))


def test_zip_symlink_member_is_refused(tmp_path: Path, secret: Path) -> None:
    link = zipfile.ZipInfo("p.dbf")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    parts = _shapefile_parts(tmp_path)
    del parts["p.dbf"]
    evil = _zip(tmp_path / "p.zip", parts, [(link, str(secret).encode())])
    with pytest.raises(UnreadableFile, match=r"p\.zip: the archive entry 'p\.dbf' is a "
                                             "symbolic link"):
        read_table(evil)


@pytest.mark.parametrize("how", ["inner.zip", "shp-is-zip"])
def test_nested_zip_is_refused(tmp_path: Path, how: str) -> None:
    parts = _shapefile_parts(tmp_path)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("q.shp", parts["p.shp"])
    if how == "inner.zip":
        parts["inner.zip"] = inner.getvalue()
        parts["p.cpg"] = b"UTF-8"
        # the inner zip is not a part read, but named as an archive: refused by its name
        evil = _zip(tmp_path / "p.zip", parts)
        with pytest.raises(UnreadableFile, match=r"p\.zip: the archive holds another "
                                                 r"archive \('inner\.zip'\)"):
            read_table(evil)
    else:
        parts["p.shp"] = inner.getvalue()
        with pytest.raises(UnreadableFile, match=r"p\.zip: the archive holds another "
                                                 r"archive \('p\.shp'\)"):
            read_table(_zip(tmp_path / "p.zip", parts))


def test_zip_bomb_is_refused_by_its_expanded_size(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    parts = _shapefile_parts(tmp_path)
    parts["p.dbf"] = parts["p.dbf"] + b"\x00" * (24 * 2**20)  # 24 MB of zeros: ~25 kB zipped
    evil = _zip(tmp_path / "p.zip", parts)
    assert evil.stat().st_size < 100_000
    with pytest.raises(UnreadableFile, match=r"p\.zip: the archive expands to more than "
                                             r"\d+ MB .* zip bomb"):
        read_table(evil)
    # by the bytes it really expands to: a cap below them stops it even within the ratio
    monkeypatch.setattr(_safe, "LIMITS", _safe.Limits(unzipped=2**20, ratio=10**9))
    with pytest.raises(UnreadableFile, match="zip bomb"):
        read_table(evil)


def test_zip_with_too_many_members_is_refused(tmp_path: Path) -> None:
    parts = _shapefile_parts(tmp_path) | {f"junk/{k}.txt": b"" for k in range(2_100)}
    with pytest.raises(UnreadableFile, match=r"p\.zip: 2,?\d{3} entries in the archive"):
        read_table(_zip(tmp_path / "p.zip", parts))


# --- tables ----------------------------------------------------------------------------------

def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    for r in rows:
        ws.append(r)
    book.save(path)
    return path


def _rewrite(path: Path, member: str, change: callable) -> None:  # type: ignore[valid-type]
    with zipfile.ZipFile(path) as zf:
        items = {i.filename: zf.read(i) for i in zf.infolist()}
    items[member] = change(items[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in items.items():
            zf.writestr(n, data)


def test_xlsx_with_a_huge_declared_dimension_is_refused_before_reading(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "incidents.xlsx", [["month", "harm_type"], ["2024-01", "cse"]])
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda x: re.sub(
        rb'<dimension ref="A1:B2" ?/>', b'<dimension ref="A1:XFD1048576"/>', x))
    with pytest.raises(UnreadableFile, match=r"incidents\.xlsx: the sheet declares 16,384 "
                                             "columns"):
        read_table(path)
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda x: x.replace(
        b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1:L1048576"/>'))
    with pytest.raises(UnreadableFile, match=r"incidents\.xlsx: the sheet declares "
                                             r"1,048,576 rows x 12 columns"):
        read_table(path)


def test_xlsx_rows_beyond_the_cell_limit_stop_the_read(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold-out: a sheet whose dimension is missing (or small) but whose rows are many."""
    path = _xlsx(tmp_path / "i.xlsx", [["month", "harm_type"]] + [["2024-01", "cse"]] * 600)
    _rewrite(path, "xl/worksheets/sheet1.xml",
             lambda x: re.sub(rb'<dimension ref="A1:B601" ?/>', b"", x))
    monkeypatch.setattr(_safe, "LIMITS", _safe.Limits(sheet_cells=1_000))
    with pytest.raises(UnreadableFile, match=r"i\.xlsx: more than 1,000 cells by row 501"):
        read_table(path)


def test_xlsx_bomb_is_refused_by_its_expanded_size(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "i.xlsx", [["month", "harm_type"], ["2024-01", "cse"]])
    _rewrite(path, "docProps/app.xml", lambda x: x + b" " * (30 * 2**20))
    with pytest.raises(UnreadableFile, match=r"i\.xlsx: the archive expands to .* zip bomb"):
        read_table(path)


def test_overlong_csv_line_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"month,harm_type\n2024-01,cse\n" + b"x" * (3 * 2**20) + b"\n")
    with pytest.raises(UnreadableFile, match=r"incidents\.csv: line 3 is 3\.0 MB long"):
        read_table(path)
    one_line = tmp_path / "one.csv"  # the shape: one line, no newline at all
    one_line.write_bytes(b"a;" * (2 * 2**20))
    with pytest.raises(UnreadableFile, match=r"one\.csv: line 1 is 4\.0 MB long"):
        read_table(one_line)


def test_csv_with_too_many_rows_is_refused(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"month;harm_type\r\n" + b"2024-01;cse\r\n" * 1_200)
    monkeypatch.setattr(_safe, "LIMITS", _safe.Limits(lines=1_000))
    with pytest.raises(UnreadableFile, match=r"incidents\.csv: 1,201 lines \(at most 1,000"):
        read_table(path)
    monkeypatch.setattr(_safe, "LIMITS", _safe.Limits())
    assert len(read_table(path)) == 1_200  # semicolons and CRLF read as before


def test_geometry_with_too_many_vertices_is_refused(tmp_path: Path) -> None:
    angles = np.linspace(0, 2 * np.pi, 280_000, endpoint=False)
    ring = shapely.Polygon(np.c_[407000 + 400 * np.cos(angles), 286000 + 400 * np.sin(angles)])
    assert shapely.get_num_coordinates(ring) > _safe.LIMITS.vertices
    gdf = gpd.GeoDataFrame({"ref": ["P-1", "P-2"], "name": ["ok", "huge"],
                            "category": ["park", "park"]},
                           geometry=[shapely.Point(1, 1).buffer(5), ring], crs=27700)
    path = tmp_path / "places.gpkg"
    gdf.to_file(path)
    with pytest.raises(UnreadableFile, match=r"places\.gpkg, row 2: a geometry of 280,001 "
                                             r"vertices \(at most 250,000\)"):
        read_table(path)


# --- through the one loader (the Upload page and ``contexts load``) ---------------------------

def test_the_vrt_upload_is_rejected_and_stores_nothing_of_the_file_it_names(
        ingest_settings, tmp_path: Path, secret: Path) -> None:
    evil = tmp_path / "places.geojson"
    evil.write_text(_vrt(secret))
    res = load("places", evil, settings=ingest_settings)
    assert res.status == "rejected" and "not GeoJSON" in res.message, res
    with db.connect("superuser", ingest_settings) as conn:
        for table, column in (("place", "name"), ("quarantine", "row_values::text"),
                              ("extract", "message")):
            found = conn.execute(f"SELECT count(*) FROM {table} "  # noqa: S608
                                 f"WHERE {column} LIKE %s", (f"%{SECRET}%",)).fetchone()[0]
            assert found == 0, table


def test_a_killed_load_leaves_no_statement_running(settings) -> None:
    """A loader killed mid-statement (as the issue's 5-million-vertex place refresh was):
    with the load's settings, the server notices its client has gone and ends the
    statement, well before the statement (a 10-minute sleep here) would end."""
    import os
    import signal

    script = ("from geo.store import db\n"
              "conn = db.connect('loader')\n"
              "db.execute(conn, 'load_settings')\n"
              "print(conn.info.backend_pid, flush=True)\n"
              "conn.execute('SELECT pg_sleep(600)')\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             text=True, env=os.environ.copy())
    try:
        assert child.stdout is not None
        pid = int(child.stdout.readline())

        def running() -> bool:
            with db.connect("superuser", settings, autocommit=True) as conn:
                return bool(conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND state = 'active'"
                    " AND query LIKE '%%pg_sleep%%'", (pid,)).fetchone()[0])

        wait_for(running, what="the loader's statement to start")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        # and the server ends it, its client gone
        wait_for(lambda: not running(), what="the server to end the dead loader's statement")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


# --- parsing away from the app's process -----------------------------------------------------

def test_an_upload_is_parsed_in_a_child_with_cpu_and_memory_limits(tmp_path: Path,
                                                                   secret: Path) -> None:
    """The Upload page parses in a child process (``load(..., isolate=True)``): what the
    reader refuses comes back as it is, and a parse past its CPU or memory allowance is
    stopped there, the app's process untouched."""
    from geo.ingest import _isolated

    ok = tmp_path / "ok.csv"
    ok.write_text("month;harm_type\n" + "2024-01;cse\n" * 50)
    table = _isolated.read_table(ok, name="ok.csv", suffix_of=None)
    assert len(table) == 50 and list(table.columns.columns) == ["month", "harm_type"]

    evil = tmp_path / "places.geojson"
    evil.write_text(_vrt(secret))
    with pytest.raises(UnreadableFile, match=r"places\.geojson: not GeoJSON \(XML\)"):
        _isolated.read_table(evil, name="places.geojson", suffix_of=None)

    big = tmp_path / "big.csv"
    big.write_text("month,harm_type,extra\n"
                   + "".join(f"2024-01,cse,value {k}\n" for k in range(200_000)))
    with pytest.raises(UnreadableFile, match=r"big\.csv: reading it needed more than the 20 MB "
                                             "of memory an upload may use"):
        _isolated.read_table(big, name="big.csv", suffix_of=None, address_space=20 * 2**20)

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet()
    ws.append([f"c{k}" for k in range(10)])
    for r in range(40_000):  # 400,000 cells: seconds of openpyxl, within the cell limit
        ws.append([r * 10 + k for k in range(10)])
    slow = tmp_path / "slow.xlsx"
    book.save(slow)
    with pytest.raises(UnreadableFile, match=r"slow\.xlsx: reading it used more than the 1 s "
                                             "of processor time"):
        _isolated.read_table(slow, name="slow.xlsx", suffix_of=None, cpu_seconds=1)


# --- a statement timeout for each load step ---------------------------------------------------

def test_a_load_step_past_its_statement_timeout_stops_the_load_whole(
        ingest_settings, tmp_path: Path) -> None:
    """Each step of a load's transaction runs under its own statement timeout
    (``geo.ingest._steps``): a step made to run long (a forced ``pg_sleep`` through the
    ``before_step`` hook, passed as ``progress`` is) is cancelled at its step's limit, the
    load rolls back whole, and the message names the file and the step."""
    from geo.ingest import _steps

    # a twentieth of the real budgets: placing the points may run 3 s, lookups 0.5 s
    fast = ingest_settings.model_copy(update={"load_step_scale": 0.05})
    path = tmp_path / "slow.csv"
    path.write_text("month,harm_type,age,easting,northing\n"
                    + "2024-01,cse,14,407300,286900\n" * 3)
    seen: list[str] = []

    def slow(conn, step: str) -> None:
        seen.append(step)
        if step == "incident_insert":
            conn.execute("SELECT pg_sleep(600)")  # far past its 3 s

    def state() -> tuple[int, int, int]:
        with db.connect("superuser", ingest_settings) as conn:
            return conn.execute(
                "SELECT (SELECT count(*) FROM incident), (SELECT count(*) FROM extract "
                "WHERE status = 'loaded'), (SELECT count(*) FROM pg_inherits "
                "WHERE inhparent = 'incident'::regclass)").fetchone()

    before = state()
    res = load("incidents", path, settings=fast, before_step=slow)
    assert res.status == "rejected", res
    assert "stopped while writing the incidents" in res.message, res.message
    assert res.message.startswith("incidents upload, ") and "3 s" in res.message
    assert seen[:2] == ["ledger", "copy"] and seen[-1] == "incident_insert"
    assert state() == before  # nothing of it: no rows, no loaded extract, no partition
    with db.connect("superuser", ingest_settings) as conn:
        ledger = conn.execute("SELECT status, message FROM extract WHERE file_sha256 = %s",
                              (res.file_sha256,)).fetchall()
    assert ledger == [("rejected", res.message)]
    # nothing is running on: the cancelled statement ended with its step
    with db.connect("superuser", ingest_settings) as conn:
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                            "'%%pg_sleep(600)%%' AND pid <> pg_backend_pid()").fetchone()[0] == 0
    # the budgets grow with the file, and the same file without the hook loads
    assert _steps.seconds("incident_insert", 1_000_000) > _steps.seconds("incident_insert", 3)
    assert _steps.seconds("lookup", 1_000_000) == 10
    done = load("incidents", path, settings=ingest_settings)
    assert (done.status, done.rows_loaded) == ("loaded", 3), done.message


# --- the Upload page's other reads: the coverage polygon and the layer list -------------------

def test_the_upload_paths_gdal_reads_happen_only_in_the_child(
        ingest_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Upload page's coverage polygon and GeoPackage layer list are read in the limited
    child process, as the file itself is: with every GDAL entry point of this process made
    to fail, an upload with a coverage polygon and the layer list still work."""
    from geo.services import actions

    def no_gdal(*args: object, **kwargs: object) -> None:
        raise AssertionError("GDAL opened an upload in the app's process")

    for fn in ("list_layers", "read_info", "read_dataframe", "read_arrow", "open_arrow"):
        monkeypatch.setattr(pyogrio, fn, no_gdal)
    gpkg = tmp_path / "two.gpkg"
    for layer in ("wards_2022", "places_2024"):
        gpd.GeoDataFrame({"ref": ["A"]}, geometry=[shapely.Point(407300, 286900)],
                         crs=27700).to_file(gpkg, layer=layer)
    assert actions.gpkg_layers(gpkg.read_bytes()) == ["wards_2022", "places_2024"]
    assert actions.gpkg_layers(b"not a geopackage") == []

    patch = tmp_path / "patch.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(406800, 286400, 407800, 287400)],
                     crs=27700).to_crs(4326).to_file(patch, driver="GeoJSON")
    path = tmp_path / "covered.csv"
    path.write_text("month,harm_type,age,easting,northing\n2024-02,cce,15,407300,286900\n")
    res = actions.upload("ana@example.org", "analyst", "incidents", path, "covered.csv",
                         settings=ingest_settings, covers=patch)
    assert res.status == "loaded" and "covers the polygon in" in res.message, res.message


def test_a_hostile_coverage_polygon_is_stopped_in_the_child(tmp_path: Path,
                                                            secret: Path) -> None:
    """A coverage file that would take the memory of the app, or read the server's files,
    is stopped in the child: the load is refused with a message, this process untouched."""
    from geo.ingest import _isolated
    from geo.ingest._coverage import resolve

    angles = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    rings = [shapely.Polygon(np.c_[407000 + r * np.cos(angles), 286000 + r * np.sin(angles)])
             for r in (300, 400, 500)]
    big = tmp_path / "cover.geojson"
    gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=rings, crs=27700).to_file(big,
                                                                            driver="GeoJSON")
    with pytest.raises(UnreadableFile, match=r"cover\.geojson: reading it needed more than "
                                             r"the 20 MB"):
        _isolated.coverage(big, name="cover.geojson", address_space=20 * 2**20)
    # the coverage check refuses a VRT in the child as the reader does anywhere
    evil = tmp_path / "patch.geojson"
    evil.write_text(_vrt(secret))
    with pytest.raises(ValueError, match=r"coverage: patch\.geojson: not GeoJSON"):
        resolve(None, evil, isolate=True)  # type: ignore[arg-type]
