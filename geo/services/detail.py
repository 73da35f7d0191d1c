"""What detail partners and board members may ask for at each geography (issue #27).

The cell key method keeps one number from giving a small count away, and the one class
for 0-4 ("<5", a true zero included: :mod:`geo.stats.disclosure`) keeps "none" from being
told apart from "a few". What is left is a property of **tables**, not numbers: the parts
of a small cell are perturbed independently of it, so a part of a hidden unit (true count
0-4, published "<5") can still be published as a number (a true 4 as 5, 6 or 7), and a
table with many small cells lets an attacker combine them. ONS's flexible table builder
refuses outputs that are too sparse or too detailed for their population; the rule here
is the same idea, applied to what an aggregate view may ask for:

1. **Filters per geography.** At most :data:`MAX_FILTERS` of harm type, risk level and age
   band may be set at once (each one value or all, see ``dashboard/_state.py``): two at
   wards, one at LSOAs, 250 m hexagons and places, whose counts are small.
2. **A breakdown only of a large enough whole.** A count with filters is published only
   where every coarser count of the same unit and period (the same filters less one or
   more of them, down to none) is published as at least :func:`min_whole` (2k: 10 at
   k = 5); otherwise it is **withheld** (shown "—", and valued as the small class by the
   statistics). The Place profile's breakdowns (trend, harm mix, day x hour grid) are
   shown only where its count over the period, and every coarser one, is published as at
   least that much. A hidden count (true 0-4) is published as at most 4 + D = 7 < 10, so
   no part of it is ever shown: counting or adding its parts learns nothing.

Analysts and administrators are not limited. Every decision here is a function of
published values only (a coarser cell's published count, which the viewer sees anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from geo.filters import Filters
from geo.render.words import unit_words
from geo.stats.disclosure import WITHHELD, View, cell_sum, publish

#: how many of harm type, risk level and age band an aggregate view may set at once
MAX_FILTERS = {"ward": 2, "lsoa": 1, "hex": 1, "place": 1}
#: the filters, in the order pages show them
FILTER_NAMES = (("harms", "harm type"), ("risks", "risk level"), ("ages", "age band"))


class TooDetailed(ValueError):
    """An aggregate view asked for more filters than its geography allows; the message
    says why a finer view is not offered."""


def min_whole(view: View) -> int:
    """The smallest published count whose breakdown is shown: 2k (10 at k = 5), above
    the largest value a hidden count can be published as (k - 1 + D = 7)."""
    return 2 * view.k


def set_filters(filters: Filters) -> list[str]:
    """The names of the filters set (``harms``, ``risks``, ``ages``)."""
    return [name for name, _ in FILTER_NAMES if getattr(filters, name)]


def check(unit: str, filters: Filters, view: View) -> None:
    """Raise :class:`TooDetailed` when ``view`` may not see ``unit`` with ``filters``."""
    if view.exact:
        return
    chosen = set_filters(filters)
    most = MAX_FILTERS.get(unit, 1)
    if len(chosen) > most:
        words = dict(FILTER_NAMES)
        raise TooDetailed(
            f"For {unit_words(unit)} you may choose at most "
            f"{'one filter' if most == 1 else f'{most} filters'} at a time (you chose "
            f"{' and '.join(words[c] for c in chosen)}). Counts of so small an area with "
            "more detail would be too few to publish without giving small numbers away; "
            "set the others to All, or choose a larger area.")


def coarser(filters: Filters) -> list[Filters]:
    """Every coarser selection: the same period with one or more of the set filters
    removed (down to none), coarsest first."""
    chosen = set_filters(filters)
    out = []
    for size in range(len(chosen)):
        for keep in combinations(chosen, size):
            out.append(replace(filters, **{c: None for c in chosen if c not in keep}))
    return out


def withheld(wholes: list[np.ndarray], view: View) -> np.ndarray | None:
    """Which units' counts are withheld: those with a coarser count (``wholes``: each
    coarser selection's published values of the same units, NaN when in the small class)
    published as less than :func:`min_whole`. None when nothing is withheld by rule
    (exact views, no filter)."""
    if view.exact or not wholes:
        return None
    small = np.zeros(np.asarray(wholes[0]).shape, dtype=bool)
    for w in wholes:
        values = np.asarray(w, dtype=float)
        small |= ~(values >= min_whole(view))  # NaN (the small class) too
    return small


def withheld_units(unit_ids: pd.Series | np.ndarray, coarser_counts: list[pd.DataFrame],
                   months: pd.DatetimeIndex, view: View) -> np.ndarray | None:
    """:func:`withheld` of units ``unit_ids`` from the counts by unit and month
    (``unit_id``, ``month``, ``n``, ``ck``) of each :func:`coarser` selection, over
    ``months``: each unit's coarser count over the period is published as a cell of its
    own (the same cell, and number, the viewer sees with those filters)."""
    wholes = []
    for frame in coarser_counts:
        inside = frame[frame["month"].isin(months)]
        by = (cell_sum(inside, "unit_id").set_index("unit_id")
              .reindex(np.asarray(unit_ids), fill_value=0))
        wholes.append(publish(by["n"].to_numpy(), by["ck"].to_numpy(), view).value)
    return withheld(wholes, view)


def whole_too_small(wholes: Sequence[float | None], view: View) -> bool:
    """Whether a count is withheld: a coarser count of it (``wholes``, published values,
    None when in the small class) is published as less than :func:`min_whole`."""
    return not view.exact and not all(v is not None and v >= min_whole(view)
                                      for v in wholes)


def breakdown_shown(count: float | None, wholes: Sequence[float | None], view: View) -> bool:
    """Whether a profile's breakdowns (trend, harm mix, day x hour) are shown: its count
    and every coarser one published as at least :func:`min_whole` (always, exactly)."""
    if view.exact:
        return True
    return all(v is not None and v >= min_whole(view) for v in [count, *wholes])


def not_offered(view: View) -> str:
    """The sentence a page shows where a breakdown is withheld."""
    return (f"Not shown at this detail: the count it would break down is under "
            f"{min_whole(view)}, and the parts of so few incidents could give a small number "
            f'away. Areas shown "{WITHHELD}" have a filtered count withheld for the same '
            "reason.")


def hotspots(units: Any, unit: str, filters: Filters, counts_of: Callable[[Filters], pd.DataFrame],
             months: pd.DatetimeIndex, view: View | None, **kwargs: Any) -> Any:
    """The hot-spot table a page shows (:func:`geo.services.analysis.hotspots_from_counts`)
    with the detail rule applied for an aggregate ``view``: :func:`check` (raises
    :class:`TooDetailed`), counts withheld where a coarser one is too small
    (:func:`withheld_units`), and the statistics from published values. ``counts_of``:
    the counts by unit and month of a selection (the page's cached read)."""
    from geo.services import analysis

    held = None
    if view is not None:
        check(unit, filters, view)
        if not view.exact and set_filters(filters):
            held = withheld_units(units["unit_id"], [counts_of(c) for c in coarser(filters)],
                                  months, view)
    return analysis.hotspots_from_counts(units, unit, counts_of(filters),  # type: ignore[arg-type]
                                         months, view=view, withheld=held, **kwargs)


def link_period(first: date, last: date, start: date, end: date
                ) -> tuple[tuple[date, date] | None, str]:
    """Whether an aggregate view may be shown the period of an older link, ``start`` to
    ``end`` (first days of months), over data from ``first`` to ``last`` (the latest month
    with a plausible share of the data, :func:`geo.services.pages.plausible_end`): the
    period, or None and the reason in words.

    It may when the link's period is one partners and board members are offered, ending
    at an earlier month: a length of :data:`geo.render.text.PERIOD_MONTHS` (1, 3, 6, 12,
    24 or 36 months), inside the data. No two such periods differ by one month (lengths
    never differ by one), and averaging over the offered periods of every end month does
    no better than chance (``tests/test_disclosure_attacks.py``,
    ``test_averaging_over_older_links_periods``: 14 % of 709 small cells, chance 25 %).
    The detail rule (filters per geography, withheld breakdowns) applies to it as to any
    period, on the page."""
    from geo.render.text import PERIOD_MONTHS

    if end > last:
        return None, (f"it ends after {last:%b %Y}, the latest month with most of its data "
                      "loaded")
    if start < first:
        return None, f"it starts before the data do ({first:%b %Y})"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months not in PERIOD_MONTHS:
        return None, ("partners and board members see periods of "
                      + ", ".join(map(str, PERIOD_MONTHS[:-1]))
                      + f" or {PERIOD_MONTHS[-1]} months")
    return (start, end), ""
