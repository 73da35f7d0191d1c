"""Many people at once: N real Streamlit sessions against the served dashboard.

Each simulated person is a websocket client speaking Streamlit's protocol
(:mod:`bench.streamlit_client`), as partner, board member or analyst in proportion 5:3:2.
Each loops: open Map (wards) -> switch the map to 250 m hexagons -> open Hot spots -> open
Place profile, thinking 3-8 s between steps, for a fixed time. The server is
``contexts serve`` (with ``--workers``) on loopback, on a database of 1,000,000 incidents.
Before the timed run every role makes one untimed pass (the caches of a morning after the
first viewers; with several server processes, a pass per role in each, since each process
has its own cache). Reported per page: p50/p95 rerun time (from the message sent to the run's
``script_finished``), errors (exceptions, statement timeouts, no answer within 60 s,
dropped connections), the server's RSS (all its processes) and the database connections
in use, sampled every second.

``python -m bench.load [--people 25] [--seconds 100] [--workers 2] [--rows 1000000]``;
``make bench-load`` runs it through ``python -m bench --only load``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench._common import Figure, fresh_database, load_sample
from bench.streamlit_client import Run, Session
from geo.cli.proxy import COOKIE
from geo.config import PROJECT_ROOT, get_settings
from geo.roles import ROLE_LABELS
from geo.store import cluster

ROLES = ["partner"] * 5 + ["board"] * 3 + ["analyst"] * 2
STEPS = ("Map", "Map → hexagons", "Hot spots", "Place profile")
DB_NAME = "contexts_bench_load"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database(rows: int) -> str:
    """The benchmark database with ``rows`` incidents (kept between runs: rebuilt only
    when it holds a different number)."""
    base = get_settings()
    s = base.model_copy(update={"database_name": DB_NAME})
    server = cluster.up(s).url("postgres")
    have = -1
    try:
        with psycopg.connect(server.replace("/postgres?", f"/{DB_NAME}?")) as conn:
            have = conn.execute("SELECT count(*) FROM incident").fetchone()[0]  # type: ignore[index]
    except psycopg.Error:
        pass
    if have == rows:
        from geo.store import db

        with db.connect("admin", s) as conn:
            db.migrate(conn)
        return DB_NAME
    load_sample(fresh_database(DB_NAME), rows)
    return DB_NAME


@dataclass
class Server:
    """``contexts serve`` in a process group of its own, on a loopback port."""

    workers: int
    env: dict[str, str]
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Any = None

    def start(self) -> None:
        self.log = tempfile.TemporaryFile()
        cmd = [sys.executable, "-m", "geo.cli", "serve", "--port", str(self.port),
               "--address", "127.0.0.1", "--workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=PROJECT_ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server stopped:\n" + self.output())
            try:  # every worker answers (the proxy spreads new connections over them)
                for _ in range(self.workers * 2):
                    urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health",
                                           timeout=5).read()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the server did not answer in 120 s:\n" + self.output())

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return str(self.log.read().decode(errors="replace")[-4000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def pids(self) -> list[int]:
        """The server's processes: the one started and its descendants."""
        if self.proc is None:
            return []
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    kids = (task / "children").read_text().split()
                    todo += [int(k) for k in kids]
            except OSError:
                pass
        return out

    def rss_mb(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def cpu_s(self, only: int | None = None) -> float:
        """CPU seconds (user + system) the server's processes (or process ``only``) used."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [only] if only else self.pids():
            try:
                parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(parts[11]) + int(parts[12])
            except (OSError, IndexError):
                pass
        return total / tick


@dataclass
class Tally:
    runs: dict[str, list[Run]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: list[str] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    conns: list[int] = field(default_factory=list)
    active: list[int] = field(default_factory=list)
    proxy_cpu: float = 0.0


async def person(url: str, role: str, rng: random.Random, until: float, tally: Tally | None,
                 once: bool = False, worker: int | None = None) -> None:
    """One person: sign-in (the role), then the loop of :data:`STEPS` until ``until``
    (``worker``: go to that server process, as a browser with the proxy's cookie does)."""
    s = Session(url, timeout=60, cookie="" if worker is None else f"{COOKIE}={worker}")

    def note(step: str, run: Run) -> None:
        if tally is not None:
            tally.runs[step].append(run)
            if not run.ok:
                tally.errors.append(f"{role} {step}: {run.error}")

    try:
        first = await s.open()
        if not first.ok:
            raise RuntimeError(first.error)
        if role != "partner":
            r = await s.set("Demo role", ROLE_LABELS[role], sticky=True)
            if not r.ok:
                raise RuntimeError(r.error)
        while once or time.monotonic() < until:
            for step in STEPS:
                if step == "Map":
                    run = await s.page("Map")
                elif step == "Map → hexagons":
                    run = await s.set("Areas", "250 m hexagons")
                elif step == "Hot spots":
                    run = await s.page("Hot spots")
                else:
                    run = await s.page("Place profile")
                note(step, run)
                if once:
                    continue  # one pass, no thinking (the warm-up)
                if time.monotonic() >= until:
                    break
                await asyncio.sleep(rng.uniform(3, 8))
            if once:
                break
    except Exception as e:  # a dropped session is an error of the run, not of the bench
        if tally is not None:
            tally.errors.append(f"{role} session: {type(e).__name__}: {e}")
        else:
            raise
    finally:
        await s.close()


async def sample(server: Server, tally: Tally, until: float, dbname: str) -> None:
    """Once a second: the server's RSS and the database's client connections."""
    url = cluster.locate(get_settings()).url("postgres")
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < until:
            tally.rss.append(server.rss_mb())
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,)).fetchone()
            assert row is not None
            tally.conns.append(int(row[0]))
            tally.active.append(int(row[1]))
            await asyncio.sleep(1)


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


async def load_run(url: str, server: Server, people: int, seconds: float, dbname: str,
                   seed: int = 7) -> tuple[Tally, float]:
    rng = random.Random(seed)
    # warm-up: one untimed pass per role in each server process (each has its own cache)
    for w in range(server.workers):
        await asyncio.gather(*(person(url, r, random.Random(i), 0, None, once=True,
                                      worker=w if server.workers > 1 else None)
                               for i, r in enumerate(("partner", "board", "analyst"))))
    tally = Tally()
    cpu0 = server.cpu_s()
    assert server.proc is not None
    proxy0 = server.cpu_s(server.proc.pid)
    until = time.monotonic() + seconds
    roles = [ROLES[i % len(ROLES)] for i in range(people)]
    tasks = []
    for role in roles:  # people arrive over the first 5 s
        tasks.append(asyncio.create_task(person(url, role, random.Random(rng.random()),
                                                until, tally)))
        await asyncio.sleep(5 / max(people, 1))
    sampler = asyncio.create_task(sample(server, tally, until, dbname))
    await asyncio.gather(*tasks)
    await sampler
    tally.proxy_cpu = server.cpu_s(server.proc.pid) - proxy0
    return tally, server.cpu_s() - cpu0


def measure(people: int, seconds: float, workers: int, rows: int) -> dict[str, Any]:
    dbname = database(rows)
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": dbname, "CONTEXTS_TILES": "none",
           "CONTEXTS_DEMO": "true"}
    server = Server(workers, env)
    server.start()
    try:
        url = f"ws://127.0.0.1:{server.port}/_stcore/stream"
        t = t0 = time.monotonic()
        tally, cpu = asyncio.run(load_run(url, server, people, seconds, dbname))
        wall = time.monotonic() - t
    finally:
        server.stop()
    steps = sum(len(v) for v in tally.runs.values())
    out: dict[str, Any] = {
        "people": people, "seconds": seconds, "workers": workers, "rows": rows,
        "pages": {s: {"n": len(rs), "p50": pct([r.seconds for r in rs], 0.5),
                      "p95": pct([r.seconds for r in rs], 0.95),
                      "errors": sum(not r.ok for r in rs),
                      "kB": statistics.median([r.payload_bytes for r in rs]) / 1024
                      if rs else 0}
                  for s, rs in tally.runs.items()},
        "errors": len(tally.errors), "error_samples": tally.errors[:10],
        "slowest": sorted(([s, round(r.seconds, 2), round(r.started - t0, 1), r.worker]
                           for s, rs in tally.runs.items() for r in rs),
                          key=lambda x: -float(x[1]))[:12],
        "reruns_by_worker": {w: sum(r.worker == w for rs in tally.runs.values() for r in rs)
                             for w in sorted({r.worker for rs in tally.runs.values()
                                              for r in rs})},
        "steps_per_s": steps / seconds, "server_cpu_s_per_step": cpu / max(steps, 1),
        "proxy_cpu_share": tally.proxy_cpu / seconds if workers > 1 else 0.0,
        "rss_mb_max": max(tally.rss, default=0), "rss_mb_end": tally.rss[-1] if tally.rss else 0,
        "db_connections_max": max(tally.conns, default=0),
        "db_connections_active_max": max(tally.active, default=0),
        "wall_s": wall,
    }
    return out


def figures(r: dict[str, Any]) -> list[Figure]:
    label = f"{r['people']} people, {r['workers']} worker(s), {r['rows']:,} incidents"
    out = []
    for step, f in r["pages"].items():
        out.append(Figure(f"load {label}: {step} p95", f["p95"], "s", "< 2 s", None, f["n"],
                          f"p50 {f['p50']:.2f} s, {f['n']} reruns, {f['errors']} errors, "
                          f"{f['kB']:.0f} kB"))
    out.append(Figure(f"load {label}: errors", r["errors"], "", "0", None, 1,
                      "; ".join(r["error_samples"][:3])))
    out.append(Figure(f"load {label}: server RSS (max)", r["rss_mb_max"], "MB", "bounded",
                      None, 1, f"at the end {r['rss_mb_end']:.0f} MB"))
    out.append(Figure(f"load {label}: database connections (max)", r["db_connections_max"],
                      "", f"<= {r['workers']} x pool", None, 1,
                      f"active at once at most {r['db_connections_active_max']}"))
    out.append(Figure(f"load {label}: server CPU per step", r["server_cpu_s_per_step"], "s",
                      "", None, 1, f"{r['steps_per_s']:.2f} steps/s; the proxy used "
                      f"{100 * r['proxy_cpu_share']:.1f}% of a core"))
    return out


def run(quick: bool = False) -> list[Figure]:
    """``python -m bench --only load``: 1 worker, then 2 (the default for 2 cores)."""
    people = int(os.environ.get("BENCH_LOAD_PEOPLE", "10" if quick else "25"))
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "40" if quick else "100"))
    rows = int(os.environ.get("BENCH_LOAD_ROWS", "200000" if quick else "1000000"))
    workers = [int(w) for w in os.environ.get("BENCH_LOAD_WORKERS", "1,2").split(",")]
    out = []
    for w in workers:
        r = measure(people, seconds, w, rows)
        print(json.dumps(r, indent=1, default=str), flush=True)
        out += figures(r)
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.load")
    p.add_argument("--people", type=int, default=25)
    p.add_argument("--seconds", type=float, default=100)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rows", type=int, default=1_000_000)
    a = p.parse_args()
    r = measure(a.people, a.seconds, a.workers, a.rows)
    print(json.dumps(r, indent=1, default=str))


if __name__ == "__main__":
    main()
