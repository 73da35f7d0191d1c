"""The intervention register in PostGIS: reads and the analysts' writes (named queries)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from numpy.typing import ArrayLike

from geo.store import db

#: a 250 m hexagon cell (i, j) is compared as one number in impact_near.sql:
#: i shifted left by this many bits, plus j (|j| < 2**31)
CELL_BITS = 32


def register(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Every intervention with its place and type."""
    return db.frame(conn, "interventions_list")


def series(conn: psycopg.Connection[Any], place_id: int, buffer: float, start: date,
           end: date, harms: list[str] | None) -> pd.DataFrame:
    """Counts by month and zone (``target``, ``buffer``, ``control``) around a place."""
    return db.frame(conn, "impact_series", {"place_id": place_id, "buffer": buffer,
                                            "start": start, "end": end, "harms": harms})


def near(conn: psycopg.Connection[Any], buffer: float, harms: list[str] | None,
         places: list[tuple[int, int, date, date, list[str], ArrayLike, ArrayLike]]
         ) -> pd.DataFrame:
    """Counts by key, month and zone (``k``, ``month``, ``zone``: ``target`` or ``buffer``,
    ``n``, ``ck``) around many places in one query. Each of ``places`` is (key, place id,
    first month, last month, the wards its ring touches, and the hexagon cells covering
    the ring: their i and j); only those wards' incidents in those cells are read."""
    if not places:
        return pd.DataFrame(columns=["k", "month", "zone", "n", "ck"])
    cell_k: list[int] = []
    hex_i: list[int] = []
    hex_j: list[int] = []
    for k, _, _, _, _, hi, hj in places:
        i, j = np.asarray(hi, dtype=np.int64), np.asarray(hj, dtype=np.int64)
        cell_k += [k] * i.size
        hex_i += i.tolist()
        hex_j += j.tolist()
    return db.frame(conn, "impact_near", {
        "buffer": buffer, "harms": harms,
        "keys": [p[0] for p in places], "place_ids": [p[1] for p in places],
        "firsts": [p[2] for p in places], "lasts": [p[3] for p in places],
        "wards": [",".join(p[4]) for p in places],
        "cell_k": cell_k, "hex_i": hex_i, "hex_j": hex_j, "cell_bits": CELL_BITS})


def add(conn: psycopg.Connection[Any], params: dict[str, Any]) -> int | None:
    """Insert an entry; its id, or None when the place does not exist."""
    new_id = db.scalar(conn, "intervention_add", params)
    return None if new_id is None else int(new_id)


def update(conn: psycopg.Connection[Any], params: dict[str, Any]) -> int:
    """Change an entry (by reference); the number of rows changed."""
    return db.execute(conn, "intervention_update", params)


def end(conn: psycopg.Connection[Any], ref: str, end_month: date) -> int:
    """Set an entry's end month; the number of rows changed."""
    return db.execute(conn, "intervention_end", {"ref": ref, "end_month": end_month})
