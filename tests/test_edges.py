"""Hot spots at the edges (issue #22): contiguity that floating-point corners cannot break,
and units an extract does not cover counted as "no data", not as zero.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from libpysal.weights import Queen

from geo.config import PROJECT_ROOT
from geo.filters import Filters, month
from geo.services.analysis import unit_weights
from geo.stats import grid, weights
from geo.store import counts as C
from geo.store import db

SAMPLE = PROJECT_ROOT / "sample_data"
SQRT3 = np.sqrt(3.0)


def same_links(a: sp.spmatrix, b: sp.spmatrix) -> bool:
    a, b = sp.csr_matrix(a) != 0, sp.csr_matrix(b) != 0
    return a.shape == b.shape and (a != b).nnz == 0


# --- contiguity -------------------------------------------------------------------------


def test_hexagon_contiguity_equals_the_sqrt3_band_on_the_birmingham_grid(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        hexes = C.units(conn, "hex", 250.0)
    w = unit_weights(hexes, "hex", "contiguity")
    band = weights.distance_band(np.column_stack([hexes["x"], hexes["y"]]), SQRT3 * 250.0)
    assert same_links(w, band)
    links = np.asarray((w != 0).sum(axis=1)).ravel()
    assert links.min() >= 1 and links.max() == 6  # no cell without a neighbour
    assert w.nnz > 5.5 * len(hexes)  # an inner cell has six: most cells are inner
    # the hexagons' own polygons (corners from cos/sin) give the same links once snapped
    assert same_links(weights.contiguity(hexes["geom_bng"].to_numpy()), w)


@pytest.mark.parametrize("size", [250.0, 100.0, 37.5])
def test_hexagon_polygons_from_float_corners_are_contiguous(size: float) -> None:
    i, j = grid.covering_cells(shapely.Point(401_234.5, 287_654.3).buffer(20 * size), size)
    polys = grid.hex_polygons(i, j, size)
    by_index = weights.hex_contiguity(i, j)
    cx, cy = grid.hex_centres(i, j, size)
    band = weights.distance_band(np.column_stack([cx, cy]), SQRT3 * size)
    assert same_links(by_index, band)
    assert same_links(weights.contiguity(polys), by_index)
    assert same_links(weights.contiguity(polys, rook=True), by_index)  # hexagons share edges


def test_hex_contiguity_by_hand() -> None:
    # an even column's cell (0, 0) and an odd column's cell (1, 0), with all their neighbours
    i = np.array([0, 0, 0, -1, -1, 1, 1, 1, 2, 2, 5])
    j = np.array([0, 1, -1, 0, -1, 0, -1, 1, 0, 1, 5])
    w = weights.hex_contiguity(i, j).tocsr()
    nb = {(int(i[k]), int(j[k])): {(int(i[c]), int(j[c])) for c in w[k].indices}
          for k in range(i.size)}
    assert nb[(0, 0)] == {(0, 1), (0, -1), (-1, 0), (-1, -1), (1, 0), (1, -1)}
    assert nb[(1, 0)] == {(0, 0), (0, 1), (1, -1), (1, 1), (2, 0), (2, 1)}
    assert nb[(5, 5)] == set()


def _touches(geoms: np.ndarray) -> sp.csr_matrix:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="touches")
    return sp.csr_matrix((np.ones(left.size), (left, right)), shape=(len(geoms),) * 2)


def _queen_libpysal(path: str, code: str, order: list[str]) -> sp.csr_matrix:
    frame = gpd.read_file(SAMPLE / path).set_index(code).loc[order].reset_index()
    return Queen.from_dataframe(frame, use_index=False, silence_warnings=True).sparse


@pytest.mark.parametrize(("unit", "path", "code"), [
    ("ward", "birmingham_wards_2018_bng.geojson", "WardCode"),
    ("lsoa", "birmingham_lsoa21_bng.geojson", "LSOA21")])
def test_ward_and_lsoa_queen_lists_equal_libpysal(settings, unit: str, path: str,
                                                  code: str) -> None:
    with db.connect("dashboard", settings) as conn:
        units = C.units(conn, unit)
    want = _queen_libpysal(path, code, units["unit_id"].tolist())
    assert same_links(unit_weights(units, unit, "contiguity"), want)
    # boundaries whose shared corners do not quite coincide (each polygon's coordinates
    # nudged by up to 0.2 mm on its own, as when each was digitised or rounded apart):
    # the same list, not the slivers and overlaps that an exact "touches" test sees
    rng = np.random.default_rng(22)

    def nudge(g: shapely.Geometry) -> shapely.Geometry:
        a = rng.uniform(1, 10, 4)  # a point's nudge depends on the point (rings stay closed)
        return shapely.transform(g, lambda xy: xy + 2e-4 * np.sin(
            xy @ a.reshape(2, 2) + rng.uniform(0, 6.3, 2)))

    nudged = np.array([nudge(g) for g in units["geom_bng"]], dtype=object)
    assert not same_links(_touches(nudged), want)  # the exact test is thrown by them
    assert same_links(weights.contiguity(nudged), want)


def test_rook_leaves_out_corner_contacts_with_float_corners() -> None:
    cells = [shapely.box(c + 1e-11 * r, r, c + 1 + 1e-11 * c, r + 1)
             for r in range(3) for c in range(3)]
    rook = weights.contiguity(cells, rook=True)
    queen = weights.contiguity(cells)
    assert rook.nnz == 2 * 12 and queen.nnz == 2 * 20


# --- coverage ---------------------------------------------------------------------------

CENTRE = {  # the city-centre wards the police.uk 2017 file covers (2018 boundaries)
    "E05011151": "Ladywood", "E05011155": "Nechells", "E05011168": "Soho & Jewellery Quarter",
    "E05011156": "Newtown", "E05011126": "Bordesley & Highgate"}
POLICE = "birmingham_city_centre_crime_2017_api.csv"
#: the police file's months (other tests add extracts of other periods to its database)
IN_2017 = Filters(start=month("2017-01"), end=month("2017-11"))


@pytest.fixture(scope="module")
def covered_db(settings, tmp_path_factory):
    """A database with the boundaries (and places) and the police.uk 2017 file, declared
    (by ward names) as covering the city-centre wards."""
    from conftest import database_name, from_template

    from geo.ingest import load

    s = from_template(settings.model_copy(update={"database_name": database_name("coverage")}),
                      "boundaries")
    res = load("incidents", SAMPLE / POLICE, actor="tests", settings=s,
               covers=list(CENTRE.values()))
    assert res.status == "loaded", res.message
    return s, res


def _centre(conn) -> shapely.Geometry:
    wards = C.units(conn, "ward")
    return shapely.union_all(wards.loc[wards["unit_id"].isin(CENTRE), "geom_bng"].to_numpy())


@pytest.mark.parametrize("unit", ["ward", "lsoa", "hex"])
@pytest.mark.parametrize("kind", ["distance", "contiguity"])
def test_police_file_covering_the_city_centre_has_no_hot_spot_outside_it(
        covered_db, unit: str, kind: str) -> None:
    from geo.services.analysis import hotspot_table, hotspots_from_counts

    s, _ = covered_db
    with db.connect("dashboard", s) as conn:
        table = hotspot_table(conn, unit, IN_2017, weight_kind=kind, emerging_too=True)
        centre = _centre(conn)
        units = C.units(conn, unit)
        monthly = C.counts(conn, unit, IN_2017, by_month=True)
    geoms = units.set_index("unit_id").loc[table["unit_id"], "geom_bng"].to_numpy()
    inside = shapely.area(shapely.intersection(geoms, centre)) / shapely.area(geoms) >= 0.5
    assert (table["covered"].to_numpy() == inside).all()
    assert 0 < inside.sum() < len(table)
    out = table[~table["covered"]]
    assert (out["bin"] == 0).all() and out["z"].isna().all() and out["p"].isna().all()
    assert (out["category"] == "no data").all()
    hot = table[table["bin"] != 0]
    assert hot["covered"].all()
    if unit != "ward":  # five wards are too few for a hot spot among them
        assert (hot["bin"] > 0).any()
    if unit == "ward":
        # the same counts taken as covering the whole area: the zeros around the city
        # centre make a 99 % hot spot of North Edgbaston, with no incident in the file
        months = pd.date_range("2017-01-01", "2017-11-01", freq="MS")
        naive = hotspots_from_counts(units, unit, monthly, months, weight_kind=kind)
        naive = naive.set_index("unit_id").loc["E05011157"]
        assert naive["bin"] == 3 and naive["count"] == 0
        assert not table.set_index("unit_id").loc["E05011157", "covered"]


def test_the_ledger_records_the_coverage(covered_db) -> None:
    s, res = covered_db
    assert "covers 5 wards: Bordesley & Highgate, Ladywood" in res.message
    with db.connect("dashboard", s) as conn:
        ledger = db.frame(conn, "extracts_list", {"limit": 10}).set_index("extract_id")
        area = conn.execute("SELECT ST_Area(ST_Union(geom)) FROM ward").fetchone()[0]
        centre = _centre(conn)
    with db.connect("superuser", s) as conn:  # (the dashboard role reads no incident itself)
        outside = conn.execute(
            "SELECT count(*) FROM incident WHERE extract_id = %s AND NOT ward_code = ANY(%s)",
            (res.extract_id, list(CENTRE))).fetchone()[0]
    row = ledger.loc[res.extract_id]
    assert row["covers"].startswith("5 wards: ")
    assert row["covers_share"] == pytest.approx(centre.area / area, rel=1e-6)
    assert 0 < row["rows_outside_coverage"] == outside  # the file's few Edgbaston rows
    assert "54 of its incidents lie outside it" in res.message
    assert ledger.loc[ledger["kind"] == "wards", "covers"].eq("").all()


def test_hotspots_json_marks_units_outside_the_coverage(covered_db) -> None:
    import json
    import os
    import subprocess
    import sys

    s, _ = covered_db
    out = subprocess.run(
        [sys.executable, "-m", "geo.cli", "hotspots", "--unit", "ward", "--from", "2017-01",
         "--to", "2017-11", "--json"],
        check=True, capture_output=True, text=True,
        env={**os.environ, "CONTEXTS_DATABASE_NAME": s.database_name})
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 69
    inside = {r["unit_id"] for r in rows if r["covered"]}
    assert inside == set(CENTRE)
    for r in rows:
        if not r["covered"]:
            assert r["z"] is None and r["p"] is None and r["bin"] is None
    assert "covers 7% of the area" in out.stderr


def test_coverage_is_that_of_the_data_selected(covered_db, tmp_path) -> None:
    from geo.ingest import load
    from geo.services.analysis import coverage, hotspot_table

    s, _ = covered_db
    f = tmp_path / "youth_service_2024.csv"  # a whole-area extract of another period
    f.write_text("month,harm_type,easting,northing\n" + "".join(
        f"2024-06,cse,{406900 + 37 * k},{286600 + 53 * k}\n" for k in range(40)))
    assert load("incidents", f, actor="tests", settings=s).status == "loaded"
    in_2024 = Filters(start=month("2024-01"), end=month("2024-12"))
    with db.connect("dashboard", s) as conn:
        c17, c24, both = (coverage(conn, f) for f in (IN_2017, in_2024, Filters()))
        weapons = coverage(conn, Filters(harms=("weapons",)))  # only the police file's
        t24 = hotspot_table(conn, "ward", in_2024)
    assert not c17.whole and c17.share == pytest.approx(0.0736, abs=0.001)
    assert c17.extracts == 1 and "Ladywood" in c17.labels
    with db.connect("superuser", s) as conn:  # the module's other tests may have loaded more
        loaded = conn.execute("SELECT count(*) FROM extract WHERE kind = 'incidents' "
                              "AND status = 'loaded'").fetchone()[0]
    assert c24.whole and both.whole and both.extracts == loaded >= 2
    assert not weapons.whole
    assert t24["covered"].all()


def test_a_polygon_file_as_coverage_and_bad_declarations(covered_db, tmp_path) -> None:
    import json

    from geo.ingest import load

    s, _ = covered_db
    with db.connect("dashboard", s) as conn:
        ladywood = C.units(conn, "ward").set_index("unit_id").loc["E05011151"]
    poly = tmp_path / "patch.geojson"  # in WGS84, as most tools write it
    poly.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": shapely.geometry.mapping(ladywood.geometry)}]}))
    f = tmp_path / "patch_incidents.csv"
    f.write_text("month,harm_type,easting,northing\n2023-03,cce,406900,286600\n"
                 "2023-03,cce,410000,300000\n")
    res = load("incidents", f, actor="tests", settings=s, covers=poly)
    assert res.status == "loaded", res.message
    with db.connect("superuser", s) as conn:
        kind, share, outside, same = conn.execute(
            "SELECT c.kind, c.share, c.rows_outside, ST_Area(ST_SymDifference(c.geom, w.geom))"
            " / ST_Area(w.geom) FROM extract_coverage c, ward w"
            " WHERE c.extract_id = %s AND w.ward_code = 'E05011151'",
            (res.extract_id,)).fetchone()
    assert kind == "polygon" and 0.005 < share < 0.05
    assert same < 0.01  # the polygon is Ladywood's (simplified for display)
    assert outside == 1  # the row at 410000, 300000 lies outside Ladywood
    bad = tmp_path / "bad_covers.csv"
    bad.write_text("month,harm_type,easting,northing\n2023-04,cce,406900,286600\n")
    res = load("incidents", bad, actor="tests", settings=s, covers=["Ladywood", "Atlantis"])
    assert res.status == "rejected" and "'Atlantis'" in res.message
    res = load("population", SAMPLE / "population.csv", actor="tests", settings=s,
               covers=["Ladywood"])
    assert res.status == "rejected" and "only an incidents file" in res.message


def test_the_demo_covers_the_whole_area_and_is_unchanged(settings) -> None:
    from geo.services.analysis import coverage, hotspot_table
    from geo.stats import hotspots

    with db.connect("dashboard", settings) as conn:
        assert coverage(conn).whole
        for unit in ("hex", "ward"):
            table = hotspot_table(conn, unit, measure="count")  # wards default to rates
            units = C.units(conn, unit)
            assert table["covered"].all()
            w = weights.distance_band(np.column_stack([units["x"], units["y"]]))
            # hexagons scored for their share inside the boundary (issue #30), wards on counts
            area = units["inside_share"].to_numpy() if unit == "hex" else None
            want = hotspots.hot_spots(table["count"].to_numpy(float), w, area=area)
            np.testing.assert_array_equal(table["z"].to_numpy(), want["z"].to_numpy())
            np.testing.assert_array_equal(table["bin"].to_numpy(), want["bin"].to_numpy())


def test_covered_units_by_share_of_surface() -> None:
    from geo.stats.coverage import WHOLE, Coverage, covered

    i, j = grid.covering_cells(shapely.box(0, 0, 3000, 3000), 250)
    polys = grid.hex_polygons(i, j, 250)
    cover = Coverage(shapely.box(7, 13, 1440, 2990), 0.48, 1, "west part")
    got = covered(polys, cover)
    share = shapely.area(shapely.intersection(polys, cover.geom)) / shapely.area(polys)
    assert (got == (share >= 0.5)).all() and 0 < got.sum() < got.size
    assert covered(polys, WHOLE).all()


def test_maps_and_the_board_pack_show_no_data_units(covered_db) -> None:
    from datetime import date

    from geo.render import board_pack
    from geo.render.maps.areas import add_areas, unit_layer
    from geo.render.maps.base import base_map
    from geo.render.maps.legend import add_legend
    from geo.render.maps.palette import NO_DATA_LABEL
    from geo.render.text import View
    from geo.services.analysis import hotspot_table

    s, _ = covered_db
    with db.connect("dashboard", s) as conn:
        table = hotspot_table(conn, "hex", IN_2017, emerging_too=True)
    outside = int((~table["covered"]).sum())
    assert outside > 0
    for role in ("partner", "analyst"):
        layer = unit_layer(table, "hex", View(role), "hotspots", significant_only=True)
        feats = layer["data"]["features"]
        no_data = [f for f in feats if f["properties"]["hotspot"] == NO_DATA_LABEL]
        assert len(no_data) == outside  # drawn, although not hot or cold
        assert all(f["properties"]["incidents"] == "no data" for f in no_data)
        assert all(layer["styles"][f["properties"]["s"]]["dashArray"] for f in no_data)
        assert layer["no_data"]
    m = base_map(s, layer["bounds"])
    add_areas(m, layer, name="Hexagons")
    add_legend(m, layer)
    page = m.get_root().render()
    assert NO_DATA_LABEL in page and "Hot spot, 99% confidence" in page
    doc = board_pack.render(title="t", start=date(2017, 1, 1), end=date(2017, 11, 1),
                            view=View("board"), hex_table=table, previous=table,
                            complex_flags=pd.DataFrame(), impacts=[], made_by="tests",
                            made_on=date(2017, 12, 1))
    # the units outside drawn as one shape (a ring each; the map draws one path per
    # colour), and the legend's swatch
    assert doc.count('fill="url(#no-data)"') == 2
    shape = re.search(r'<path d="([^"]*)" fill="url\(#no-data\)"', doc)
    assert shape is not None and shape.group(1).count("M") == outside
    assert board_pack.NO_DATA_LABEL in doc
    # "What worked" lists clear falls only; a type followed by clearly more incidents is
    # said under "What changed", never as having worked
    rows = [{"type": kind, "places": 3, "effect": e, "low": lo, "high": hi, "moved": 0,
             "sentence": f"{kind}: {abs(e):.0%} {'fewer' if e < 0 else 'more'} incidents "
                         "on average over 3 places (95% CI a to b)."}
            for kind, e, lo, hi in (("Patrols", -0.3, -0.5, -0.1),
                                    ("Lighting", 0.4, 0.1, 0.8))]
    doc = board_pack.render(title="t", start=date(2017, 1, 1), end=date(2017, 11, 1),
                            view=View("board"), hex_table=table, previous=table,
                            complex_flags=pd.DataFrame(), impacts=[], made_by="tests",
                            made_on=date(2017, 12, 1), pooled=rows)
    worked = re.search(r"<h3>What worked</h3><ul>(.*?)</ul>", doc)
    changed = re.search(r"<h3>What changed</h3><ul>(.*?)</ul>", doc)
    assert worked and changed
    assert "Patrols: 30% fewer" in worked.group(1) and "Lighting" not in worked.group(1)
    assert "Lighting: 40% more incidents on average over 3 places (95% interval a to b)." \
        in changed.group(1)


@pytest.mark.pages
def test_pages_say_what_the_data_covers(covered_db, monkeypatch) -> None:
    import json

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from geo.config import get_settings
    from geo.render.maps.palette import NO_DATA_LABEL

    s, _ = covered_db
    monkeypatch.setenv("CONTEXTS_DATABASE_NAME", s.database_name)
    get_settings.cache_clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=120)
        at.session_state["demo_role"] = "analyst"
        at.session_state["hs_unit"] = "hex"
        at.session_state["period"] = (IN_2017.start, IN_2017.end)  # the police file's months
        at.run()
        at.switch_page("views/hotspots.py").run()
        assert not at.exception, [e.message for e in at.exception]
        # as the reader sees it (user text on pages is Markdown-escaped: geo.render.plain)
        assert any("covers 7% of the area" in re.sub(r"\\(.)", r"\1", i.value)
                   for i in at.info)
        script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
        assert NO_DATA_LABEL in script  # the units drawn as no data, and the legend
        at.switch_page("views/upload.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert at.radio(key="upload_covers_how").options == [
            "The whole area", "Some wards or LSOAs", "The area in a polygon file"]
        ledger = at.dataframe[-1].value
        assert ledger["Covers"].str.startswith("5 wards: Bordesley & Highgate").any()
        loaded = ledger[(ledger["Kind"] == "Incidents") & (ledger["Status"] == "Loaded")]
        assert (loaded["Covers"] != "").all()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        st.cache_data.clear()
