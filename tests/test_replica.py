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
from _wait import wait_for
from conftest import READ_REPLICA, VISIBLE_INCIDENTS, database_name, from_template, standby_up
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
    """The replica running, with the test database replayed; removed afterwards if this
    module started it (a run with ``CONTEXTS_TEST_READ_REPLICA`` may share it)."""
    made = standby_up(settings)
    yield settings
    _use(read_replica="local" if READ_REPLICA else None)
    db.close_pools()
    if made:
        replica.down(settings, remove=True)


@pytest.fixture
def reading_replica(standby: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    router = db.store().router
    router.reset()
    monkeypatch.setattr(router, "retry_s", 0.0)
    s = _use(read_replica="local")
    st.cache_data.clear()
    yield s
    _use(read_replica="local" if READ_REPLICA else None)
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
    from_template(s, "boundaries")  # copied on the primary: replayed by the standby too
    assert load("incidents", SAMPLE / "incidents.csv", actor="tests",
                settings=s).status == "loaded"
    with db.connect("superuser", s) as conn:
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
    with db.connect("superuser", reading_replica) as conn:
        before = conn.execute("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
                              ).fetchone()[0]  # type: ignore[index]
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "views" / "admin.py"),
                           default_timeout=60)
    at.session_state["demo_role"] = "partner"
    at.run()
    assert at.error and "do not have access" in at.error[0].value
    with db.connect("superuser", reading_replica) as conn:
        after = conn.execute("SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
                             ).fetchone()[0]  # type: ignore[index]
    assert after == before + 1
    replica.wait_caught_up(reading_replica)
    assert _replica_sql(reading_replica, reading_replica.database_name,
                        "SELECT count(*) FROM audit_log WHERE outcome = 'denied'") == after


@pytest.mark.parametrize("login", ["contexts_owner", "postgres"])
def test_a_replica_url_with_another_login_is_never_read_as_it_is(
        standby: Settings, monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    """Issue #28, problem 4: a replica given by URL with the owner's login (which may not
    take the dashboard role) is refused, and reads go to the primary as the dashboard
    role; with a superuser's login, the connection takes the dashboard role (SET ROLE)
    and its row-level security before any read. Either way a partner of an area with no
    incidents reads none of the 20,000 (all of another area)."""
    router = db.store().router
    router.reset()
    monkeypatch.setattr(router, "retry_s", 0.0)
    # generous waits (a busy machine): for a pooled connection, and for the standby to
    # replay what this process wrote before (read-your-writes), so that a superuser's
    # read reaches the replica whatever the load; the owner's is refused either way (its
    # pool never lends a connection: the usual wait, then the one direct try is refused)
    monkeypatch.setattr(router, "wait_s", 30.0 if login == "postgres" else router.wait_s)
    monkeypatch.setattr(router, "ryw_wait_s", 30.0)
    url = replica.locate(standby).url(standby.database_name, login)
    s = _use(read_replica=url)
    try:
        one_area = db.read(lambda c: c.execute(
            f"SELECT ({VISIBLE_INCIDENTS}), current_user, pg_is_in_recovery()").fetchone(),
            ("E09000001",), s)
    finally:
        db.store().pools.drop(url)
        _use(read_replica="local" if READ_REPLICA else None)
    with db.connect("superuser", standby) as conn:
        everything = conn.execute("SELECT count(*) FROM incident").fetchone()[0]  # type: ignore[index]
    n, who, on_replica = one_area
    assert everything > 0 and n == 0 and who == "contexts_dashboard"
    # the owner's login never reads: the read went to the primary
    assert on_replica is (login == "postgres")


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


def test_reads_in_flight_when_the_replica_stops_do_not_wait_out_the_pool(
        reading_replica: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #34, item 3: the replica stopped under a pool holding its connections. The
    next read does not wait out the pool (made 60 s here): after REPLICA_FIRST_WAIT_S it
    tries one connection, is refused, reads from the primary and closes the stopped
    replica's pool, so that the reads waiting on it fail at once too; while it stays down,
    a retry tries one connection and makes no pool to wait on."""
    from geo.store import routing

    router = db.store().router
    count = VISIBLE_INCIDENTS  # a page read: the role reads no area table itself

    def one() -> int:
        return int(db.read(lambda c: c.execute(count).fetchone()[0], ("*",),
                           reading_replica))

    want = one()
    url = routing.replica_url(reading_replica)
    assert url is not None and db.read_counts()["replica"] > 0 and db.store().pools.has(url)
    monkeypatch.setattr(router, "wait_s", 60.0)
    before = db.read_counts()
    replica.down(reading_replica)
    try:
        assert one() == want
        after = db.read_counts()
        assert after["primary, replica down"] == before.get("primary, replica down", 0) + 1
        assert after["replica"] == before["replica"]
        assert router.down_since is not None and not db.store().pools.has(url)
        # the retry (retry_s is 0 here): one refused connection, no pool made
        assert one() == want and not db.store().pools.has(url)
        assert not routing.answers(url, 1.0)
    finally:
        replica.up(reading_replica)
        replica.wait_caught_up(reading_replica)
    assert one() == want and db.read_counts()["replica"] == after["replica"] + 1
    assert router.down_since is None


def test_a_read_past_the_statement_timeout_says_so_and_writes_nothing(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.connect("superuser", settings) as conn:
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
    with db.connect("superuser", settings) as conn:
        assert conn.execute("SELECT count(*), max(audit_id) FROM audit_log").fetchone() == before
    # and with the usual timeout the same page is whole again
    at = _page("analyst", "hotspots")
    assert not at.exception and not any(pages.TOO_SLOW in w.value for w in at.warning)


def test_pool_is_bounded_and_lends_each_read_its_areas(settings: Settings) -> None:
    everything = db.read(lambda c: c.execute(VISIBLE_INCIDENTS).fetchone()[0],
                         ("*",), settings)
    seen = [db.read(lambda c: c.execute(VISIBLE_INCIDENTS).fetchone()[0],
                    ("*",) if i % 2 else ("E09000001",), settings) for i in range(20)]
    assert seen == [everything if i % 2 else 0 for i in range(20)] and everything > 0
    stats = db.pool_stats()
    assert stats and all(v["pool_size"] <= settings.pool_size for v in stats.values())


def test_a_connection_back_in_the_pool_sees_no_area(settings: Settings) -> None:
    n = db.read(lambda c: c.execute(VISIBLE_INCIDENTS).fetchone()[0], ("*",),
                settings)
    assert n > 0
    pool = db.store().pools.get(db.dsn("dashboard", settings), settings)
    for _ in range(settings.pool_size):  # whichever connection comes back
        with pool.connection() as c:
            assert c.execute(VISIBLE_INCIDENTS).fetchone() == (0,)


def test_replica_command(standby: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from geo.cli.main import main

    assert main(["db", "replica", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("running (hot standby)") and "replayed" in out


# --- read-your-writes ------------------------------------------------------------------


def _primary_lsn(settings: Settings) -> int:
    with psycopg.connect(replica.C.locate(settings).url("postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    return db.lsn(row[0])


def test_every_write_path_of_the_app_raises_the_mark(settings: Settings, tmp_path) -> None:
    """Each kind of write the dashboard makes (an intervention edit, a context record, an
    upload through the one ingest pipeline, a user changed by an admin, an audited
    refusal) leaves this process's high-water mark at or past the primary's WAL position
    after it: no write path escapes read-your-writes."""
    from datetime import date

    from geo.services import access, actions, contexts

    with db.connect("superuser", settings) as conn:
        place = conn.execute("SELECT min(place_id) FROM place").fetchone()[0]  # type: ignore[index]
    upload = tmp_path / "places.geojson"
    upload.write_text((SAMPLE / "places.geojson").read_text())

    def edit() -> None:
        actions.add_intervention("tests", "analyst", ref="INT-TEST-MARK", place_id=place,
                                 kind="lighting_cctv", agency="Council",
                                 start_month=date(2025, 3, 1), end_month=None,
                                 description="", settings=settings)

    def context() -> None:
        contexts.save("tests", "analyst", contexts.Entry(
            ref="CTX-TEST-MARK", name="Mark", kind="place"), settings=settings)

    def uploaded() -> None:
        actions.upload("tests", "analyst", "places", upload, "places.geojson",
                       settings=settings)

    def user() -> None:
        access.set_user("mark@example.org", "partner", ("*",), actor="tests",
                        settings=settings)

    def refused() -> None:
        with pytest.raises(actions.Denied):
            actions.authorise("tests", "partner", "upload", "x", settings)

    try:
        for write in (edit, context, uploaded, user, refused):
            before = _primary_lsn(settings)
            write()
            after = _primary_lsn(settings)
            assert after > before, write.__name__  # it wrote
            seen = db.seen_lsn()
            # past the position before it (not "after": other processes write too, and
            # a position read after the write may include their WAL)
            assert seen is not None and db.lsn(seen) > before, write.__name__
    finally:
        with db.connect("superuser", settings) as conn:
            conn.execute("DELETE FROM intervention WHERE ref = 'INT-TEST-MARK'")
            conn.execute("DELETE FROM app_user WHERE identity = 'mark@example.org'")
            conn.commit()


@pytest.fixture
def replay_paused(reading_replica: Settings) -> Iterator[psycopg.Connection[object]]:
    """The standby's replay paused (it still receives the WAL, it does not apply it):
    a replica that lags; resumed and caught up afterwards. Yields a superuser connection
    to the standby's test database."""
    url = replica.locate(reading_replica).url(reading_replica.database_name)
    primary = replica.C.locate(reading_replica).url("postgres")
    # caught up first: paused behind the previous test's clean-up (the context it deleted,
    # its "opened" event with it), the standby would count one event more than the
    # primary, and a read from the primary would look like one served by the paused
    # standby (what failed in CI with the first fast fallback, issue #32)
    replica.wait_caught_up(reading_replica)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        # the pause takes effect at the next record replayed (a standby just restarted may
        # still be replaying): nudge the WAL until it has, so that nothing written in the
        # test is replayed behind its back
        with psycopg.connect(primary, autocommit=True) as p:
            wait_for(lambda: conn.execute("SELECT pg_get_wal_replay_pause_state()"
                                          ).fetchone()[0] == "paused",  # type: ignore[index]
                     what="the standby's replay to pause",
                     on_each=lambda: p.execute("SELECT pg_logical_emit_message("
                                               "false, 'contexts-tests', 'nudge')"))
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")
            replica.wait_caught_up(reading_replica)


def _register_row(at: AppTest, ref: str) -> dict[str, object]:
    for df in at.dataframe:
        frame = df.value
        if "Reference" in frame.columns and (frame["Reference"] == ref).any():
            return dict(frame[frame["Reference"] == ref].iloc[0])
    raise AssertionError(f"{ref} is not in the register shown")


def test_a_write_through_the_app_is_seen_on_the_next_rerun_while_the_replica_lags(
        reading_replica: Settings) -> None:
    """An analyst edits an intervention while the replica replays nothing: the rerun
    after the save shows the change (read from the primary, the replica still has the old
    row); once the replica has replayed it, the page reads from the replica again and
    still shows the change (no cache entry from before the write is served)."""
    from datetime import date

    from geo.services import actions

    ref = "INT-TEST-RYW"
    with db.connect("superuser", reading_replica) as conn:
        place = conn.execute("SELECT min(place_id) FROM place").fetchone()[0]  # type: ignore[index]
    actions.add_intervention("tests", "analyst", ref=ref, place_id=place, kind="lighting_cctv",
                             agency="Council", start_month=date(2025, 3, 1), end_month=None,
                             description="New lighting", settings=reading_replica)
    replica.wait_caught_up(reading_replica)
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.session_state["demo_role"] = "analyst"
        at.session_state["iv_edit_ref"] = ref
        at.run()
        at.switch_page("views/interventions.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert _register_row(at, ref)["Agency"] == "Council"
        assert pages.read_source() == "replica"
        url = replica.locate(reading_replica).url(reading_replica.database_name)
        with psycopg.connect(url, autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                at.text_input(key=f"iv_edit_agency_{ref}").input("Council and Youth Service")
                [b for b in at.button if b.label == "Save"][-1].click().run()
                assert not at.exception and any(f"{ref} saved." in s.value.replace("\\", "")
                                                for s in at.success)
                before = db.read_counts()
                at.run()  # the next rerun
                assert not at.exception, [e.message for e in at.exception]
                assert _register_row(at, ref)["Agency"] == "Council and Youth Service"
                after = db.read_counts()
                # its reads went to the primary: the replica had not replayed the edit
                assert after.get("primary, replica behind", 0) > before.get(
                    "primary, replica behind", 0)
                assert after.get("replica", 0) == before.get("replica", 0)
                assert standby.execute("SELECT agency FROM intervention WHERE ref = %s",
                                       (ref,)).fetchone() == ("Council",)
                # behind is not down: no notice
                assert pages.read_source() == "replica"
                assert not any("replica" in i.value for i in at.info)
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")
        replica.wait_caught_up(reading_replica)
        before = db.read_counts()
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        after = db.read_counts()
        assert after.get("replica", 0) > before.get("replica", 0)
        assert after.get("primary, replica behind", 0) == before.get(
            "primary, replica behind", 0)
        assert _register_row(at, ref)["Agency"] == "Council and Youth Service"
    finally:
        with db.connect("superuser", reading_replica) as conn:
            conn.execute("DELETE FROM intervention WHERE ref = %s", (ref,))
            conn.commit()


def test_a_context_recorded_through_the_page_is_listed_while_the_replica_lags(
        reading_replica: Settings) -> None:
    """The other kind of record the pages write: an analyst records a new context of
    concern while the replica replays nothing; the next rerun lists it (from the
    primary), and after the replica has replayed it, from the replica."""
    ref = "CTX-TEST-RYW"
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["demo_role"] = "analyst"
    at.run()
    at.switch_page("views/contexts.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert ref not in at.dataframe[0].value["Reference"].tolist()
    url = replica.locate(reading_replica).url(reading_replica.database_name)
    try:
        with psycopg.connect(url, autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                field = {t.label: t for t in at.text_input}
                field["Reference"].input(ref)
                field["Name (no personal details)"].input("Underpass by the canal")
                [b for b in at.button if b.label == "Add the context"][0].click().run()
                assert not at.exception and any("Context recorded." in m.value
                                                for m in at.success), [
                    m.value for m in at.error]
                before = db.read_counts()
                at.run()  # the next rerun
                assert not at.exception, [e.message for e in at.exception]
                assert ref in at.dataframe[0].value["Reference"].tolist()
                after = db.read_counts()
                assert after.get("primary, replica behind", 0) > before.get(
                    "primary, replica behind", 0)
                assert standby.execute("SELECT count(*) FROM context WHERE ref = %s",
                                       (ref,)).fetchone() == (0,)
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")
        replica.wait_caught_up(reading_replica)
        before = db.read_counts()
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert db.read_counts().get("replica", 0) > before.get("replica", 0)
        assert ref in at.dataframe[0].value["Reference"].tolist()
    finally:
        with db.connect("superuser", reading_replica) as conn:
            conn.execute("DELETE FROM context WHERE ref = %s", (ref,))
            conn.commit()


def test_a_lagging_replica_costs_one_bounded_wait_and_reads_never_go_back_in_time(
        replay_paused: psycopg.Connection[object], reading_replica: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With the replica behind this process's write, a read waits
    READ_YOUR_WRITES_WAIT_S and reads the primary; the next reads go to the primary at
    once. A read on the primary raises the mark to what it saw, another process's write
    included, so that the replica is read again only once it has replayed that.

    The wait is bounded by counting, not by a clock (a busy machine must not fail this):
    the replica is asked at most READ_YOUR_WRITES_WAIT_S / REPLAY_POLL_S + 1 times (it
    sleeps at least REPLAY_POLL_S between two questions), and the next read asks once and
    does not wait."""
    from geo.services import actions
    from geo.store import named

    router = db.store().router
    polls: list[str] = []
    real_scalar = named.scalar

    def counting_scalar(conn, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        polls.append(name)
        return real_scalar(conn, name, *args, **kwargs)

    # the events of the first context: read by the pages through their definer function
    count = "SELECT count(*) FROM contexts_page_context_events(%s)"
    cid = replay_paused.execute(
        "SELECT min(context_id) FROM context").fetchone()[0]  # type: ignore[index]
    on_replica = replay_paused.execute("SELECT count(*) FROM context_event WHERE context_id "
                                       "= %s", (cid,)).fetchone()[0]  # type: ignore[index]
    with pytest.raises(actions.Denied):  # this process writes (an audited refusal)
        actions.authorise("tests", "partner", "upload", "x", reading_replica)
    # then another process writes: not through geo.store.db, so the mark does not know it
    primary = replica.C.locate(reading_replica).url(reading_replica.database_name)
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute("INSERT INTO context_event (context_id, happened, kind, what) "
                     "SELECT min(context_id), current_date, 'review', 'tests: outside' "
                     "FROM context")
    outside = _primary_lsn(reading_replica)
    monkeypatch.setattr(named, "scalar", counting_scalar)
    try:
        first = db.read(lambda c: c.execute(count, (cid,)).fetchone()[0], ("*",),
                        reading_replica)
        waited = polls.count("replica_replayed")
        lagging = router.lagging_since
        polls.clear()
        second = db.read(lambda c: c.execute(count, (cid,)).fetchone()[0], ("*",),
                         reading_replica)
        quick = polls.count("replica_replayed")
        monkeypatch.setattr(named, "scalar", real_scalar)
        state = (db.read_counts(), db.seen_lsn(), outside, replay_paused.execute(
            "SELECT pg_last_wal_replay_lsn()::text, pg_get_wal_replay_pause_state()"
        ).fetchone())
        assert first == second == on_replica + 1, state  # from the primary
        assert lagging is not None, "the first read's wait did not run out"
        assert 1 <= waited <= router.ryw_wait_s / router.replay_poll_s + 1, waited
        assert quick == 1, quick  # asked once, no wait
        seen = db.seen_lsn()
        assert seen is not None and db.lsn(seen) >= outside
        replay_paused.execute("SELECT pg_wal_replay_resume()")
        replica.wait_caught_up(reading_replica)
        before = db.read_counts()
        assert db.read(lambda c: c.execute(count, (cid,)).fetchone()[0], ("*",),
                       reading_replica) == on_replica + 1
        assert db.read_counts()["replica"] == before.get("replica", 0) + 1
    finally:
        with psycopg.connect(primary, autocommit=True) as conn:
            conn.execute("DELETE FROM context_event WHERE what = 'tests: outside'")
