"""The real app in headless Chromium, offline (any request beyond localhost fails the test):
the map shows ward names, a legend and a scale at the default zoom; a click opens a popup
whose link opens the profile with the same filters; a double-click zooms and never leaves
the page; a shared URL opens the same view in a fresh browser; a phone gets a closed sidebar
after navigating; a board member downloads the PDF board pack. Screenshots of every page as
every role go to ``test-artifacts/pages/`` (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from _wait import wait_for
from playwright.sync_api import Browser, FrameLocator, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import roles

CHROMIUM = "/usr/bin/chromium"
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")
MAP_FRAME = "iframe[title*='st_folium']"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def outside() -> Iterator[list[str]]:
    """Requests that tried to leave localhost (each test asserts there were none)."""
    seen: list[str] = []
    yield seen
    assert not seen, f"requests left localhost: {seen[:5]}"


def fresh_page(browser: Browser, outside: list[str], **context: object) -> Page:
    """A page in a new browser context (no cookies, no session), offline but for localhost."""
    ctx = browser.new_context(accept_downloads=True, **context)  # type: ignore[arg-type]
    page = ctx.new_page()

    def guard(route, request) -> None:
        if LOCAL.match(request.url) or request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    page.route("**/*", guard)
    return page


#: the app's script has finished its run (the attribute Streamlit's own end-to-end tests
#: wait on): what a page shows at the end of a run is all there
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"


def settled(page: Page, timeout: float = 90_000) -> None:
    """Wait until the app's run has finished (after something of that run was seen: a
    heading, a text), instead of a fixed pause before reading or photographing the page."""
    page.locator(SETTLED).wait_for(timeout=timeout)


def map_frame(page: Page, holding: str) -> FrameLocator:
    """The map's frame once exactly one is left and it holds ``holding`` (a selector). A
    rerun replaces the frame: for a moment the old and the new one are both there, and the
    old one (without what the rerun added) may be the only one at first."""
    def one() -> bool:
        try:
            return (page.locator(MAP_FRAME).count() == 1
                    and page.frame_locator(MAP_FRAME).locator(holding).count() > 0)
        except PlaywrightError:  # the frames changed while they were looked at
            return False

    wait_for(one, timeout=90, what=f"one map frame holding {holding}")
    return page.frame_locator(MAP_FRAME)


def wait_for_map(page: Page, polygons: int = 69) -> None:
    frame = page.frame_locator(MAP_FRAME)
    shapes = frame.locator("path.leaflet-interactive")
    shapes.first.wait_for(timeout=90_000)
    wait_for(lambda: shapes.count() >= polygons, what=f"{polygons} areas on the map")
    label = frame.locator(".area-label span").first
    label.wait_for(timeout=30_000)
    # the labels are placed after the map has fitted its bounds: wait until the first one
    # is where it was the time before (the map has stopped moving)
    last: list[object] = [None]

    def still() -> bool:
        try:
            box = label.bounding_box()
        except PlaywrightError:  # the frame was replaced while it was looked at
            return False
        same = box is not None and box == last[0]
        last[0] = box
        return same

    wait_for(still, every=0.2, what="the map's labels in place")


def query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_the_map_shows_names_legend_and_scale_and_a_popup_opens_the_profile(
        app_url: str, browser: Browser, outside: list[str], artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/?harm=cce")
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    names = frame.locator(".area-label.ward span")

    def placed() -> list[str] | None:  # ward names at the default zoom, none overlapping
        texts = names.all_inner_texts()
        return texts if len(texts) >= 15 else None

    labels = wait_for(placed, what="15 ward names on the map")
    assert "Ladywood" in labels or "Aston" in labels, labels
    legend = frame.locator(".ctx-legend").inner_text()
    assert "Incidents in the period" in legend and "Places of concern" in legend, legend
    assert "Transport hub" in legend  # the key of place categories, in words
    assert frame.locator(".leaflet-control-scale").count() == 1
    assert frame.locator(".place-icon").count() > 10
    page.screenshot(path=str(artifacts / "map.png"), full_page=True)

    # a click opens a popup: the name, the published count, the hot spot status, a link
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    popup = frame.locator(".ctx-popup").last
    for dx in (0.47, 0.52, 0.44, 0.58):  # an empty spot between icons, whichever is hit
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * 0.62)
        try:
            popup.wait_for(timeout=5_000)
            if "Incidents" in popup.inner_text():
                break
        except PlaywrightTimeout:
            continue
    text = popup.inner_text()
    assert "Incidents:" in text and "Open profile" in text, text
    assert re.search(r"(Hot|Cold) spot|Not significant", text), text
    assert page.get_by_role("heading", name="Map").count() == 1  # the click stayed here
    page.screenshot(path=str(artifacts / "map-popup.png"))
    popup.get_by_role("link", name="Open profile").click()
    page.get_by_role("heading", name="Place profile").wait_for(timeout=60_000)
    # the profile's charts, or (a partner's filtered view of an area with under 10 such
    # incidents) the sentence saying why the breakdown is not shown (issue #27's rule)
    page.locator("[data-testid='stVegaLiteChart']").or_(
        page.get_by_text("Not shown at this detail")).first.wait_for(timeout=60_000)
    state = query(page)
    assert state.get("harm") == "cce" and state.get("place", "").startswith("ward:"), state
    page.screenshot(path=str(artifacts / "profile.png"), full_page=True)
    page.context.close()


def test_an_analyst_sees_the_incident_points_drawn(app_url: str, browser: Browser,
                                                   outside: list[str],
                                                   artifacts: Path) -> None:
    """The analysts' point layer draws (grouped markers and the areas under them) with no
    tiles: a map without a maximum zoom drew nothing once points were asked for."""
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/?role=analyst")
    wait_for_map(page)
    page.get_by_text("Incident points (analysts)").click()
    page.get_by_text(re.compile(r"[\d,]+ incidents drawn as points")).wait_for(timeout=90_000)
    # the map's frame is replaced on the rerun: wait until the new one alone is left
    frame = map_frame(page, ".marker-cluster")
    clusters = frame.locator(".marker-cluster")
    assert clusters.count() > 5
    # the areas are drawn too, under the points
    assert frame.locator("path.leaflet-interactive").count() >= 69
    numbers = [int(t.replace(",", "")) for t in clusters.all_inner_texts() if t.strip()]
    assert sum(numbers) > 1000, numbers[:10]
    assert not [e for e in errors if "maxZoom" in e], errors
    page.screenshot(path=str(artifacts / "map-points.png"))
    page.context.close()


def test_profile_charts_name_each_month_once_and_never_nan(app_url: str, browser: Browser,
                                                           outside: list[str],
                                                           artifacts: Path) -> None:
    """The trend's axis, drawn by Chromium west of Greenwich: each month of a four-month
    period once (a time axis drew weekly ticks, "Dec 2024" five times and no Mar 2025); a
    quiet place's charts as a partner read no "NaN"."""
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1400},
                      timezone_id="America/New_York")
    page.goto(f"{app_url}/profile?role=analyst&from=2024-12&to=2025-03")
    page.get_by_role("heading", name="Place profile").wait_for(timeout=60_000)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.get_by_text("Mar 2025").wait_for(timeout=60_000)
    labels = [t for t in chart.inner_text().split("\n")
              if re.match(r"^[A-Z][a-z]{2} \d{4}$", t)]
    assert labels == ["Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025"], labels
    page.context.close()

    from test_readable_pages import _quiet_place

    from geo.config import get_settings

    quiet, month = _quiet_place(get_settings())
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1400})
    page.goto(f"{app_url}/profile?role=partner&place=place:{quiet}&from={month}&to={month}")
    grid = page.get_by_role("heading", name="Day and time")
    withheld = page.get_by_text("Not shown at this detail")
    grid.or_(withheld).first.wait_for(timeout=60_000)
    if withheld.count():  # the month's total published under 10 with this run's record
        page.context.close()  # keys: no breakdown at all (#27's detail rule), no NaN
        return
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.last.locator("svg, canvas").first.wait_for(timeout=60_000)
    settled(page)
    text = " ".join(charts.all_inner_texts())
    assert "NaN" not in text, text
    page.screenshot(path=str(artifacts / "profile-quiet-place.png"), full_page=True)
    page.context.close()


def test_double_click_zooms_and_does_not_navigate(app_url: str, browser: Browser,
                                                  outside: list[str]) -> None:
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    scale = frame.locator(".leaflet-control-scale-line").first
    before = (scale.inner_text(), scale.get_attribute("style"))
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    page.mouse.dblclick(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    wait_for(lambda: (scale.inner_text(), scale.get_attribute("style")) != before,
             what="the map to zoom in (its scale bar to change)")
    assert page.get_by_role("heading", name="Map").count() == 1
    assert page.get_by_role("heading", name="Place profile").count() == 0
    assert urlparse(page.url).path in ("", "/")
    after = (scale.inner_text(), scale.get_attribute("style"))
    assert after != before  # it zoomed in (the scale bar changed)
    page.context.close()


def test_a_shared_url_opens_the_same_view_in_a_fresh_browser(app_url: str, browser: Browser,
                                                             outside: list[str]) -> None:
    # an analyst's view (analysts choose any months; partners and boards fixed periods)
    shared = f"{app_url}/?from=2024-01&to=2024-06&harm=cce&unit=lsoa&colour=hotspots" \
        "&role=analyst"
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(shared)
    wait_for_map(page, polygons=100)
    assert page.get_by_role("radio", name="LSOAs").is_checked()
    assert page.get_by_role("radio", name="Hot spots (Gi*)").is_checked()
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Jan 2024" in sidebar.inner_text() and "Jun 2024" in sidebar.inner_text()
    legend = page.frame_locator(MAP_FRAME).locator(".ctx-legend").inner_text()
    assert "Getis-Ord Gi*" in legend and "neighbours" in legend
    # the link's box is filled only once opened: until then no code element, so not
    # Streamlit's syntax highlighter either (1.5 MB of JavaScript on every visit, #34)
    assert sidebar.locator("[data-testid='stCode']").count() == 0
    assert not page.evaluate("() => performance.getEntriesByType('resource')"
                             ".some(r => r.name.includes('SyntaxHighlighter'))")
    # the link to copy holds the same state
    sidebar.get_by_text("Link to this view").click()
    link = sidebar.locator("[data-testid='stCode']").inner_text()
    assert "from=2024-01" in link and "unit=lsoa" in link and "harm=cce" in link
    # and the state stays when moving to another page
    sidebar.get_by_role("link", name="Hot spots").click()
    page.get_by_role("heading", name="Hot spots").wait_for(timeout=60_000)
    sidebar.get_by_text("Jan 2024").first.wait_for(timeout=60_000)
    state = query(page)
    assert (state.get("from"), state.get("to"), state.get("harm")) == \
        ("2024-01", "2024-06", "cce"), state
    page.context.close()

    # a fresh context again, on the other page: the same period there too
    again = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    again.goto(f"{app_url}/hotspots?{urlparse(page.url).query}")
    again.get_by_role("heading", name="Hot spots").wait_for(timeout=60_000)
    again.locator("[data-testid='stSidebar']").get_by_text("Jan 2024").first.wait_for(
        timeout=60_000)
    assert again.get_by_role("radio", name="LSOAs").is_checked()
    again.context.close()


def test_on_a_phone_the_sidebar_closes_after_navigating(app_url: str, browser: Browser,
                                                        outside: list[str],
                                                        artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 390, "height": 844},
                      is_mobile=True, has_touch=True)
    page.goto(f"{app_url}/interventions")
    page.get_by_role("heading", name="Interventions").wait_for(timeout=60_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("data-collapsed") == "true"  # closed on a phone at first
    page.locator("[data-testid='stExpandSidebarButton']").first.click()
    page.wait_for_function("document.querySelector('[data-testid=stSidebar]')"
                           ".getAttribute('data-collapsed') === 'false'", timeout=10_000)
    sidebar.get_by_role("link", name="Hot spots").click()
    page.get_by_role("heading", name="Hot spots").wait_for(timeout=60_000)
    # and closed again once the person has chosen a page
    page.wait_for_function("document.querySelector('[data-testid=stSidebar]')"
                           ".getAttribute('data-collapsed') === 'true'", timeout=20_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    settled(page)
    # the page itself does not scroll sideways: wide tables scroll in their own frame
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, width
    page.screenshot(path=str(artifacts / "phone-hotspots.png"), full_page=True)
    page.context.close()


def test_a_result_draws_its_chart_when_its_section_is_opened(app_url: str, browser: Browser,
                                                            outside: list[str]) -> None:
    """The Interventions page draws no result's chart until its section is opened (a
    rerun), then that one."""
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/interventions?role=partner")
    page.get_by_role("heading", name="Results").wait_for(timeout=60_000)
    settled(page)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    assert charts.count() == 0
    page.locator("[data-testid='stExpander'] summary").filter(has_text=" at ").first.click()
    charts.first.wait_for(timeout=60_000)
    settled(page)
    assert charts.count() == 1
    page.context.close()


def test_a_board_member_downloads_the_pdf_board_pack(app_url: str, browser: Browser,
                                                     outside: list[str],
                                                     artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/board_pack?role=board")
    page.get_by_role("heading", name="Board pack").wait_for(timeout=60_000)
    page.get_by_role("button", name="Make the board pack").click()
    button = page.get_by_role("button", name="Download the PDF (A4)")
    button.wait_for(timeout=180_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    path = info.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    assert info.value.suggested_filename.endswith(".pdf")
    (artifacts / "board-pack-download.pdf").write_bytes(data)
    page.context.close()


def test_screenshots_of_every_page_and_every_role(app_url: str, browser: Browser,
                                                 outside: list[str], artifacts: Path) -> None:
    """Not a check of looks: a picture of each page for people to look at, and each page
    at least shows its title with no error. Each page once, as one of the roles that may
    see it (taken in turn, so that every role is seen), unless
    ``CONTEXTS_TEST_SCREENSHOTS=all``: each page as every role (34 pages, about four
    minutes on a busy machine; every role's pages are rendered by the AppTests anyway:
    test_dashboard.py, test_disclosure_attacks.py)."""
    import os

    every = os.environ.get("CONTEXTS_TEST_SCREENSHOTS") == "all"
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    # a tall window: Streamlit scrolls inside the page, so the picture is the window
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 2600})
    shown: set[str] = set()
    for i, p in enumerate(roles.PAGES):
        allowed = [r for r in roles.ROLES if r in p.roles]
        for role in allowed if every else [allowed[i % len(allowed)]]:
            shown.add(role)
            path = "" if p.name == "map" else p.name
            page.goto(f"{app_url}/{path}?role={role}")
            try:
                page.get_by_role("heading", name=p.title if p.name != "upload"
                                 else "Upload an extract").first.wait_for(timeout=60_000)
            except PlaywrightTimeout:
                page.get_by_text("Upload").first.wait_for(timeout=30_000)
            settled(page)
            assert page.locator("[data-testid='stException']").count() == 0, (role, p.name)
            page.screenshot(path=str(folder / f"{role}-{p.name}.png"), full_page=True)
    page.context.close()
    assert shown == set(roles.ROLES), shown


def test_a_typed_url_cannot_open_a_page_the_role_may_not_see(app_url: str, browser: Browser,
                                                             outside: list[str]) -> None:
    page = fresh_page(browser, outside)
    page.goto(f"{app_url}/admin")  # the demo starts as a community safety partner
    page.get_by_text("Demo mode").first.wait_for(timeout=60_000)
    settled(page)
    text = page.locator("body").inner_text()
    page.context.close()
    assert "Audit log" not in text and "Upload" not in text


def test_a_context_record_in_the_browser(app_url: str, browser: Browser, outside: list[str],
                                         artifacts: Path) -> None:
    """The Contexts page in Chromium as a partner: the six demo contexts listed, one record
    open with its risk-over-time chart and timeline, no form to edit, nothing fetched from
    outside the machine."""
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 2200})
    page.goto(f"{app_url}/contexts?role=partner")
    page.get_by_role("heading", name="Contexts of concern").wait_for(timeout=60_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    page.get_by_role("heading", name="Risk over time").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Timeline").wait_for(timeout=60_000)
    # open the county line's record: its places have incidents, so its chart has a line
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Open a context")
    box.click()
    page.keyboard.type("Witton")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Witton to Sutton Coldfield line").wait_for(timeout=60_000)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Record a new context").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(artifacts / "context-record.png"), full_page=True)
    assert not outside, outside
    page.context.close()
