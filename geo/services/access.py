"""Who may use the dashboard: the ``app_user`` table, looked up by the verified identity.

Sign-in (OpenID Connect through Streamlit's ``st.login``) proves who someone is; this table
says what they may do (role) and see (areas). An identity not in it, or inactive, gets no
access, and the attempt is audited.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from geo.config import Settings, get_settings
from geo.roles import ROLES
from geo.store import db, reads
from geo.store.audit import record


@dataclass(frozen=True)
class User:
    identity: str
    role: str
    areas: tuple[str, ...]


def lookup(identity: str, settings: Settings | None = None) -> User | None:
    """The active user with this identity (e-mail or subject), or None."""
    if not identity:
        return None
    with db.connect("dashboard", settings or get_settings()) as conn:
        rows = reads.user(conn, identity)
    if rows.empty or not bool(rows.iloc[0]["active"]):
        return None
    r = rows.iloc[0]
    return User(str(r["identity"]), str(r["role"]), tuple(r["areas"] or ()))


def set_user(identity: str, role: str, areas: tuple[str, ...], actor: str,
             display_name: str = "", active: bool = True,
             settings: Settings | None = None) -> None:
    """Add or change a user (an admin's command); audited as a role change."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with db.transaction("owner", settings or get_settings()) as conn:
        reads.upsert_user(conn, {"identity": identity, "display_name": display_name,
                                 "role": role, "areas": list(areas), "active": active})
        record(conn, actor, "admin", "role_change", identity, "ok",
               {"role": role, "areas": list(areas), "active": active})


# --- demo mode: decided per request, in the app ------------------------------------------

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
