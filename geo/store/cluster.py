"""The private PostGIS cluster: the project's embedded default database.

With no ``DATABASE_URL`` the project keeps its own PostgreSQL cluster in ``var/pg`` of the
project folder, reachable only through a Unix socket in that folder (no TCP port), so that
several checkouts on one machine never collide. PostgreSQL refuses to run as root, so when
the caller is root the server runs as the unprivileged ``postgres`` system user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from geo.config import Settings

SERVER_USER = "postgres"


class ClusterError(RuntimeError):
    """The private cluster cannot be set up; the message says what to do."""


@dataclass(frozen=True)
class Cluster:
    """Paths of one private cluster and the binaries that run it."""

    root: Path
    bindir: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def logfile(self) -> Path:
        return self.root / "log" / "postgres.log"

    def url(self, dbname: str, user: str = SERVER_USER) -> str:
        """libpq URL for a database of this cluster, through its socket."""
        return f"postgresql:///{dbname}?host={quote(str(self.socket_dir))}&user={user}"


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(
    cmd: list[str], *, as_server: bool = False, check: bool = True, capture: bool = True
) -> subprocess.CompletedProcess[str]:
    kwargs: dict[str, object] = {}
    if as_server and _as_root():
        kwargs = {"user": SERVER_USER, "group": SERVER_USER, "extra_groups": []}
    done: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
        cmd, check=check, text=True, capture_output=capture, cwd="/", **kwargs)
    return done


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries (initdb) were not found. On Debian/Ubuntu run: "
        "sudo apt-get install postgresql postgresql-15-postgis-3 "
        "(or set DATABASE_URL to an existing PostGIS server)."
    )


def server_major(bindir: Path) -> int:
    out = _run([str(bindir / "postgres"), "--version"]).stdout
    return int(out.split()[-1].split(".")[0])


def _postgis_installed(bindir: Path) -> bool:
    sharedir = (
        _run([str(bindir / "pg_config"), "--sharedir"]).stdout.strip()
        if (bindir / "pg_config").exists()
        else f"/usr/share/postgresql/{server_major(bindir)}"
    )
    return (Path(sharedir) / "extension" / "postgis.control").exists()


def ensure_postgis(bindir: Path) -> None:
    """Install PostGIS with apt when missing and allowed; otherwise say how."""
    if _postgis_installed(bindir):
        return
    package = f"postgresql-{server_major(bindir)}-postgis-3"
    if _as_root() and shutil.which("apt-get"):
        print(f"PostGIS is missing: installing {package} with apt-get", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "install", "-y", "-q", package], env=env)
        if done.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
            subprocess.run(["apt-get", "install", "-y", "-q", package], env=env, check=True)
        if _postgis_installed(bindir):
            return
    raise ClusterError(f"PostGIS is not installed. Run: sudo apt-get install {package}")


def _server_can_write(path: Path) -> bool:
    if not _as_root():
        return True
    return _run(["test", "-w", str(path)], as_server=True, check=False).returncode == 0


def locate(settings: Settings) -> Cluster:
    """The cluster of this project folder (nothing is created)."""
    return Cluster(root=settings.var_dir / "pg", bindir=find_bindir())


def _prepare_dirs(cluster: Cluster) -> None:
    for d in (cluster.root, cluster.socket_dir, cluster.logfile.parent):
        d.mkdir(parents=True, exist_ok=True)
    if _as_root():
        pw = pwd.getpwnam(SERVER_USER)
        for d in (cluster.root, cluster.socket_dir, cluster.logfile.parent):
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(cluster.root, 0o700)
        if not _server_can_write(cluster.root):
            raise ClusterError(
                f"The '{SERVER_USER}' user cannot reach {cluster.root}: a parent folder is "
                "closed to other users. Move the checkout, or open the parents with chmod o+x."
            )


def is_running(cluster: Cluster) -> bool:
    if not (cluster.data / "PG_VERSION").exists():
        return False
    res = _run(
        [str(cluster.bindir / "pg_ctl"), "-D", str(cluster.data), "status"],
        as_server=True,
        check=False,
    )
    return res.returncode == 0


def up(settings: Settings) -> Cluster:
    """Create (first time), start and return the private cluster; idempotent."""
    if not settings.embedded:
        raise ClusterError("DATABASE_URL is set: the private cluster is not used.")
    cluster = locate(settings)
    ensure_postgis(cluster.bindir)
    _prepare_dirs(cluster)
    if not (cluster.data / "PG_VERSION").exists():
        _run(
            [
                str(cluster.bindir / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                SERVER_USER,
                "--auth-local=trust",
                "--auth-host=reject",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            as_server=True,
        )
        conf = (
            "\n# contexts: private cluster, socket only\n"
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{cluster.socket_dir}'\n"
            "unix_socket_permissions = 0700\n"
            "shared_buffers = '256MB'\n"
            "work_mem = '32MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "max_wal_size = '2GB'\n"
        )
        with open(cluster.data / "postgresql.conf", "a") as fh:
            fh.write(conf)
    if not is_running(cluster):
        res = _run(
            [
                str(cluster.bindir / "pg_ctl"),
                "-D",
                str(cluster.data),
                "-l",
                str(cluster.logfile),
                "-w",
                "-t",
                "60",
                "start",
            ],
            as_server=True,
            check=False,
        )
        if res.returncode != 0:
            tail = cluster.logfile.read_text()[-2000:] if cluster.logfile.exists() else ""
            raise ClusterError(f"PostgreSQL did not start:\n{res.stdout}{res.stderr}\n{tail}")
    _wait_ready(cluster)
    _ensure_database(cluster, settings.database_name)
    return cluster


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        res = _run(
            [str(cluster.bindir / "pg_isready"), "-h", str(cluster.socket_dir), "-q"], check=False
        )
        if res.returncode == 0:
            return
        time.sleep(0.2)
    raise ClusterError("PostgreSQL started but does not accept connections")


def _ensure_database(cluster: Cluster, dbname: str) -> None:
    import psycopg

    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(dbname))
            )


def down(settings: Settings) -> bool:
    """Stop the cluster; returns whether it was running."""
    cluster = locate(settings)
    if not is_running(cluster):
        return False
    _run(
        [str(cluster.bindir / "pg_ctl"), "-D", str(cluster.data), "-m", "fast", "-w", "stop"],
        as_server=True,
    )
    return True


def reset(settings: Settings) -> Cluster:
    """Stop, delete every file of the cluster, and start a new empty one."""
    down(settings)
    cluster = locate(settings)
    shutil.rmtree(cluster.root, ignore_errors=True)
    return up(settings)


def status(settings: Settings) -> str:
    if not settings.embedded:
        return "DATABASE_URL is set: using an external server, no private cluster"
    cluster = locate(settings)
    if not (cluster.data / "PG_VERSION").exists():
        return f"no cluster yet in {cluster.data} (run: contexts db up)"
    state = "running" if is_running(cluster) else "stopped"
    return f"{state}: {cluster.data}, socket in {cluster.socket_dir}"
