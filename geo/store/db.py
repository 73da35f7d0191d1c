"""Database access, by job: connections by role (:mod:`geo.store.connect`), named SQL from
``sql/`` (:mod:`geo.store.named`), migrations (:mod:`geo.store.migrate`), page reads routed
between the replica and the primary (:mod:`geo.store.routing`), all owned by one
:class:`geo.store.store.Store` per process.

This module is the short way in that callers use: the named-SQL functions, and the
process's store's methods as functions (``db.connect(role)``, ``db.read(fn, areas)``). It
holds no state of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg

from geo.config import Settings
from geo.store import connect as _connect
from geo.store.connect import (
    PASS_SECONDS,
    ROLE_LOGINS,
    ConnectAs,
    DbRole,
    GuardedConnection,
    WritingConnection,
    WrongRole,
    as_dashboard,
)
from geo.store.migrate import (
    LAST_MIGRATION_WITH_FUNCTIONS,
    function_files,
    migrate,
    migration_files,
)
from geo.store.named import (
    FUNCTIONS_DIR,
    MIGRATIONS_DIR,
    QUERIES_DIR,
    SQL_DIR,
    arrow,
    execute,
    frame,
    scalar,
    sql,
    statement,
)
from geo.store.routing import TooSlow, lsn, replica_url
from geo.store.store import Store
from geo.store.store import default as store

__all__ = [
    "FUNCTIONS_DIR", "LAST_MIGRATION_WITH_FUNCTIONS", "MIGRATIONS_DIR", "PASS_SECONDS",
    "QUERIES_DIR", "ROLE_LOGINS", "SQL_DIR", "ConnectAs", "DbRole", "GuardedConnection",
    "Store", "TooSlow",
    "WritingConnection", "WrongRole", "area_pass", "arrow", "as_dashboard", "close_pools",
    "connect", "dsn", "execute", "frame", "function_files", "lsn", "migrate",
    "migration_files", "note_write", "pool_stats", "read", "read_counts", "replica_state",
    "replica_url", "scalar", "seen_lsn", "sql", "statement", "store", "transaction",
]

T = TypeVar("T")


def dsn(role: ConnectAs = "owner", settings: Settings | None = None) -> str:
    """The libpq URL for a role (:func:`geo.store.connect.dsn`)."""
    return _connect.dsn(role, store().settings(settings))


def connect(role: ConnectAs = "owner", settings: Settings | None = None,
            areas: tuple[str, ...] = ("*",), **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a connection as ``role`` (:meth:`Store.connect`); a dashboard connection sees
    the rows of ``areas`` (``*``: all)."""
    return store().connect(role, settings, areas, **kwargs)


@contextmanager
def transaction(role: DbRole = "loader", settings: Settings | None = None
                ) -> Iterator[psycopg.Connection[Any]]:
    """A connection in one transaction: committed on success, rolled back on any error."""
    with store().transaction(role, settings) as conn:
        yield conn


def read(fn: Callable[[psycopg.Connection[Any]], T], areas: tuple[str, ...] = ("*",),
         settings: Settings | None = None) -> T:
    """``fn(conn)`` on a pooled read-only connection seeing ``areas``, on the replica when
    it answers and has replayed this process's writes, else on the primary
    (:meth:`geo.store.routing.ReadRouter.read`)."""
    return store().read(fn, areas, settings)


def area_pass(areas: tuple[str, ...], settings: Settings | None = None) -> str:
    """A pass for ``areas`` minted by the loader role, kept for most of its hour."""
    return store().area_pass(areas, settings)


def replica_state(settings: Settings | None = None) -> str | None:
    """None without a replica; ``"replica"`` while reads go there; ``"primary"`` while the
    replica does not answer and reads fall back to the primary."""
    return store().replica_state(settings)


def note_write(position: str) -> None:
    """Raise the process's read-your-writes mark to the WAL position ``position``."""
    store().router.note_write(position)


def seen_lsn() -> str | None:
    """The process's read-your-writes mark as ``pg_lsn`` text, None before any write."""
    return store().router.seen_lsn()


def read_counts() -> dict[str, int]:
    """How many page reads of this process ran where."""
    return store().router.read_counts()


def close_pools() -> None:
    """Close every pool of this process (tests; a server shutting down)."""
    store().close()


def pool_stats() -> dict[str, dict[str, int]]:
    """Each pool's size and use (``psycopg_pool`` statistics), by server."""
    return store().pools.stats()
