"""The audit log: who did what, when, with what outcome; never personal data.

Every write of the application goes through :func:`record`, inside the transaction of the
action it records, so an action and its audit row commit or roll back together. The row
is written by the database function ``contexts_audit`` (migration 0010), the only way in:
it stamps the time, records the database login, and takes the actor from the
transaction's ``contexts.actor``. Actors are ``os:<user>`` for commands (the
operating-system user, see :func:`os_actor`), ``demo:<role>`` for the demo's role
switcher, ``app:<job>`` for the application's own jobs, else a signed-in identity.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from geo.store import db


def record(conn: psycopg.Connection[Any], actor: str, role: str, action: str, target: str,
           outcome: str, detail: dict[str, Any] | None = None) -> None:
    """Append one audit row on ``conn`` (in the caller's transaction)."""
    db.execute(conn, "audit_actor", {"actor": actor or "unknown"})
    db.execute(conn, "audit_insert", {"role": role, "action": action, "target": target,
                                      "outcome": outcome, "detail": Jsonb(detail or {})})


def os_actor() -> str:
    """The actor of a command: the operating-system user running it (``os:<name>``), from
    the process's user id, not from ``$USER`` or an option anyone can set."""
    import os
    import pwd

    try:
        name = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        name = f"uid{os.getuid()}"
    return f"os:{name}"
