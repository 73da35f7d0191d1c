"""`contexts serve` starts the real app: health check, the page, and loopback-only demo."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(settings):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise AssertionError(f"server did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_health_and_page(server: str) -> None:
    with urllib.request.urlopen(f"{server}/_stcore/health") as r:
        assert r.status == 200 and r.read() == b"ok"
    with urllib.request.urlopen(server) as r:
        assert r.status == 200
        assert b"<html" in r.read().lower()


def test_leaflet_is_served_locally(server: str) -> None:
    with urllib.request.urlopen(f"{server}/app/static/vendor/leaflet/leaflet.js") as r:
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
