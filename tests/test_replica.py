"""The read replica (a real streaming hot standby of the private cluster), pooled page reads
and the statement timeout.

The replica is made with ``pg_basebackup`` from the test cluster, streams its WAL over the
Unix socket, and the dashboard's pages read from it with ``CONTEXTS_READ_REPLICA=local``.
There is one standby per cluster: under pytest-xdist these tests all run in one worker
(``--dist loadfile``, pyproject.toml), so two workers never start or remove it at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
import streamlit as st
from conftest import _recreate, database_name
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.ingest import load
from geo.services import pages
from geo.store import db, replica

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
SAMPLE = PROJECT_ROOT / "sample_data"


def _use(**env: str | None) -> Settings:
    """Set (or, with None, unset) CONTEXTS_* variables and re-read the settings."""
    for k, v in env.items():
        key = f"CONTEXTS_{k.upper()}"
        if v is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = v
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="module")
def standby(settings: Settings) -> Iterator[Settings]:
    """The replica running, with the test database replayed; removed afterwards."""
    replica.up(settings)
    replica.wait_caught_up(settings)
    yield settings
    _use(read_replica=None)
    db.close_pools()
    replica.down(settings, remove=True)


@pytest.fixture
def reading_replica(standby: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setattr(db, "REPLICA_RETRY_S", 0.0)
    monkeypatch.setattr(db, "_replica_down_since", None)
    s = _use(read_replica="local")
    st.cache_data.clear()
    yield s
    _use(read_replica=None)
    st.cache_data.clear()


def _replica_sql(settings: Settings, dbname: str, query: str) -> object:
    url = replica.locate(settings).url(dbname)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def _page(role: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["demo_role"] = role
    at.run()
    at.switch_page(f"views/{page}.py").run()
    return at


def test_replica_is_a_hot_standby(standby: Settings) -> None:
    assert _replica_sql(standby, "postgres", "SELECT pg_is_in_recovery()") is True
    assert "hot standby" in replica.status(standby)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        with psycopg.connect(replica.locate(standby).url(standby.database_name)) as conn:
            conn.execute("CREATE TABLE nope (x int)")


def test_a_load_on_the_primary_is_visible_on_the_replica(standby: Settings) -> None:
    s = standby.model_copy(update={"database_name": database_name("replica")})
    server = replica.C.up(s).url("postgres")
    name = psycopg.sql.Identifier(s.database_name)
    _recreate(s)
    for kind, file in (("wards", "birmingham_wards_2018_bng.geojson"),
                       ("lsoas", "birmingham_lsoa21_bng.geojson"),
                       ("places", "places.geojson"), ("incidents", "incidents.csv")):
        assert load(kind, SAMPLE / file, actor="tests", settings=s).status == "loaded"
    with db.connect("admin", s) as conn:
        on_primary = conn.execute("SELECT count(*) FROM incident").fetchone()[0]  # type: ignore[index]
    assert on_primary > 0
    replica.wait_caught_up(s)
    assert _replica_sql(s, s.database_name, "SELECT count(*) FROM incident") == on_primary
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))


@pytest.mark.parametrize(("role", "page"), [
    ("partner", "map"), ("partner", "hotspots"), ("partner", "profile"),
    ("board", "interventions"), ("board", "board_pack"),
    ("analyst", "map"), ("analyst", "hotspots"), ("analyst", "profile")])
def test_pages_read_from_the_replica(reading_replica: Settings, role: str, page: str) -> None:
    at = _page(role, page)
    assert not at.exception, [e.message for e in at.exception]
    assert pages.read_source() == "replica"
    assert not any("replica" in i.value for i in at.info)
    # the page's reads were on the standby: the dashboard login holds pooled connections
    # there (and the areas setting went with them)
    held = _replica_sql(reading_replica, "postgres",
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE usename = 'contexts_dashboard'")
    assert isinstance(held, int) and held >= 1


def test_audit_writes_go_to_the_primary_while_reads_use_the_replica(
        reading_replica: Settings) -> None:
    with db.connect("admin", reading_replica) as conn:
        before = conn.execute("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
                              ).fetchone()[0]  # type: ignore[index]
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "views" / "admin.py"),
                           default_timeout=60)
    at.session_state["demo_role"] = "partner"
    at.run()
    assert at.error and "do not have access" in at.error[0].value
    with db.connect("admin", reading_replica) as conn:
        after = conn.execute("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
                             ).fetchone()[0]  # type: ignore[index]
    assert after == before + 1
    replica.wait_caught_up(reading_replica)
    assert _replica_sql(reading_replica, reading_replica.database_name,
                        "SELECT count(*) FROM audit_log WHERE outcome = 'denied'") == after


def test_replica_down_falls_back_to_the_primary_and_says_so(
        reading_replica: Settings) -> None:
    at = _page("partner", "map")
    assert not at.exception
    shown = [m.value for m in at.metric] + [c.value for c in at.caption]
    replica.down(reading_replica)  # killed under an open session
    try:
        st.cache_data.clear()
        at.run()  # the same session's next rerun
        assert not at.exception, [e.message for e in at.exception]
        assert pages.read_source() == "primary"
        assert any("read replica is not answering" in i.value for i in at.info)
        # the same figures, from the primary, in the same session
        assert [m.value for m in at.metric] + [c.value for c in at.caption] == shown
        assert at.session_state["demo_role"] == "partner"
    finally:
        replica.up(reading_replica)
        replica.wait_caught_up(reading_replica)
    st.cache_data.clear()
    at.switch_page("views/hotspots.py").run()
    assert not at.exception
    assert pages.read_source() == "replica"
    assert not any("replica" in i.value for i in at.info)


def test_a_read_past_the_statement_timeout_says_so_and_writes_nothing(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.connect("admin", settings) as conn:
        before = conn.execute("SELECT count(*), max(audit_id) FROM audit_log").fetchone()
    # 1 ms: below the setting's floor of 100 ms, so set on a copy (no validation)
    quick = settings.model_copy(update={"dashboard_timeout_ms": 1})
    monkeypatch.setattr(pages, "get_settings", lambda: quick)
    st.cache_data.clear()
    try:
        at = _page("analyst", "hotspots")
    finally:
        monkeypatch.undo()
        st.cache_data.clear()
    assert not at.exception, [e.message for e in at.exception]
    assert any(pages.TOO_SLOW in w.value for w in at.warning), [w.value for w in at.warning]
    with db.connect("admin", settings) as conn:
        assert conn.execute("SELECT count(*), max(audit_id) FROM audit_log").fetchone() == before
    # and with the usual timeout the same page is whole again
    at = _page("analyst", "hotspots")
    assert not at.exception and not any(pages.TOO_SLOW in w.value for w in at.warning)


def test_pool_is_bounded_and_lends_each_read_its_areas(settings: Settings) -> None:
    everything = db.read(lambda c: c.execute("SELECT count(*) FROM incident").fetchone()[0],
                         ("*",), settings)
    seen = [db.read(lambda c: c.execute("SELECT count(*) FROM incident").fetchone()[0],
                    ("*",) if i % 2 else ("E09000001",), settings) for i in range(20)]
    assert seen == [everything if i % 2 else 0 for i in range(20)] and everything > 0
    stats = db.pool_stats()
    assert stats and all(v["pool_size"] <= settings.pool_size for v in stats.values())


def test_a_connection_back_in_the_pool_sees_no_area(settings: Settings) -> None:
    n = db.read(lambda c: c.execute("SELECT count(*) FROM incident").fetchone()[0], ("*",),
                settings)
    assert n > 0
    pool = db._pool(db.dsn("dashboard", settings), settings)
    for _ in range(settings.pool_size):  # whichever connection comes back
        with pool.connection() as c:
            assert c.execute("SELECT count(*) FROM incident").fetchone() == (0,)


def test_replica_command(standby: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from geo.cli.main import main

    assert main(["db", "replica", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("running (hot standby)") and "replayed" in out
