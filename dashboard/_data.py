"""Cached reads for the pages: each is a service's answer (:mod:`geo.services.pages`,
``contexts``, ``meeting``, ``networks``) kept by :func:`cached`, one typed decorator, so
that each question's signature is written once, where it is answered.

Entries are keyed on their arguments and on the data version (the latest extract) and the
viewer's areas, so a new load shows at once while repeated views are instant.

A new page read: write the service function ``f(areas, ...)`` in ``geo/services`` (a
question the store answers as it is: ``pages.reading(store_fn)``), then add one line here,
``f = cached(pages.f)`` (``spinner=`` for a slow one); the page calls ``_data.f(v, ...)``
with ``v = _data.version()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import _state
from geo.filters import Filters
from geo.render import text as published
from geo.render.maps import areas
from geo.render.maps.palette import BIN_LABELS
from geo.render.text import View
from geo.render.words import HOT_SPOT_BIN, axis_labels, hot_spot_count, hot_spots
from geo.services import analysis, contexts, detail, meeting, networks, pages, why
from geo.services.interventions import ImpactParams
from geo.services.pooling import pooled_rows

TTL = 3600
#: most answers a cached read keeps per process (oldest out first): with the pool's bound
#: on connections, what bounds a server's memory whatever the filters people try
ENTRIES = 128

Key = tuple[str, tuple[str, ...]]
Unit = pages.Unit
#: what a profile is of: a place or a ward
Kind = pages.Kind
#: the hexagon's size (edge, m) where a page does not choose one (geo.stats.grid)
HEX_SIZE = pages.HEX_SIZE
P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def version() -> Key:
    """The cache key of every read: the data version (it changes whenever an extract is
    loaded or the intervention register is edited, by anyone) and the areas the user may
    see (row-level security in the database).
    """
    areas = _state.areas()
    return pages.version(areas), areas


class Cached(Protocol[P, T_co]):
    """A cached page read: ``f(v, ...)``; ``f.clear()`` forgets its answers (after a write
    that the data version does not follow, e.g. a location assessment)."""

    def __call__(self, v: Key, /, *args: P.args, **kwargs: P.kwargs) -> T_co: ...

    def clear(self) -> None: ...


def cached(fn: Callable[Concatenate[tuple[str, ...], P], T], *, spinner: str | bool = False,
           ttl: int = TTL, entries: int | None = ENTRIES) -> Cached[P, T]:
    """The service's answer ``fn(areas, ...)`` as a cached page read ``f(v, ...)``: kept
    per data version, areas (``v``, :func:`version`) and arguments, at most ``entries``
    for ``ttl`` seconds; ``spinner``: what the page says while it is asked."""
    def asked(v: Key, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return fn(v[1], *args, **kwargs)

    # Streamlit keys a cached function by module, name and source: each its own
    asked.__module__, asked.__qualname__ = fn.__module__, fn.__qualname__
    asked.__name__, asked.__doc__ = fn.__name__, fn.__doc__
    # (Streamlit's own types for its decorator lose the parameters)
    wrap: Any = st.cache_data(ttl=ttl, max_entries=entries, show_spinner=spinner)
    return cast("Cached[P, T]", wrap(asked))


period = cached(pages.period)
vocabularies = cached(pages.vocabularies)
units = cached(pages.units)
monthly = cached(pages.monthly, spinner="Counting incidents...")
coverage = cached(pages.data_coverage, entries=None)
coverage_names = cached(pages.coverage_names, entries=None)
extracts = cached(pages.ledger, entries=None)
population = cached(pages.population)
places = cached(pages.places)
wards = cached(pages.wards)
complex_places = cached(pages.complex_places)
profile_data = cached(pages.profile_data)
busiest_place = cached(pages.busiest_place)
register = cached(pages.register)
impacts = cached(pages.impacts, spinner="Measuring impact...")
points = cached(pages.points, ttl=60, entries=None)
contexts_listing = cached(contexts.listing, entries=None)
context_vocabularies = cached(contexts.vocabularies, entries=None)
context_details = cached(contexts.details, entries=None)
#: why here (risk terrain, near repeat, location assessments): pass
#: :func:`why.model_filters`' filters for the view, so aggregate views share one model
terrain_model = cached(why.terrain_model, spinner="Modelling the risk terrain...", entries=16)
near_repeat = cached(why.near_repeat, spinner="Testing for near repeats...")
place_geom = cached(why.place_geom)
assessment_choices = cached(why.choices, entries=None)
assessment_actions = cached(why.assessment_actions)
feature_layers = cached(why.feature_layers, entries=None)
#: not cached: computed from cached tables, or the admin's own reads (auditor role)
concentration = pages.concentration
users = pages.users


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Finding hot spots...")
def hotspots(v: Key, unit: Unit, filters: Filters, size: float = HEX_SIZE,
             emerging: bool = False, counted: tuple[date, date] | None = None,
             measure: str = "auto", view: View | None = None
             ) -> gpd.GeoDataFrame:
    """Hot spots of the filters' period (:func:`geo.services.detail.hotspots`), from the
    cached counts: ``counted``, a wider span of months counted in one scan, lets a page
    comparing two periods count both at once and share the counts (so this one composes
    cached reads rather than asking a service once). ``measure``: "auto" (rates per 1,000
    for areas with a population), "rate" or "count". ``view``: for an aggregate view the
    detail rule is applied (too many filters raise
    :class:`~geo.services.detail.TooDetailed`; counts whose whole is too small are
    withheld) and the statistics are computed from published values.
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


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def unit_layer(v: Key, unit: Unit, filters: Filters, view: View, colour: str,
               emerging: bool = False, significant_only: bool = False,
               counted: tuple[date, date] | None = None,
               measure: str = "auto") -> dict[str, Any]:
    """The map layer of the units as ``view`` may see them, with their emerging trend if
    asked (see :func:`geo.render.maps.areas.unit_layer`)."""
    table = hotspots(v, unit, filters, emerging=emerging, counted=counted, measure=measure,
                     view=view)
    return areas.unit_layer(table, unit, view, colour, significant_only,
                              wards=None if unit == "ward" else wards(v))


@st.cache_data(ttl=TTL, show_spinner="Preparing the agenda...")
def agenda(v: Key, on: date, since: date, view: View,
           counted: tuple[date, date] | None = None) -> meeting.Agenda:
    """The agenda of a meeting on ``on`` (:func:`geo.services.meeting.agenda`) from the
    pages' cached reads: its emerging hot spots are a :func:`hotspots` table (``counted``
    as there: the board pack counts them in its own scan), the ended interventions' results
    the Interventions page's :func:`impacts`, the reviews due the Contexts page's
    listing; so the Meeting page, the board pack and those pages each ask them once. The
    impacts are asked for last: while they are measured elsewhere (the board pack's helper
    thread), the agenda's own reads go on."""
    table = hotspots(v, "hex", meeting.hotspot_filters(on), emerging=True, counted=counted,
                     view=view)
    return meeting.agenda(v[1], on, since, view, hot_spot_table=table,
                          impacts=lambda: impacts(v, ImpactParams(), view),
                          contexts=contexts_listing(v, on))


def pooled(v: Key, params: ImpactParams, view: View) -> list[dict[str, Any]]:
    """The pooled effect of each type of intervention (from the cached impacts)."""
    return pooled_rows(impacts(v, params, view))


@st.cache_data(ttl=TTL, show_spinner="Linking places...")
def place_networks(v: Key, filters: Filters, view: View) -> networks.Networks:
    return networks.build(v[1], filters, view.exact, view.k)


@dataclass(frozen=True)
class HotSpotTables:
    """What the Hot spots page shows of two periods' hot-spot tables (this one, ``now``,
    and the one before), as ``view`` may see it: the tables (the hot spots, the areas at
    90 % only, the emerging patterns), the counts and the concentration figures."""

    measure_note: str
    hot: int  # hot spots (95 %+) now
    hot_before: int  # and in the period before
    new: int  # hot now, not before
    gone: int  # hot before, not now
    shown: pd.DataFrame  # the hot spots' table as the page shows it
    withheld: bool  # some of its counts are withheld at this detail
    nearly: pd.DataFrame  # the areas at 90 % confidence only
    summary: dict[str, float]  # :func:`concentration`
    patterns: pd.DataFrame  # emerging patterns: pattern, areas


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def hot_spot_tables(v: Key, unit: Unit, filters: Filters, before: Filters,
                    counted: tuple[date, date], measure: str, view: View) -> HotSpotTables:
    """The Hot spots page's tables of the filters' period against ``before`` (the same
    filters, the period before), both counted over ``counted`` (:func:`hotspots`; raises
    :class:`~geo.services.detail.TooDetailed` as it does), kept small: a rerun reads
    these, not two tables of every area with their geometry."""
    now = hotspots(v, unit, filters, emerging=True, counted=counted, measure=measure,
                   view=view)
    then = hotspots(v, unit, before, counted=counted, measure=measure, view=view)
    was = then.set_index("unit_id")["bin"]
    table = hot_spots(now).copy()
    table["before"] = table["unit_id"].map(was).fillna(0).astype(int)
    table["change"] = [
        "new since last period" if b < HOT_SPOT_BIN else ("stronger" if n > b else
                                                          "weaker" if n < b else "unchanged")
        for n, b in zip(table["bin"], table["before"], strict=True)]
    table = table.sort_values(["bin", "z"], ascending=False)
    hot_then = set(hot_spots(then)["unit_id"])
    gone = now[now["unit_id"].isin(hot_then) & ~now["unit_id"].isin(table["unit_id"])]
    shown = pd.DataFrame({
        "Area": table["name"], "Incidents": published.unit_rows(table, view)["incidents"]
        .to_numpy(),
        "Hot spot or hot area around": table["label"].to_numpy(),
        "Confidence": table["bin"].map(BIN_LABELS),
        "Trend": table["category"].astype(str).str.capitalize(),
        "Since the previous period": table["change"]})
    if "lisa" in table:
        shown.insert(4, "Local Moran", table["lisa"].to_numpy())
    if view.exact:
        shown.insert(2, "z", table["z"].round(2).to_numpy())
        if (table["measure"] == "rate").any():
            shown.insert(2, "Rate per 1,000", table["rate"].round(1).to_numpy())
    nearly = now[now["bin"] == HOT_SPOT_BIN - 1]
    emerging = now[now["category"].str.contains("hot spot", na=False)
                   & ~now["category"].str.startswith("no pattern")]
    note = now["measure_note"].iloc[0] if len(now) else ""
    return HotSpotTables(
        measure_note=str(note) if note else "",
        hot=hot_spot_count(now), hot_before=hot_spot_count(then),
        new=int((table["change"] == "new since last period").sum()), gone=len(gone),
        shown=shown,
        withheld=bool(not view.exact and "withheld" in table and table["withheld"].any()),
        nearly=pd.DataFrame({
            "Area": nearly["name"].to_numpy(),
            "Incidents": published.unit_rows(nearly, view)["incidents"].to_numpy(),
            "Hot spot or hot area around": nearly["label"].to_numpy()}),
        summary=concentration(now, then, view),
        patterns=(emerging["category"].astype(str).str.capitalize().value_counts()
                  .rename_axis("pattern").reset_index(name="areas")))


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def terrain_at(v: Key, place_id: str, model: Filters, view: View) -> why.Terrain:
    """The risk terrain around one place as ``view`` may see it (:func:`why.terrain` of the
    cached :func:`terrain_model` fitted with ``model``, :func:`why.model_filters`' filters
    for the view): kept, so that a rerun reads the place's answer, not a copy of the model
    and its cells."""
    return why.terrain(terrain_model(v, model), view, place_geom(v, place_id))


@dataclass(frozen=True)
class ProfileCounts:
    """What the Place profile shows of one place's or ward's counts as ``view`` may see
    them (:func:`profile_counts`)."""

    shown: dict[str, Any]  # :func:`geo.render.text.profile`: total, trend, mix, times
    total_text: str  # the total as published, withheld where its whole is too small
    breakdown: bool  # the trend, mix and times may be shown (geo.services.detail)
    trend: pd.DataFrame | None  # :func:`geo.render.text.profile_trend`, a label a row
    step: str  # "month" or "quarter"
    ticks: list[str]  # the trend's axis labels, one a month (or quarter)
    timed: bool  # some incident has a time of day
    rest: pd.DataFrame  # a place's assessments, or a ward's places


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def profile_counts(v: Key, kind: Kind, unit_id: str, filters: Filters, view: View
                   ) -> ProfileCounts:
    """The profile's published counts of one place or ward (from the cached
    :func:`profile_data` of the filters and, for an aggregate view, of the coarser filters
    whose wholes decide whether a breakdown is shown), kept: a rerun reads these rather
    than copying the counts and publishing them again."""
    info = profile_data(v, kind, unit_id, filters)
    monthly = info["monthly"]
    months = pd.date_range(filters.start, filters.end, freq="MS")
    shown = published.profile(monthly, info["times"], months, view,
                              dict(vocabularies(v)["harm_type"]))
    # the coarser counts (the same period with fewer filters): a breakdown only of a large
    # enough whole, for partners and board members (geo.services.detail)
    wholes = [] if view.exact else [
        published.total(profile_data(v, kind, unit_id, c)["monthly"], view).value
        for c in detail.coarser(filters)]
    total_text = published.text(published.withhold_one(shown["total"],
                                                       detail.whole_too_small(wholes, view)))
    breakdown = detail.breakdown_shown(shown["total"].value, wholes, view)
    trend, step, ticks = None, "month", []
    if breakdown:
        trend, step, _fmt = published.profile_trend(monthly, months, view)
        # the axis names each month (or quarter) itself: one label each, whatever the
        # period's length or the reader's time zone
        ticks = axis_labels(trend["month"], step)
        trend = trend.assign(label=ticks)
    rest = info.get("assessments", info.get("places", pd.DataFrame()))
    return ProfileCounts(shown=shown, total_text=total_text, breakdown=breakdown, trend=trend,
                         step=step, ticks=list(ticks), timed=bool(info["times"]["n"].sum() > 0),
                         rest=rest)
