"""The audit log: who did what, when, with what outcome; never personal data.

Every write of the application goes through :func:`record`, inside the transaction of the
action it records, so an action and its audit row commit or roll back together.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from geo.store import db


def record(conn: psycopg.Connection[Any], actor: str, role: str, action: str, target: str,
           outcome: str, detail: dict[str, Any] | None = None) -> None:
    """Append one audit row on ``conn`` (in the caller's transaction)."""
    db.execute(conn, "audit_insert", {"actor": actor, "role": role, "action": action,
                                      "target": target, "outcome": outcome,
                                      "detail": Jsonb(detail or {})})
