"""Shared fixtures: fresh test databases in the project's private PostGIS cluster.

The tests never mock the database: the session starts the real cluster (installing
PostGIS if it must), creates its databases from scratch, migrates them and loads the real
Birmingham boundaries and the sample data set.

Under pytest-xdist (``make test`` runs ``pytest -n 2``) every worker has databases of its own
in the one private cluster: ``contexts_test_gw0``, ``contexts_test_gw0_ingest``, ... (without
xdist: ``contexts_test``, ``contexts_test_ingest``). Starting the cluster, creating a database
and migrating it happen under a file lock (:func:`cluster_lock`): the roles the migrations
make and alter belong to the whole cluster, and two workers may start it at the same moment.

``CONTEXTS_TEST_DISCLOSURE_SEED=<integer>`` sets the secret disclosure key of every test
database after migrating (otherwise 0011_cell_keys.sql draws it at random, as in
production), to run the tests under chosen keys: no test may depend on the key.

``CONTEXTS_TEST_READ_REPLICA=1`` runs the tests with the pages' reads on a streaming hot
standby of the cluster (``CONTEXTS_READ_REPLICA=local``), as ``make test`` does for the
page tests (``-m pages``) after the whole suite: the first worker to need it starts the
standby (under :func:`cluster_lock`; the others find it running), the session removes it
at its end if it started it, and every page test checks that its reads went to the
standby (:func:`_pages_read_the_replica`). Writes the tests make through the app are
seen on the next rerun however far the standby lags: read-your-writes
(:func:`geo.store.db.read`).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# the main test database of this process (the ``settings`` fixture): see DATABASE below
os.environ["CONTEXTS_DATABASE_NAME"] = "_".join(
    ["contexts_test", *filter(None, [os.environ.get("PYTEST_XDIST_WORKER")])])
os.environ["CONTEXTS_TILES"] = "none"
os.environ["CONTEXTS_DEMO"] = "true"
os.environ.pop("DATABASE_URL", None)
# the page tests read from a streaming standby of the cluster (module docstring)
os.environ.pop("CONTEXTS_READ_REPLICA", None)
os.environ.update({"CONTEXTS_READ_REPLICA": "local"} if os.environ.get(
    "CONTEXTS_TEST_READ_REPLICA", "") not in ("", "0") else {})

import psycopg
import pytest

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.store import cluster, db, replica

#: the page tests read from a streaming standby of the cluster (module docstring)
READ_REPLICA = "CONTEXTS_READ_REPLICA" in os.environ
#: ``gw0``, ``gw1``, ... in a pytest-xdist worker; empty in a run without xdist
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
#: the main test database of this process: ``contexts_test`` or ``contexts_test_gw0``, ...
DATABASE = os.environ["CONTEXTS_DATABASE_NAME"]

SAMPLE = PROJECT_ROOT / "sample_data"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

#: fixtures that start the private cluster: a test using any of them (directly or through
#: another fixture) is marked ``db``, so ``pytest -m "not db and not browser"`` runs the
#: pure tests in seconds with no PostgreSQL at all
DB_FIXTURES = frozenset({"settings", "ingest_settings", "admin"})


#: seconds each test file took in a measured run (``CONTEXTS_TEST_WRITE_DURATIONS=1 make
#: test`` writes it): the files are handed to the workers longest first, so that no worker
#: starts a long file when the others are nearly done (the run's tail)
DURATIONS = PROJECT_ROOT / "tests" / "data" / "durations.json"


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that use the private cluster ``db``; then, unless pytest-randomly
    shuffles them (``RANDOM_ORDER=1``), order the files longest first (:data:`DURATIONS`;
    a file not measured yet counts as long), each file's tests in their own order."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
    if not config.pluginmanager.is_blocked("randomly") or not DURATIONS.exists():
        return
    took: dict[str, float] = json.loads(DURATIONS.read_text())
    longest = max(took.values(), default=0.0)
    first = {}
    for k, item in enumerate(items):
        first.setdefault(_file_of(item.nodeid), k)
    items.sort(key=lambda i: (-took.get(_file_of(i.nodeid), longest),
                              first[_file_of(i.nodeid)]))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In the page run on the standby (``CONTEXTS_TEST_READ_REPLICA`` with ``-m pages``,
    as ``make test`` runs it) a test file that marks no test ``pages`` is not even
    imported: every worker would import all of them (about 7 s of CPU each) only to
    deselect their tests."""
    if (READ_REPLICA and config.getoption("markexpr", "") == "pages"
            and collection_path.suffix == ".py" and collection_path.name.startswith("test_")
            and "mark.pages" not in collection_path.read_text(encoding="utf-8")):
        return True
    return None


#: per file: seconds of set-up, call and teardown summed, gathered as the reports come in
_TOOK: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _TOOK[_file_of(report.nodeid)] = _TOOK.get(_file_of(report.nodeid), 0.0) + report.duration


#: written by the test process that started the standby (``CONTEXTS_TEST_READ_REPLICA``):
#: the session that ends removes the standby only then
STANDBY_MADE = PROJECT_ROOT / "var" / "tests-standby-made"


def standby_up(settings: Settings) -> bool:
    """The cluster's streaming standby running and caught up with the primary; returns
    whether this call started it. Safe when several test processes call it at once (the
    first starts it under :func:`cluster_lock`, the others find it running); a standby left
    from another primary (one that does not catch up) is made again."""
    with cluster_lock():
        made = not cluster.is_running(replica.locate(settings))
        replica.up(settings)
    try:
        replica.wait_caught_up(settings, timeout=60)
    except TimeoutError:
        with cluster_lock():
            replica.down(settings, remove=True)
            replica.up(settings)
            made = True
        replica.wait_caught_up(settings, timeout=60)
    return made


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        run_id()  # drawn before pytest-xdist starts its workers: they inherit it


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The standby a ``CONTEXTS_TEST_READ_REPLICA`` session started is removed when the
    whole session ends (under pytest-xdist: in the controller, after every worker); so are
    the run's template databases unless ``CONTEXTS_TEST_KEEP_TEMPLATES=1`` keeps them for
    another session of the same ``CONTEXTS_TEST_RUN`` (the Makefile's page run)."""
    keep = os.environ.get("CONTEXTS_TEST_KEEP_TEMPLATES", "") not in ("", "0")
    if keep and not READ_REPLICA and session.exitstatus == 0:
        # the page run that follows copies the whole cluster for its standby
        # (pg_basebackup, all its workers waiting): the databases this process made (a
        # gigabyte over three workers) are not copied for nothing; that run makes its own
        # again from the templates (a process whose tests failed keeps them to look into)
        _drop_own_databases(get_settings())
    if hasattr(session.config, "workerinput"):
        return
    if os.environ.get("CONTEXTS_TEST_WRITE_DURATIONS", "") not in ("", "0") and not READ_REPLICA:
        DURATIONS.write_text(json.dumps(
            {f: round(t, 1) for f, t in sorted(_TOOK.items())}, indent=1) + "\n")
    if not keep:
        _drop_templates(get_settings())
    if not READ_REPLICA:
        return
    with cluster_lock():
        if STANDBY_MADE.exists():
            db.close_pools()
            get_settings.cache_clear()
            replica.down(get_settings(), remove=True)
            STANDBY_MADE.unlink()


def database_name(purpose: str) -> str:
    """The name of an extra test database of this worker: ``contexts_test_<purpose>``
    (``contexts_test_gw0_<purpose>`` in xdist worker gw0), so workers never share one."""
    return f"{DATABASE}_{purpose}"


@contextmanager
def cluster_lock() -> Iterator[None]:
    """Held by one test process at a time (an exclusive ``flock`` on ``var/tests.lock`` of
    the checkout): around starting the cluster and creating and migrating a database."""
    with _file_lock("tests.lock"):
        yield


def _recreate(settings: Settings) -> None:
    """Drop and create the settings' database, then migrate it (and set its disclosure key
    when ``CONTEXTS_TEST_DISCLOSURE_SEED`` is set)."""
    with cluster_lock():
        server = cluster.up(settings).url("postgres")
        name = psycopg.sql.Identifier(settings.database_name)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))
        with db.connect("superuser", settings) as conn:
            db.migrate(conn)
        seed = os.environ.get("CONTEXTS_TEST_DISCLOSURE_SEED")
        if seed:
            with db.connect("superuser", settings, autocommit=True) as conn:
                done = conn.execute("UPDATE disclosure_key SET seed = %s", (int(seed),))
                assert done.rowcount == 1


# --- template databases: each made once per run, copied by every worker -----------------
#
# Loading the boundaries (the LSOAs' cells above all) takes about a minute, and several
# fixtures of every worker used to do it: the demo database, the ingest database, the
# rollups' and the coverage tests' own. Now each kind of database is made once per run, as
# a template (``contexts_tmpl_<run>_<kind>``), and every test database is a copy of one
# (``CREATE DATABASE ... TEMPLATE``: a second). The two runs of ``make test`` share them
# (the Makefile gives both the same ``CONTEXTS_TEST_RUN``, and the first
# ``CONTEXTS_TEST_KEEP_TEMPLATES=1``); a session drops its run's templates at its end
# (:func:`pytest_sessionfinish`), and those left by a run that stopped half-way go when
# another run makes its first one.

#: what each template holds beyond the migrated schema: (kind, file, actor) loaded in order
TEMPLATES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "schema": (),
    # as ``contexts demo`` loads them (geo.services.demo.FILES)
    "demo": (),
    # the boundaries and places, no incidents: for load tests
    "boundaries": (("wards", "birmingham_wards_2018_bng.geojson", "tests"),
                   ("lsoas", "birmingham_lsoa21_bng.geojson", "tests"),
                   ("places", "places.geojson", "tests")),
}


def run_id() -> str:
    """This run's name for its templates: ``CONTEXTS_TEST_RUN`` (set by the Makefile for both
    its pytest runs), else the one the session's first process drew (:func:`pytest_configure`:
    pytest-xdist's workers inherit it)."""
    run = (os.environ.get("CONTEXTS_TEST_RUN")
           or os.environ.setdefault("CONTEXTS_TEST_RUN_OWN", os.urandom(6).hex()))
    return "".join(c for c in run.lower() if c.isalnum())[:20]


def template_name(kind: str) -> str:
    return f"contexts_tmpl_{run_id()}_{kind}"


@contextmanager
def _file_lock(name: str) -> Iterator[None]:
    path = PROJECT_ROOT / "var" / name
    path.parent.mkdir(exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _forget(dbname: str) -> None:
    """Close this process's pools and forget its area passes (a database about to be
    renamed, copied or dropped must have no session open)."""
    db.close_pools()
    db.store().passes.forget(lambda url: f"///{dbname}?" in url)


def _alone(conn: psycopg.Connection[Any], dbname: str) -> None:
    """End every session on ``dbname`` and wait until they have gone (a database is copied
    or renamed only with no session on it; ending one takes a moment on a busy machine)."""
    from _wait import wait_for

    sessions = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    for (pid,) in conn.execute(sessions, (dbname,)).fetchall():
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    wait_for(lambda: not conn.execute(sessions, (dbname,)).fetchall(),
             what=f"the sessions on {dbname} to end")


def _copy(server: str, source: str, target: str) -> None:
    """``target`` dropped and made again as a copy of ``source``, with the database-wide
    privileges migration 0010 grants (not copied with the contents)."""
    with psycopg.connect(server, autocommit=True) as conn:
        _alone(conn, source)
        t, s = psycopg.sql.Identifier(target), psycopg.sql.Identifier(source)
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(t))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(t, s))
        conn.execute(psycopg.sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(t))
        conn.execute(psycopg.sql.SQL(
            "GRANT TEMPORARY ON DATABASE {} TO contexts_loader, contexts_owner").format(t))


def _template(settings: Settings, kind: str) -> str:
    """The name of this run's template database ``kind`` (:data:`TEMPLATES`), made first
    if no process of the run has made it yet (under a lock of its own, so that two
    workers make two different templates at once, and the second wanting one waits)."""
    name = template_name(kind)
    server = cluster.locate(settings).url("postgres")
    exists = "SELECT 1 FROM pg_database WHERE datname = %s"
    with _file_lock(f"tests-template-{kind}.lock"):
        with psycopg.connect(server, autocommit=True) as conn:
            if conn.execute(exists, (name,)).fetchone():
                return name
        building = settings.model_copy(update={"database_name": f"{name}_building"})
        with cluster_lock():
            with psycopg.connect(server, autocommit=True) as conn:
                stale = [r[0] for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'contexts\\_tmpl\\_%%' "
                    "AND datname NOT LIKE %s", (f"contexts\\_tmpl\\_{run_id()}\\_%",))]
                for old in stale:
                    conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"
                                                 ).format(psycopg.sql.Identifier(old)))
        if kind == "schema":
            _recreate(building)  # migrations under the cluster lock: cluster-wide roles
        else:
            _copy(server, _template(settings, "schema"), building.database_name)
        if kind == "demo":
            from geo.services.demo import load_demo

            for line in load_demo(SAMPLE, building):
                assert " loaded " in line, line
        from geo.ingest import load

        for what, file, actor in TEMPLATES[kind]:
            res = load(what, SAMPLE / file, actor=actor, settings=building)
            assert res.status == "loaded", res.message
        _forget(building.database_name)
        with psycopg.connect(server, autocommit=True) as conn:
            _alone(conn, building.database_name)
            conn.execute(psycopg.sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                psycopg.sql.Identifier(building.database_name), psycopg.sql.Identifier(name)))
    return name


def _drop_templates(settings: Settings) -> None:
    """Drop this run's template databases (if the cluster runs and holds any)."""
    server = cluster.locate(settings).url("postgres")
    try:
        with psycopg.connect(server, autocommit=True) as conn:
            for (name,) in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s",
                    (f"contexts\\_tmpl\\_{run_id()}\\_%",)).fetchall():
                conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)))
    except psycopg.OperationalError:  # no cluster running: nothing made
        return


def _drop_own_databases(settings: Settings) -> None:
    """Drop this process's test databases (:data:`DATABASE` and those named from it by
    :func:`database_name`; not another worker's), if the cluster runs."""
    others = "contexts\\_test\\_gw%" if not WORKER else ""
    db.close_pools()
    server = cluster.locate(settings).url("postgres")
    try:
        with psycopg.connect(server, autocommit=True) as conn:
            for (name,) in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname = %s "
                    "OR (datname LIKE %s AND datname NOT LIKE %s)",
                    (DATABASE, DATABASE.replace("_", "\\_") + "\\_%", others)).fetchall():
                conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)))
    except psycopg.OperationalError:  # no cluster running: nothing made
        return


#: as the dashboard role: how many incidents its transaction's pass shows, through a page
#: read (the role reads no area table itself, migration 0023; the monthly rollup by ward
#: holds every incident once, so its sum is what incident would show)
VISIBLE_INCIDENTS = "SELECT coalesce(sum(n), 0)::bigint FROM contexts_page_data_months()"


@contextmanager
def reader(settings: Settings, areas: tuple[str, ...] = ("*",)
           ) -> Iterator[psycopg.Connection[Any]]:
    """A connection (one transaction) that reads the area tables as the pages' definer
    functions do: as ``contexts_reader``, with the pass of ``areas`` entered. The raw rows
    row-level security shows a partner, to compare the pages' reads with (the dashboard
    role itself may not read those tables, migration 0023)."""
    with psycopg.connect(db.dsn("superuser", settings)) as conn:
        conn.execute("SELECT contexts_enter(%s)",
                     (db.area_pass(tuple(areas) or ("",), settings),))
        conn.execute("SET ROLE contexts_reader")
        conn.execute("SET transaction_read_only = on")
        yield conn
        conn.rollback()


def from_template(settings: Settings, kind: str) -> Settings:
    """The settings' database made again as a copy of this run's template ``kind``
    (``schema``: migrated, empty; ``boundaries``: wards, LSOAs and places; ``demo``: the
    whole sample data set, as ``contexts demo`` loads it); returns the settings."""
    with cluster_lock():
        cluster.up(settings)
    source = _template(settings, kind)
    _forget(settings.database_name)
    _copy(cluster.locate(settings).url("postgres"), source, settings.database_name)
    return settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The test database with the whole sample data set loaded (as ``contexts demo``)."""
    get_settings.cache_clear()
    s = from_template(get_settings(), "demo")
    if READ_REPLICA and standby_up(s):
        STANDBY_MADE.touch()
    return s


def _replica_caught_up(s: Settings) -> None:
    """Wait (for a condition, with a generous deadline) until the standby has replayed
    this process's writes so far, then let the router forget an earlier test's lag: a
    page test starts from a replica that is not behind, whatever the test before it wrote.
    (CI once saw both reads of a page test go to the primary as "replica behind": the
    test before, on the same worker, had loaded a file a moment earlier, and the router
    was still in its two seconds of not waiting for a lagging replica.)"""
    from _wait import wait_for

    from geo.store import named
    from geo.store.routing import replica_url

    mark, url = db.seen_lsn(), replica_url(s)
    if mark is not None and url:
        with psycopg.connect(url, autocommit=True) as conn:
            wait_for(lambda: named.scalar(conn, "replica_replayed", {"lsn": mark}),
                     what=f"the standby replays this process's writes (to {mark})")
    db.store().router.reset()


@pytest.fixture(autouse=True)
def _pages_read_the_replica(request: pytest.FixtureRequest) -> Iterator[None]:
    """With ``CONTEXTS_TEST_READ_REPLICA``: after each page test (marked ``pages``), its
    page reads went to the standby (at least one when it read at all), none fell back to
    the primary for want of a standby, and the pages say they read from the replica."""
    if not READ_REPLICA or request.node.get_closest_marker("pages") is None:
        yield
        return
    _replica_caught_up(request.getfixturevalue("settings"))  # the standby is up
    before = db.read_counts()
    yield
    after = db.read_counts()
    made = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert not made.get("primary, replica down"), made
    assert not made.get("primary"), made
    if sum(made.values()):
        assert made.get("replica", 0) >= 1, made
        from geo.services import pages

        assert pages.read_source() == "replica"


@pytest.fixture(scope="session")
def ingest_settings() -> Settings:
    """A second database, for load tests: boundaries and places only, no incidents."""
    return from_template(get_settings().model_copy(
        update={"database_name": database_name("ingest")}), "boundaries")


@pytest.fixture(scope="session")
def app_url(settings: Settings) -> Iterator[str]:
    """``contexts serve`` over this process's demo database, started by the first test that
    asks for it and shared by every test file of the process that uses the app as it is
    (the browser tests): one start (a Streamlit server, its imports and first runs) per
    worker rather than one per file. A test file that serves the app otherwise (another
    database, other settings, renamed places) starts its own with :func:`running_app`."""
    with running_app() as url:
        yield url


@pytest.fixture
def admin(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    with db.connect("superuser", settings, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, from a block of this worker's own (gw0: 20000-
    23999, gw1: 24000-27999, ...; below the kernel's ephemeral range, so no outgoing
    connection of another process takes it before the server binds it)."""
    import random
    import socket

    index = int(WORKER[2:]) if WORKER[2:].isdigit() else 0
    first = 20000 + 4000 * (index % 8)
    for port in random.sample(range(first, first + 4000), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {first}-{first + 3999}")


@contextmanager
def running_app(port: int | None = None, env: dict[str, str] | None = None,
                extra: tuple[str, ...] = ()) -> Iterator[str]:
    """``contexts serve`` in a child process; yields its URL once healthy, stops it after."""
    import subprocess
    import sys
    import tempfile
    import urllib.request

    from _wait import wait_for

    port = port or free_port()
    args = [sys.executable, "-m", "geo.cli", "serve", "--port", str(port)]
    if extra:
        args += ["--", *extra]
    # its output to a file, not a pipe nobody reads while it runs (a full pipe stops it)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5):
                return True
        except OSError:
            return False

    def still_running() -> None:
        if proc.poll() is not None:
            raise AssertionError("the app stopped")

    try:
        try:
            wait_for(healthy, timeout=120, what=f"the app to answer on {url}",
                     on_each=still_running)
        except AssertionError as e:
            proc.kill()
            log.seek(0)
            raise AssertionError(f"{e}\n{log.read().decode(errors='replace')[-3000:]}"
                                 ) from None
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
