"""The Admin page's jobs: the audit log, filtered, and the users, changed.

Each checks the role on the server (:func:`geo.services.actions.authorise`: a refusal is
audited); a user is changed by :func:`geo.services.access.set_user`, the very function
of the ``contexts users set`` command, audited as a role change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from geo.config import Settings, get_settings
from geo.roles import ROLES
from geo.services import access, actions
from geo.store import db, reads

#: the actions the audit log records, for its filter
AUDIT_ACTIONS = ("upload", "export", "export_quarantine", "export_points", "board_pack",
                 "audit_export", "intervention_edit", "context_edit", "role_change",
                 "user_edit", "page", "sign_in", "session", "purge")
#: rows an audit search returns at most (the newest first)
AUDIT_LIMIT = 5000


@dataclass(frozen=True)
class AuditFilter:
    """What to look for in the audit log; empty or None: anything."""

    actor: str = ""
    action: str | None = None
    target: str = ""
    since: date | None = None
    until: date | None = None

    def describe(self) -> str:
        """The filter in words, for the export's audit row and file."""
        said = [f"who contains {self.actor!r}" if self.actor else "",
                f"action {self.action.replace('_', ' ')}" if self.action else "",
                f"target contains {self.target!r}" if self.target else "",
                f"from {self.since:%Y-%m-%d}" if self.since else "",
                f"to {self.until:%Y-%m-%d}" if self.until else ""]
        return ", ".join(s for s in said if s) or "all entries"


def audit_log(actor: str, role: str, f: AuditFilter, limit: int = AUDIT_LIMIT,
              settings: Settings | None = None) -> pd.DataFrame:
    """The audit rows ``f`` selects, newest first (admins only)."""
    actions.authorise(actor, role, "audit_read", "audit log", settings)
    if f.since and f.until and f.since > f.until:
        raise ValueError("The first day is after the last.")
    with db.connect("auditor", settings or get_settings()) as conn:
        return reads.audit_log(conn, f.action, limit, actor=f.actor.strip() or None,
                               target=f.target.strip() or None, since=f.since,
                               until=f.until)


def areas_of(text: str) -> tuple[str, ...]:
    """Area codes as typed ("E05011118, E05011119" or "*"): each once, in order."""
    found = [a.strip() for a in text.replace(";", ",").replace(" ", ",").split(",")]
    return tuple(dict.fromkeys(a for a in found if a))


def change_user(actor: str, role: str, identity: str, new_role: str,
                areas: Iterable[str], active: bool = True, *, new: bool = False,
                settings: Settings | None = None) -> None:
    """Add (``new``) or change a user's role, areas or whether they may sign in (admins
    only; audited as a role change, as the command is). The last active administrator
    is never demoted or disabled: someone must be left to manage users."""
    actions.authorise(actor, role, "user_edit", identity, settings)
    identity = identity.strip()
    if not identity or any(c.isspace() for c in identity):
        raise ValueError("Give the e-mail address the user signs in with (no spaces).")
    if new_role not in ROLES:
        raise ValueError(f"The role must be one of {', '.join(ROLES)}.")
    with db.connect("auditor", settings or get_settings()) as conn:
        users = reads.users(conn)
    known = users[users["identity"] == identity]
    if new and not known.empty:
        raise ValueError(f"{identity} is already a user: change them below.")
    if not new and known.empty:
        raise ValueError(f"{identity} is not a user.")
    admins = users[(users["role"] == "admin") & users["active"].astype(bool)]
    if (not known.empty and set(admins["identity"]) == {identity}
            and (new_role != "admin" or not active)):
        raise ValueError("This is the only active administrator: add another first.")
    access.set_user(identity, new_role, tuple(areas), actor=actor,
                    display_name="" if known.empty else str(known.iloc[0]["display_name"]),
                    active=active, settings=settings)
