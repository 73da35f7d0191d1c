"""The :class:`Store`: one object that owns the database access of a process (the
counterpart of datasette's ``Database``): its connection settings, the area passes it
minted, its pools of read connections, and the replica router with read-your-writes.

Callers ask it for a connection by role (:meth:`Store.connect`, :meth:`Store.transaction`)
or for a page read (:meth:`Store.read`, generic: ``read(fn)`` returns what ``fn`` returns).
The process has one (:func:`default`); a test may make its own. The functions of
:mod:`geo.store.db` are the default store's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

import psycopg

from geo.config import Settings, get_settings
from geo.store.connect import AreaPasses, ConnectAs, DbRole, open_as
from geo.store.routing import Pools, ReadRouter

T = TypeVar("T")


class Store:
    """Connections, pools, passes and routing of one process (see the module)."""

    def __init__(self, settings: Settings | None = None) -> None:
        #: the settings it connects with; None: the process's (:func:`get_settings`,
        #: read at each call, so that tests that change them are followed)
        self.fixed_settings = settings
        self.pools = Pools()
        self.passes = AreaPasses(on_write=self._written)
        self.router = ReadRouter(self.pools, self.passes)

    def _written(self, position: str) -> None:
        self.router.note_write(position)

    def settings(self, given: Settings | None = None) -> Settings:
        return given or self.fixed_settings or get_settings()

    def connect(self, role: ConnectAs = "owner",
                settings: Settings | None = None, areas: tuple[str, ...] = ("*",),
                **kwargs: Any) -> psycopg.Connection[Any]:
        """A new connection as ``role`` (:func:`geo.store.connect.open_as`); a writing
        role's raises this store's read-your-writes mark when it closes."""
        return open_as(role, self.settings(settings), areas, self.passes, self._written,
                       **kwargs)

    @contextmanager
    def transaction(self, role: DbRole = "loader", settings: Settings | None = None
                    ) -> Iterator[psycopg.Connection[Any]]:
        """A connection in one transaction: committed on success, rolled back on any
        error."""
        with self.connect(role, settings) as conn, conn.transaction():
            yield conn

    def read(self, fn: Callable[[psycopg.Connection[Any]], T],
             areas: tuple[str, ...] = ("*",), settings: Settings | None = None) -> T:
        """``fn(conn)`` on a pooled read-only connection seeing ``areas``, on the replica
        or the primary as the router decides (:meth:`ReadRouter.read`)."""
        return self.router.read(fn, areas, self.settings(settings))

    def area_pass(self, areas: tuple[str, ...], settings: Settings | None = None) -> str:
        return self.passes.get(areas, self.settings(settings))

    def replica_state(self, settings: Settings | None = None) -> str | None:
        return self.router.state(self.settings(settings))

    def close(self) -> None:
        """Close its pools (tests; a server shutting down)."""
        self.pools.close()


@cache
def default() -> Store:
    """The process's store (made on first use)."""
    return Store()
