"""What "why here, and for how long" reads and writes: feature layers, incidents as points
for the near-repeat test, and the structured location assessment (issue #35).

Database reads and writes only (named queries); the statistics are in
:mod:`geo.stats.risk_terrain` and :mod:`geo.stats.near_repeat`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely

from geo.filters import Filters
from geo.store import db

Conn = psycopg.Connection[Any]


def boundary(conn: Conn) -> shapely.Geometry | None:
    """The area's boundary: the union of the areas the connection may see (its pass), so
    a partner's terrain is fitted on their areas' cells only."""
    wkb = db.scalar(conn, "area_boundary_visible")
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def feature_geoms(conn: Conn) -> pd.DataFrame:
    """``source`` ("layer": loaded with ``contexts load features``; "place": places of
    concern by category), ``name`` and ``geom`` (shapely, EPSG:27700)."""
    layers, places = db.frame(conn, "feature_geoms"), db.frame(conn, "place_geoms")
    f = (places if layers.empty else layers if places.empty
         else pd.concat([layers, places], ignore_index=True))
    f["geom"] = shapely.from_wkb(np.asarray([bytes(b) for b in f.pop("wkb")], dtype=object)
                                 ) if len(f) else np.zeros(0, dtype=object)
    return f


def place_geom(conn: Conn, place_id: str) -> shapely.Geometry | None:
    """A place's polygon in EPSG:27700 (None when not visible)."""
    wkb = db.scalar(conn, "place_geom", {"place_id": place_id})
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def place_visible(conn: Conn, place_id: int) -> bool:
    """Whether the connection may see the place (row-level security by area)."""
    return db.scalar(conn, "place_visible", {"place_id": place_id}) is not None


def feature_layers(conn: Conn) -> pd.DataFrame:
    return db.frame(conn, "feature_layers")


def points(conn: Conn, filters: Filters) -> pd.DataFrame:
    """``x``, ``y`` (BNG metres), ``day`` (date or None) and ``month`` of every located
    incident under ``filters``."""
    return db.frame(conn, "near_repeat_points", filters.params())


def assessment_choices(conn: Conn) -> dict[str, list[tuple[str, str]]]:
    """The fixed choices of each assessment field: field -> [(code, label)]."""
    f = db.frame(conn, "assessment_choices")
    return {str(k): list(zip(g["code"], g["label"], strict=True))
            for k, g in f.groupby("field", sort=False)}


def assessment_actions(conn: Conn, place_id: str) -> pd.DataFrame:
    return db.frame(conn, "place_assessment_actions", {"unit_id": place_id})


def add_assessment(conn: Conn, place_id: int, assessed_on: date, rating: str,
                   guardianship: str | None, lighting: str | None, users: list[str],
                   observations: list[str], review_date: date | None, role: str) -> int:
    """Insert one assessment; its id (the caller's transaction)."""
    found = db.scalar(conn, "assessment_add", {
        "place_id": place_id, "assessed_on": assessed_on, "rating": rating,
        "guardianship": guardianship, "lighting": lighting, "users": users,
        "observations": observations, "review_date": review_date, "role": role})
    if found is None:
        raise ValueError(f"no place {place_id}")
    return int(found)


def add_assessment_action(conn: Conn, assessment_id: int, description: str, owner: str,
                          due_date: date | None) -> int:
    return int(db.scalar(conn, "assessment_action_add", {
        "assessment_id": assessment_id, "description": description, "owner": owner,
        "due_date": due_date}))


def assessment_action_done(conn: Conn, place_id: int, action_id: int, on: date) -> bool:
    """Mark an action of one of the place's assessments done; whether one was changed."""
    return db.execute(conn, "assessment_action_done", {
        "place_id": place_id, "action_id": action_id, "done_on": on}) > 0
