"""A streaming hot standby of the private cluster, for the dashboard's reads.

``contexts db replica up`` copies the running primary with ``pg_basebackup`` (streaming its
WAL, with a replication slot so the primary keeps what the standby has not replayed) into
a folder next to the primary's (``var/pg-replica``), writes ``standby.signal`` and a
``primary_conninfo`` that reaches the primary through its Unix socket, and starts it on
a socket of its own. With ``CONTEXTS_READ_REPLICA=local`` the dashboard's page reads go
there (:func:`geo.store.db.read`); loads and audit writes stay on the primary.
"""

from __future__ import annotations

import shutil
import time
from typing import Any

import psycopg

from geo.config import Settings
from geo.store import cluster as C

SLOT = "contexts_replica"


def locate(settings: Settings) -> C.Cluster:
    """The replica's folder: beside the primary's (``var/pg-replica``, or as root under the
    state directory), its name with ``-replica`` added."""
    primary = C.locate(settings)
    return C.Cluster(root=primary.root.with_name(primary.root.name + "-replica"),
                     bindir=primary.bindir)


def _primary_admin(settings: Settings) -> str:
    return C.locate(settings).url("postgres")


def up(settings: Settings) -> C.Cluster:
    """Create (first time) and start the standby; idempotent. Starts the primary too."""
    primary = C.up(settings)
    rep = locate(settings)
    C._prepare_dirs(rep, settings.home.resolve())  # no link: beside the primary's folder
    if not (rep.data / "PG_VERSION").exists():
        with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s",
                            (SLOT,)).fetchone():
                conn.execute("SELECT pg_drop_replication_slot(%s)", (SLOT,))
        shutil.rmtree(rep.data, ignore_errors=True)
        res = C._run(
            [str(rep.bindir / "pg_basebackup"), "-D", str(rep.data), "-h",
             str(primary.socket_dir), "-U", C.SERVER_USER, "-X", "stream", "-c", "fast",
             "-R", "-C", "-S", SLOT, "--no-password"],
            as_server=True, check=False)
        if res.returncode != 0:
            shutil.rmtree(rep.data, ignore_errors=True)
            raise C.ClusterError(f"pg_basebackup failed:\n{res.stdout}{res.stderr}")
        with open(rep.data / "postgresql.conf", "a") as fh:
            fh.write("\n# contexts: streaming replica of the private cluster, socket only\n"
                     f"unix_socket_directories = '{rep.socket_dir}'\n"
                     "hot_standby = on\n"
                     "hot_standby_feedback = on\n"
                     "max_standby_streaming_delay = '30s'\n")
    if not C.is_running(rep):
        res = C._run(
            [str(rep.bindir / "pg_ctl"), "-D", str(rep.data), "-l", str(rep.logfile), "-w",
             "-t", "60", "start"], as_server=True, check=False)
        if res.returncode != 0:
            tail = rep.logfile.read_text()[-2000:] if rep.logfile.exists() else ""
            raise C.ClusterError(f"the replica did not start:\n{res.stdout}{res.stderr}\n{tail}")
    C._wait_ready(rep)
    return rep


def down(settings: Settings, remove: bool = False) -> bool:
    """Stop the standby (``remove``: delete its folder and the primary's slot too);
    returns whether it was running."""
    rep = locate(settings)
    was = C.is_running(rep)
    if was:
        C._run([str(rep.bindir / "pg_ctl"), "-D", str(rep.data), "-m", "fast", "-w", "stop"],
               as_server=True)
    if remove:
        shutil.rmtree(rep.root, ignore_errors=True)
        if C.is_running(C.locate(settings)):
            with psycopg.connect(_primary_admin(settings), autocommit=True) as conn:
                if conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s",
                                (SLOT,)).fetchone():
                    conn.execute("SELECT pg_drop_replication_slot(%s)", (SLOT,))
    return was


def lsns(settings: Settings) -> dict[str, Any]:
    """The primary's current WAL position and the replica's replayed one."""
    rep = locate(settings)
    with psycopg.connect(_primary_admin(settings), autocommit=True) as conn:
        sent = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    with psycopg.connect(rep.url("postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                           "now() - pg_last_xact_replay_timestamp()").fetchone()
    assert sent is not None and row is not None
    return {"primary": sent[0], "standby": row[0], "replayed": row[1], "lag": row[2]}


def wait_caught_up(settings: Settings, timeout: float = 30.0) -> float:
    """Wait until the replica has replayed the primary's WAL as of now; returns seconds."""
    t = time.monotonic()
    with psycopg.connect(_primary_admin(settings), autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    target = row[0]
    with psycopg.connect(locate(settings).url("postgres"), autocommit=True) as conn:
        while True:
            done = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                (target,)).fetchone()
            if done and done[0]:
                return time.monotonic() - t
            if time.monotonic() - t > timeout:
                raise TimeoutError(f"the replica has not replayed {target} in {timeout:.0f} s")
            time.sleep(0.05)


def status(settings: Settings) -> str:
    if not settings.embedded:
        return ("DATABASE_URL is set: a replica of an external server is that server's "
                "(set CONTEXTS_READ_REPLICA to its URL)")
    rep = locate(settings)
    if not (rep.data / "PG_VERSION").exists():
        return f"no replica yet in {rep.data} (run: contexts db replica up)"
    if not C.is_running(rep):
        return f"stopped: {rep.data}"
    try:
        s = lsns(settings)
    except psycopg.Error as e:
        return f"running: {rep.data}, but not answering: {e}"
    role = "hot standby" if s["standby"] else "NOT a standby (promoted)"
    return (f"running ({role}): {rep.data}, socket in {rep.socket_dir}; primary at "
            f"{s['primary']}, replayed {s['replayed']}, last replayed transaction "
            f"{s['lag']} ago")
