"""Retention: data past a configured age is deleted by one audited command.

``contexts purge --older-than 84`` deletes, in one transaction, the incidents whose month
is more than 84 months before the current month, and the quarantined rows of extracts
loaded before that cut-off, and drops the tables (partitions) of extracts with no incident
left; the purge (with its counts) is written to the audit log in the same transaction, so
either all of it happens or none.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.config import Settings, get_settings
from geo.store import db
from geo.store.audit import os_actor, record
from geo.store.retention import purge_before

DEFAULT_MONTHS = 84


def cutoff(months: int, today: date | None = None) -> date:
    """First day of the month ``months`` before the current one."""
    t = pd.Timestamp(today or date.today()).to_period("M") - months
    first: date = t.to_timestamp().date()
    return first


def purge(months: int = DEFAULT_MONTHS, actor: str | None = None, today: date | None = None,
          settings: Settings | None = None) -> dict[str, object]:
    """Delete what is older than ``months``; returns the counts and the cut-off."""
    if months < 1:
        raise ValueError("--older-than must be at least 1 month")
    cut = cutoff(months, today)
    with db.transaction("loader", settings or get_settings()) as conn:
        counts = purge_before(conn, cut)
        detail: dict[str, object] = {"cutoff": cut.isoformat(), "months": months, **counts}
        record(conn, actor or os_actor(), "cli", "purge", f"older than {months} months", "ok",
               detail)
    return detail
