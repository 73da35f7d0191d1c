"""Issue #31, the maps in a real browser (headless Chromium, offline but for localhost; the
fixtures of ``tests/test_browser.py``): on a phone the legend is a closed "Legend" button
that opens without covering the map's zoom buttons or most of the map; a place's popup
shows its published figures and opens its profile; the Networks map draws its lines with
arrows over the ward names, and a click on a place there opens the place's profile; on a
phone the Map page's map starts on the first screen, its controls under it (above it on a
wider screen).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _wait import wait_for
from playwright.sync_api import Browser, FrameLocator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import MAP_FRAME, browser, fresh_page, outside, wait_for_map  # noqa: F401

pytestmark = pytest.mark.browser


def _overlap(a: dict, b: dict) -> float:
    """The area two boxes share."""
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(w, 0) * max(h, 0)


def test_on_a_phone_the_legend_opens_and_closes_and_never_covers_the_zoom_buttons(
        app_url: str, browser: Browser, outside: list[str],  # noqa: F811
        artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 390, "height": 844},
                      is_mobile=True, has_touch=True)
    page.goto(f"{app_url}/")
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    legend = frame.locator(".ctx-legend")
    zoom = frame.locator(".leaflet-control-zoom")
    body = frame.locator(".ctx-legend-body")
    assert legend.is_visible() and zoom.is_visible()
    assert not body.is_visible(), "the legend starts open on a phone"
    area = page.locator(MAP_FRAME).bounding_box()
    closed, zb = legend.bounding_box(), zoom.bounding_box()
    assert area and closed and zb
    assert _overlap(closed, zb) == 0
    assert closed["width"] * closed["height"] < 0.05 * area["width"] * area["height"], closed
    page.screenshot(path=str(artifacts / "phone-map-legend-closed.png"))

    frame.get_by_text("Legend", exact=True).click()
    body.wait_for(state="visible", timeout=5_000)
    assert "Incidents in the period" in legend.inner_text()
    opened = legend.bounding_box()
    assert opened is not None
    assert _overlap(opened, zb) == 0, (opened, zb)
    share = opened["width"] * opened["height"] / (area["width"] * area["height"])
    assert share < 0.4, f"the open legend covers {share:.0%} of the map"
    # inside the map (not cut off at its edge)
    assert opened["x"] >= area["x"] and opened["x"] + opened["width"] <= area["x"] + area[
        "width"] + 1
    page.screenshot(path=str(artifacts / "phone-map-legend-open.png"))
    print(f"phone legend: closed {closed['width']:.0f}x{closed['height']:.0f} px, open "
          f"{opened['width']:.0f}x{opened['height']:.0f} px = {share:.0%} of the "
          f"{area['width']:.0f}x{area['height']:.0f} px map")

    frame.get_by_text("Legend", exact=True).click()
    body.wait_for(state="hidden", timeout=5_000)
    # the zoom buttons still work with the legend there
    zoom.locator(".leaflet-control-zoom-in").click()
    page.context.close()


def _open_a_place_popup(page: Page, frame: FrameLocator) -> str:
    """Click place icons well inside the map until one's popup opens; its text."""
    icons = frame.locator(".place-icon")
    icons.first.wait_for(timeout=60_000)
    area = page.locator(MAP_FRAME).bounding_box()
    assert area is not None
    legend = frame.locator(".ctx-legend").bounding_box()
    for k in range(icons.count()):
        box = icons.nth(k).bounding_box()
        if box is None or (legend and _overlap(box, legend) > 0) or not (
                area["x"] + 50 < box["x"] < area["x"] + area["width"] - 60
                and area["y"] + 50 < box["y"] < area["y"] + area["height"] - 60):
            continue
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        popup = frame.locator(".ctx-popup").last
        try:
            popup.wait_for(timeout=5_000)
        except PlaywrightTimeout:  # an icon under another, or under the legend
            continue
        text = popup.inner_text()
        if "Open profile" in text and ("Incidents:" in text or "filter" in text):
            return text
    raise AssertionError("no place popup opened")


def test_a_place_popup_shows_its_published_count_and_opens_its_profile(
        app_url: str, browser: Browser, outside: list[str],  # noqa: F811
        artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/?role=partner")
    wait_for_map(page)
    map_box, controls = (page.locator(MAP_FRAME).bounding_box(),
                         page.get_by_text("Colour by").bounding_box())
    assert map_box and controls and controls["y"] < map_box["y"]  # on a desktop, above it
    frame = page.frame_locator(MAP_FRAME)
    text = _open_a_place_popup(page, frame)
    count = text.split("Incidents:")[1].split()[0]
    assert count == "<5" or (count.replace(",", "").isdigit() and int(
        count.replace(",", "")) >= 5), text
    page.screenshot(path=str(artifacts / "map-place-popup.png"))
    frame.locator(".ctx-popup").last.get_by_role("link", name="Open profile").click()
    page.get_by_role("heading", name="Place profile").wait_for(timeout=60_000)
    wait_for(lambda: "place=place" in page.url, what="the place in the profile's URL")
    page.context.close()


def test_the_networks_map_draws_arrows_over_the_wards_and_a_place_opens_its_profile(
        app_url: str, browser: Browser, outside: list[str],  # noqa: F811
        artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1400})
    page.goto(f"{app_url}/networks?role=analyst")
    page.get_by_role("heading", name="Map of the network").wait_for(timeout=90_000)
    frame = page.frame_locator(MAP_FRAME)
    lines = frame.locator("path.leaflet-interactive")
    lines.first.wait_for(timeout=90_000)
    wait_for(lambda: frame.locator(".ctx-arrow").count() > 0, what="corridor arrows")
    frame.locator(".area-label span").first.wait_for(timeout=30_000)
    assert lines.count() > frame.locator(".ctx-arrow").count()  # links and corridors
    legend = frame.locator(".ctx-legend").inner_text()
    assert "Lines between places" in legend and "Corridor" in legend, legend
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "networks-map.png"), full_page=True)
    text = _open_a_place_popup(page, frame)
    assert "Incidents:" in text, text
    frame.locator(".ctx-popup").last.get_by_role("link", name="Open profile").click()
    page.get_by_role("heading", name="Place profile").wait_for(timeout=60_000)
    wait_for(lambda: "place=place" in page.url, what="the place in the profile's URL")
    page.context.close()


def test_on_a_phone_the_map_starts_on_the_first_screen(
        app_url: str, browser: Browser, outside: list[str],  # noqa: F811
        artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 390, "height": 844},
                      is_mobile=True, has_touch=True)
    page.goto(f"{app_url}/?role=partner")
    wait_for_map(page)
    area = page.locator(MAP_FRAME).bounding_box()
    controls = page.get_by_text("Colour by").bounding_box()
    assert area and controls
    page.screenshot(path=str(artifacts / "phone-map-first-screen.png"))
    print(f"phone map: top at {area['y']:.0f} px of the 844 px screen, "
          f"{area['width']:.0f}x{area['height']:.0f} px; its controls at {controls['y']:.0f} px")
    # under the title (before, under its controls: 604 px down, 240 px of it on the first
    # screen): most of the map is on the first screen, its controls under it
    assert area["y"] + 0.6 * area["height"] <= 844, area
    assert controls["y"] > area["y"] + area["height"] - 1, (controls, area)
    page.context.close()
