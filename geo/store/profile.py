"""What a place or ward profile shows: trend, harm mix, times, assessments, interventions.

Database reads only (named queries); pages publish counts through :mod:`geo.render.text`.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import psycopg

from geo.filters import Filters
from geo.store import db

Kind = Literal["ward", "place"]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def monthly(conn: psycopg.Connection[Any], kind: Kind, unit_id: str,
            filters: Filters = Filters()) -> pd.DataFrame:
    """``month``, ``harm_type``, ``n``, ``ck`` (cell key) of the months with incidents."""
    p = filters.params() | {"unit_id": unit_id}
    frame = db.frame(conn, f"profile_monthly_{kind}", p)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["n"] = frame["n"].astype(int)
    frame["ck"] = frame["ck"].astype(int)
    return frame


def times(conn: psycopg.Connection[Any], kind: Kind, unit_id: str,
          filters: Filters = Filters()) -> pd.DataFrame:
    """A 7 x 24 grid (day of week x hour) of incidents with a timestamp."""
    p = filters.params() | {"unit_id": unit_id}
    frame = db.frame(conn, f"profile_times_{kind}", p)
    grid = pd.DataFrame([(d, h) for d in range(1, 8) for h in range(24)], columns=["dow", "hour"])
    out = grid.merge(frame, on=["dow", "hour"], how="left").fillna({"n": 0, "ck": 0})
    out[["n", "ck"]] = out[["n", "ck"]].astype(int)
    out["day"] = out["dow"].map(lambda d: DAYS[d - 1])
    return out


def assessments(conn: psycopg.Connection[Any], place_id: str) -> pd.DataFrame:
    return db.frame(conn, "place_assessments", {"unit_id": place_id})


def ward_places(conn: psycopg.Connection[Any], ward_code: str) -> pd.DataFrame:
    return db.frame(conn, "ward_places", {"unit_id": ward_code})


def points(conn: psycopg.Connection[Any], filters: Filters, limit: int = 5000) -> pd.DataFrame:
    """Point-level incidents (analysts only; callers check the role)."""
    return db.frame(conn, "incident_points", filters.params() | {"limit": limit})
