"""The agenda of the next partnership meeting: what changed since the last one.

For a meeting on ``on``, with the previous meeting on ``since`` (a month before by
default), the agenda lists:

* **reviews due**: contexts not closed whose review date is on or before ``on``;
* **new complex-strategy places**: places where 3 or more distinct young people (the
  complex-strategy threshold, DESIGN §5) were seen within the 90 days to ``on`` and not
  within the 90 days to ``since``;
* **new and intensifying hot spots**: 250 m areas whose emerging hot spot category, over
  the 36 months to ``on``, is new or intensifying;
* **interventions that ended** after ``since`` and by ``on``, with their measured impact.

Each list is a frame the page and the board pack show; counts in it are exact, and the
caller publishes them for the viewer (partners and boards see "3 or more", never a count
of young people).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from geo.config import get_settings
from geo.filters import Filters
from geo.services import analysis, interventions
from geo.services.contexts import listing
from geo.stats.complex_strategy import MIN_PEOPLE, WINDOW_DAYS, flag_places
from geo.stats.disclosure import View, shown_flags
from geo.store import counts, db

#: the emerging categories an agenda raises
RAISED = ("new hot spot", "intensifying hot spot")
CUBE_MONTHS = 36


@dataclass(frozen=True)
class Agenda:
    on: date
    since: date
    reviews: pd.DataFrame
    flagged: pd.DataFrame
    hotspots: pd.DataFrame
    ended: pd.DataFrame

    def empty(self) -> bool:
        return all(f.empty for f in (self.reviews, self.flagged, self.hotspots, self.ended))


def _month(d: date) -> date:
    return date(d.year, d.month, 1)


def _months_back(d: date, n: int) -> date:
    t = pd.Timestamp(_month(d)) - pd.DateOffset(months=n)
    first: date = t.date()
    return first


def _people(conn: Any, end: date) -> pd.DataFrame:
    """Distinct young people at each place in the 90 days to ``end`` (inclusive)."""
    first = end - timedelta(days=WINDOW_DAYS)
    keyed = counts.keyed_at_places(conn, Filters(_month(first), _month(end)))
    when = pd.to_datetime(keyed["when"])
    inside = keyed[(when > pd.Timestamp(first)) & (when <= pd.Timestamp(end))]
    return flag_places(inside, MIN_PEOPLE, WINDOW_DAYS)


def hotspot_filters(on: date) -> Filters:
    """The months whose emerging hot spots a meeting on ``on`` raises: the
    :data:`CUBE_MONTHS` to the month of ``on``, every harm, risk and age."""
    return Filters(_months_back(on, CUBE_MONTHS - 1), _month(on))


def agenda(areas: tuple[str, ...], on: date, since: date | None = None,
           view: View | None = None, *, hot_spot_table: pd.DataFrame | None = None,
           impacts: Callable[[], Sequence[dict[str, Any]]] | None = None,
           contexts: pd.DataFrame | None = None) -> Agenda:
    """The agenda of a meeting on ``on`` (see the module docstring); the impact sentences
    are written as ``view`` may see them (exact when None).

    What a page has found already is not asked again: ``hot_spot_table``, the emerging
    hot-spot table of :func:`hotspot_filters` as ``view`` may see it
    (:func:`geo.services.analysis.hotspot_table`); ``impacts``, every intervention's
    impact with the default settings as ``view`` may see it
    (:func:`geo.services.pages.impacts`: the Interventions page's), as what gives it when
    asked (a read under way elsewhere: it is asked for after this agenda's own reads, not
    waited for before them); ``contexts``, the
    contexts listed on ``on`` (:func:`geo.services.contexts.listing`)."""
    since = since or (pd.Timestamp(on) - pd.DateOffset(months=1)).date()
    reviews = listing(areas, on) if contexts is None else contexts
    reviews = reviews[reviews["review_due"].astype(bool)][
        ["ref", "name", "kind_label", "status_label", "lead_agency", "review_date", "rating"]]

    def read(conn: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                 dict[str, str] | None]:
        now, before = _people(conn, on), _people(conn, since)
        was = set(before.loc[before["flagged"].astype(bool), "place_id"]) if len(before) else set()
        flagged = now[now["flagged"].astype(bool) & ~now["place_id"].isin(was)] \
            if len(now) else now
        places = counts.units(conn, "place")[["unit_id", "ref", "name", "category"]]
        flagged = places.merge(flagged.assign(unit_id=flagged["place_id"].astype(str)),
                               on="unit_id")[["ref", "name", "category", "max_people",
                                              "window_start", "window_end", "fewest_rows"]]
        table = hot_spot_table
        if table is None:
            table = analysis.hotspot_table(conn, "hex", hotspot_filters(on), emerging_too=True,
                                           view=view)
        hot = table[table["category"].isin(RAISED)]
        hotspots = pd.DataFrame(hot.drop(columns="geometry"))[
            ["unit_id", "name", "category", "count", "z"]].sort_values(
                ["category", "z"], ascending=[True, False], ignore_index=True)
        reg = interventions.register(conn)
        end = pd.to_datetime(reg["end_month"])
        ended = reg[(end > pd.Timestamp(since)) & (end <= pd.Timestamp(on))]
        if impacts is not None:
            results = None  # the page's, once this agenda's own reads are done
        elif len(ended):  # the ended ones' impacts, in one go (the donors read once)
            results = {i.intervention: i.sentence for i in interventions.impacts(
                conn, refs=set(ended["ref"].astype(str)), view=view)}
        else:
            results = {}
        return flagged, hotspots, ended, results

    flagged, hotspots, ended, results = db.read(read, areas, get_settings())
    if results is None:
        assert impacts is not None
        results = {str(i["intervention"]): str(i["sentence"]) for i in impacts()}
    ended = ended.assign(
        result=[results.get(str(r), "") for r in ended["ref"]])[
        ["ref", "type_label", "place_name", "agency", "start_month", "end_month", "result"]]
    # newly flagged places this view may see listed (geo.stats.disclosure.shown_flags)
    shown = flagged if view is None else shown_flags(flagged, view)
    return Agenda(on, since, reviews.reset_index(drop=True), shown.reset_index(drop=True),
                  hotspots, ended.reset_index(drop=True))
