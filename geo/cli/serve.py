"""Start the Streamlit dashboard with the project's hardened settings."""

from __future__ import annotations

import ipaddress
import os
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
) -> int:
    """Replace this process with the Streamlit server (refusing demo mode off loopback)."""
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
    cmd = command(port, address, headless, extra)
    os.execv(cmd[0], cmd)
    return 0
