"""What the incidents a selection picks cover: the union of their extracts' declared
coverage (``extract_coverage``, migration 0013; written by ``geo.ingest._coverage``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg
import shapely

from geo.filters import Filters
from geo.stats.coverage import Coverage
from geo.store import db


def of_selection(conn: psycopg.Connection[Any], filters: Filters = Filters()) -> Coverage:
    """The coverage of the incidents that pass ``filters`` (named query
    ``coverage_selected``): the whole area when any of their extracts covers it."""
    row = db.frame(conn, "coverage_selected", filters.params()).iloc[0]
    if bool(row["whole"]) or row["geom"] is None:
        return Coverage(None, 1.0, int(row["extracts"]), "")
    return Coverage(shapely.from_wkb(bytes(row["geom"])), float(row["share"]),
                    int(row["extracts"]), str(row["labels"]))


def names(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """The wards and LSOAs an extract may declare it covers: ``kind``, ``code``, ``name``."""
    return db.frame(conn, "coverage_names")


def suggest(conn: psycopg.Connection[Any], xs: list[float], ys: list[float]
            ) -> pd.DataFrame:
    """The wards the points (BNG) fall in: ``code``, ``name`` and ``points``, most points
    first."""
    return db.frame(conn, "coverage_suggest", {"xs": xs, "ys": ys})


def ledger(conn: psycopg.Connection[Any], limit: int = 50) -> pd.DataFrame:
    """The files loaded, newest first, with what each incidents file covers."""
    return db.frame(conn, "extracts_list", {"limit": limit})
