"""Serving many people: the shared map rendering, the sticky proxy in front of several
Streamlit processes, and the load test's protocol client against a real server."""

from __future__ import annotations

import asyncio
import json
import os
import random
import urllib.request
from http.cookies import SimpleCookie
from typing import Any

import geopandas as gpd
import pytest
import shapely
import streamlit_folium as sf

from bench.load import Server, Tally, fault, load_run, person, source_address
from bench.streamlit_client import Session
from dashboard import _maps
from geo.cli.proxy import COOKIE, StickyProxy
from geo.config import Settings, get_settings
from geo.render.maps.areas import add_areas, area_layer
from geo.render.maps.base import base_map
from geo.render.maps.legend import add_legend
from tests._wait import wait_for


def _map() -> Any:
    """A small map as the pages make one: two polygons with tooltips."""
    gdf = gpd.GeoDataFrame({"name": ["A <b>", "B"], "count": ["3", "12"],
                            "_fill": ["#eeeeee", "#d95f02"]},
                           geometry=[shapely.box(-1.9, 52.4, -1.89, 52.41),
                                     shapely.box(-1.89, 52.4, -1.88, 52.41)], crs=4326)
    layer = area_layer(gdf, ["name", "count"], ["Area", "Incidents"], ["name"])
    m = base_map(get_settings(), layer["bounds"])
    add_areas(m, layer, name="Test")
    add_legend(m, layer)  # a legend element too
    return m


def test_shared_rendering_sends_what_st_folium_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> None:
        sent.append(kwargs)

    monkeypatch.setattr(sf, "_component_func", record)  # st_folium's own component
    monkeypatch.setattr(_maps, "_component", record)  # the same front end, declared by _maps
    sf.st_folium(_map(), key="k", height=620, use_container_width=True,
                 returned_objects=_maps.RETURNED)
    _maps.show(_maps.rendered(_map()), "k")
    a, b = sent
    for d in (a, b):
        assert callable(d.pop("on_change"))
        d.pop("id")  # a map's random id: folium names each new map afresh
    assert a == b
    assert "L.map" in a["script"]


def _get(url: str, cookie: str = "") -> tuple[bytes, str]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read(), r.headers.get("Set-Cookie", "")


def test_sticky_proxy_pins_a_browser_and_spreads_new_ones() -> None:
    """Two tiny HTTP servers behind the proxy: a browser with the cookie always reaches
    the same one; browsers without it are spread over both."""
    from conftest import free_port

    async def main() -> list[tuple[bytes, str]]:
        async def backend(name: bytes, reader: Any, writer: Any) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (len(name), name))
            await writer.drain()
            writer.close()

        ports = [free_port(), free_port()]
        servers = [await asyncio.start_server(lambda r, w, n=n: backend(n, r, w),
                                              "127.0.0.1", p)
                   for n, p in zip((b"one", b"two"), ports, strict=True)]
        front = free_port()
        ready = asyncio.Event()
        task = asyncio.create_task(StickyProxy([("127.0.0.1", p) for p in ports])
                                   .serve("127.0.0.1", front, ready))
        await ready.wait()
        url = f"http://127.0.0.1:{front}/"
        out = []
        try:
            for _ in range(4):
                out.append(await asyncio.to_thread(_get, url))
            first = SimpleCookie(out[0][1])[COOKIE].value
            for _ in range(4):
                out.append(await asyncio.to_thread(_get, url, f"{COOKIE}={first}"))
        finally:
            task.cancel()
            for s in servers:
                s.close()
        return out

    out = asyncio.run(main())
    fresh, pinned = out[:4], out[4:]
    assert {body for body, _ in fresh} == {b"one", b"two"}
    assert all(COOKIE in cookie for _, cookie in fresh)
    assert len({body for body, _ in pinned}) == 1 and pinned[0][0] == fresh[0][0]
    assert all(cookie == "" for _, cookie in pinned)


def test_proxy_times_out_slow_heads_and_caps_connections_per_client() -> None:
    """Issue #28: slow request heads (a slowloris) are answered 408 and closed, and one
    client holds at most ``per_client`` connections (the next gets 429); bounded by socket
    timeouts, waiting on the proxy's answers, never on a sleep."""
    import socket

    from conftest import free_port

    async def main() -> tuple[list[bytes], bytes, bytes, int]:
        async def backend(reader: Any, writer: Any) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        port = free_port()
        server = await asyncio.start_server(backend, "127.0.0.1", port)
        front = free_port()
        ready = asyncio.Event()
        proxy = StickyProxy([("127.0.0.1", port)], head_timeout=1.0, per_client=3)
        task = asyncio.create_task(proxy.serve("127.0.0.1", front, ready))
        await ready.wait()

        def slow_then_more() -> tuple[list[bytes], bytes, bytes]:
            slow = []
            for _ in range(3):  # three connections that never finish their head
                s = socket.create_connection(("127.0.0.1", front), timeout=30)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                slow.append(s)
            wait_for(lambda: sum(proxy.clients.values()) >= 3,
                     what="the proxy to count all three")
            with socket.create_connection(("127.0.0.1", front), timeout=30) as extra:
                refused = extra.recv(200)  # the fourth: refused at once
            answers = []
            for s in slow:  # each answered and closed by the proxy once its time is up
                with s:
                    got = b""
                    while chunk := s.recv(200):
                        got += chunk
                    answers.append(got)
            # and the client may connect again: its count went back down
            with socket.create_connection(("127.0.0.1", front), timeout=30) as again:
                again.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                fine = b""
                while chunk := again.recv(200):
                    fine += chunk
            return answers, refused, fine

        try:
            answers, refused, fine = await asyncio.to_thread(slow_then_more)
            # the last connection's count goes down
            await asyncio.to_thread(wait_for, lambda: not proxy.clients, 30.0,
                                    "the proxy's count to go down")
            left = sum(proxy.clients.values())
        finally:
            task.cancel()
            server.close()
        return answers, refused, fine, left

    answers, refused, fine, left = asyncio.run(main())
    assert refused.startswith(b"HTTP/1.1 429"), refused
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers
    assert fine.startswith(b"HTTP/1.1 200") and fine.endswith(b"ok"), fine
    assert left == 0


def test_the_load_tests_people_are_clients_of_their_own() -> None:
    """100 people are not one client over the proxy's cap (issue #34: 36 of 100 sessions
    were refused 429): each connects from a loopback address of their own, which the
    proxy counts apart; a second connection from one person's address is theirs."""
    import socket

    from conftest import free_port

    sources = [source_address(who) for who in range(300)]
    assert len(set(sources)) == 300 and source_address(-1) == ""
    assert all(s.startswith("127.") and s != "127.0.0.1" for s in sources)

    async def main() -> tuple[dict[str, int], bytes]:
        port = free_port()  # nothing listens there: no connection gets past its head
        front = free_port()
        ready = asyncio.Event()
        proxy = StickyProxy([("127.0.0.1", port)], head_timeout=30.0, per_client=1)
        task = asyncio.create_task(proxy.serve("127.0.0.1", front, ready))
        await ready.wait()

        def three_people() -> tuple[dict[str, int], bytes]:
            held = [socket.create_connection(("127.0.0.1", front), timeout=30,
                                             source_address=(sources[who], 0))
                    for who in range(3)]
            try:
                wait_for(lambda: sum(proxy.clients.values()) >= 3,
                         what="the proxy to count all three")
                counted = dict(proxy.clients)
                with socket.create_connection(("127.0.0.1", front), timeout=30,
                                              source_address=(sources[0], 0)) as extra:
                    refused = extra.recv(200)
            finally:
                for s in held:
                    s.close()
            return counted, refused

        try:
            return await asyncio.to_thread(three_people)
        finally:
            task.cancel()

    counted, refused = asyncio.run(main())
    assert counted == {source_address(who): 1 for who in range(3)}
    assert refused.startswith(b"HTTP/1.1 429"), refused


@pytest.mark.parametrize("workers", [2])
def test_people_use_the_served_app_through_the_proxy(settings: Settings, workers: int) -> None:
    """The load test's client, as three people (one per role), against ``contexts serve
    --workers 2`` on the test database: every step runs, without error; the browsers are
    spread over both processes; each holds a pooled connection at most per process."""
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": settings.database_name}
    server = Server(workers, env)
    server.start()
    try:
        url = f"ws://127.0.0.1:{server.port}/_stcore/stream"
        tally = Tally()

        async def main() -> None:
            await asyncio.gather(*(person(url, role, random.Random(i), 0, tally, once=True)
                                   for i, role in enumerate(("partner", "board", "analyst"))))

        asyncio.run(main())
        assert not tally.errors, tally.errors
        assert all(len(runs) >= 1 for runs in tally.runs.values()), tally.runs
        # a hexagon map went over the wire whole
        assert max(r.payload_bytes for r in tally.runs["Map → hexagons"]) > 100_000
        # the server is the proxy and the workers
        assert len(server.pids()) >= workers + 1
    finally:
        server.stop()


def _stream(app_url: str) -> str:
    """The websocket of the served app at ``app_url`` (the worker's shared one)."""
    return app_url.replace("http://", "ws://", 1) + "/_stcore/stream"


def test_a_session_sees_the_role_it_chose(app_url: str) -> None:
    async def main() -> list[str]:
        s = Session(_stream(app_url), timeout=60)
        await s.open()
        before = sorted(s.menu)
        r = await s.set("Demo role", "Analyst", sticky=True)
        assert r.ok, r.error
        after = sorted(s.menu)
        await s.page("Hot spots")
        await s.close()
        return [json.dumps(before), json.dumps(after)]

    before, after = asyncio.run(main())
    assert "Upload" not in before and "Upload" in after


def test_the_load_test_counts_a_dropped_session_as_lost(settings: Settings) -> None:
    """The fault run's own accounting (``--kill-replica-after``), with a fault it must
    catch: the whole server stopped mid-run, once each person has made two steps (an
    event, not a time: on a busy machine the steps take longer). Every person's session is
    lost and their next step missing; the steps before the stop ran without error."""
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": settings.database_name}
    env.pop("CONTEXTS_READ_REPLICA", None)
    server = Server(1, env)
    server.start()
    try:
        url = f"ws://127.0.0.1:{server.port}/_stcore/stream"
        # the run's ``seconds`` only bounds it: it ends once the stop has dropped both
        tally, _ = asyncio.run(load_run(
            url, server, 2, 300, settings.database_name, kill=server.stop, think=(0.3, 0.6),
            kill_when=lambda t: len(t.by_person) == 2 and all(
                len(runs) >= 2 for runs in t.by_person.values())))
    finally:
        server.stop()
    f = fault(tally, 2, None)
    assert f["stopped"] and tally.kill_at is not None
    assert f["sessions_lost"] == 2 and tally.lost == {0, 1}, tally.errors
    assert f["next_step_failed"] == 2
    assert f["before"]["n"] >= 4 and f["before"]["errors"] == 0, tally.errors
    # a step may start while the server is still winding down, and be answered by it
    done = tally.kill_at + tally.kill_took
    assert all(r.started < done for rs in tally.by_person.values() for r in rs)


def test_a_map_seen_again_is_not_sent_again(app_url: str) -> None:
    """Streamlit's message cache as the browser keeps it (issue #34): the server tells the
    session to keep large elements for ten runs (``global.maxCachedMessageAge``), so going
    back and forth between the Map and Hot spots sends each map's reference, not its parts
    again (once the pages' layout has settled: an element's hash covers its place)."""
    async def main() -> tuple[list[Any], Session]:
        s = Session(_stream(app_url), timeout=60)
        runs = [await s.open()]  # the Map
        for _ in range(3):
            runs += [await s.page("Hot spots"), await s.page("Map")]
        await s.close()
        return runs, s

    runs, s = asyncio.run(main())
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert s.max_age == 10
    most = max(r.payload_bytes for r in runs)
    assert most > 20_000  # a map's parts went whole at first
    assert all(r.payload_bytes < most / 4 for r in runs[-2:]), runs  # then by reference
    assert s.cache  # held by their hashes
