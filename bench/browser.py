"""What people feel: each page, as each role, in headless Chromium against the served
dashboard (``contexts serve`` on loopback, 1,000,000 incidents).

For every page and every role that may open it: the time from asking for the page to the
page being usable (its main content there: the map's areas drawn in its frame, the main
table or chart present; :data:`READY`), on a first visit (a new browser context: empty
cache, new session), a second and a third visit (the same page loaded again in that
context: the browser's cache warm, the app's scripts started again), a return through the
menu (another page opened from the app's menu, then this one: what a person coming back to
a page within a session feels, the scripts already running; the old page's elements stay
until the new run ends, so the return counts to the run's end with the main content
there), and the bytes the browser received until then (HTTP responses and websocket
frames, counted by the DevTools protocol). Before the timed runs one untimed
pass opens every page as every role (the server's shared caches of a morning after the
first viewers); its times are kept as the "server cold" note. Medians over
``BENCH_BROWSER_RUNS`` runs (5; 2 with ``--quick``). Then a board member makes the board
pack in the browser (the button to the download button).

``python -m bench --only browser``; ``BENCH_BROWSER_ROWS`` (1,000,000; 200,000 quick),
``BENCH_BROWSER_PAGES=map,hotspots`` and ``BENCH_BROWSER_ROLES=partner`` narrow it.
``BENCH_BROWSER_BASE=<folder>``: the same pages also served from another checkout of the
project (say ``git archive`` of the commit before a change), on the same database and
cluster, visit for visit in turn with this one; its medians are the figures' baselines (on
a busy machine the ratio is steadier than either time).
``python -m bench.browser`` prints the figures without writing results.json.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench._common import Figure
from bench.load import Server

CHROMIUM = "/usr/bin/chromium"
MAP_FRAME = "iframe[title*='st_folium']"
WARDS = 69
TIMEOUT = 120_000  # ms: a page not usable in two minutes fails the bench


def _map_drawn(polygons: int) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        frame = page.frame_locator(MAP_FRAME)
        frame.locator("path.leaflet-interactive").nth(polygons - 1).wait_for(
            state="attached", timeout=TIMEOUT)
        frame.locator(".ctx-legend").first.wait_for(state="attached", timeout=TIMEOUT)
    return ready


def _present(*testids: str) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        for t in testids:
            page.locator(f"[data-testid='{t}']").first.wait_for(state="attached",
                                                                timeout=TIMEOUT)
    return ready


def _all(*steps: Callable[[Any], None]) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        for s in steps:
            s(page)
    return ready


def _chart_or_withheld(page: Any) -> None:
    page.locator("[data-testid='stVegaLiteChart']").or_(
        page.get_by_text("Not shown at this detail")).first.wait_for(
        state="attached", timeout=TIMEOUT)


def _heading(name: str) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        page.get_by_role("heading", name=name).first.wait_for(state="attached",
                                                              timeout=TIMEOUT)
    return ready


def _table_or_note(page: Any) -> None:
    """The page's table, or the note in its place when there is nothing to list."""
    page.locator("[data-testid='stDataFrame'], [data-testid='stAlert'], "
                 "[data-testid='stMarkdown'] p:text-matches('^No .* (yet|recorded)')").first \
        .wait_for(state="attached", timeout=TIMEOUT)


def _button(name: str) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        page.get_by_role("button", name=name).wait_for(state="attached", timeout=TIMEOUT)
    return ready


@dataclass(frozen=True)
class Target:
    """A page to open: its label, address (path and query, the role added), the
    condition for usable, and the page's heading (its ``st.title``)."""

    label: str
    path: str
    roles: tuple[str, ...]
    ready: Callable[[Any], None] = field(compare=False)
    title: str

    @property
    def page(self) -> str:
        """The page's name (:data:`geo.roles.PAGES`)."""
        return self.path.strip("/").split("?")[0] or "map"

    @property
    def menu(self) -> str:
        """The page's entry in the app's menu."""
        from geo.roles import PAGES

        for p in PAGES:
            if p.name == self.page:
                return p.title
        raise ValueError(f"{self.label}: no page {self.page!r} in the app's menu")


ALL = ("partner", "board", "analyst")
#: what "usable" means on each page (its main content, not what is below the fold)
READY: tuple[Target, ...] = (
    Target("Map (wards)", "/", ALL, _map_drawn(WARDS), "Map"),
    Target("Map (250 m hexagons)", "/?unit=hex", ALL, _map_drawn(1), "Map"),
    Target("Hot spots", "/hotspots", ALL,
           _all(_map_drawn(1), _present("stDataFrame")), "Hot spots"),
    Target("Place profile", "/profile", ALL, _chart_or_withheld, "Place profile"),
    Target("Interventions", "/interventions", ALL, _table_or_note, "Interventions"),
    Target("Contexts", "/contexts", ALL, _table_or_note, "Contexts of concern"),
    Target("Next meeting", "/meeting", ALL, _heading("4. Interventions that ended"),
           "Next meeting"),
    Target("Networks", "/networks", ALL, _heading("Corridors"), "Networks of places"),
    Target("Upload", "/upload", ("analyst",), _present("stFileUploader"), "Upload an extract"),
    Target("Board pack", "/board_pack", ("board", "analyst"), _button("Make the board pack"),
           "Board pack"),
    Target("Admin", "/admin", ("admin",), _present("stDataFrame"), "Admin"),
)


class Counter:
    """Bytes the page received (HTTP bodies with headers, as on the wire, and websocket
    frames' payloads), from the DevTools protocol of one page."""

    def __init__(self, page: Any) -> None:
        self.http = 0
        self.ws = 0
        self.deflated = 0  # the frames' size deflated one by one (permessage-deflate's
        self.compressed = False  # size without its context), and whether it was agreed
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.loadingFinished", self._loaded)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.webSocketHandshakeResponseReceived", self._handshake)
        cdp.send("Network.enable")

    def _loaded(self, e: dict[str, Any]) -> None:
        self.http += int(e.get("encodedDataLength", 0))

    def _frame(self, e: dict[str, Any]) -> None:
        r = e.get("response", {})
        data = r.get("payloadData", "")
        # text frames come as text, binary (Streamlit's protobuf) as base64
        raw = data.encode() if r.get("opcode") == 1 else base64.b64decode(data)
        self.ws += len(raw)
        self.deflated += _deflated(raw) if len(raw) > 512 else len(raw)

    def _handshake(self, e: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in e.get("response", {}).get("headers", {}).items()}
        self.compressed = "permessage-deflate" in headers.get("sec-websocket-extensions", "")

    def reset(self) -> None:
        self.http = self.ws = self.deflated = 0

    @property
    def total(self) -> int:
        return self.http + self.ws


def _deflated(raw: bytes) -> int:
    """The size of a frame deflated as the server does (uvicorn's websockets: a 4 KB
    window, ``server_max_window_bits=12``; each frame on its own, a slight overestimate)."""
    z = zlib.compressobj(6, zlib.DEFLATED, -12, 5)
    return len(z.compress(raw) + z.flush(zlib.Z_SYNC_FLUSH))


@dataclass
class Visit:
    seconds: float
    http: int
    ws: int
    ws_wire: int  # the websocket's bytes on the wire: deflated if the server agreed to

    @property
    def bytes(self) -> int:
        return self.http + self.ws


def visit(page: Any, counter: Counter, url: str, ready: Callable[[Any], None]) -> Visit:
    """Open ``url`` and wait until the page is usable; the time and bytes it took."""
    counter.reset()
    t = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=TIMEOUT)
    try:
        ready(page)
    except Exception as e:
        raise RuntimeError(f"{url}: not usable in {TIMEOUT / 1000:.0f} s ({e})") from None
    took = time.perf_counter() - t
    # the page must not show an error instead of its content
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{url}: the page shows an exception")
    return Visit(took, counter.http, counter.ws,
                 counter.deflated if counter.compressed else counter.ws)


#: the script of the page is over (Streamlit's own mark on the app)
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
#: where a return through the menu comes from: a page everyone may open (another one for
#: itself), its menu entry and heading
AWAY = ("Contexts", "Contexts of concern")
AWAY_FROM_AWAY = ("Next meeting", "Next meeting")


def _from_menu(page: Any, entry: str, title: str) -> None:
    """Open the page ``entry`` from the app's menu and wait for its heading ``title``."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=entry).first.click(timeout=TIMEOUT)
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=TIMEOUT)


def menu_visit(page: Any, counter: Counter, target: Target) -> Visit:
    """Another page opened from the menu, then ``target``'s: the time from the click to
    the new run's end with the page's main content there (the old page's elements stay on
    screen until the run ends)."""
    away = AWAY_FROM_AWAY if target.title == AWAY[1] else AWAY
    _from_menu(page, *away)
    page.locator(IDLE).wait_for(state="attached", timeout=TIMEOUT)
    counter.reset()
    t = time.perf_counter()
    try:
        _from_menu(page, target.menu, target.title)
        page.locator(IDLE).wait_for(state="attached", timeout=TIMEOUT)
        target.ready(page)
    except Exception as e:
        raise RuntimeError(f"{target.label} from the menu: not usable in "
                           f"{TIMEOUT / 1000:.0f} s ({e})") from None
    took = time.perf_counter() - t
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{target.label} from the menu: the page shows an exception")
    return Visit(took, counter.http, counter.ws,
                 counter.deflated if counter.compressed else counter.ws)


Visits = tuple[Visit, Visit, Visit, Visit | None]


def _menu(v: Visits) -> Visit:
    """The return through the menu of a dashboard page's visits."""
    if v[3] is None:
        raise ValueError("a dashboard page's visits end with a return through the menu")
    return v[3]


def visits(browser: Any, url: str, target: Target | None) -> Visits:
    """The page opened three times in one tab of a new browser context: a first visit
    (nothing cached), a second and a third (the HTTP cache warm, and whatever V8 cached
    of the scripts' compiled code by then: the bench does not check what it did); then,
    for a page of the dashboard (``target``), a return to it through the app's menu
    (:func:`menu_visit`)."""
    ready = target.ready if target else _button("A button")
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        counter = Counter(page)
        first = visit(page, counter, url, ready)
        second = visit(page, counter, url, ready)
        third = visit(page, counter, url, ready)
        menu = menu_visit(page, counter, target) if target else None
        return first, second, third, menu
    finally:
        ctx.close()


#: the floor: the least a page is, served by the same Streamlit with the project's
#: configuration (:class:`Floor`); every page's first visit is set against it
FLOOR_APP = '''"""The floor of bench/browser.py: the least a page of this Streamlit is."""
import streamlit as st

st.title("A page")
st.write("A heading, a sentence and a button: what any page costs before its content.")
st.button("A button")
'''


class Floor(Server):
    """:data:`FLOOR_APP` served as ``contexts serve`` serves the dashboard (the same
    Streamlit options, ``.streamlit/config.toml`` copied), from a folder of its own."""

    def command(self) -> list[str]:
        from geo.cli.serve import APP, command
        from geo.config import PROJECT_ROOT

        (self.cwd / ".streamlit").mkdir(exist_ok=True)
        shutil.copy(PROJECT_ROOT / ".streamlit" / "config.toml",
                    self.cwd / ".streamlit" / "config.toml")
        (self.cwd / "app.py").write_text(FLOOR_APP)
        return [str(self.cwd / "app.py") if part == str(APP) else part
                for part in command(self.port, "127.0.0.1")]


def board_pack_made(browser: Any, base: str) -> float:
    """A board member opens the Board pack page and makes the pack: the click on "Make the
    board pack" to the download button."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.goto(f"{base}/board_pack?role=board", timeout=TIMEOUT)
        make = page.get_by_role("button", name="Make the board pack")
        make.wait_for(timeout=TIMEOUT)
        t = time.perf_counter()
        make.click()
        page.get_by_role("button", name="Download the PDF (A4)").wait_for(timeout=3 * TIMEOUT)
        return time.perf_counter() - t
    finally:
        ctx.close()


def _chosen(quick: bool) -> list[tuple[Target, str]]:
    pages = [p for p in os.environ.get("BENCH_BROWSER_PAGES", "").split(",") if p]
    roles = [r for r in os.environ.get("BENCH_BROWSER_ROLES", "").split(",") if r]
    out = []
    for t in READY:
        if pages and t.page not in pages:
            continue
        out += [(t, r) for r in t.roles if not roles or r in roles]
    return out


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(base: str, quick: bool, other: str | None = None, floor: str | None = None
            ) -> list[Figure]:
    """Every chosen page as every chosen role against the dashboard served at ``base``
    (and, visit for visit, at ``other``: the baselines; and in each run the bare page
    served at ``floor``, :data:`FLOOR_APP`)."""
    from playwright.sync_api import sync_playwright

    runs = int(os.environ.get("BENCH_BROWSER_RUNS", "2" if quick else "5"))
    chosen = _chosen(quick)
    figures: list[Figure] = []
    load_before = _load()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            cold: dict[tuple[str, str], float] = {}
            servers = [base] + ([other] if other else [])
            for t, role in chosen:  # the untimed pass: the server's caches filled
                sep = "&" if "?" in t.path else "?"
                for url in servers:
                    took = visits(browser, f"{url}{t.path}{sep}role={role}", t)[0].seconds
                    cold.setdefault((t.label, role), took)
            if floor:
                visits(browser, floor, None)
            seen: dict[tuple[str, str], list[Visits]] = {}
            then: dict[tuple[str, str], list[Visits]] = {}
            bare: list[Visits] = []
            for _ in range(runs):  # runs interleaved: a noisy minute spreads over pages
                for t, role in chosen:
                    sep = "&" if "?" in t.path else "?"
                    for url, into in zip(servers, (seen, then), strict=False):
                        into.setdefault((t.label, role), []).append(visits(
                            browser, f"{url}{t.path}{sep}role={role}", t))
                if floor:
                    bare.append(visits(browser, floor, None))
            pack: list[float] = []
            pack_then: list[float] = []
            if any(t.label == "Board pack" for t, _ in chosen):
                for _ in range(max(1, runs // 2)):
                    pack.append(board_pack_made(browser, base))
                    if other:
                        pack_then.append(board_pack_made(browser, other))
        finally:
            browser.close()
    floors = ([statistics.median(v[0].seconds for v in bare),
               statistics.median(v[1].seconds for v in bare),
               statistics.median(v[2].seconds for v in bare)] if bare else [])
    if floors:
        figures += [Figure(f"browser: the floor (a bare page), {n} visit", floors[i], "s", "",
                           None, len(bare), "a heading, a sentence and a button served by the "
                           "same Streamlit with the project's options: what any page costs "
                           "here before its content")
                    for i, n in enumerate(("first", "second", "third"))]
    for (label, role), vs in seen.items():
        f1 = statistics.median(v[0].seconds for v in vs)
        f2 = statistics.median(v[1].seconds for v in vs)
        f3 = statistics.median(v[2].seconds for v in vs)
        b1 = statistics.median(v[0].bytes for v in vs)
        b2 = statistics.median(v[1].bytes for v in vs)
        ws1 = statistics.median(v[0].ws for v in vs)
        ws2 = statistics.median(v[1].ws for v in vs)
        wire1 = statistics.median(v[0].ws_wire for v in vs)
        wire2 = statistics.median(v[1].ws_wire for v in vs)
        name = f"browser: {label} as {role}"
        old = then.get((label, role))

        def base_of(pick: Callable[[Visits], float], old: Any = old
                    ) -> float | None:
            return statistics.median(pick(v) for v in old) if old else None

        by = "the other checkout" if old else "the first visit"
        figures += [
            Figure(f"{name}, first visit", f1, "s", "< 1.5 s",
                   base_of(lambda v: v[0].seconds) or (floors[0] if floors else None),
                   len(vs), f"server cold (the untimed pass): {cold[(label, role)]:.2f} s"
                   + ("; baseline: the other checkout" if old
                      else "; baseline: the floor's first visit" if floors else "")),
            Figure(f"{name}, second visit", f2, "s", "< 0.7 s",
                   base_of(lambda v: v[1].seconds) if old else f1, len(vs),
                   f"baseline: {by}"),
            Figure(f"{name}, third visit", f3, "s", "",
                   base_of(lambda v: v[2].seconds) or (floors[2] if floors else None),
                   len(vs), "the same tab a third time" + (
                       "; baseline: the other checkout" if old
                       else "; baseline: the floor's third visit" if floors else "")),
            Figure(f"{name}, back through the menu", statistics.median(
                       _menu(v).seconds for v in vs), "s", "< 0.7 s",
                   base_of(lambda v: _menu(v).seconds) or f2, len(vs),
                   "another page opened from the menu, then this one (the scripts already "
                   "running): to the run's end with the main content there; websocket "
                   f"{statistics.median(_menu(v).ws for v in vs) / 2**20:.2f} MB; baseline: "
                   + ("the other checkout" if old else "the second visit (a reload)")),
            Figure(f"{name}, bytes, first visit", b1 / 2**20, "MB", "",
                   (base_of(lambda v: v[0].bytes) or 0) / 2**20 or None, len(vs),
                   f"websocket {ws1 / 2**20:.2f} MB ({wire1 / 2**20:.2f} MB on the wire), "
                   f"HTTP {(b1 - ws1) / 2**20:.2f} MB"),
            Figure(f"{name}, bytes, second visit", b2 / 2**20, "MB", "",
                   (base_of(lambda v: v[1].bytes) or 0) / 2**20 or b1 / 2**20,
                   len(vs), f"websocket {ws2 / 2**20:.2f} MB ({wire2 / 2**20:.2f} MB on the "
                   f"wire), HTTP {(b2 - ws2) / 2**20:.2f} MB; baseline: {by}"),
            Figure(f"{name}, websocket bytes on the wire, second visit", wire2 / 2**20, "MB",
                   "", (base_of(lambda v: v[1].ws_wire) or 0) / 2**20 or ws2 / 2**20,
                   len(vs), "what the page sends again on every visit; baseline: "
                   + ("the other checkout" if old else "uncompressed")),
        ]
    if pack:
        figures.append(Figure("browser: board pack made (click to download button)",
                              statistics.median(pack), "s", "< 3 s",
                              statistics.median(pack_then) if pack_then else None, len(pack),
                              "baseline: the other checkout" if pack_then else ""))
    figures.append(Figure("browser: load average over the run (1 min)",
                          os.getloadavg()[0], "", "", None, 1,
                          f"before: {load_before}; after: {_load()}"))
    return figures


def run(quick: bool = False) -> list[Figure]:
    from pathlib import Path

    from bench.load import database
    from geo.config import PROJECT_ROOT

    rows = int(os.environ.get("BENCH_BROWSER_ROWS", "200000" if quick else "1000000"))
    dbname = database(rows)
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": dbname, "CONTEXTS_TILES": "none",
           "CONTEXTS_DEMO": "true"}
    env.pop("CONTEXTS_READ_REPLICA", None)
    server = Server(1, env)
    other = os.environ.get("BENCH_BROWSER_BASE")
    servers = [server]
    if other:  # the other checkout's code, on this checkout's cluster and database
        servers.append(Server(1, {**env, "PYTHONPATH": other, "CONTEXTS_HOME": str(PROJECT_ROOT)},
                              cwd=Path(other)))
    folder = tempfile.TemporaryDirectory(prefix="contexts-floor-")
    floor = Floor(1, {k: v for k, v in env.items() if not k.startswith("CONTEXTS_")},
                  cwd=Path(folder.name))
    with contextlib.ExitStack() as stack:  # each server stopped, the folder removed, whatever
        stack.callback(folder.cleanup)
        for s in [*servers, floor]:
            stack.callback(s.stop)
            s.start()
        figures = measure(f"http://127.0.0.1:{server.port}", quick,
                          f"http://127.0.0.1:{servers[1].port}" if other else None,
                          f"http://127.0.0.1:{floor.port}/")
    bad = [t for s in [*servers, floor] for t in s.tracebacks()]
    if bad:
        raise RuntimeError(f"the server logged exceptions: {bad[:3]}")
    return [Figure(f.name.replace("browser: ", f"browser ({rows:,} incidents): ", 1),
                   f.median, f.unit, f.target, f.baseline, f.runs, f.note) for f in figures]


if __name__ == "__main__":
    import sys

    quick = "--quick" in sys.argv
    for f in run(quick):
        ratio = f" ratio {f.ratio:.2f}" if f.ratio is not None else ""
        print(f"{f.name:<80} {f.median:8.3f} {f.unit:<2} {f.target:>8}{ratio}  {f.note}")
