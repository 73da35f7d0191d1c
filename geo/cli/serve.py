"""Start the Streamlit dashboard with the project's hardened settings (whether demo mode's
role switcher is shown is decided in the app, on every run:
:func:`geo.services.access.demo_allowed`).

Every mode sets ``server.allowedHosts``: a WebSocket (the app's session) is refused unless
its Host header names loopback or a host listed in ``CONTEXTS_ALLOWED_HOSTS`` (the name
a reverse proxy forwards; see docs/security.md), so a DNS-rebinding page cannot reach the
app. ``client.disableDataExport`` hides the tables' own CSV download: every download goes
through :func:`geo.services.exports.export`.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import secrets
import signal
import subprocess
import sys

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.render.assets import ensure_leaflet
from geo.services.access import allowed_hosts, is_loopback

APP = PROJECT_ROOT / "dashboard" / "app.py"


def command(
    port: int, address: str, headless: bool = True, extra: list[str] | None = None,
    settings: Settings | None = None,
) -> list[str]:
    hosts = allowed_hosts(settings or get_settings())
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
        "--client.disableDataExport=true",
        "--server.enableAgentApi=false",
        # the websocket deflated: a map's GeoJSON (1.3 MB of text for the hexagons) goes
        # as about an eighth of that (bench/browser.py's "on the wire" figures)
        "--server.enableWebsocketCompression=true",
        # no watching of the app's files for changes: a served dashboard is restarted to
        # change its code (a developer may pass `-- --server.fileWatcherType=auto` after
        # `contexts serve`: the last one counts)
        "--server.fileWatcherType=none",
        *(f"--server.allowedHosts={h}" for h in hosts),
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
    locked = ("--server.allowedHosts", "--client.disableDataExport",
              "--server.enableAgentApi", "--server.trustedUserHeaders",
              "--server.enableXsrfProtection")
    if any(e.startswith(locked) for e in extra):
        raise SystemExit("these settings are fixed: " + ", ".join(locked) + " (set allowed "
                         "hosts with CONTEXTS_ALLOWED_HOSTS)")
    if settings.demo_mode and not is_loopback(address):
        raise SystemExit(
            f"demo mode serves only on loopback, not {address}: it has a role "
            "switcher and no sign-in. Set DATABASE_URL and CONTEXTS_DEMO=false "
            "for a shared deployment."
        )
    extra = [e for e in extra if not e.startswith("--server.address")]
    ensure_leaflet()
    os.chdir(PROJECT_ROOT)
    if workers > 1:
        return run_workers(workers, port, address, headless, extra, settings)
    cmd = command(port, address, headless, extra, settings)
    os.execv(cmd[0], cmd)
    return 0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM when the serving process dies, however it dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run_workers(workers: int, port: int, address: str, headless: bool,
                extra: list[str], settings: Settings | None = None) -> int:
    """``workers`` Streamlit processes on loopback ports ``port+1..port+workers`` behind the
    sticky proxy (:mod:`geo.cli.proxy`) on ``address:port``.

    They share one cookie secret (a sign-in cookie or upload token made by one is valid in
    the others); each browser stays with one process. Stops them all on SIGTERM/SIGINT.
    """
    from geo.cli.proxy import StickyProxy

    env = dict(os.environ)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    ports = [port + 1 + i for i in range(workers)]
    procs = [subprocess.Popen(command(p, "127.0.0.1", headless, extra, settings), env=env,
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
