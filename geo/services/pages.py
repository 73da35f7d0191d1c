"""What the dashboard's pages read, one function per question, each on its own read-only
connection limited to the viewer's areas (row-level security in the database).

The pages cache these answers (``dashboard/_data.py``); this module knows nothing of
Streamlit. Exact counts with their cell keys: what a role may see is applied by
:mod:`geo.render.text` through the disclosure gate in :mod:`geo.stats.disclosure`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Concatenate, ParamSpec, TypeVar

import geopandas as gpd
import pandas as pd
import psycopg

from geo.config import get_settings
from geo.filters import Filters
from geo.services import analysis, interventions
from geo.stats.disclosure import View, class_value, published_values
from geo.store import counts, coverage, data, db, profile, reads
from geo.store.counts import Unit as Unit
from geo.store.profile import Kind as Kind

Areas = tuple[str, ...]
HEX_SIZE = counts.DEFAULT_HEX_SIZE
Connection = psycopg.Connection[Any]
P = ParamSpec("P")
T = TypeVar("T")
VOCABULARIES = ("harm_type", "risk_level", "age_band", "place_category", "intervention_type")


TooSlow = db.TooSlow
#: what a page shows when its read hits the statement timeout
TOO_SLOW = "This view is taking too long — narrow the period or the area."


def _read(areas: Areas, fn: Callable[[Connection], T]) -> T:
    """``fn(conn)`` on a pooled read-only connection (the replica's when configured and
    answering; see :func:`geo.store.db.read`)."""
    return db.read(fn, areas, get_settings())


def reading(fn: Callable[Concatenate[Connection, P], T]) -> Callable[Concatenate[Areas, P], T]:
    """A question the store answers on a connection, ``fn(conn, ...)``, asked as a page
    asks it: ``fn(areas, ...)`` on a read connection limited to ``areas``. The answer
    keeps ``fn``'s name (the dashboard's cache keys its entries by it)."""
    def asked(areas: Areas, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return _read(areas, lambda conn: fn(conn, *args, **kwargs))

    asked.__module__, asked.__qualname__ = fn.__module__, fn.__qualname__
    asked.__name__, asked.__doc__ = fn.__name__, fn.__doc__
    return asked


def read_source() -> str | None:
    """None without a read replica; else where page reads go now ("replica", or
    "primary" while the replica does not answer)."""
    return db.replica_state(get_settings())


def version(areas: Areas) -> str:
    """The data version: it changes whenever an extract is loaded or the intervention
    register is edited, by anyone."""
    return str(_read(areas, reads.data_version))


#: the latest month of the pages' period holds at least this share of the median month
#: of the year before it
PLAUSIBLE_SHARE = 0.2


def plausible_end(months: pd.DataFrame, share: float = PLAUSIBLE_SHARE) -> date | None:
    """The last month of ``months`` (``month``, ``n``: incidents per month, in order) that
    holds a plausible share of the data: at least ``share`` of the median of the 12 months
    before it. A handful of rows in a later month (a late record, a slip of the date) do
    not move every page's period to a nearly empty month."""
    if months.empty:
        return None
    n = months["n"].to_numpy(dtype=float)
    for k in range(len(n) - 1, 0, -1):
        if n[k] >= share * float(pd.Series(n[max(0, k - 12):k]).median()):
            found: date = pd.Timestamp(months["month"].iloc[k]).date()
            return found
    first: date = pd.Timestamp(months["month"].iloc[0]).date()
    return first


def period(areas: Areas) -> tuple[date, date] | None:
    """The first month with data and the last that holds a plausible share of it
    (:func:`plausible_end`), or None when nothing is loaded."""
    months = _read(areas, counts.data_months)
    if months.empty:
        return None
    end = plausible_end(months)
    assert end is not None
    return pd.Timestamp(months["month"].iloc[0]).date(), end


def vocabularies(areas: Areas) -> dict[str, list[tuple[str, str]]]:
    """Each vocabulary as (code, label) pairs."""
    found: dict[str, list[tuple[str, str]]] = _read(
        areas, lambda conn: {name: reads.vocabulary(conn, name) for name in VOCABULARIES})
    return found


#: questions the store answers as they are: each signature is the store's, written once
units = reading(counts.units)
data_coverage = reading(coverage.of_selection)
coverage_names = reading(coverage.names)
ledger = reading(coverage.ledger)
wards = reading(data.wards)
complex_places = reading(analysis.complex_strategy)
register = reading(interventions.register)


def points(areas: Areas, filters: Filters, limit: int = 1_000_000) -> pd.DataFrame:
    """Point-level incidents (analysts only: the page checks the role first)."""
    return _read(areas, lambda conn: profile.points(conn, filters, limit))


def monthly(areas: Areas, unit: Unit, filters: Filters,
            size: float = counts.DEFAULT_HEX_SIZE) -> pd.DataFrame:
    """Counts by unit and month over the filters' months (one scan of the incidents)."""
    return _read(areas, lambda conn: counts.counts(conn, unit, filters, size, by_month=True))


def population(areas: Areas, unit: Unit) -> pd.Series | None:
    """Young people per ward or LSOA (None for other units or when none is loaded)."""
    if unit not in ("ward", "lsoa"):
        return None
    return _read(areas, lambda conn: analysis.population(conn, unit))


def concentration(now: pd.DataFrame, before: pd.DataFrame, view: View) -> dict[str, float]:
    """Concentration, stability and forecast accuracy of two periods' hot-spot tables, for
    an aggregate view from the published values of the units' counts (the small class and
    withheld counts valued alike; the bins, for "still hot", are the tables', computed
    from published values too: :func:`geo.services.analysis.hotspots_from_counts`)."""
    if not view.exact:
        now, before = (t.assign(count=_stat_counts(t, view)) if "ck" in t else t
                       for t in (now, before))
    return analysis.concentration_summary(now, before)


def _stat_counts(table: pd.DataFrame, view: View) -> Any:
    values = published_values(table["count"], table["ck"], view)
    if "withheld" in table:
        values[table["withheld"].to_numpy(dtype=bool)] = class_value(view)
    return values


def places(areas: Areas) -> gpd.GeoDataFrame:
    """The places (their display geometry only)."""
    return _read(areas, lambda conn: counts.units(conn, "place").drop(columns=["geom_bng"]))


def profile_data(areas: Areas, kind: Kind, unit_id: str, filters: Filters) -> dict[str, Any]:
    """What a place or ward profile shows: monthly counts, the day x hour grid, and the
    place's assessments or the ward's places."""
    def read(conn: Connection) -> dict[str, Any]:
        out: dict[str, Any] = {
            "monthly": profile.monthly(conn, kind, unit_id, filters),
            "times": profile.times(conn, kind, unit_id, filters),
        }
        if kind == "place":
            out["assessments"] = profile.assessments(conn, unit_id)
        else:
            out["places"] = profile.ward_places(conn, unit_id)
        return out

    return _read(areas, read)


def busiest_place(areas: Areas, filters: Filters, view: View) -> str | None:
    """The id of the place with the most incidents under ``filters`` (the place a profile
    opens on when none is chosen), ranked as ``view`` may see the counts (published values
    for an aggregate view); None when no place has any."""
    if not view.exact:
        # an aggregate view ranks the period's counts alone (a choice made on filtered
        # counts would show a place at a detail the rule refuses), and takes no place
        # from the class of small counts: which of them has any incident is not published
        filters = Filters(start=filters.start, end=filters.end)
    found = _read(areas, lambda conn: counts.counts(conn, "place", filters))
    if found.empty:
        return None
    found = found.sort_values("unit_id", key=lambda s: s.astype(str), ignore_index=True)
    values = published_values(found["n"].to_numpy(), found["ck"].to_numpy(), view)
    if not view.exact and float(values.max()) < view.k:
        return None
    return str(found["unit_id"].iloc[int(values.argmax())])


def impacts(areas: Areas, params: interventions.ImpactParams, view: View,
            place_ref: str | None = None) -> list[dict[str, Any]]:
    """Impact results as ``view`` may see them (every number through the disclosure gate:
    :func:`geo.services.interventions.published_impact`)."""
    found = interventions.impacts_read(lambda fn: _read(areas, fn), params,
                                       place_ref=place_ref, view=view)
    return [i.as_dict() for i in found]


def users() -> pd.DataFrame:
    """Who may sign in, with role and areas (admins only)."""
    with db.connect("auditor", get_settings()) as conn:
        return reads.users(conn)
