"""Where the private cluster lives: any folder works, root's closed home included (issue #23).

As root the server runs as ``postgres``, which cannot pass through a mode-700 folder such as
``/root``; the cluster's files then live under the state directory, ``var/pg`` linking there.
These tests make real clusters (initdb, start, migrate, stop) for checkouts in closed
folders, and delete them afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from pathlib import Path

import psycopg
import pytest

from geo.config import Settings
from geo.store import cluster, db

AS_ROOT = os.geteuid() == 0


def _checkout(parent: Path, name: str = "contexts") -> tuple[Path, Settings]:
    """A checkout folder inside ``parent`` (mode 700), and settings that use it."""
    parent.mkdir(parents=True, exist_ok=True)
    parent.chmod(0o700)
    home = parent / name
    home.mkdir()
    return home, Settings(home=home)


def _has_table(c: cluster.Cluster, dbname: str, table: str) -> bool:
    with psycopg.connect(c.url(dbname)) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    assert row is not None
    return bool(row[0])


def test_folder_names_differ_by_path_and_stay_short() -> None:
    a = cluster.state_folder_name(Path("/root/contexts"))
    b = cluster.state_folder_name(Path("/home/ann/contexts"))
    assert a != b
    assert a.startswith("contexts-") and b.startswith("contexts-")
    assert a == cluster.state_folder_name(Path("/root/contexts/"))
    odd = cluster.state_folder_name(Path("/srv/" + "a very/long; name " * 10))
    assert "/" not in odd and " " not in odd and ";" not in odd
    # The socket path must fit in a Unix socket address (107 bytes) whatever the name.
    socket = Path("/var/lib/contexts") / odd / "run" / ".s.PGSQL.5432"
    assert len(str(socket)) < 107


@pytest.mark.db
def test_checkout_in_closed_folder_starts_migrates_resets_and_stops(tmp_path: Path) -> None:
    closed = tmp_path / "home"
    home, s = _checkout(closed)
    link = home / "var" / "pg"
    if AS_ROOT:
        # The situation of the issue: the server user cannot pass through the folder.
        probe = cluster._run(["test", "-x", str(closed)], as_server=True, check=False)
        assert probe.returncode != 0
        # What the earlier code left behind when it gave up: folders without a cluster.
        (link / "run").mkdir(parents=True)
        (link / "log").mkdir()
    try:
        c = cluster.up(s)
        assert cluster.is_running(c)
        if AS_ROOT:
            assert c.root == s.state_dir / cluster.state_folder_name(home)
            assert link.is_symlink() and link.resolve() == c.root
            st = c.root.stat()
            assert st.st_uid == pwd.getpwnam(cluster.SERVER_USER).pw_uid
            assert stat.S_IMODE(st.st_mode) == 0o700
            assert (c.root / cluster.OWNER_FILE).read_text().strip() == str(home.resolve())
            assert cluster.status(s) == (
                f"running: data in {c.data} ({link} links to {c.root}), "
                f"socket in {c.socket_dir}"
            )
        else:
            assert c.root == link and not link.is_symlink()
            assert cluster.status(s).startswith(f"running: data in {c.data} (inside the checkout)")

        with db.connect("superuser", s) as conn:
            applied = db.migrate(conn)
        migrations = [path.name for _, path in db.migration_files()]
        assert applied == migrations + [f"functions/{p.name}" for _, p in db.function_files()]
        with db.connect("superuser", s) as conn:
            row = conn.execute("SELECT count(*) FROM schema_migration").fetchone()
        assert row == (len(migrations),)
        # The roles the migrations made log in through this cluster's socket.
        with db.connect("dashboard", s) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("contexts_dashboard",)

        # reset: the same place, an empty database.
        again = cluster.reset(s)
        assert again.root == c.root
        assert cluster.is_running(again)
        assert not _has_table(again, s.database_name, "schema_migration")

        assert cluster.down(s) is True
        assert not cluster.is_running(c)
        assert cluster.status(s).startswith(f"stopped: data in {c.data}")
    finally:
        gone = cluster.remove(s)
    assert c.root in gone
    assert not c.root.exists()
    assert not link.exists() and not link.is_symlink()


@pytest.mark.db
def test_two_checkouts_get_two_clusters(tmp_path: Path) -> None:
    # The same folder name in two places, as two people's clones would be.
    home_a, sa = _checkout(tmp_path / "ann")
    _, sb = _checkout(tmp_path / "bob")
    home_c = tmp_path / "copy"
    clusters: list[Settings] = [sa, sb]
    try:
        ca, cb = cluster.up(sa), cluster.up(sb)
        assert ca.root != cb.root and ca.socket_dir != cb.socket_dir
        assert cluster.is_running(ca) and cluster.is_running(cb)
        with psycopg.connect(ca.url(sa.database_name), autocommit=True) as conn:
            conn.execute("CREATE TABLE only_in_a (x int)")
        assert _has_table(ca, sa.database_name, "only_in_a")
        assert not _has_table(cb, sb.database_name, "only_in_a")

        if AS_ROOT:
            # A copy of a checkout carries var/pg, a link to the original's cluster: the copy
            # gets a cluster of its own and the original's link is left alone.
            shutil.copytree(home_a, home_c, symlinks=True)
            sc = Settings(home=home_c)
            clusters.append(sc)
            assert (home_c / "var" / "pg").resolve() == ca.root
            cc = cluster.up(sc)
            assert cc.root not in (ca.root, cb.root)
            assert (home_c / "var" / "pg").resolve() == cc.root
            assert (home_a / "var" / "pg").resolve() == ca.root
            assert not _has_table(cc, sc.database_name, "only_in_a")
            assert _has_table(ca, sa.database_name, "only_in_a")
    finally:
        roots = [cluster.locate(x).root for x in clusters]
        for x in clusters:
            cluster.remove(x)
    for root in roots:
        assert not root.exists()


@pytest.mark.db
def test_a_cluster_already_in_the_checkout_stays_there(tmp_path: Path) -> None:
    # Clusters made in var/pg before this rule keep working where they are.
    home, s = _checkout(tmp_path / "old")
    (home / "var" / "pg" / "data").mkdir(parents=True)
    (home / "var" / "pg" / "data" / "PG_VERSION").write_text("17\n")
    c = cluster.locate(s)
    assert c.root == home / "var" / "pg" and c.link is None
    assert cluster.status(s).startswith(f"stopped: data in {c.data} (inside the checkout)")
