"""The private PostGIS cluster: the project's embedded default database.

With no ``DATABASE_URL`` the project keeps its own PostgreSQL cluster, reachable only through
a Unix socket in the cluster's folder (no TCP port), so that several checkouts on one machine
never collide. PostgreSQL refuses to run as root, so when the caller is root the server runs
as the unprivileged ``postgres`` system user.

Where the cluster lives:

- as an ordinary user, in ``var/pg`` of the checkout;
- as root, in a folder of its own under the state directory (``/var/lib/contexts``), named
  from the checkout's absolute path (its folder name and a hash of the path), owned by
  ``postgres`` with mode 700, and ``var/pg`` in the checkout is a symbolic link to it. The
  ``postgres`` user cannot pass through a home folder such as ``/root`` (mode 700), and nobody
  should have to open one. The folder records its checkout in a file ``checkout``: a copy of a
  checkout (whose ``var/pg`` still points at the original's folder) gets a cluster of its own,
  and a moved checkout keeps its data;
- a cluster already in ``var/pg`` of a checkout (made before this rule, or by an ordinary
  user) stays where it is.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from geo.config import Settings

SERVER_USER = "postgres"

#: The file, in a cluster folder under the state directory, naming the checkout it serves.
OWNER_FILE = "checkout"


class ClusterError(RuntimeError):
    """The private cluster cannot be set up; the message says what to do."""


@dataclass(frozen=True)
class Cluster:
    """Paths of one private cluster and the binaries that run it."""

    root: Path
    bindir: Path
    #: ``var/pg`` of the checkout when the cluster lives elsewhere (a link to ``root``).
    link: Path | None = None

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


@functools.cache
def find_bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine (looked for once a process: a
    page read finds its server's address through :func:`locate`, and the search of
    ``/usr/lib/postgresql`` was 1.3 % of a served dashboard's samples under 50 people)."""
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


def state_folder_name(home: Path) -> str:
    """The cluster folder's name for a checkout: its folder name and a hash of its path."""
    home = home.resolve()
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", home.name).strip(".-")[:32] or "checkout"
    return f"{base}-{digest}"


def _owner(root: Path) -> Path | None:
    try:
        return Path((root / OWNER_FILE).read_text().strip())
    except OSError:
        return None


def _link_target(link: Path) -> Path:
    return link.parent / os.readlink(link)


def _serves(root: Path, home: Path) -> bool:
    """Whether the cluster folder ``root`` belongs to the checkout ``home``.

    It does when it names ``home``, or names no checkout, or names one that no longer links
    to it (the checkout was moved here). It does not when the checkout it names still links
    to it: ``home`` is a copy of that checkout and needs a cluster of its own.
    """
    owner = _owner(root)
    if owner is None or owner == home:
        return True
    other = owner / "var" / "pg"
    return not (other.is_symlink() and _link_target(other) == root)


def _planned_root(settings: Settings, home: Path) -> Path:
    """The folder under the state directory for a new cluster of ``home``."""
    name = state_folder_name(home)
    candidate, n = settings.state_dir / name, 2
    # Taken by another checkout (one moved away from this path, say): take the next name.
    while candidate.exists() and _owner(candidate) != home:
        candidate, n = settings.state_dir / f"{name}-{n}", n + 1
    return candidate


def locate(settings: Settings) -> Cluster:
    """The cluster of this project folder (nothing is created)."""
    bindir = find_bindir()
    home = settings.home.resolve()
    link = settings.var_dir / "pg"
    if link.is_symlink():
        target = _link_target(link)
        if _serves(target, home):
            return Cluster(root=target, bindir=bindir, link=link)
    elif link.is_dir() and (not _as_root() or (link / "data" / "PG_VERSION").exists()):
        return Cluster(root=link, bindir=bindir)
    if not _as_root():
        return Cluster(root=link, bindir=bindir)
    return Cluster(root=_planned_root(settings, home), bindir=bindir, link=link)


def _link_checkout(cluster: Cluster, home: Path) -> None:
    """As root: make the folder under the state directory and point ``var/pg`` at it."""
    assert cluster.link is not None
    state_dir = cluster.root.parent
    if not state_dir.exists():
        state_dir.mkdir(parents=True)
        os.chmod(state_dir, 0o755)  # whatever the umask: the server user must pass through
    cluster.root.mkdir(mode=0o700, exist_ok=True)
    if _owner(cluster.root) != home:
        (cluster.root / OWNER_FILE).write_text(f"{home}\n")
    link = cluster.link
    if link.is_symlink():
        if _link_target(link) == cluster.root:
            return
        link.unlink()  # a copied checkout's link to the original's cluster
    elif link.is_dir():
        # Left by an attempt that could not start a server here: no cluster in it.
        shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(cluster.root, target_is_directory=True)


def _prepare_dirs(cluster: Cluster, home: Path) -> None:
    if cluster.link is not None:
        _link_checkout(cluster, home)
    for d in (cluster.root, cluster.socket_dir, cluster.logfile.parent):
        d.mkdir(parents=True, exist_ok=True)
    if _as_root():
        pw = pwd.getpwnam(SERVER_USER)
        for d in (cluster.root, cluster.socket_dir, cluster.logfile.parent):
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(cluster.root, 0o700)
        if not _server_can_write(cluster.root):
            hint = (
                "Open the parents with chmod o+x."
                if cluster.link is not None
                else "Run `contexts db remove` (deletes this cluster) and the next start "
                "makes one the server can reach, or open the parents with chmod o+x."
            )
            raise ClusterError(
                f"The '{SERVER_USER}' user cannot reach {cluster.root}: a parent folder is "
                f"closed to other users. {hint}"
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
    _prepare_dirs(cluster, settings.home.resolve())
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


def _remove_files(cluster: Cluster) -> list[Path]:
    """Delete the cluster's files and the checkout's link to them; returns what went."""
    gone: list[Path] = []
    if cluster.link is not None and cluster.link.is_symlink():
        cluster.link.unlink()
        gone.append(cluster.link)
    if cluster.link is None or (cluster.root / OWNER_FILE).exists():
        # All of it is the cluster's: var/pg itself, or a folder made for it under the
        # state directory.
        if cluster.root.exists():
            shutil.rmtree(cluster.root)
            gone.append(cluster.root)
    else:
        # A folder someone pointed var/pg at by hand: only what the cluster put there.
        for d in (cluster.data, cluster.socket_dir, cluster.logfile.parent):
            if d.exists():
                shutil.rmtree(d)
                gone.append(d)
    return gone


def remove(settings: Settings) -> list[Path]:
    """Stop the cluster and delete every file of it (and ``var/pg``); returns what went."""
    if not settings.embedded:
        raise ClusterError("DATABASE_URL is set: the private cluster is not used.")
    down(settings)
    return _remove_files(locate(settings))


def reset(settings: Settings) -> Cluster:
    """Stop, delete every file of the cluster, and start a new empty one."""
    remove(settings)
    return up(settings)


def where(cluster: Cluster) -> str:
    """Where the cluster's data live, in words."""
    if cluster.link is None:
        return f"data in {cluster.data} (inside the checkout)"
    return f"data in {cluster.data} ({cluster.link} links to {cluster.root})"


def status(settings: Settings) -> str:
    if not settings.embedded:
        return "DATABASE_URL is set: using an external server, no private cluster"
    cluster = locate(settings)
    if not (cluster.data / "PG_VERSION").exists():
        link = f"; {cluster.link} will link there" if cluster.link is not None else ""
        return f"no cluster yet (run: contexts db up); its data will be in {cluster.data}{link}"
    state = "running" if is_running(cluster) else "stopped"
    return f"{state}: {where(cluster)}, socket in {cluster.socket_dir}"
