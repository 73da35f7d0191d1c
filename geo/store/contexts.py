"""Contexts of concern in PostGIS: the records, their parts and history (named queries).

Reads take a connection limited to the viewer's areas (row-level security); writes run in
the caller's transaction, so a change and its audit row commit together.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import psycopg

from geo.filters import Filters
from geo.store import db

Conn = psycopg.Connection[Any]


def contexts(conn: Conn, on: date) -> pd.DataFrame:
    """Every context the session may see, with labels, latest rating, counts of places,
    wards and open actions, and whether its review is due on ``on``."""
    return db.frame(conn, "context_list", {"on": on})


def vocabulary(conn: Conn, name: str) -> list[tuple[str, str]]:
    """``context_kind`` or ``context_status`` as (code, label) pairs."""
    f = db.frame(conn, "context_vocabulary", {"vocab": name})
    return list(zip(f["code"].astype(str), f["label"].astype(str), strict=True))


def find(conn: Conn, ref: str) -> tuple[int, str] | None:
    """The id and status of the context with this reference, or None."""
    f = db.frame(conn, "context_find", {"ref": ref})
    if f.empty:
        return None
    return int(f.iloc[0]["context_id"]), str(f.iloc[0]["status"])


def parts(conn: Conn, context_id: int) -> dict[str, pd.DataFrame]:
    """A record's places, wards, ratings, actions, history and interventions."""
    p = {"context_id": context_id}
    return {name: db.frame(conn, f"context_{name}", p)
            for name in ("places", "wards", "ratings", "actions", "events", "interventions")}


def links(conn: Conn, context_id: int) -> dict[str, set[str]]:
    """What a context is linked to (the loader's checks when it saves one): ``place``
    references, ``ward`` codes and ``intervention`` references (linked, or at its
    places)."""
    f = db.frame(conn, "context_links", {"context_id": context_id})
    return {what: set(f.loc[f["what"] == what, "ref"].astype(str))
            for what in ("place", "ward", "intervention")}


def record(conn: Conn, ref: str) -> dict[str, Any] | None:
    """The fields of the context with this reference (the loader's), or None."""
    f = db.frame(conn, "context_record", {"ref": ref})
    return None if f.empty else dict(f.iloc[0])


def sightings(conn: Conn, filters: Filters) -> pd.DataFrame:
    """Pseudonymous keys seen at places over the filters' months, harms, risks and ages
    (for the networks)."""
    return db.frame(conn, "context_place_sightings", filters.params())


def set_area(conn: Conn, context_id: int) -> None:
    """Give a context the area of its places or wards (none without a location)."""
    db.execute(conn, "context_area_set", {"context_id": context_id})


def upsert(conn: Conn, fields: dict[str, Any]) -> int:
    """Add a context or change the one with the same reference; its id."""
    return int(db.scalar(conn, "context_upsert", fields))


def link(conn: Conn, context_id: int, what: str, ref: str) -> int:
    """Link a place (``place``, by reference), ward (``ward``, by code) or intervention
    (``intervention``, by reference); 1 when a link was made, 0 when none (unknown or
    already linked)."""
    key = {"place": "place_ref", "ward": "ward_code", "intervention": "intervention_ref"}[what]
    return db.execute(conn, f"context_link_{what}", {"context_id": context_id, key: ref})


def add_rating(conn: Conn, context_id: int, rated_on: date, rating: str,
               source: str = "review") -> None:
    db.execute(conn, "context_rating_add", {"context_id": context_id, "rated_on": rated_on,
                                            "rating": rating, "source": source})


def add_action(conn: Conn, context_id: int, description: str, owner: str,
               due_date: date | None) -> int:
    return int(db.scalar(conn, "context_action_add", {
        "context_id": context_id, "description": description, "owner": owner,
        "due_date": due_date}))


def action_done(conn: Conn, context_id: int, action_id: int, done_on: date) -> int:
    return db.execute(conn, "context_action_done", {"context_id": context_id,
                                                    "action_id": action_id,
                                                    "done_on": done_on})


def add_event(conn: Conn, context_id: int, happened: date, kind: str, what: str) -> None:
    db.execute(conn, "context_event_add", {"context_id": context_id, "happened": happened,
                                           "kind": kind, "what": what})
