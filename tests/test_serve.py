"""`contexts serve` starts the real app: health check, the page, and loopback-only demo."""

from __future__ import annotations

import subprocess
import sys
import urllib.request


def test_health_and_page(app_url: str) -> None:
    with urllib.request.urlopen(f"{app_url}/_stcore/health") as r:
        assert r.status == 200 and r.read() == b"ok"
    with urllib.request.urlopen(app_url) as r:
        assert r.status == 200
        assert b"<html" in r.read().lower()


def test_leaflet_is_served_locally(app_url: str) -> None:
    with urllib.request.urlopen(f"{app_url}/app/static/vendor/leaflet/leaflet.js") as r:
        assert r.status == 200
        assert b"Leaflet" in r.read(4096)


def test_demo_refuses_to_listen_beyond_loopback(settings) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "geo.cli", "serve", "--address", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode != 0
    assert "loopback" in res.stderr
    res = subprocess.run(
        [sys.executable, "-m", "geo.cli", "serve", "--", "--server.address=0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode != 0 and "loopback" in res.stderr


def test_the_websocket_is_deflated(app_url: str) -> None:
    """The page's websocket agrees to permessage-deflate: a map's GeoJSON (1.2 MB of text
    for the 250 m hexagons at 1 M incidents) crosses the network as about an eighth of it
    (bench/browser.py's "on the wire" figures)."""
    import base64
    import http.client
    import os
    from urllib.parse import urlparse

    u = urlparse(app_url)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=30)
    conn.request("GET", "/_stcore/stream", headers={
        "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
        "Origin": app_url})
    answer = conn.getresponse()
    conn.close()
    assert answer.status == 101
    assert "permessage-deflate" in (answer.getheader("Sec-WebSocket-Extensions") or "")
