"""Database access: connections by role, named SQL from ``sql/``, and migrations.

Every statement the project runs against PostGIS lives in a file under ``sql/``; code asks
for it by name and passes parameters, so no SQL is ever assembled from user input.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import psycopg
import psycopg.sql
import pyarrow as pa
import pyarrow.csv as pa_csv

from geo.config import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger(__name__)

SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
QUERIES_DIR = SQL_DIR / "queries"

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


class GuardedConnection(psycopg.Connection[Any]):
    """A dashboard connection (see :func:`connect`).

    Before every statement its transaction enters the connection's area pass and sets the
    time limit and read-only mode again (``dashboard_guard``), so that a statement which
    lifted them (``SET statement_timeout = 0``) cannot lift them for the next one, and the
    rows it sees are those of the pass, whatever it does to the raw settings.
    """

    _contexts_guard: dict[str, Any] | None = None

    def guard(self) -> None:
        if self._contexts_guard is not None:
            super().execute(sql("dashboard_guard"), self._contexts_guard)

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        self.guard()
        return super().execute(query, params, **kwargs)


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
    privileges, not the login's, apply.
    """
    settings = settings or get_settings()
    if role == "dashboard":
        if kwargs.pop("autocommit", False):
            raise ValueError("a dashboard connection works in transactions, not autocommit")
        pass_ = area_pass(tuple(areas) or ("",), settings)
        conn: psycopg.Connection[Any] = GuardedConnection.connect(dsn(role, settings), **kwargs)
    else:
        conn = psycopg.connect(dsn(role, settings), **kwargs)
    if role != "admin" and not settings.embedded:
        dedicated = (
            settings.dashboard_database_url
            if role == "dashboard"
            else settings.loader_database_url
            if role == "loader"
            else None
        )
        if not dedicated:
            conn.execute(
                psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(ROLE_LOGINS[role]))
            )
            if role in ("dashboard", "auditor"):
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


# --- migrations -------------------------------------------------------------------------

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migration_files() -> list[tuple[int, Path]]:
    """Numbered migrations ``NNNN_name.sql`` in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        head = path.name.split("_", 1)[0]
        if not head.isdigit():
            raise ValueError(f"migration file name must start with a number: {path.name}")
        found.append((int(head), path))
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration files share a number")
    return found


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the applied names.

    A migration already recorded is skipped, so running this twice changes nothing. A file
    edited after it was applied is reported rather than silently ignored.
    """
    conn.autocommit = False
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(727274)")
        conn.execute(_LEDGER)
    applied: list[str] = []
    for version, path in migration_files():
        text = path.read_text()
        digest = hashlib.sha256(text.encode()).hexdigest()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(727274)")
            row = conn.execute(
                "SELECT sha256 FROM schema_migration WHERE version = %s", (version,)
            ).fetchone()
            if row:
                if row[0] != digest:
                    raise RuntimeError(f"migration {path.name} changed after it was applied")
                continue
            conn.execute(text)
            conn.execute(
                "INSERT INTO schema_migration (version, name, sha256) VALUES (%s, %s, %s)",
                (version, path.stem, digest),
            )
        applied.append(path.name)
        log.info("applied migration %s", path.name)
    return applied


@contextmanager
def transaction(
    role: Role = "loader", settings: Settings | None = None
) -> Iterator[psycopg.Connection[Any]]:
    """A connection in one transaction: committed on success, rolled back on any error."""
    with connect(role, settings) as conn, conn.transaction():
        yield conn
