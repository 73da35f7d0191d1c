"""Start the Streamlit dashboard with the project's hardened settings, and decide (in the
app, on every run) whether demo mode's role switcher may be shown.

Every mode sets ``server.allowedHosts``: a WebSocket (the app's session) is refused unless
its Host header names loopback or a host listed in ``CONTEXTS_ALLOWED_HOSTS`` (the name
a reverse proxy forwards; see docs/security.md), so a DNS-rebinding page cannot reach the
app. ``client.disableDataExport`` hides the tables' own CSV download: every download goes
through :func:`geo.exports.export`.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping

from geo.assets import ensure_leaflet
from geo.config import PROJECT_ROOT, Settings, get_settings

APP = PROJECT_ROOT / "dashboard" / "app.py"


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The host of a Host header (``name:port``, ``[v6]:port``), lower case."""
    from urllib.parse import urlparse

    try:
        name = urlparse(f"//{host_header.strip()}").hostname
    except ValueError:
        return ""
    return (name or "").lower().rstrip(".")


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host names the server accepts: loopback, and those configured."""
    extra = [h.strip() for h in settings.allowed_hosts.split(",") if h.strip()]
    return [*LOOPBACK_HOSTS, *extra]


def demo_allowed(settings: Settings, address: str | None, headers: Mapping[str, str]) -> bool:
    """Whether this request may have demo mode (the role switcher, no sign-in): demo mode
    configured, on the private cluster, a server bound to loopback, and a request whose
    Host is a loopback name. A script run with no HTTP client at all (no headers: the
    test harness, which binds nothing) has no remote party; every request of a real
    server carries a Host header (a WebSocket handshake cannot be made without headers).
    """
    if not settings.demo_mode:
        return False
    if not headers:  # no HTTP client: only an explicit non-loopback binding refuses
        return address is None or is_loopback(address)
    host = next((v for k, v in headers.items() if k.lower() == "host"), "")
    return is_loopback(address or "") and is_loopback(host_name(host))


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
        "--client.toolbarMode=viewer",
        "--client.disableDataExport=true",
        *(f"--server.allowedHosts={h}" for h in hosts),
        *(extra or []),
    ]


def run(
    port: int = 8501,
    address: str = "127.0.0.1",
    headless: bool = True,
    extra: list[str] | None = None,
) -> int:
    """Replace this process with the Streamlit server (refusing demo mode off loopback)."""
    settings = get_settings()
    extra = [e for e in (extra or []) if e != "--"]
    for e in extra:
        if e.startswith("--server.address"):
            address = e.split("=", 1)[1] if "=" in e else address
    if any(e.startswith(("--server.allowedHosts", "--client.disableDataExport"))
           for e in extra):
        raise SystemExit("set allowed hosts with CONTEXTS_ALLOWED_HOSTS; the tables' own "
                         "download stays off")
    if settings.demo_mode and not is_loopback(address):
        raise SystemExit(
            f"demo mode serves only on loopback, not {address}: it has a role "
            "switcher and no sign-in. Set DATABASE_URL and CONTEXTS_DEMO=false "
            "for a shared deployment."
        )
    extra = [e for e in extra if not e.startswith("--server.address")]
    ensure_leaflet()
    os.chdir(PROJECT_ROOT)
    cmd = command(port, address, headless, extra, settings)
    os.execv(cmd[0], cmd)
    return 0
