"""Start the Streamlit dashboard with the project's hardened settings."""

from __future__ import annotations

import asyncio
import ctypes
import ipaddress
import os
import secrets
import signal
import subprocess
import sys

from geo.config import PROJECT_ROOT, get_settings
from geo.render.assets import ensure_leaflet

APP = PROJECT_ROOT / "dashboard" / "app.py"


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def command(
    port: int, address: str, headless: bool = True, extra: list[str] | None = None
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        f"--server.port={port}",
        f"--server.address={address}",
        f"--server.headless={'true' if headless else 'false'}",
        "--server.enableStaticServing=true",
        "--browser.gatherUsageStats=false",
        "--server.enableXsrfProtection=true",
        "--client.showErrorDetails=none",
        *(extra or []),
    ]


def run(
    port: int = 8501,
    address: str = "127.0.0.1",
    headless: bool = True,
    extra: list[str] | None = None,
    workers: int = 1,
) -> int:
    """Replace this process with the Streamlit server (refusing demo mode off loopback);
    with ``workers`` > 1, several servers behind a sticky proxy (:func:`run_workers`)."""
    settings = get_settings()
    extra = [e for e in (extra or []) if e != "--"]
    for e in extra:
        if e.startswith("--server.address"):
            address = e.split("=", 1)[1] if "=" in e else address
    if settings.demo and settings.embedded and not is_loopback(address):
        raise SystemExit(
            f"demo mode serves only on loopback, not {address}: it has a role "
            "switcher and no sign-in. Set DATABASE_URL and CONTEXTS_DEMO=false "
            "for a shared deployment."
        )
    extra = [e for e in extra if not e.startswith("--server.address")]
    ensure_leaflet()
    os.chdir(PROJECT_ROOT)
    if workers > 1:
        return run_workers(workers, port, address, headless, extra)
    cmd = command(port, address, headless, extra)
    os.execv(cmd[0], cmd)
    return 0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM when the serving process dies, however it dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run_workers(workers: int, port: int, address: str, headless: bool,
                extra: list[str]) -> int:
    """``workers`` Streamlit processes on loopback ports ``port+1..port+workers`` behind the
    sticky proxy (:mod:`geo.cli.proxy`) on ``address:port``.

    They share one cookie secret (a sign-in cookie or upload token made by one is valid in
    the others); each browser stays with one process. Stops them all on SIGTERM/SIGINT.
    """
    from geo.cli.proxy import StickyProxy

    env = dict(os.environ)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    ports = [port + 1 + i for i in range(workers)]
    procs = [subprocess.Popen(command(p, "127.0.0.1", headless, extra), env=env,
                              preexec_fn=_die_with_parent) for p in ports]

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        asyncio.run(StickyProxy([("127.0.0.1", p) for p in ports]).serve(address, port))
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0
