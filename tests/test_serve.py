"""`contexts serve` starts the real app: health check, the page, and loopback-only demo."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest
from conftest import running_app


@pytest.fixture(scope="module")
def server(settings):
    with running_app() as url:
        yield url


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
