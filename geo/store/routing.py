"""Where a page read runs: the pools of guarded read connections, and the replica router
with read-your-writes.

A :class:`ReadRouter` sends each read to the read replica when one is configured, answers,
and has replayed this process's writes; else to the primary. Its state (since when the
replica is down, when it was last tried, this process's high-water mark of writes, since
when the replica lags, where the reads ran) is fields of the instance, changed under its
lock; a :class:`geo.store.store.Store` owns one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from geo.config import Settings
from geo.store import named
from geo.store.connect import ROLE_LOGINS, AreaPasses, GuardedConnection, as_dashboard, dsn

log = logging.getLogger(__name__)
T = TypeVar("T")

#: seconds a replica that failed is left alone before it is tried again
REPLICA_RETRY_S = 15.0
#: how long a read waits for a replica connection before falling back to the primary
REPLICA_WAIT_S = 2.0
#: how long a replica read waits for a pooled connection before asking whether the replica
#: answers at all (then it waits the rest of :data:`REPLICA_WAIT_S`): a stopped replica's
#: pool does not fail, it reconnects in the background and every read waits it out
REPLICA_FIRST_WAIT_S = 0.2
#: a probe's refusal is reused this long (a stopped replica is asked once a second per
#: process, not once per waiting read)
PROBE_EVERY_S = 1.0
#: how long a replica read waits for the replica to replay this process's latest write
#: before it reads from the primary instead (streaming on one machine replays in
#: milliseconds; a replica further behind than this is lagging, not down)
READ_YOUR_WRITES_WAIT_S = 1.0
#: how often that wait asks the replica where its replay is
REPLAY_POLL_S = 0.02
#: once a wait ran out, for this long reads ask once and go to the primary without
#: waiting (a page makes several reads: one wait per page, not one per read)
LAGGING_RETRY_S = 2.0


class TooSlow(RuntimeError):
    """A read ran past ``dashboard_timeout_ms`` and was cancelled."""


class ReplicaRefused(PoolTimeout):
    """The replica's pool had no connection and the replica refused a new one."""


def answers(url: str, timeout: float) -> bool:
    """Whether the server at ``url`` takes a connection (a stopped server on the socket
    refuses in under a millisecond)."""
    try:
        with psycopg.connect(url, connect_timeout=int(max(timeout, 1))):
            return True
    except psycopg.Error:
        return False


def lsn(text: str) -> int:
    """``16/B374D848`` as an integer (a ``pg_lsn``)."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


class Pools:
    """Pools of guarded read connections by (URL, size, time limit): at most
    ``settings.pool_size`` connections each, opened lazily, checked on borrow, each made
    the dashboard role (:func:`geo.store.connect.as_dashboard`)."""

    def __init__(self) -> None:
        self._pools: dict[tuple[str, int, int], ConnectionPool[Any]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, settings: Settings) -> ConnectionPool[Any]:
        key = (url, settings.pool_size, settings.dashboard_timeout_ms)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = ConnectionPool(
                    url, min_size=1, max_size=settings.pool_size, open=True, name="reads",
                    connection_class=GuardedConnection, kwargs={"connect_timeout": 5},
                    check=ConnectionPool.check_connection, configure=as_dashboard,
                    max_idle=300, timeout=60)
                self._pools[key] = pool
        return pool

    def drop(self, url: str, pool: ConnectionPool[Any] | None = None) -> None:
        """Close and forget the pools for ``url`` (only ``pool`` if given, and only if it
        is still ``url``'s: not one made since)."""
        with self._lock:
            gone = [k for k, p in self._pools.items()
                    if k[0] == url and (pool is None or p is pool)]
            pools = [self._pools.pop(k) for k in gone]
        for p in pools:
            p.close(timeout=0)

    def has(self, url: str) -> bool:
        """Whether a pool for ``url`` is open."""
        with self._lock:
            return any(k[0] == url for k in self._pools)

    def close(self) -> None:
        """Close every pool (tests; a server shutting down)."""
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for p in pools:
            p.close()

    def stats(self) -> dict[str, dict[str, int]]:
        """Each pool's size and use (``psycopg_pool`` statistics), by server."""
        with self._lock:
            return {k[0].split("?")[-1]: dict(p.get_stats()) for k, p in self._pools.items()}


def replica_url(settings: Settings) -> str | None:
    """The URL page reads use on the replica, or None when no replica is configured."""
    if not settings.read_replica:
        return None
    if settings.read_replica == "local":
        from geo.store.replica import locate

        return locate(settings).url(settings.database_name, ROLE_LOGINS["dashboard"])
    return settings.read_replica


class ReadRouter:
    """Routes page reads between the replica and the primary (see :meth:`read`).

    The timings are instance fields (the module's constants by default) so that a test
    can make them generous or zero on its own router.
    """

    def __init__(self, pools: Pools, passes: AreaPasses) -> None:
        self.pools = pools
        self.passes = passes
        self.retry_s = REPLICA_RETRY_S
        self.wait_s = REPLICA_WAIT_S
        self.first_wait_s = REPLICA_FIRST_WAIT_S
        self.probe_every_s = PROBE_EVERY_S
        self.ryw_wait_s = READ_YOUR_WRITES_WAIT_S
        self.replay_poll_s = REPLAY_POLL_S
        self.lagging_retry_s = LAGGING_RETRY_S
        self._lock = threading.Lock()
        #: since when (monotonic) the replica has not answered; None: it answers
        self.down_since: float | None = None
        #: when the replica was last tried while down
        self.checked = 0.0
        #: the high-water mark: the newest primary WAL position (an integer LSN) this
        #: process wrote, or read on the primary while a replica was configured; 0: none
        self.seen = 0
        #: since when a replica read's wait for the mark ran out (reads then do not wait)
        self.lagging_since: float | None = None
        #: page reads by where they ran (``replica``; ``primary``: no replica configured;
        #: ``primary, replica behind``: read-your-writes; ``primary, replica down``)
        self._reads: Counter[str] = Counter()
        #: the last refused probe of a replica that kept a read waiting: (URL, when, False)
        self.probed: tuple[str, float, bool] | None = None

    def reset(self) -> None:
        """Forget that the replica was down or lagging (tests: a replica just restarted)."""
        with self._lock:
            self.down_since = None
            self.checked = 0.0
            self.lagging_since = None
            self.probed = None

    # --- read-your-writes --------------------------------------------------------------

    def note_write(self, position: str) -> None:
        """Raise the high-water mark to the primary's WAL position ``position``.

        One mark for the whole process (its store), not one per browser session, on
        purpose: a Streamlit process serves every session from threads that share one
        cache (``st.cache_data``, keyed by the data version), so an entry one session
        caches from a lagging replica would be served to the person who just wrote,
        whatever their own mark said. A process-wide mark also gives everyone on the
        process monotonic reads (nobody sees a change and then, on the next rerun, not).
        Its price, when someone writes, is that the next reads of everyone on the process
        wait for the replica to replay that write (a few milliseconds) or, past
        :data:`READ_YOUR_WRITES_WAIT_S`, read from the primary: writes are rare (analysts'
        edits, uploads, audited refusals and exports) beside page reads. Each process has
        its own mark: another process's writes reach this one's pages once the replica
        has replayed them, as they always did (and its cache keys, read on that replica,
        move with them).
        """
        value = lsn(position)
        with self._lock:
            if value > self.seen:
                self.seen = value

    def seen_lsn(self) -> str | None:
        """The high-water mark as ``pg_lsn`` text, None before any write."""
        value = self.seen
        return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}" if value else None

    def read_counts(self) -> dict[str, int]:
        """How many page reads ran where."""
        with self._lock:
            return dict(self._reads)

    def _count(self, where: str) -> None:
        with self._lock:
            self._reads[where] += 1

    def _replayed(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether the replica behind ``conn`` has replayed the high-water mark, waiting up
        to :attr:`ryw_wait_s` for it (not at all for :attr:`lagging_retry_s` after a wait
        ran out). The questions run on ``conn``, left in an open transaction: the read's
        own, or rolled back by the caller."""
        mark = self.seen_lsn()
        if mark is None:
            return True
        now = time.monotonic()
        lagging = self.lagging_since
        patient = lagging is None or now - lagging > self.lagging_retry_s
        deadline = now + (self.ryw_wait_s if patient else 0.0)
        while True:
            if named.scalar(conn, "replica_replayed", {"lsn": mark}):
                with self._lock:
                    self.lagging_since = None
                return True
            if time.monotonic() >= deadline:
                if patient:
                    log.info("read replica has not replayed %s in %.1f s: reading from the "
                             "primary", mark, self.ryw_wait_s)
                    with self._lock:
                        self.lagging_since = time.monotonic()
                return False
            time.sleep(self.replay_poll_s)

    # --- routing -----------------------------------------------------------------------

    def _probe(self, url: str) -> bool:
        """:func:`answers` for ``url``; a refusal is remembered for :attr:`probe_every_s`
        (a stopped replica is asked once a second, not once per waiting read). That it
        answers is not remembered: a read trusting an answer from before a stop would wait
        out the rest of :attr:`wait_s` on the stopped replica's pool."""
        now = time.monotonic()
        with self._lock:
            seen = self.probed
        if seen is not None and seen[0] == url and now - seen[1] < self.probe_every_s:
            return False
        ok = answers(url, self.wait_s)
        with self._lock:
            self.probed = None if ok else (url, time.monotonic(), ok)
        return ok

    def _borrow(self, pool: ConnectionPool[Any], url: str) -> GuardedConnection:
        """A connection from the replica's ``pool``: a busy pool is waited for up to
        :attr:`wait_s`, a replica that stopped is found out after :attr:`first_wait_s`
        (its pool's connections fail their check and the pool reconnects in the
        background, backing off: every read in flight would wait it out)."""
        conn: GuardedConnection
        try:
            conn = pool.getconn(timeout=self.first_wait_s)
            return conn
        except PoolTimeout as e:
            if not self._probe(url):
                raise ReplicaRefused(str(e)) from e
        conn = pool.getconn(timeout=max(self.wait_s - self.first_wait_s, 0.0))
        return conn

    def _retry_due(self, now: float) -> bool:
        """Whether this read is the one that tries a replica that was down again (one
        read per :attr:`retry_s`; the others read the primary without waiting)."""
        with self._lock:
            if self.down_since is None:
                return True
            if now - self.checked > self.retry_s:
                self.checked = now
                return True
            return False

    def state(self, settings: Settings) -> str | None:
        """None without a replica; ``"replica"`` while reads go there; ``"primary"`` while
        the replica does not answer and reads fall back to the primary."""
        if not settings.read_replica:
            return None
        return "primary" if self.down_since is not None else "replica"

    @contextmanager
    def _lent(self, pool: ConnectionPool[Any], conn: GuardedConnection,
              areas: tuple[str, ...], settings: Settings) -> Iterator[psycopg.Connection[Any]]:
        """Lend ``conn`` seeing ``areas``: its guard enters their area pass (and the time
        limit) in the read's transaction before each statement (:class:`GuardedConnection`);
        the transaction is rolled back at the end (a read keeps nothing) and the guard
        taken off, so a connection back in the pool sees no area."""
        try:
            conn._contexts_guard = {"pass": self.passes.get(tuple(areas) or ("",), settings),
                                    "timeout": f"{settings.dashboard_timeout_ms}ms"}
            yield conn
        finally:
            conn._contexts_guard = None
            if not conn.closed:
                conn.rollback()
            pool.putconn(conn)

    def read(self, fn: Callable[[psycopg.Connection[Any]], T], areas: tuple[str, ...],
             settings: Settings) -> T:
        """``fn(conn)`` on a pooled read-only connection seeing ``areas``: on the replica
        when one is configured, answering, and has replayed this process's writes; else on
        the primary.

        Read-your-writes: a connection of a writing role reports, when it closes, the
        primary's WAL position (:class:`geo.store.connect.WritingConnection`,
        :meth:`note_write`). Before a read on the replica, the borrowed connection asks
        whether the replica has replayed that far (``pg_last_wal_replay_lsn()``), polling
        up to :attr:`ryw_wait_s`; if not, this read runs on the primary (no notice: the
        replica is behind, not down). A read on the primary while a replica is configured
        raises the mark to the primary's position after it, so that what the next reads
        see never goes back in time: a page whose data version was read on the primary
        does not then fill the cache under that version from a replica that has not
        replayed it.

        A replica that cannot be reached, or that drops the read (stopped, or a conflict
        with recovery), is left alone for :attr:`retry_s` seconds and the read runs on
        the primary; :meth:`state` says so. A read cancelled by the statement timeout
        raises :class:`TooSlow`.
        """
        replica = replica_url(settings)
        now = time.monotonic()
        where = "primary"
        use = bool(replica) and self._retry_due(now)
        if replica and use and self.down_since is not None:
            # a fresh pool, not one backing off from the failures; none at all while it
            # still refuses (one refused connection: nothing reconnecting in the background)
            self.pools.drop(replica)
            use = answers(replica, self.wait_s)
        if replica and use:
            pool = self.pools.get(replica, settings)
            try:
                conn = self._borrow(pool, replica)
                try:
                    fresh = self._replayed(conn)
                except BaseException:
                    pool.putconn(conn)
                    raise
                if fresh:
                    with self._lent(pool, conn, areas, settings) as c:
                        out = fn(c)
                    self._count("replica")
                else:
                    conn.rollback()
                    pool.putconn(conn)
                    where = "primary, replica behind"
                with self._lock:
                    if self.down_since is not None:
                        log.warning("read replica answers again; reads go back to it")
                    self.down_since = None
                if fresh:
                    return out
            except psycopg.errors.QueryCanceled as e:
                raise TooSlow(str(e)) from e
            except (PoolTimeout, psycopg.OperationalError, psycopg.errors.SerializationFailure,
                    psycopg.errors.AdminShutdown) as e:
                with self._lock:
                    if self.down_since is None:
                        log.warning("read replica does not answer (%s): reading from the "
                                    "primary", str(e).strip().splitlines()[0]
                                    if str(e).strip() else type(e))
                        self.down_since = now
                    self.checked = now
                # stopped (refused, shut down, connection lost): its pool closed, so that
                # the reads waiting on it fail at once and go to the primary too. Busy (no
                # connection in time though it answers) or a conflict with recovery: the
                # pool is kept
                busy = isinstance(e, PoolTimeout) and not isinstance(
                    e, ReplicaRefused | PoolClosed)
                if not busy and not isinstance(e, psycopg.errors.SerializationFailure):
                    self.pools.drop(replica, pool)
        if replica and where == "primary":
            where = "primary, replica down"
        try:
            pool = self.pools.get(dsn("dashboard", settings), settings)
            conn = pool.getconn()
            with self._lent(pool, conn, areas, settings) as c:
                out = fn(c)
                if replica:
                    self.note_write(str(named.scalar(c, "wal_position")))
            self._count(where)
            return out
        except psycopg.errors.QueryCanceled as e:
            raise TooSlow(str(e)) from e
