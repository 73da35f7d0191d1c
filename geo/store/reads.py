"""Small reads the pages and services share: data version, vocabularies, audit log, users."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import psycopg

from geo.store import db


def data_version(conn: psycopg.Connection[Any]) -> str:
    """Changes whenever an extract is loaded or the intervention register is edited."""
    return str(db.scalar(conn, "data_version"))


def vocabulary(conn: psycopg.Connection[Any], name: str) -> list[tuple[str, str]]:
    """One vocabulary's (code, label) pairs, in its order."""
    f = db.frame(conn, "vocabulary", {"vocab": name})
    return list(zip(f["code"].astype(str), f["label"].astype(str), strict=True))


def audit_log(conn: psycopg.Connection[Any], action: str | None, limit: int, *,
              actor: str | None = None, target: str | None = None,
              since: date | None = None, until: date | None = None) -> pd.DataFrame:
    """The newest audit rows: of ``action``, whose actor and target hold ``actor`` and
    ``target`` (any case), from ``since`` to ``until`` (days, both included); None: any."""
    return db.frame(conn, "audit_list", {"action": action, "limit": limit, "actor": actor,
                                         "target": target, "since": since, "until": until})


def users(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    return db.frame(conn, "users_list")


def user(conn: psycopg.Connection[Any], issuer: str, subject: str, email: str
         ) -> pd.DataFrame:
    """The user of a sign-in (``contexts_user``): ``email`` only when verified, else ''."""
    return db.frame(conn, "user_lookup", {"issuer": issuer, "subject": subject,
                                          "email": email})


def bind_user(conn: psycopg.Connection[Any], issuer: str, subject: str, email: str) -> bool:
    """Bind the user registered by ``email`` to this sign-in's identity (the loader)."""
    return bool(db.scalar(conn, "user_bind", {"issuer": issuer, "subject": subject,
                                              "email": email}))


def upsert_user(conn: psycopg.Connection[Any], params: dict[str, Any]) -> None:
    db.execute(conn, "user_upsert", params)
