"""Shared fixtures: fresh test databases in the project's private PostGIS cluster.

The tests never mock the database: the session starts the real cluster (installing
PostGIS if it must), creates its databases from scratch, migrates them and loads the real
Birmingham boundaries and the sample data set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ["CONTEXTS_DATABASE_NAME"] = "contexts_test"
os.environ["CONTEXTS_TILES"] = "none"
os.environ["CONTEXTS_DEMO"] = "true"
os.environ.pop("DATABASE_URL", None)

import psycopg
import pytest

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.store import cluster, db

SAMPLE = PROJECT_ROOT / "sample_data"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

#: fixtures that start the private cluster: a test using any of them (directly or through
#: another fixture) is marked ``db``, so ``pytest -m "not db and not browser"`` runs the
#: pure tests in seconds with no PostgreSQL at all
DB_FIXTURES = frozenset({"settings", "ingest_settings", "admin"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _recreate(settings: Settings) -> None:
    """Drop and create the settings' database, then migrate it."""
    server = cluster.up(settings).url("postgres")
    name = psycopg.sql.Identifier(settings.database_name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))
    with db.connect("admin", settings) as conn:
        db.migrate(conn)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The test database with the whole sample data set loaded (as ``contexts demo``)."""
    get_settings.cache_clear()
    s = get_settings()
    _recreate(s)
    from geo.services.demo import load_demo

    for line in load_demo(SAMPLE, s):
        assert " loaded " in line, line
    return s


@pytest.fixture(scope="session")
def ingest_settings(settings: Settings) -> Settings:
    """A second database, for load tests: boundaries and places only, no incidents."""
    s = settings.model_copy(update={"database_name": "contexts_test_ingest"})
    _recreate(s)
    from geo.ingest import load

    for kind, name in (
        ("wards", "birmingham_wards_2018_bng.geojson"),
        ("lsoas", "birmingham_lsoa21_bng.geojson"),
        ("places", "places.geojson"),
    ):
        res = load(kind, SAMPLE / name, actor="tests", settings=s)
        assert res.status == "loaded", res.message
    return s


@pytest.fixture
def admin(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    with db.connect("admin", settings, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(port: int | None = None, env: dict[str, str] | None = None,
                extra: tuple[str, ...] = ()) -> Iterator[str]:
    """``contexts serve`` in a child process; yields its URL once healthy, stops it after."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = port or free_port()
    args = [sys.executable, "-m", "geo.cli", "serve", "--port", str(port)]
    if extra:
        args += ["--", *extra]
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    out = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError(f"the app did not start:\n{out[-3000:]}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
