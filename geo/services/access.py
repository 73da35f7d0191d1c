"""Who may use the dashboard: the ``app_user`` table, looked up by the verified identity.

Sign-in (OpenID Connect through Streamlit's ``st.login``) proves who someone is; this table
says what they may do (role) and see (areas). An identity not in it, or inactive, gets no
access, and the attempt is audited.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
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


@dataclass(frozen=True)
class SignIn:
    """Who an OpenID Connect sign-in proves someone is: the issuer and subject of its ID
    token, and its e-mail only when the provider says the address is verified (else
    empty). The identity is (issuer, subject); the e-mail finds, once, a user an
    administrator registered by address (:func:`lookup`)."""

    issuer: str
    subject: str
    email: str = ""

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> SignIn:
        """From the ID token's claims (``st.user``): ``iss``, ``sub``, and ``email`` only
        with ``email_verified`` true (the JSON boolean, or the string ``"true"`` some
        providers send); an e-mail that is not verified is not used at all."""
        verified = claims.get("email_verified")
        email = claims.get("email")
        ok = verified is True or (isinstance(verified, str) and verified.lower() == "true")
        return cls(issuer=str(claims.get("iss") or ""), subject=str(claims.get("sub") or ""),
                   email=str(email) if ok and isinstance(email, str) else "")

    @property
    def label(self) -> str:
        """How the audit log names this sign-in before it is known to be a user: the
        verified e-mail, else issuer and subject."""
        return self.email or f"{self.issuer}#{self.subject}"


def lookup(who: SignIn, settings: Settings | None = None) -> User | None:
    """The active user this sign-in is, or None.

    A user bound to an (issuer, subject) is matched by those alone. A user registered by
    e-mail and not bound yet is matched by the sign-in's verified e-mail, exactly (no
    case folding), and bound to its (issuer, subject) now (``contexts_bind_user``, by the
    loader role): later sign-ins with that address from another identity match nobody.
    """
    if not who.issuer or not who.subject:
        return None
    settings = settings or get_settings()
    with db.connect("dashboard", settings) as conn:
        rows = reads.user(conn, who.issuer, who.subject, who.email)
    if rows.empty or not bool(rows.iloc[0]["active"]):
        return None
    r = rows.iloc[0]
    if not bool(r["bound"]):
        with db.transaction("loader", settings) as conn:
            reads.bind_user(conn, who.issuer, who.subject, who.email)
    return User(str(r["identity"]), str(r["role"]), tuple(r["areas"] or ()))


def set_user(identity: str, role: str, areas: tuple[str, ...], actor: str,
             display_name: str = "", active: bool = True, issuer: str | None = None,
             subject: str | None = None, settings: Settings | None = None) -> None:
    """Add or change a user (an admin's command); audited as a role change.

    ``identity`` is the e-mail address the user will sign in with (matched exactly, and
    only when their provider says it is verified), or, with ``issuer`` and ``subject``, a
    label for a user known by their OpenID Connect identity, matched by those alone. A
    user already bound keeps their binding when changed by ``identity`` alone."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (issuer is None) != (subject is None) or issuer == "" or subject == "":
        raise ValueError("give both the issuer and the subject, or neither")
    with db.transaction("owner", settings or get_settings()) as conn:
        reads.upsert_user(conn, {"identity": identity, "display_name": display_name,
                                 "role": role, "areas": list(areas), "active": active,
                                 "issuer": issuer, "subject": subject})
        detail: dict[str, Any] = {"role": role, "areas": list(areas), "active": active}
        if issuer is not None:
            detail.update(issuer=issuer, subject=subject)
        record(conn, actor, "admin", "role_change", identity, "ok", detail)


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
