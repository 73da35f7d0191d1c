"""Who may use the dashboard: the ``app_user`` table, looked up by the verified identity.

Sign-in (OpenID Connect through Streamlit's ``st.login``) proves who someone is; this table
says what they may do (role) and see (areas). An identity not in it, or inactive, gets no
access, and the attempt is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

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
