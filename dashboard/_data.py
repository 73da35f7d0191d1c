"""Cached reads for the pages: each asks :mod:`geo.services.pages` and keeps the answer.

Entries are keyed on their arguments and on the data version (the latest extract) and the
viewer's areas, so a new load shows at once while repeated views are instant.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import _state
from geo.filters import Filters
from geo.render import mapping
from geo.render.text import View
from geo.services import analysis, contexts, detail, meeting, networks, pages
from geo.services.interventions import ImpactParams

TTL = 3600
#: most answers a cached read keeps per process (oldest out first): with the pool's bound
#: on connections, what bounds a server's memory whatever the filters people try
ENTRIES = 128


Key = tuple[str, tuple[str, ...]]


def version() -> Key:
    """The cache key of every read: the data version (it changes whenever an extract is
    loaded or the intervention register is edited, by anyone) and the areas the user may
    see (row-level security in the database).
    """
    areas = _state.areas()
    return pages.version(areas), areas


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def period(v: Key) -> tuple[date, date] | None:
    return pages.period(v[1])


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def vocabularies(v: Key) -> dict[str, list[tuple[str, str]]]:
    return pages.vocabularies(v[1])


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def units(v: Key, unit: str, size: float = 250.0) -> gpd.GeoDataFrame:
    return pages.units(v[1], unit, size)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Counting incidents...")
def monthly(v: Key, unit: str, filters: Filters, size: float = 250.0) -> pd.DataFrame:
    """Counts by unit and month over the filters' months (one scan of the incidents)."""
    return pages.monthly(v[1], unit, filters, size)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Finding hot spots...")
def hotspots(v: Key, unit: str, filters: Filters, size: float = 250.0,
             emerging: bool = False, counted: tuple[date, date] | None = None,
             measure: str = "auto", view: View | None = None) -> gpd.GeoDataFrame:
    """Hot spots of the filters' period. ``counted``: a wider span of months to count in
    one scan (a page comparing two periods counts both at once and shares the counts).
    ``measure``: "auto" (rates per 1,000 for areas with a population), "rate" or "count".
    ``view``: for an aggregate view the detail rule is applied (:mod:`geo.services.detail`:
    too many filters raise :class:`~geo.services.detail.TooDetailed`; counts whose whole
    is too small are withheld) and the statistics are computed from published values.
    """
    months = pd.date_range(filters.start, filters.end, freq="MS")
    span = counted or (filters.start, filters.end)

    def counts_of(f: Filters) -> pd.DataFrame:
        return monthly(v, unit, Filters(span[0], span[1], f.harms, f.risks, f.ages), size)

    shapes = units(v, unit, size)
    inside = analysis.covered_units(shapes, coverage(v, filters))
    return detail.hotspots(shapes, unit, filters, counts_of, months, view,
                           emerging_too=emerging, covered=inside,
                           population=population(v, unit), measure=measure)


@st.cache_data(ttl=TTL, show_spinner=False)
def coverage(v: Key, filters: Filters) -> Any:
    """What the data the filters select covers (the union of its extracts' coverage)."""
    return pages.data_coverage(v[1], filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def coverage_names(v: Key) -> pd.DataFrame:
    """The wards and LSOAs an extract may declare it covers: ``kind``, ``code``, ``name``."""
    return pages.coverage_names(v[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def extracts(v: Key, limit: int = 50) -> pd.DataFrame:
    """The ledger of files loaded, newest first, with what each incidents file covers."""
    return pages.ledger(v[1], limit)


def concentration(now: pd.DataFrame, before: pd.DataFrame, view: View) -> dict[str, float]:
    """Concentration, stability and forecast accuracy of two periods' hot-spot tables (from
    published counts for an aggregate view)."""
    return pages.concentration(now, before, view)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def population(v: Key, unit: str) -> pd.Series | None:
    """Young people per ward or LSOA (None for other units or when none is loaded)."""
    return pages.population(v[1], unit)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def unit_layer(v: Key, unit: str, filters: Filters, view: View, colour: str,
               emerging: bool = False, significant_only: bool = False,
               counted: tuple[date, date] | None = None,
               measure: str = "auto") -> dict[str, Any]:
    """The map layer of the units as ``view`` may see them, with their emerging trend if
    asked (see :func:`geo.render.mapping.unit_layer`)."""
    table = hotspots(v, unit, filters, emerging=emerging, counted=counted, measure=measure,
                     view=view)
    return mapping.unit_layer(table, unit, view, colour, significant_only,
                              wards=None if unit == "ward" else wards(v))


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def places(v: Key) -> gpd.GeoDataFrame:
    return pages.places(v[1])


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def wards(v: Key) -> gpd.GeoDataFrame:
    return pages.wards(v[1])


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def complex_places(v: Key, filters: Filters) -> pd.DataFrame:
    return pages.complex_places(v[1], filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def profile_data(v: Key, kind: str, unit_id: str, filters: Filters) -> dict[str, Any]:
    return pages.profile_data(v[1], kind, unit_id, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def busiest_place(v: Key, filters: Filters, view: View) -> str | None:
    """The place with the most incidents in the filters' period, as ``view`` sees them."""
    return pages.busiest_place(v[1], filters, view)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def register(v: Key) -> pd.DataFrame:
    return pages.register(v[1])


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Measuring impact...")
def impacts(v: Key, params: ImpactParams, view: View,
            place_ref: str | None = None) -> list[dict[str, Any]]:
    """Impact results as ``view`` may see them (every number through the gate)."""
    return pages.impacts(v[1], params, view, place_ref)


def pooled(v: Key, params: ImpactParams, view: View) -> list[dict[str, Any]]:
    """The pooled effect of each type of intervention (from the cached impacts)."""
    return pages.pooled(impacts(v, params, view))


@st.cache_data(ttl=60, show_spinner=False)
def points(v: Key, filters: Filters, limit: int = 1_000_000) -> pd.DataFrame:
    return pages.points(v[1], filters, limit)


def users() -> pd.DataFrame:
    return pages.users()


@st.cache_data(ttl=TTL, show_spinner=False)
def contexts_listing(v: Key, on: date) -> pd.DataFrame:
    return contexts.listing(v[1], on)


@st.cache_data(ttl=TTL, show_spinner=False)
def context_vocabularies(v: Key) -> dict[str, list[tuple[str, str]]]:
    return contexts.vocabularies(v[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def context_details(v: Key, ref: str, filters: Filters) -> dict[str, Any] | None:
    return contexts.details(v[1], ref, filters)


@st.cache_data(ttl=TTL, show_spinner="Preparing the agenda...")
def agenda(v: Key, on: date, since: date, view: View) -> meeting.Agenda:
    return meeting.agenda(v[1], on, since, view)


@st.cache_data(ttl=TTL, show_spinner="Linking places...")
def place_networks(v: Key, filters: Filters, view: View) -> networks.Networks:
    return networks.build(v[1], filters, view.exact, view.k)

