"""Connections by role: the libpq URL of each role, the guarded connection of page reads,
the writing connection that notes its writes (read-your-writes), and area passes.

Nothing here is process state: the passes minted so far live in an :class:`AreaPasses`
that a :class:`geo.store.store.Store` owns, and a writing connection reports its writes
to the callback its store gives it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import psycopg
import psycopg.sql

from geo.config import Settings
from geo.store.named import scalar, sql

#: the database's roles, which the migrations create (their logins: ROLE_LOGINS). Not the
#: app's roles (:data:`geo.roles.AppRole`: partner ... admin, rows of ``app_user``)
DbRole = Literal["owner", "loader", "dashboard", "auditor"]
#: the server superuser of the private cluster (or ``DATABASE_URL`` as given), which runs
#: the migrations: no role the migrations create, and named apart from the app's "admin"
SUPERUSER: Final = "superuser"
#: whom a connection is opened as: a database role or the superuser
ConnectAs = DbRole | Literal["superuser"]
ROLE_LOGINS: Mapping[DbRole, str] = MappingProxyType({
    "owner": "contexts_owner",
    "loader": "contexts_loader",
    "dashboard": "contexts_dashboard",
    "auditor": "contexts_auditor",
})
#: seconds an area pass is minted for
PASS_SECONDS = 3600


def dsn(role: ConnectAs, settings: Settings) -> str:
    """The libpq URL for a role.

    ``superuser`` (:data:`SUPERUSER`) is the server superuser of the private cluster (or
    ``DATABASE_URL`` as given); it runs migrations. The other roles are the ones the
    migrations create. With ``DATABASE_URL`` set, ``CONTEXTS_DASHBOARD_DATABASE_URL`` and
    ``CONTEXTS_LOADER_DATABASE_URL`` give the dashboard and loader logins; without them
    the given URL is used and the role is taken with ``SET ROLE`` (see :func:`open_as`).
    """
    if role != SUPERUSER and role not in ROLE_LOGINS:
        raise ValueError(f"{role!r} is not a database role ({', '.join(ROLE_LOGINS)}) nor "
                         f"{SUPERUSER!r}; the app's roles (geo.roles) are not database roles")
    if settings.embedded:
        from geo.store.cluster import locate

        cluster = locate(settings)
        if role == SUPERUSER:
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
    """A dashboard connection (see :func:`open_as`).

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
    closes, having committed, it reports the primary's WAL position to ``on_write`` (its
    store's read-your-writes mark, :meth:`geo.store.routing.ReadRouter.note_write`), so
    that the page reads that follow see what it wrote even on a lagging replica."""

    on_write: Callable[[str], None] | None = None

    def close(self) -> None:
        if self.on_write is not None and not self.closed and not self.broken and \
                self.info.transaction_status in (psycopg.pq.TransactionStatus.IDLE,
                                                 psycopg.pq.TransactionStatus.INTRANS):
            try:
                self.on_write(str(scalar(self, "wal_position")))
            except psycopg.Error:  # not a primary (a standby given as DATABASE_URL), gone
                pass
        super().close()


def as_dashboard(conn: psycopg.Connection[Any]) -> None:
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


class AreaPasses:
    """The area passes a store has minted: (loader URL, areas) -> (pass, expiry), each kept
    for most of its hour; the dashboard role cannot mint one (migration 0010), the loader
    role mints them (a write: its connection reports it to ``on_write`` as any writing
    connection does). Changed under the instance's lock."""

    def __init__(self, on_write: Callable[[str], None] | None = None) -> None:
        self._on_write = on_write
        self._passes: dict[tuple[str, tuple[str, ...]], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, areas: tuple[str, ...], settings: Settings) -> str:
        """A pass for ``areas`` (minted now, or one minted before with 5 minutes left)."""
        key = (dsn("loader", settings), tuple(areas))
        with self._lock:
            hit = self._passes.get(key)
        if hit is not None and hit[1] > time.time() + 300:
            return hit[0]
        with open_as("loader", settings, ("*",), self, self._on_write) as conn:
            made = str(scalar(conn, "area_pass", {"areas": list(areas),
                                                  "seconds": PASS_SECONDS}))
        with self._lock:
            self._passes[key] = (made, time.time() + PASS_SECONDS)
        return made

    def forget(self, match: Callable[[str], bool] | None = None) -> None:
        """Forget the passes whose loader URL ``match``es (all without ``match``): those
        of a database about to go, or remade (its passes no longer enter)."""
        with self._lock:
            for key in [k for k in self._passes if match is None or match(k[0])]:
                del self._passes[key]


def _set_role(conn: psycopg.Connection[Any], role: DbRole) -> None:
    conn.execute(psycopg.sql.SQL("SET ROLE {}").format(
        psycopg.sql.Identifier(ROLE_LOGINS[role])))
    if role == "auditor":
        conn.execute("SET default_transaction_read_only = on")
    conn.commit()


def open_as(role: ConnectAs, settings: Settings, areas: tuple[str, ...],
            passes: AreaPasses, on_write: Callable[[str], None] | None,
            **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a connection as ``role``; a dashboard connection sees the rows of ``areas``
    (``*``: all).

    Row-level security limits the dashboard role to ``areas``; the application passes the
    signed-in user's areas, server-side callers (command line, tests) all of them. The
    areas reach the database as a pass that only the loader role can mint (``passes``);
    the dashboard connection is a :class:`GuardedConnection`, in transactions (never
    autocommit, which would end the pass with each statement). On an external server
    without a dedicated login for the role, the session switches to it with ``SET ROLE``
    so that its privileges, not the login's, apply. Any other role's connection is a
    :class:`WritingConnection` reporting its writes to ``on_write``.
    """
    if role == "dashboard":
        if kwargs.pop("autocommit", False):
            raise ValueError("a dashboard connection works in transactions, not autocommit")
        pass_ = passes.get(tuple(areas) or ("",), settings)
        guarded = GuardedConnection.connect(dsn(role, settings), **kwargs)
        try:
            as_dashboard(guarded)
            guarded._contexts_guard = {"pass": pass_,
                                       "timeout": f"{settings.dashboard_timeout_ms}ms"}
            try:
                guarded.guard()
            except psycopg.errors.InsufficientPrivilege:  # a pass of a database since remade
                guarded.rollback()
                passes.forget()
                guarded._contexts_guard["pass"] = passes.get(tuple(areas) or ("",), settings)
                guarded.guard()
        except BaseException:
            guarded.close()
            raise
        return guarded
    conn = WritingConnection.connect(dsn(role, settings), **kwargs)
    conn.on_write = on_write
    if role != SUPERUSER and not settings.embedded:
        dedicated = settings.loader_database_url if role == "loader" else None
        if not dedicated:
            _set_role(conn, role)
    return conn
