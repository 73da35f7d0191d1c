"""The intervention register in PostGIS: reads and the analysts' writes (named queries)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import psycopg

from geo.store import db


def register(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Every intervention with its place and type."""
    return db.frame(conn, "interventions_list")


def series(conn: psycopg.Connection[Any], place_id: int, buffer: float, start: date,
           end: date, harms: list[str] | None) -> pd.DataFrame:
    """Counts by month and zone (``target``, ``buffer``, ``control``) around a place."""
    return db.frame(conn, "impact_series", {"place_id": place_id, "buffer": buffer,
                                            "start": start, "end": end, "harms": harms})


def near(conn: psycopg.Connection[Any], place_id: int, buffer: float, start: date, end: date,
         harms: list[str] | None, wards: list[str], hex_i: list[int],
         hex_j: list[int]) -> pd.DataFrame:
    """Counts by month and zone (``target``, ``buffer``) around a place, among ``wards``,
    looked up through the hexagon cells (``hex_i``, ``hex_j``) that cover the ring."""
    return db.frame(conn, "impact_near", {
        "place_id": place_id, "buffer": buffer, "start": start, "end": end, "harms": harms,
        "wards": wards, "hex_i": hex_i, "hex_j": hex_j})


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
