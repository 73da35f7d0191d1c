"""Database access: connections by role, named SQL from ``sql/``, and migrations.

Every statement the project runs against PostGIS lives in a file under ``sql/``; code asks
for it by name and passes parameters, so no SQL is ever assembled from user input.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import psycopg
import psycopg.sql
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg_pool import ConnectionPool, PoolTimeout

from geo.config import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger(__name__)

SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
QUERIES_DIR = SQL_DIR / "queries"
FUNCTIONS_DIR = SQL_DIR / "functions"

Role = Literal["owner", "loader", "dashboard", "auditor"]
ROLE_LOGINS: dict[Role, str] = {
    "owner": "contexts_owner",
    "loader": "contexts_loader",
    "dashboard": "contexts_dashboard",
    "auditor": "contexts_auditor",
}


def dsn(role: Role | Literal["admin"] = "owner", settings: Settings | None = None) -> str:
    """The libpq URL for a role.

    ``admin`` is the server superuser of the private cluster (or ``DATABASE_URL`` as given);
    it runs migrations. The other roles are the ones the migrations create. With
    ``DATABASE_URL`` set, ``CONTEXTS_DASHBOARD_DATABASE_URL`` and
    ``CONTEXTS_LOADER_DATABASE_URL`` give the dashboard and loader logins; without them
    the given URL is used and the role is taken with ``SET ROLE`` (see :func:`connect`).
    """
    settings = settings or get_settings()
    if settings.embedded:
        from geo.store.cluster import locate

        cluster = locate(settings)
        if role == "admin":
            return cluster.url(settings.database_name)
        return cluster.url(settings.database_name, ROLE_LOGINS[role])
    assert settings.database_url is not None
    if role == "dashboard" and settings.dashboard_database_url:
        return settings.dashboard_database_url
    if role == "loader" and settings.loader_database_url:
        return settings.loader_database_url
    return settings.database_url


class WrongRole(psycopg.OperationalError):
    """A connection for page reads is not, and cannot become, the dashboard role: it is
    refused (a replica's URL with the owner's login, say), never used as it is."""


class GuardedConnection(psycopg.Connection[Any]):
    """A dashboard connection (see :func:`connect`).

    Before every statement its transaction enters the connection's area pass and sets the
    time limit, read-only mode, row-level security and search path again
    (``dashboard_guard``), so that a statement which lifted them (``SET
    statement_timeout = 0``), or defaults the dashboard login gave itself (``ALTER ROLE
    contexts_dashboard SET ...``, which PostgreSQL lets any role do to itself), cannot
    lift them for the next one, and the rows it sees are those of the pass, whatever it
    does to the raw settings. The guard also reads ``current_user``: anything but the
    dashboard role and the statement is not run (:class:`WrongRole`).
    """

    _contexts_guard: dict[str, Any] | None = None

    def guard(self) -> None:
        if self._contexts_guard is not None:
            row = super().execute(sql("dashboard_guard"), self._contexts_guard).fetchone()
            if row is None or row[-1] != ROLE_LOGINS["dashboard"]:
                raise WrongRole(f"a page read as {row[-1] if row else None!r}, not as "
                                f"{ROLE_LOGINS['dashboard']}: refused")

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        self.guard()
        return super().execute(query, params, **kwargs)


class WritingConnection(psycopg.Connection[Any]):
    """A connection of a role that may write (every role but the dashboard's): when it
    closes, having committed, it notes the primary's WAL position as this process's
    high-water mark of writes (:func:`note_write`), so that the page reads that follow
    see what it wrote even on a lagging replica (:func:`read`)."""

    def close(self) -> None:
        if not self.closed and not self.broken and self.info.transaction_status in (
                psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.INTRANS):
            try:
                note_write(str(scalar(self, "wal_position")))
            except psycopg.Error:  # not a primary (a standby given as DATABASE_URL), gone
                pass
        super().close()


#: area passes minted for this process: (loader URL, areas) -> (pass, expiry)
_PASSES: dict[tuple[str, tuple[str, ...]], tuple[str, float]] = {}
PASS_SECONDS = 3600


def area_pass(areas: tuple[str, ...], settings: Settings | None = None) -> str:
    """A pass for ``areas`` minted by the loader role (the dashboard role cannot mint one:
    migration 0010), kept for most of its hour."""
    import time

    settings = settings or get_settings()
    key = (dsn("loader", settings), tuple(areas))
    hit = _PASSES.get(key)
    if hit is not None and hit[1] > time.time() + 300:
        return hit[0]
    with connect("loader", settings) as conn:
        made = scalar(conn, "area_pass", {"areas": list(areas), "seconds": PASS_SECONDS})
    _PASSES[key] = (str(made), time.time() + PASS_SECONDS)
    return str(made)


def connect(
    role: Role | Literal["admin"] = "owner",
    settings: Settings | None = None,
    areas: tuple[str, ...] = ("*",),
    **kwargs: Any,
) -> psycopg.Connection[Any]:
    """Open a connection as ``role``; a dashboard connection sees the rows of ``areas``
    (``*``: all).

    Row-level security limits the dashboard role to ``areas``; the application passes the
    signed-in user's areas, server-side callers (command line, tests) all of them. The
    areas reach the database as a pass that only the loader role can mint; the dashboard
    connection is a :class:`GuardedConnection`, in transactions (never autocommit, which
    would end the pass with each statement). On an external server without a dedicated
    login for the role, the session switches to it with ``SET ROLE`` so that its
    privileges, not the login's, apply. Any other role's connection is a
    :class:`WritingConnection`: what it commits, the page reads that follow see
    (read-your-writes, :func:`read`).
    """
    settings = settings or get_settings()
    if role == "dashboard":
        if kwargs.pop("autocommit", False):
            raise ValueError("a dashboard connection works in transactions, not autocommit")
        pass_ = area_pass(tuple(areas) or ("",), settings)
        conn: psycopg.Connection[Any] = GuardedConnection.connect(dsn(role, settings), **kwargs)
        try:
            _as_dashboard(conn)
        except BaseException:
            conn.close()
            raise
    else:
        conn = WritingConnection.connect(dsn(role, settings), **kwargs)
    if role != "admin" and role != "dashboard" and not settings.embedded:
        # (the dashboard's connection took its role above, whatever its login)
        dedicated = settings.loader_database_url if role == "loader" else None
        if not dedicated:
            conn.execute(
                psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(ROLE_LOGINS[role]))
            )
            if role == "auditor":
                conn.execute("SET default_transaction_read_only = on")
            conn.commit()
    if isinstance(conn, GuardedConnection):
        conn._contexts_guard = {"pass": pass_,
                                "timeout": f"{settings.dashboard_timeout_ms}ms"}
        try:
            conn.guard()
        except psycopg.errors.InsufficientPrivilege:  # a pass of a database since remade
            conn.rollback()
            _PASSES.clear()
            conn._contexts_guard["pass"] = area_pass(tuple(areas) or ("",), settings)
            conn.guard()
    return conn


@cache
def sql(name: str) -> str:
    """The text of the named query ``sql/queries/<name>.sql``."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no named query {name!r} in {QUERIES_DIR}")
    return path.read_text()


def statement(name: str, tables: Mapping[str, str] | None = None) -> Any:
    """The named statement, its ``{name}`` placeholders filled with quoted table names."""
    text: Any = sql(name)
    if tables:
        text = psycopg.sql.SQL(text).format(
            **{k: psycopg.sql.Identifier(v) for k, v in tables.items()})
    return text


def execute(
    conn: psycopg.Connection[Any],
    name: str,
    params: Mapping[str, Any] | None = None,
    tables: Mapping[str, str] | None = None,
) -> int:
    """Run a named statement; returns the affected row count. ``tables`` fills the
    statement's ``{name}`` placeholders with quoted table names.
    """
    cur = conn.execute(statement(name, tables), params or {})
    return cur.rowcount


def frame(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run a named query and return its rows as a data frame."""
    cur = conn.execute(sql(name), params or {})
    cols = [c.name for c in cur.description or []]
    return pd.DataFrame(cur.fetchall(), columns=cols)


def arrow(conn: psycopg.Connection[Any], name: str) -> pa.Table:
    """Run a named query (no parameters) through ``COPY ... TO STDOUT`` and read its rows
    with Arrow: for hundreds of thousands of rows, ten times faster than fetching tuples."""
    query = sql(name).strip().rstrip(";")
    if isinstance(conn, GuardedConnection):
        conn.guard()
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(
            f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for data in copy:
            buf.write(data)
    buf.seek(0)
    return pa_csv.read_csv(buf)


def scalar(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> Any:
    row = conn.execute(sql(name), params or {}).fetchone()
    return None if row is None else row[0]


# --- pooled page reads ----------------------------------------------------------------


class TooSlow(RuntimeError):
    """A read ran past ``dashboard_timeout_ms`` and was cancelled."""


_POOLS: dict[tuple[str, int, int], ConnectionPool[Any]] = {}
_POOLS_LOCK = threading.Lock()
#: seconds a replica that failed is left alone before it is tried again
REPLICA_RETRY_S = 15.0
#: how long a read waits for a replica connection before falling back to the primary
REPLICA_WAIT_S = 2.0
_replica_down_since: float | None = None
_replica_checked = 0.0

# --- read-your-writes ------------------------------------------------------------------
#: how long a replica read waits for the replica to replay this process's latest write
#: before it reads from the primary instead (streaming on one machine replays in
#: milliseconds; a replica further behind than this is lagging, not down)
READ_YOUR_WRITES_WAIT_S = 1.0
#: how often that wait asks the replica where its replay is
REPLAY_POLL_S = 0.02
#: once a wait ran out, for this long reads ask once and go to the primary without
#: waiting (a page makes several reads: one wait per page, not one per read)
LAGGING_RETRY_S = 2.0
#: this process's high-water mark: the newest primary WAL position (an integer LSN) that
#: it wrote, or read on the primary while a replica was configured; 0: none yet
_seen_lsn = 0
_SEEN_LOCK = threading.Lock()
_replica_lagging_since: float | None = None
#: page reads by where they ran (``replica``; ``primary``: no replica configured;
#: ``primary, replica behind``: read-your-writes; ``primary, replica down``)
_READS: Counter[str] = Counter()


def _lsn(text: str) -> int:
    """``16/B374D848`` as an integer (a ``pg_lsn``)."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def note_write(lsn: str) -> None:
    """Raise this process's high-water mark to the primary's WAL position ``lsn``.

    One mark for the whole process, not one per browser session, on purpose: a Streamlit
    process serves every session from threads that share one cache (``st.cache_data``,
    keyed by the data version), so an entry one session caches from a lagging replica
    would be served to the person who just wrote, whatever their own mark said. A
    process-wide mark also gives everyone on the process monotonic reads (nobody sees a
    change and then, on the next rerun, not). Its price, when someone writes, is that the
    next reads of everyone on the process wait for the replica to replay that write (a few
    milliseconds) or, past :data:`READ_YOUR_WRITES_WAIT_S`, read from the primary: writes
    are rare (analysts' edits, uploads, audited refusals and exports) beside page reads.
    Each process has its own mark: another process's writes reach this one's pages once
    the replica has replayed them, as they always did (and its cache keys, read on that
    replica, move with them).
    """
    global _seen_lsn
    value = _lsn(lsn)
    with _SEEN_LOCK:
        if value > _seen_lsn:
            _seen_lsn = value


def seen_lsn() -> str | None:
    """This process's high-water mark as ``pg_lsn`` text, None before any write."""
    value = _seen_lsn
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}" if value else None


def _count(where: str) -> None:
    with _SEEN_LOCK:
        _READS[where] += 1


def read_counts() -> dict[str, int]:
    """How many page reads of this process ran where (see :data:`_READS`)."""
    with _SEEN_LOCK:
        return dict(_READS)


def _replayed(conn: psycopg.Connection[Any]) -> bool:
    """Whether the replica behind ``conn`` has replayed this process's high-water mark,
    waiting up to :data:`READ_YOUR_WRITES_WAIT_S` for it (not at all for
    :data:`LAGGING_RETRY_S` after a wait ran out). The questions run on ``conn``, left in
    an open transaction: the read's own, or rolled back by the caller."""
    global _replica_lagging_since
    mark = seen_lsn()
    if mark is None:
        return True
    now = time.monotonic()
    patient = (_replica_lagging_since is None
               or now - _replica_lagging_since > LAGGING_RETRY_S)
    deadline = now + (READ_YOUR_WRITES_WAIT_S if patient else 0.0)
    while True:
        if scalar(conn, "replica_replayed", {"lsn": mark}):
            _replica_lagging_since = None
            return True
        if time.monotonic() >= deadline:
            if patient:
                log.info("read replica has not replayed %s in %.1f s: reading from the "
                         "primary", mark, READ_YOUR_WRITES_WAIT_S)
                _replica_lagging_since = time.monotonic()
            return False
        time.sleep(REPLAY_POLL_S)


def _pool(url: str, settings: Settings) -> ConnectionPool[Any]:
    """The process's pool for ``url``: at most ``settings.pool_size`` connections, opened
    lazily, checked on borrow, each with the statement timeout of the settings."""
    key = (url, settings.pool_size, settings.dashboard_timeout_ms)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = ConnectionPool(
                url, min_size=1, max_size=settings.pool_size, open=True, name="reads",
                connection_class=GuardedConnection, kwargs={"connect_timeout": 5},
                check=ConnectionPool.check_connection, configure=_as_dashboard,
                max_idle=300, timeout=60)
            _POOLS[key] = pool
    return pool


def _as_dashboard(conn: psycopg.Connection[Any]) -> None:
    """Every connection for page reads, whatever its URL (the private cluster's dashboard
    login, ``CONTEXTS_DASHBOARD_DATABASE_URL``, an external server's shared login, a read
    replica's URL): reads as the dashboard role or not at all. A login that is another
    role takes the dashboard role with ``SET ROLE`` (a login that is a member of it: a
    shared login, a superuser), so that its privileges and row-level security apply, not
    the login's; a login that cannot (the owner's, the loader's) is refused with
    :class:`WrongRole`. The guard checks ``current_user`` again before every statement
    (:class:`GuardedConnection`)."""
    dashboard = ROLE_LOGINS["dashboard"]
    if scalar(conn, "current_role") != dashboard:
        try:
            conn.execute(psycopg.sql.SQL("SET ROLE {}").format(
                psycopg.sql.Identifier(dashboard)))
        except psycopg.errors.InsufficientPrivilege as e:
            conn.rollback()
            raise WrongRole(f"the login {scalar(conn, 'current_role')!r} is not the "
                            f"dashboard role and cannot take it: page reads refuse this "
                            f"connection") from e
    conn.execute("SET default_transaction_read_only = on")
    if scalar(conn, "current_role") != dashboard:
        conn.rollback()
        raise WrongRole(f"a page read connection is not {dashboard}: refused")
    conn.commit()


def _drop_pools(url: str) -> None:
    """Close and forget this process's pools for ``url``."""
    with _POOLS_LOCK:
        gone = [k for k in _POOLS if k[0] == url]
        pools = [_POOLS.pop(k) for k in gone]
    for p in pools:
        p.close(timeout=0)


def close_pools() -> None:
    """Close every pool of this process (tests; a server shutting down)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for p in pools:
        p.close()


def pool_stats() -> dict[str, dict[str, int]]:
    """Each pool's size and use (``psycopg_pool`` statistics), by server."""
    with _POOLS_LOCK:
        return {k[0].split("?")[-1]: dict(p.get_stats()) for k, p in _POOLS.items()}


def replica_url(settings: Settings) -> str | None:
    """The URL page reads use on the replica, or None when no replica is configured."""
    if not settings.read_replica:
        return None
    if settings.read_replica == "local":
        from geo.store.replica import locate

        return locate(settings).url(settings.database_name, ROLE_LOGINS["dashboard"])
    return settings.read_replica


def replica_state(settings: Settings | None = None) -> str | None:
    """None without a replica; ``"replica"`` while reads go there; ``"primary"`` while the
    replica does not answer and reads fall back to the primary."""
    settings = settings or get_settings()
    if not settings.read_replica:
        return None
    return "primary" if _replica_down_since is not None else "replica"


def _borrow(url: str, settings: Settings, wait: float | None
            ) -> tuple[ConnectionPool[Any], GuardedConnection]:
    pool = _pool(url, settings)
    return pool, pool.getconn(timeout=wait)


@contextmanager
def _lent(pool: ConnectionPool[Any], conn: GuardedConnection, areas: tuple[str, ...],
          settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """Lend ``conn`` seeing ``areas``: its guard enters their area pass (and the time
    limit) in the read's transaction before each statement (:class:`GuardedConnection`);
    the transaction is rolled back at the end (a read keeps nothing) and the guard taken
    off, so a connection back in the pool sees no area."""
    try:
        conn._contexts_guard = {"pass": area_pass(tuple(areas) or ("",), settings),
                                "timeout": f"{settings.dashboard_timeout_ms}ms"}
        yield conn
    finally:
        conn._contexts_guard = None
        if not conn.closed:
            conn.rollback()
        pool.putconn(conn)


def read(fn: Callable[[psycopg.Connection[Any]], Any], areas: tuple[str, ...] = ("*",),
         settings: Settings | None = None) -> Any:
    """``fn(conn)`` on a pooled read-only connection seeing ``areas``: on the replica when
    one is configured, answering, and has replayed this process's writes; else on the
    primary.

    Read-your-writes: a connection of a writing role notes, when it closes, the primary's
    WAL position (:class:`WritingConnection`, :func:`note_write`). Before a read on the
    replica, the borrowed connection asks whether the replica has replayed that far
    (``pg_last_wal_replay_lsn()``), polling up to :data:`READ_YOUR_WRITES_WAIT_S`; if not,
    this read runs on the primary (no notice: the replica is behind, not down). A read on
    the primary while a replica is configured raises the mark to the primary's position
    after it, so that what the next reads see never goes back in time: a page whose data
    version was read on the primary does not then fill the cache under that version from
    a replica that has not replayed it.

    A replica that cannot be reached, or that drops the read (stopped, or a conflict with
    recovery), is left alone for :data:`REPLICA_RETRY_S` seconds and the read runs on the
    primary; :func:`replica_state` says so. A read cancelled by the statement timeout
    raises :class:`TooSlow`.
    """
    global _replica_down_since, _replica_checked
    settings = settings or get_settings()
    replica = replica_url(settings)
    now = time.monotonic()
    where = "primary"
    if replica and (_replica_down_since is None or now - _replica_checked > REPLICA_RETRY_S):
        if _replica_down_since is not None:
            _drop_pools(replica)  # a fresh pool, not one backing off from the failures
        try:
            pool, conn = _borrow(replica, settings, REPLICA_WAIT_S)
            try:
                fresh = _replayed(conn)
            except BaseException:
                pool.putconn(conn)
                raise
            if fresh:
                with _lent(pool, conn, areas, settings) as c:
                    out = fn(c)
                _count("replica")
            else:
                conn.rollback()
                pool.putconn(conn)
                where = "primary, replica behind"
            if _replica_down_since is not None:
                log.warning("read replica answers again; reads go back to it")
            _replica_down_since = None
            if fresh:
                return out
        except psycopg.errors.QueryCanceled as e:
            raise TooSlow(str(e)) from e
        except (PoolTimeout, psycopg.OperationalError, psycopg.errors.SerializationFailure,
                psycopg.errors.AdminShutdown) as e:
            if _replica_down_since is None:
                log.warning("read replica does not answer (%s): reading from the primary",
                            str(e).strip().splitlines()[0] if str(e).strip() else type(e))
                _replica_down_since = now
            _replica_checked = now
    if replica and where == "primary":
        where = "primary, replica down"
    try:
        pool, conn = _borrow(dsn("dashboard", settings), settings, None)
        with _lent(pool, conn, areas, settings) as c:
            out = fn(c)
            if replica:
                note_write(str(scalar(c, "wal_position")))
        _count(where)
        return out
    except psycopg.errors.QueryCanceled as e:
        raise TooSlow(str(e)) from e


# --- migrations and functions --------------------------------------------------------

#: one lock for every run of :func:`migrate`: two at once wait for each other
_MIGRATE_LOCK = 727274

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

_FUNCTION_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_function (
    name       text PRIMARY KEY,
    file       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

#: the last migration written before functions moved to ``sql/functions/``: it and those
#: before it are history, left as they were applied (their recorded sha256 must not
#: change); later migrations change the schema only (tests/test_sql_functions.py)
LAST_MIGRATION_WITH_FUNCTIONS = 17

#: a line of a migration asking for a function file before it runs (a policy, trigger or
#: statement of the migration calls it): ``-- needs function: contexts_x``
_NEEDS = re.compile(r"^--\s*needs function:\s*(\w+)\s*$", re.MULTILINE)


def migration_files(folder: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Numbered migrations ``NNNN_name.sql`` of ``folder`` in order."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        head = path.name.split("_", 1)[0]
        if not head.isdigit():
            raise ValueError(f"migration file name must start with a number: {path.name}")
        found.append((int(head), path))
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration files share a number")
    return found


def function_files(folder: Path = FUNCTIONS_DIR) -> list[tuple[str, Path]]:
    """The function files ``NN_<function name>.sql`` of ``folder`` as (function name,
    path), in the order of their numbers: a function comes after those it calls."""
    found = []
    for path in folder.glob("*.sql"):
        head, _, name = path.stem.partition("_")
        if not head.isdigit() or not name:
            raise ValueError(
                f"function file name must be <number>_<function name>.sql: {path.name}")
        found.append((int(head), name, path))
    found.sort()
    names = [name for _, name, _ in found]
    if len(set(names)) != len(names):
        raise ValueError("two function files define the same function")
    return [(name, path) for _, name, path in found]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apply_functions(conn: psycopg.Connection[Any], files: list[tuple[str, Path]]) -> list[str]:
    """Run each function file whose text changed since it was recorded, or whose function
    is missing; in the caller's transaction. Returns ``functions/<file>`` of each."""
    recorded = dict(conn.execute("SELECT name, sha256 FROM schema_function").fetchall())
    present = {r[0] for r in conn.execute(
        "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")}
    applied = []
    for name, path in files:
        text = path.read_text()
        digest = _digest(text)
        if recorded.get(name) == digest and name in present:
            continue
        try:
            conn.execute(text)
        except psycopg.Error as e:
            e.add_note(f"in the function file {path.name}")
            raise
        conn.execute(
            "INSERT INTO schema_function (name, file, sha256) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET file = excluded.file, "
            "sha256 = excluded.sha256, applied_at = now()",
            (name, path.name, digest))
        applied.append(f"functions/{path.name}")
        log.info("applied function file %s", path.name)
    return applied


def migrate(conn: psycopg.Connection[Any], migrations: Path = MIGRATIONS_DIR,
            functions: Path = FUNCTIONS_DIR) -> list[str]:
    """Apply pending migrations, then the function files that changed; returns the
    applied names (``NNNN_name.sql``, then ``functions/NN_name.sql``).

    Each migration of ``migrations`` runs in its own transaction and is recorded with its
    sha256 in ``schema_migration``; one already recorded is skipped, and one edited after
    it was applied is reported rather than silently ignored. Then, in one transaction,
    each file of ``functions`` (one function's current definition, its owner and
    privileges) is run again if its sha256 differs from the one recorded in
    ``schema_function`` or its function is missing, and recorded; rows of files that are
    gone are removed. Running this twice changes nothing. A migration with a line
    ``-- needs function: <name>`` gets that function file first, in its transaction.
    See ``sql/functions/README.md``.
    """
    conn.autocommit = False
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute(_LEDGER)
        conn.execute(_FUNCTION_LEDGER)
    files = function_files(functions)
    by_name = dict(files)
    applied: list[str] = []
    for version, path in migration_files(migrations):
        text = path.read_text()
        digest = _digest(text)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
            row = conn.execute(
                "SELECT sha256 FROM schema_migration WHERE version = %s", (version,)
            ).fetchone()
            if row:
                if row[0] != digest:
                    raise RuntimeError(f"migration {path.name} changed after it was applied")
                continue
            needs = _NEEDS.findall(text)
            missing = [n for n in needs if n not in by_name]
            if missing:
                raise ValueError(f"migration {path.name} needs function files that do not "
                                 f"exist: {', '.join(missing)}")
            applied += _apply_functions(conn, [(n, by_name[n]) for n in needs])
            try:
                conn.execute(text)
            except psycopg.Error as e:
                e.add_note(f"in the migration {path.name}")
                raise
            conn.execute(
                "INSERT INTO schema_migration (version, name, sha256) VALUES (%s, %s, %s)",
                (version, path.stem, digest),
            )
        applied.append(path.name)
        log.info("applied migration %s", path.name)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        applied += _apply_functions(conn, files)
        gone = conn.execute("DELETE FROM schema_function WHERE NOT name = ANY(%s) RETURNING file",
                            ([n for n, _ in files],)).fetchall()
        for (file,) in gone:
            log.info("function file %s is gone: its row in schema_function removed", file)
    return applied


@contextmanager
def transaction(
    role: Role = "loader", settings: Settings | None = None
) -> Iterator[psycopg.Connection[Any]]:
    """A connection in one transaction: committed on success, rolled back on any error."""
    with connect(role, settings) as conn, conn.transaction():
        yield conn
