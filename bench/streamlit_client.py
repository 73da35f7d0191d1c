"""A Streamlit client that speaks the browser's protocol: one websocket per person.

It does what the browser's JavaScript does at the protocol level (``/_stcore/stream``,
subprotocol ``streamlit``): it sends ``BackMsg.rerun_script`` with a ``ClientState`` (the
page's script hash and the widgets' values) and reads ``ForwardMsg``s until the run's
``script_finished``. It learns page hashes from the ``navigation`` message and widget ids
from the deltas, as the frontend does. It runs no JavaScript: a component (the folium map)
gets its payload but does not send its first value back, as a browser's would.

Like the browser it keeps Streamlit's message cache: a large element (``metadata.cacheable``,
10 KB or more: the map's parts) is kept by its hash, the hashes held are sent with each
rerun, and the server then sends a reference (``ref_hash``) in place of an element the
client holds; an element not used for more runs than the server's
``global.maxCachedMessageAge`` (told in ``new_session``) is dropped, as the browser drops it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TOO_SLOW = "This view is taking too long"
#: the notice of a page read from the primary because the read replica does not answer
REPLICA_DOWN = "The read replica is not answering"


@dataclass
class Run:
    """What one rerun took and showed."""

    seconds: float
    ok: bool
    error: str = ""
    payload_bytes: int = 0
    started: float = 0.0  # time.monotonic() when the rerun was asked for
    worker: str = ""  # the server process (the proxy's cookie), when behind the proxy
    fallback: bool = False  # the page said it read from the primary (replica down)


@dataclass
class Session:
    """One browser tab: its websocket, the app's pages and the widgets of the last run."""

    url: str
    timeout: float = 120.0
    cookie: str = ""
    #: the loopback address the connection comes from ("": the system's choice); many
    #: people on one machine come from addresses of their own, as browsers do, so that the
    #: proxy's cap on one client address's connections (geo/cli/proxy.py) is not theirs
    source: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # page title -> script hash
    widgets: dict[str, Any] = field(default_factory=dict)  # label -> element proto
    values: dict[str, tuple[str, Any]] = field(default_factory=dict)  # id -> (kind, value)
    menu: list[str] = field(default_factory=list)  # the pages the menu shows
    sticky: set[str] = field(default_factory=set)  # ids of widgets on every page (sidebar)
    page_hash: str = ""
    worker: str = ""
    ws: Any = None
    #: the message cache: hash -> (the message's bytes, the run it was last used in)
    cache: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    runs: int = 0  # script runs finished, as the browser counts them
    max_age: int = 2  # runs an unused message is kept (the server's maxCachedMessageAge)

    async def open(self) -> Run:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], max_size=2**27,  # type: ignore[list-item]
            additional_headers=headers, open_timeout=self.timeout, ping_interval=None,
            local_addr=(self.source, 0) if self.source else None)
        cookie = self.ws.response.headers.get("Set-Cookie", "")
        self.worker = cookie.split(";")[0].partition("=")[2]
        return await self.rerun()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def page(self, title: str) -> Run:
        """Open the page with this title (as in the navigation, e.g. ``Hot spots``)."""
        self.page_hash = self.pages[title]
        # the browser sends the widgets it shows: the app's sidebar ones stay, the page's go
        self.values = {k: v for k, v in self.values.items() if k in self.sticky}
        return await self.rerun()

    async def set(self, label: str, shown: str, sticky: bool = False) -> Run:
        """Choose ``shown`` (the option as displayed) in the radio or selectbox ``label``
        (``sticky``: a widget of every page, kept when the page changes)."""
        el = self.widgets[label]
        kind = el.WhichOneof("type")
        proto = getattr(el, kind)
        self.values[proto.id] = ("string_value", shown)
        if sticky:
            self.sticky.add(proto.id)
        return await self.rerun()

    def options(self, label: str) -> list[str]:
        el = self.widgets[label]
        return list(getattr(el, el.WhichOneof("type")).options)

    async def rerun(self) -> Run:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_script_hash = self.page_hash
        cs.cached_message_hashes.extend(self.cache)
        for wid, (kind, value) in self.values.items():
            w = cs.widget_states.widgets.add()
            w.id = wid
            setattr(w, kind, value)
        t = time.perf_counter()
        started = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        error, size, fallback = "", 0, False
        self.widgets = {}
        deadline = t + self.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return Run(time.perf_counter() - t, False, "no answer in time", size, started,
                           self.worker)
            try:
                data = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                return Run(time.perf_counter() - t, False, "no answer in time", size, started,
                           self.worker)
            size += len(data)
            fm = ForwardMsg.FromString(data)
            kind = fm.WhichOneof("type")
            if kind == "ref_hash":  # an element this client holds, sent by its hash
                held = self.cache.get(fm.ref_hash)
                if held is None:
                    return Run(time.perf_counter() - t, False, "a reference to a message not "
                               "held", size, started, self.worker)
                self.cache[fm.ref_hash] = (held[0], self.runs)
                fm = ForwardMsg.FromString(held[0])
                kind = fm.WhichOneof("type")
            elif fm.metadata.cacheable and fm.hash:
                self.cache[fm.hash] = (bytes(data), self.runs)
            if kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in fm.navigation.app_pages}
                self.menu = [p.page_name for p in fm.navigation.app_pages if not p.is_hidden]
                self.page_hash = self.page_hash or fm.navigation.page_script_hash
            elif kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash or self.page_hash
                self.max_age = fm.new_session.config.max_cached_message_age or self.max_age
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "exception":
                    error = error or f"exception: {el.exception.type}: {el.exception.message}"
                elif etype == "alert" and TOO_SLOW in el.alert.body:
                    error = error or "statement timeout: " + el.alert.body
                elif etype == "alert" and REPLICA_DOWN in el.alert.body:
                    fallback = True
                elif etype in ("radio", "selectbox"):
                    self.widgets[getattr(el, etype).label] = el
            elif kind == "script_finished":
                status = fm.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.switch_page / st.rerun: a new run follows
                self.runs += 1
                self.cache = {h: (m, n) for h, (m, n) in self.cache.items()
                              if self.runs - n <= self.max_age}
                took = time.perf_counter() - t
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    error = error or "compile error"
                return Run(took, not error, error, size, started, self.worker, fallback)
