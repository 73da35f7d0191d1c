"""Deleting old data (the retention purge), in the caller's transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from geo.store import db


def purge_before(conn: psycopg.Connection[Any], cut: date) -> dict[str, int]:
    """Delete incidents (and police.uk outcomes) of months before ``cut``, with their
    months' rows of the monthly rollups, and quarantine rows of extracts loaded before it;
    drop the extract tables left empty. Returns the counts."""
    incidents = db.execute(conn, "purge_incidents", {"cutoff": cut})
    db.execute(conn, "rollup_purge", {"cutoff": cut})  # their months' rollup rows
    outcomes = db.execute(conn, "purge_outcomes", {"cutoff": cut})
    quarantined = db.execute(conn, "purge_quarantine", {"cutoff": cut})
    emptied = int(db.scalar(conn, "purge_partitions"))
    return {"incidents": incidents, "outcomes": outcomes, "quarantine_rows": quarantined,
            "extract_tables_dropped": emptied}
