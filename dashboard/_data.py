"""Cached reads for the pages: each call opens a read-only connection and asks ``geo``.

Entries are keyed on their arguments and on the data version (the latest extract), so a
new load shows at once while repeated views are instant.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import analysis, counts, data, db, interventions, mapping, profile
from geo.config import get_settings
from geo.counts import Filters
from geo.disclosure import View, count_text

TTL = 3600


Key = tuple[str, tuple[str, ...]]


def version() -> Key:
    """The cache key of every read: the data version (it changes whenever an extract is
    loaded or the intervention register is edited, by anyone) and the areas the user may
    see (row-level security in the database).
    """
    import _state

    areas = _state.areas()
    with db.connect("dashboard", get_settings(), areas=areas) as conn:
        return str(db.scalar(conn, "data_version")), areas


def _conn(v: Key) -> Any:
    return db.connect("dashboard", get_settings(), areas=v[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def period(v: Key) -> tuple[date, date] | None:
    with _conn(v) as conn:
        p = counts.data_period(conn)
    return (p["first"], p["last"]) if p["first"] else None


@st.cache_data(ttl=TTL, show_spinner=False)
def vocabularies(v: Key) -> dict[str, list[tuple[str, str]]]:
    out = {}
    with _conn(v) as conn:
        for name in ("harm_type", "risk_level", "age_band", "place_category",
                     "intervention_type"):
            f = db.frame(conn, "vocabulary", {"vocab": name})
            out[name] = list(zip(f["code"], f["label"], strict=True))
    return out


@st.cache_data(ttl=TTL, show_spinner=False)
def units(v: Key, unit: str, size: float = 250.0) -> gpd.GeoDataFrame:
    with _conn(v) as conn:
        return counts.units(conn, unit, size)  # type: ignore[arg-type]


@st.cache_data(ttl=TTL, show_spinner="Counting incidents...")
def monthly(v: Key, unit: str, filters: Filters, size: float = 250.0) -> pd.DataFrame:
    """Counts by unit and month over the filters' months (one scan of the incidents)."""
    with _conn(v) as conn:
        return counts.counts(conn, unit, filters, size, by_month=True)  # type: ignore[arg-type]


@st.cache_data(ttl=TTL, show_spinner="Finding hot spots...")
def hotspots(v: Key, unit: str, filters: Filters, size: float = 250.0,
             emerging: bool = False, counted: tuple[date, date] | None = None,
             measure: str = "auto") -> gpd.GeoDataFrame:
    """Hot spots of the filters' period. ``counted``: a wider span of months to count in
    one scan (a page comparing two periods counts both at once and shares the counts).
    ``measure``: "auto" (rates per 1,000 for areas with a population), "rate" or "count".
    """
    months = pd.date_range(filters.start, filters.end, freq="MS")
    span = counted or (filters.start, filters.end)
    by_month = monthly(v, unit, Filters(span[0], span[1], filters.harms, filters.risks,
                                        filters.ages), size)
    return analysis.hotspots_from_counts(units(v, unit, size), unit, by_month, months,  # type: ignore[arg-type]
                                         emerging_too=emerging, population=population(v, unit),
                                         measure=measure)  # type: ignore[arg-type]


def concentration(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, float]:
    """Concentration, stability and forecast accuracy of two periods' hot-spot tables."""
    return analysis.concentration_summary(now, before)


@st.cache_data(ttl=TTL, show_spinner=False)
def population(v: Key, unit: str) -> pd.Series | None:
    """Young people per ward or LSOA (None for other units or when none is loaded)."""
    with _conn(v) as conn:
        return analysis.population(conn, unit)  # type: ignore[arg-type]


@st.cache_data(ttl=TTL, show_spinner=False)
def unit_layer(v: Key, unit: str, filters: Filters, view: View, colour: str,
               emerging: bool = False, significant_only: bool = False,
               counted: tuple[date, date] | None = None,
               measure: str = "auto") -> dict[str, Any]:
    """The map layer of the units as ``view`` may see them, with their emerging trend if
    asked (see :func:`geo.mapping.unit_layer`)."""
    table = hotspots(v, unit, filters, emerging=emerging, counted=counted, measure=measure)
    return mapping.unit_layer(table, unit, view, colour, significant_only)


@st.cache_data(ttl=TTL, show_spinner=False)
def places(v: Key) -> gpd.GeoDataFrame:
    with _conn(v) as conn:
        return counts.units(conn, "place").drop(columns=["geom_bng"])


@st.cache_data(ttl=TTL, show_spinner=False)
def wards(v: Key) -> gpd.GeoDataFrame:
    with _conn(v) as conn:
        return data.wards(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def complex_places(v: Key, filters: Filters) -> pd.DataFrame:
    with _conn(v) as conn:
        return analysis.complex_strategy(conn, filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def profile_data(v: Key, kind: str, unit_id: str, filters: Filters) -> dict[str, Any]:
    with _conn(v) as conn:
        out: dict[str, Any] = {
            "monthly": profile.monthly(conn, kind, unit_id, filters),  # type: ignore[arg-type]
            "times": profile.times(conn, kind, unit_id, filters),  # type: ignore[arg-type]
        }
        if kind == "place":
            out["assessments"] = profile.assessments(conn, unit_id)
        else:
            out["places"] = profile.ward_places(conn, unit_id)
    return out


@st.cache_data(ttl=TTL, show_spinner=False)
def register(v: Key) -> pd.DataFrame:
    with _conn(v) as conn:
        return interventions.register(conn)


@st.cache_data(ttl=TTL, show_spinner="Measuring impact...")
def impacts(v: Key, params: interventions.ImpactParams, view: View,
            place_ref: str | None = None) -> list[dict[str, Any]]:
    """Impact results, their sentences written for ``view`` (small counts as "<5")."""
    with _conn(v) as conn:
        found = interventions.impacts(conn, params, place_ref=place_ref, fmt=count_text(view))
    return [i.as_dict() for i in found]


def pooled(v: Key, params: interventions.ImpactParams, view: View) -> list[dict[str, Any]]:
    """The pooled effect of each type of intervention (from the cached impacts)."""
    return interventions.pooled_rows(impacts(v, params, view))


@st.cache_data(ttl=60, show_spinner=False)
def points(v: Key, filters: Filters, limit: int = 3000) -> pd.DataFrame:
    with _conn(v) as conn:
        return profile.points(conn, filters, limit)


def audit_log(action: str | None, limit: int = 500) -> pd.DataFrame:
    with db.connect("auditor", get_settings()) as conn:
        return db.frame(conn, "audit_list", {"action": action, "limit": limit})


def users() -> pd.DataFrame:
    with db.connect("auditor", get_settings()) as conn:
        return db.frame(conn, "users_list")
