"""Every page as every role (Streamlit AppTest): it renders, and each role sees only what
it may: no count from 1 to 4, no point layer and no pseudonymous key for partners and
boards, on screen, in the map, in charts and in the board pack.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.ingest import load
from geo.store import db

#: every test here renders pages: `make test` runs them again reading from a standby
pytestmark = pytest.mark.pages
APP = str(PROJECT_ROOT / "dashboard" / "app.py")
PAGES = {
    "map": "views/map.py", "hotspots": "views/hotspots.py", "profile": "views/profile.py",
    "interventions": "views/interventions.py", "contexts": "views/contexts.py",
    "meeting": "views/meeting.py", "networks": "views/networks.py",
    "upload": "views/upload.py",
    "board_pack": "views/board_pack.py", "admin": "views/admin.py",
}
TITLES = {"map": "Map", "hotspots": "Hot spots", "profile": "Place profile",
          "interventions": "Interventions", "contexts": "Contexts of concern",
          "meeting": "Next meeting", "networks": "Networks of places",
          "upload": "Upload an extract",
          "board_pack": "Board pack", "admin": "Admin"}
EVERYONE = {"map", "hotspots", "profile", "interventions", "contexts", "meeting", "networks"}
ALLOWED = {
    "partner": EVERYONE,
    "board": EVERYONE | {"board_pack"},
    "analyst": EVERYONE | {"upload", "board_pack"},
    "admin": set(PAGES),
}
SMALL = {1, 2, 3, 4}
KEY = re.compile(r"\b[0-9a-f]{64}\b")
POINTS = re.compile(r"L\.circleMarker\(\s*\[")


def run(role: str, page: str | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["demo_role"] = role
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    if page:
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def component_args(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.json_args) for e in at.get("component_instance")]


def open_results(at: AppTest) -> AppTest:
    """The Interventions page with every result's section open (each draws its
    before/after chart only while open), run again."""
    keys = [k for k in at.session_state._state.filtered_state if str(k).startswith("result_")]
    assert keys, "no result's section on the page"
    for k in keys:
        at.session_state[k] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.get("vega_lite_chart")) == len(keys)
    return at


def chart_frames(at: AppTest) -> list[pd.DataFrame]:
    frames = []
    for chart in at.get("vega_lite_chart"):
        for ds in chart.proto.datasets:
            frames.append(pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_pandas())
        if chart.proto.data.data:
            frames.append(pa.ipc.open_stream(io.BytesIO(chart.proto.data.data)).read_pandas())
    return frames


def visible_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "title",
                 "header", "subheader"):
        parts += [e.value for e in at.get(kind)]
    parts += [f"{m.label}: {m.value}" for m in at.get("metric")]
    # as the reader sees it: Markdown's backslash escapes (geo.render.plain.md) shown as the
    # characters they escape
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def assert_no_small_counts(at: AppTest) -> None:
    for df in at.dataframe:
        frame = df.value
        for col in frame.columns:
            if col in ("Incidents", "Distinct young people"):
                assert not frame[col].astype(str).isin([str(n) for n in SMALL]).any(), col
    for m in at.get("metric"):  # metrics of incidents (others count areas, not children)
        if "incident" in m.label.lower():
            assert str(m.value).strip() not in {str(n) for n in SMALL}, m.label
    text = visible_text(at)
    assert not re.search(r"\b[1-4] (incidents|before|after)\b", text), text
    assert not re.search(r"(?<![\d,])[1-4]→|→[1-4](?![\d,])", text)
    for args in component_args(at):
        assert not re.search(r'"incidents": ?"[1-4]"', args["script"])
        assert not POINTS.search(args["script"]), "a point layer reached an aggregate view"
        assert not KEY.search(args["script"])
    for frame in chart_frames(at):
        if "n" in frame:
            assert not frame["n"].isin(list(SMALL)).any()
    assert not KEY.search(text)


@pytest.mark.parametrize("role", ["partner", "board", "analyst", "admin"])
def test_navigation_follows_the_role(settings, role: str) -> None:
    at = run(role)
    assert at.title[0].value == "Map"
    for page in PAGES:
        if page in ALLOWED[role]:
            assert run(role, page).title[0].value == TITLES[page]


@pytest.mark.parametrize(("role", "page"), [
    (role, page) for role in ("partner", "board")
    for page in ("map", "hotspots", "profile", "interventions", "board_pack")
    if page in ALLOWED[role]])
def test_aggregate_roles_see_no_small_numbers_points_or_keys(settings, role: str,
                                                             page: str) -> None:
    state = {"profile": ("place", _place_id(settings, "STN-AST"))}
    at = run(role, page, state)
    if page == "map":
        for unit in ("ward", "lsoa", "hex"):
            at.radio(key="map_unit").set_value(unit).run()
            assert_no_small_counts(at)
    elif page == "board_pack":
        at.button[0].click().run()
        assert not at.exception
        doc = at.session_state["board_pack"]
        assert "<svg" in doc and "Did the interventions work?" in doc
        # the board's figures come from perturbed series (the disclosure gate), whose noise
        # depends on the cluster's secret key. Over 227 keys (CONTEXTS_TEST_DISCLOSURE_SEED):
        # 19 % to 41 % fewer; the interval reaches 0 with 1 key in 11 ("no clear change");
        # with 1 key in 32 one of the 4 places gets "comparison too poor" and is left out
        said = re.search(r"Environmental design: (?:(\d+)% fewer incidents on average over "
                         r"[2-4] places|no clear change on average over [2-4] places "
                         r"\((\d+)% fewer)", doc)
        assert said, doc[doc.index("What works across places"):][:600]
        assert 15 <= int(said.group(1) or said.group(2)) <= 45
        assert "of incidents happened in the densest 5% of the area" in doc
        assert not KEY.search(doc)
        flags = doc[doc.index("Complex-strategy flags"):doc.index("Did the interventions")]
        assert not re.search(r"<td>[1-4]</td>", flags)
        assert not re.search(r"\b[1-4] (incidents|before|after)\b", doc)
    else:
        if page == "interventions":  # its before/after charts drawn too
            open_results(at)
        assert_no_small_counts(at)


def _place_id(settings, ref: str) -> str:
    with db.connect("superuser", settings) as conn:
        return str(conn.execute("SELECT place_id FROM place WHERE ref = %s", (ref,)).fetchone()[0])


def test_small_place_profile_suppressed_for_partner(settings) -> None:
    # a quiet station: its monthly counts are all small
    at = run("partner", "profile", {"profile": ("place", _place_id(settings, "SYN-33"))})
    assert_no_small_counts(at)
    analyst = run("analyst", "profile", {"profile": ("place", _place_id(settings, "SYN-33"))})
    frames = chart_frames(analyst)
    assert any(f["n"].isin(list(SMALL)).any() for f in frames if "n" in f)


def test_analyst_sees_points_and_exact_counts(settings) -> None:
    at = run("analyst", "map")
    at.toggle(key="map_points").set_value(True).run()
    assert not at.exception
    script = component_args(at)[0]["script"]
    assert POINTS.search(script)
    at.radio(key="map_unit").set_value("hex").run()
    assert re.search(r'"incidents": ?"[1-4]"', component_args(at)[0]["script"])


@pytest.mark.parametrize("page", ["upload", "admin"])
def test_partner_cannot_open_analyst_pages_even_directly(settings, page: str) -> None:
    with db.connect("superuser", settings) as conn:
        before = conn.execute("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
                              ).fetchone()[0]
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / PAGES[page]), default_timeout=60)
    at.session_state["demo_role"] = "partner"
    at.run()
    assert at.error and "do not have access" in at.error[0].value
    assert not at.get("file_uploader")
    with db.connect("superuser", settings) as conn:
        after = conn.execute("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
                             ).fetchone()[0]
    assert after == before + 1


def test_every_map_asset_is_local(settings) -> None:
    # place names are the partnership's text, shown as text (tests/test_security_attacks.py
    # loads one with a URL in it, and under pytest-xdist it may run first): not assets
    with db.connect("superuser", settings) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM place WHERE name ~ 'https?://'")]
    at = run("analyst", "map")
    for args in component_args(at):
        links = args["js_links"] + args["css_links"]
        assert links and all(u.startswith("/app/static/") for u in links), links
        script = args["script"]
        for name in names:
            script = script.replace(name, "")
        assert "http://" not in script and "https://" not in script


def test_place_names_are_escaped_in_the_map(settings, tmp_path: Path) -> None:
    name = "<img src=x onerror=alert(1)>"
    gdf = gpd.GeoDataFrame({"ref": ["XSS-1"], "name": [name], "category": ["street"]},
                           geometry=[shapely.Point(404000, 281000).buffer(60)], crs=27700)
    path = tmp_path / "xss.geojson"
    gdf.to_file(path, driver="GeoJSON")
    assert load("places", path, settings=settings).status == "loaded"
    at = run("partner", "map")
    script = component_args(at)[0]["script"]
    # folium writes & as \\u0026 inside its JSON
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in script
    assert "<img" not in script


def test_analyst_edits_an_intervention_and_a_partner_may_not(settings) -> None:
    from datetime import date

    from geo.services import actions

    ref = "INT-TEST-EDIT"
    with db.connect("superuser", settings) as conn:
        place = conn.execute("SELECT min(place_id) FROM place").fetchone()[0]
    actions.add_intervention("tests", "analyst", ref=ref, place_id=place, kind="lighting_cctv",
                             agency="Council", start_month=date(2025, 3, 1), end_month=None,
                             description="New lighting", settings=settings)
    try:
        at = run("analyst", "interventions", state={"iv_edit_ref": ref})
        agency = at.text_input(key=f"iv_edit_agency_{ref}")
        assert agency.value == "Council"
        agency.input("Council and Youth Service")
        at.text_area(key=f"iv_edit_description_{ref}").input(
            "Lighting and detached youth work on Friday evenings")
        at.checkbox(key=f"iv_edit_ended_{ref}").check()
        at.date_input(key=f"iv_edit_end_{ref}").set_value(date(2025, 9, 1))
        [b for b in at.button if b.label == "Save"][-1].click().run()
        assert not at.exception and f"{ref} saved." in visible_text(at)
        with db.connect("superuser", settings) as conn:
            row = conn.execute("SELECT agency, description, end_month FROM intervention "
                               "WHERE ref = %s", (ref,)).fetchone()
            audited = conn.execute("SELECT outcome FROM audit_log WHERE action = "
                                   "'intervention_edit' AND target = %s ORDER BY audit_id DESC "
                                   "LIMIT 1", (ref,)).fetchone()[0]
        assert row == ("Council and Youth Service",
                       "Lighting and detached youth work on Friday evenings", date(2025, 9, 1))
        assert audited == "edited"
        # personal details in the description are refused, and nothing changes
        at.text_area(key=f"iv_edit_description_{ref}").input("Met the family at B5 4BU")
        [b for b in at.button if b.label == "Save"][-1].click().run()
        assert "full postcode" in visible_text(at)
        with db.connect("superuser", settings) as conn:
            assert conn.execute("SELECT description FROM intervention WHERE ref = %s",
                                (ref,)).fetchone()[0].startswith("Lighting")
        # partners see no form, and the action itself refuses them
        assert not [w for w in run("partner", "interventions").text_input
                    if w.label == "Lead agency"]
        with pytest.raises(actions.Denied):
            actions.edit_intervention("someone", "partner", ref, place_id=place,
                                      kind="lighting_cctv", agency="x",
                                      start_month=date(2025, 3, 1), end_month=None,
                                      description="", settings=settings)
    finally:
        with db.connect("superuser", settings) as conn:
            conn.execute("DELETE FROM intervention WHERE ref = %s", (ref,))
            conn.commit()


def test_hot_spots_page_with_no_hot_spot_shows_an_empty_map(settings) -> None:
    """A harm type with no incidents: no hot or cold spot anywhere, a message, and a map
    without polygons (folium refuses a tooltip on an empty layer)."""
    at = run("partner", "hotspots", state={"f_harm_type_one": "asb", "hs_unit": "ward"})
    assert "No area is a hot or cold spot" in visible_text(at)
    args = component_args(at)
    assert args and '"features": []' in args[0]["script"]


def test_maps_render_with_no_places_and_no_polygons(settings) -> None:
    """A partnership that has loaded no places yet, and a layer with nothing to draw."""
    from geo.render.maps.areas import add_areas, unit_layer
    from geo.render.maps.base import base_map
    from geo.render.maps.places import add_places
    from geo.stats.disclosure import View

    units = gpd.GeoDataFrame({"unit_id": ["a"], "name": ["A"], "count": [3], "bin": [0]},
                             geometry=[shapely.box(-1.9, 52.4, -1.89, 52.41)], crs=4326)
    layer = unit_layer(units, "ward", View("partner"), "hotspots", significant_only=True)
    m = base_map(settings, layer["bounds"])
    add_areas(m, layer, name="Wards")
    assert add_places(m, gpd.GeoDataFrame(
        {"unit_id": [], "name": [], "category": []}, geometry=[], crs=4326)) is None
    html = m.get_root().render()
    assert '"features": []' in html and "NaN" not in html


def test_interventions_page_shows_verdicts_and_what_works(settings) -> None:
    at = run("analyst", "interventions")
    text = " ".join(m.value for m in at.markdown)
    # the places' own trends allowed for (issue #30): the planted 30 % fall over 4 places
    # is estimated, not yet clear
    assert "Environmental design: no clear change on average over 4 places (" in text, text
    assert "Licensing action: no clear change on average over 4 places" in text
    assert "Aston station" in text and "verdict: **reduced**" in text
    captions = " ".join(c.value for c in at.caption)
    assert "Matched comparison" in captions and "placebo in space p = " in captions
    assert "Weighted displacement difference against the matched comparison" in captions


def test_hot_spots_page_labels_areas_and_measures_concentration(settings) -> None:
    at = run("analyst", "hotspots")
    at.radio(key="hs_unit").set_value("ward").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"Hot spot or hot area around", "Local Moran", "Rate per 1,000"} <= set(table.columns)
    labels = {m.label for m in at.get("metric")}
    assert "Share of harm in the densest 5% of the area" in labels
    assert "Efficiency against hindsight (PEI*)" in labels
