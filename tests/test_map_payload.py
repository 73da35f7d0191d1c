"""Issue #34, pages faster in the browser: the Map page's map is smaller on the wire.

An area layer carries each style once per class and the properties every feature shares
once (:func:`geo.render.maps.areas.area_layer`), only what the tooltip and popup read, and
coordinates at 1e-5 degrees (about 1 m), the area's outline too. The bytes are
deterministic for the sample data, so they have a bound; and every value the disclosure
gate publishes still reaches each feature's tooltip and popup, in the data and in a browser.
"""

from __future__ import annotations

import pytest
from _wait import wait_for
from playwright.sync_api import Browser
from test_browser import (  # noqa: F401
    MAP_FRAME,
    browser,
    fresh_page,
    map_frame,
    outside,
    wait_for_map,
)
from test_dashboard import component_args, run

from geo.filters import Filters, month
from geo.render.maps.areas import faint_layer, unit_features, unit_layer
from geo.render.maps.escape import map_text
from geo.render.maps.legend import HOTSPOT_SENTENCE
from geo.render.maps.palette import NO_DATA_STYLE, PALETTE
from geo.render.text import View
from geo.store import db

#: bytes of the script the Map page sends a partner for its map (sample data, default
#: period), with a margin of about 2 %: measured 829,093 (hexagons) and 173,852 (wards);
#: 1,210,166 and 305,513 before (each style, "unit_id" and "kind" on every feature, the
#: outline and places at full precision)
BOUNDS = {"hex": 845_000, "ward": 178_000}
PERIOD = Filters(start=month("2017-01"), end=month("2017-12"))


@pytest.mark.pages
@pytest.mark.parametrize("unit", ["ward", "hex"])
def test_the_maps_script_is_below_its_measured_bound(settings, unit: str) -> None:
    at = run("partner", "map", {"map_unit": unit})
    script = component_args(at)[0]["script"]
    size = len(script.encode())
    print(f"{unit}: {size:,} bytes")
    assert size < BOUNDS[unit], size


def _put_back(layer: dict) -> list[dict]:
    """Each feature's properties as the map's script puts them back (shared, style)."""
    return [f["properties"] | layer["shared"] | {"style": layer["styles"][f["properties"]["s"]]}
            for f in layer["data"]["features"]]


@pytest.mark.parametrize("role", ["partner", "analyst"])
@pytest.mark.parametrize("colour", ["incidents", "hotspots"])
def test_every_published_value_reaches_the_tooltip_and_popup(settings, role: str,
                                                             colour: str) -> None:
    from geo.services.analysis import hotspot_table

    with db.connect("dashboard", settings) as conn:
        table = hotspot_table(conn, "hex", PERIOD)
        wards = hotspot_table(conn, "ward", PERIOD)
    view = View(role)
    want = unit_features(table, "hex", view, colour, wards)
    layer = unit_layer(table, "hex", view, colour, wards=wards)
    got = _put_back(layer)
    assert len(got) == len(want) == len(table)
    assert set(layer["fields"]) <= set(got[0])  # every tooltip field on every feature
    for p, row, fill in zip(got, want.itertuples(), want["_fill"], strict=True):
        for field in ("name", "incidents", "hotspot", "profile", "what"):
            assert p[field] == map_text(getattr(row, field)), (field, p, row)
        assert p["style"]["fillColor"] == (fill or NO_DATA_STYLE["fillColor"])
        assert "unit_id" not in p and "kind" not in p  # nothing the map does not show
    # the faint context shares the features, with its own styles
    faint = faint_layer(layer)
    assert faint["data"] is layer["data"]
    assert {s["fillColor"] for s in faint["styles"]} == {"#ffffff"}


@pytest.mark.browser
def test_in_the_browser_each_area_has_its_style_tooltip_and_popup(
        app_url: str, browser: Browser, outside: list[str]) -> None:  # noqa: F811
    """The styles and shared properties sent once are back on every area: no area in
    Leaflet's default blue, and an area's tooltip and popup read its figures and kind."""
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/")
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    areas = frame.locator("path.leaflet-interactive")
    fills = set(areas.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
    assert "#3388ff" not in fills and set(PALETTE) & fills, fills
    area = areas.nth(areas.count() // 2)
    area.dispatch_event("mouseover")
    tip = frame.locator(".leaflet-tooltip").last
    tip.wait_for(timeout=5_000)
    assert "Incidents" in tip.inner_text(), tip.inner_text()
    area.dispatch_event("click")
    popup = frame.locator(".ctx-popup").last
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "Ward" in text and "Incidents:" in text and "Open profile" in text, text
    page.context.close()


@pytest.mark.browser
def test_a_map_control_reruns_the_map_and_keeps_the_page(
        app_url: str, browser: Browser, outside: list[str]) -> None:  # noqa: F811
    """The Map page's controls and map are a fragment: colouring by hot spots redraws the
    map with its legend and the sentence under it, writes the state to the URL, and the
    rest of the page (title, filters) stays as it was."""
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/")
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    assert "Incidents in the period" in frame.locator(".ctx-legend").inner_text()
    page.locator("[data-testid='stRadio']").get_by_text("Hot spots", exact=True).click()
    page.get_by_text(HOTSPOT_SENTENCE).first.wait_for(timeout=60_000)
    # the rerun replaces the map's frame: one frame left, holding the new legend
    map_frame(page, ".ctx-legend >> text=Hot spots")
    wait_for(lambda: "colour=hotspots" in page.url, what="the colour in the URL")
    assert page.get_by_role("heading", name="Map").count() == 1
    assert page.locator("[data-testid='stSidebar'] [data-testid='stWidgetLabel']").count()
    page.context.close()
