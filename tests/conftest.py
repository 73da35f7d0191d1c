"""Shared fixtures: a fresh test database in the project's private PostGIS cluster.

The tests never mock the database: the session starts the real cluster (installing
PostGIS if it must), creates ``contexts_test`` from scratch, migrates it and loads the
real Birmingham boundaries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ["CONTEXTS_DATABASE_NAME"] = "contexts_test"
os.environ.setdefault("CONTEXTS_TILES", "none")
os.environ["CONTEXTS_DEMO"] = "true"

import psycopg  # noqa: E402
import pytest  # noqa: E402

from geo import cluster, db  # noqa: E402
from geo.config import PROJECT_ROOT, Settings, get_settings  # noqa: E402

SAMPLE = PROJECT_ROOT / "sample_data"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def _recreate(settings: Settings) -> None:
    if settings.embedded:
        c = cluster.up(settings)
        server = c.url("postgres")
    else:
        raise RuntimeError("the tests use the private cluster; unset DATABASE_URL")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS contexts_test WITH (FORCE)")
        conn.execute("CREATE DATABASE contexts_test")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings of the migrated test database with the wards and LSOAs loaded."""
    get_settings.cache_clear()
    s = get_settings()
    _recreate(s)
    with db.connect("admin", s) as conn:
        db.migrate(conn)
    from geo.ingest import load

    for kind, name in (
        ("wards", "birmingham_wards_2018_bng.geojson"),
        ("lsoas", "birmingham_lsoa21_bng.geojson"),
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
