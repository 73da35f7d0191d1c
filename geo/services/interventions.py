"""The measured impact of interventions: the monthly series of
:mod:`geo.services.impact_series` (target, ring, control and the matched comparison's
donors), statistics from :mod:`geo.stats.impact` and :mod:`geo.stats.synth`, every number
as the viewer may see it (:func:`published_impact`). A page runs the reads at the same
time (:func:`impacts_read`); the pooled effect per type is :mod:`geo.services.pooling`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import psycopg
from numpy.typing import NDArray

from geo.services.impact_series import (
    NO_COUNTS,
    ZONES,
    Donors,
    Geometry,
    ImpactParams,
    busy_windows,
    donors_for,
    donors_of,
    monthly_series,
    near_rows,
    near_series,
    split_near,
    unit_counts,
    where_counted,
)
from geo.stats.disclosure import View, count_formatter, perturbed, publish_one
from geo.stats.displacement import Counts, displacement_claim
from geo.stats.impact import (
    MIN_BEFORE_INCIDENTS,
    MIN_TARGET_INCIDENTS,
    Impact,
    assess,
    sentence,
    verdict,
)
from geo.store import counts
from geo.store import interventions as store

__all__ = ["ImpactParams", "Read", "impacts", "impacts_read", "published_counts",
           "published_impact", "register"]


def register(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Every intervention with its place and type."""
    return store.register(conn)


def _assessed(intervention: pd.Series | dict[str, Any], series: pd.DataFrame,
              params: ImpactParams, data_end: date | None, fmt: Callable[[int], str],
              view: View | None, donors: Donors | None, reg: pd.DataFrame | None,
              busy: tuple[NDArray[Any], NDArray[Any], NDArray[Any]] | None = None
              ) -> Impact:
    """The impact of one intervention (a row of :func:`register`) from its monthly series.

    When the data stop before the after-period ends, only the months with data are used
    and the sentence says how many. With a ``view``, the result is what that view may see
    (:func:`published_impact`). With ``donors``
    (:func:`geo.services.impact_series.donor_panel`) and the register, the matched
    comparison and its placebo tests are part of the verdict.
    """
    if data_end is not None:
        series = series[series["month"] <= pd.Timestamp(data_end)]
    action = str(intervention["type_label"]).lower()
    donor_frame = None
    if donors is not None and reg is not None and len(series):
        donor_frame = donors_for(donors, reg, intervention,
                                 pd.DatetimeIndex(series["month"]), params.buffer, busy)
    kind = str(intervention.get("type_label", ""))
    if view is not None:
        return published_impact(str(intervention["ref"]), str(intervention["place_name"]),
                                action, series, view, donor_frame, kind, params.leave_out)
    return assess(str(intervention["ref"]), str(intervention["place_name"]), action,
                  series[["month", "post", *ZONES]], fmt,
                  None if donor_frame is None else donor_frame[0], kind, params.leave_out)


def published_impact(ref: str, place: str, action: str, series: pd.DataFrame, view: View,
                     donors: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                     kind: str = "", leave_out: int = 0) -> Impact:
    """An impact as ``view`` may see it, every number from published values.

    For an aggregate view the model is fitted to the monthly series perturbed month by
    month (each month a cell with its own key), the before and after counts are cells of
    their own (perturbed, "<k" when small), and "too little data" is decided on those
    published counts: so changing a setting by one month moves nothing that the gate has
    not perturbed. ``counts_text`` holds the texts of the six counts. Exact views get the
    plain :func:`geo.stats.impact.assess` with exact counts. ``donors``: the donors' monthly
    counts and their cell keys (:func:`geo.services.impact_series.donors_for`); for an
    aggregate view the matched comparison is built from their perturbed values too.
    """
    fmt = count_formatter(view)
    if view.exact:
        out = assess(ref, place, action, series[["month", "post", *ZONES]], fmt,
                     None if donors is None else donors[0], kind, leave_out)
    else:
        shown = pd.DataFrame({"month": series["month"], "post": series["post"]} | {
            z: perturbed(series[z].to_numpy(), series[f"{z}_ck"].to_numpy(), view)
            for z in ZONES})
        donor_shown = None
        if donors is not None:
            n, ck = donors
            donor_shown = pd.DataFrame(perturbed(n.to_numpy(), ck.to_numpy(), view),
                                       index=n.index, columns=n.columns)
        out = assess(ref, place, action, shown, fmt, donor_shown, kind, leave_out)
        c = Counts(*(int(perturbed(n, ck, view)) for n, ck in _cells(series)))
        # and neither side in the class of small counts: 0 and 1-4 are one class to an
        # aggregate view, so a verdict (or its absence) must not tell them apart (#27)
        sufficient = (out.sufficient and c.rb + c.ra >= MIN_TARGET_INCIDENTS
                      and c.rb >= MIN_BEFORE_INCIDENTS and min(c.rb, c.ra) >= view.k)
        out.counts, out.sufficient = c, sufficient
        out.its = out.its if sufficient else None
        decided = verdict(sufficient, out.its, out.synthetic)
        out.verdict, out.rule = decided
        out.displacement = (displacement_claim(out.wdq, out.buffer)
                            if decided[0] == "reduced" else None)
        months_after = int(series["post"].to_numpy(dtype=bool).sum())
        out.sentence = sentence(place, action, months_after, c, out.wdq, out.its, sufficient,
                                fmt, out.synthetic, decided, out.displacement)
    out.counts_text = published_counts(series, view)
    return out


def _cells(series: pd.DataFrame) -> list[tuple[int, int]]:
    """The six counts of a monthly series with cell keys, with their keys: target, buffer
    and control, each before then after the start."""
    post = series["post"].to_numpy(dtype=bool)
    out = []
    for z in ZONES:
        n, ck = series[z].to_numpy(), series[f"{z}_ck"].to_numpy()
        out += [(int(n[~post].sum()), int(ck[~post].sum())),
                (int(n[post].sum()), int(ck[post].sum()))]
    return out


def published_counts(series: pd.DataFrame, view: View) -> dict[str, str]:
    """The six counts of an impact (target, buffer and control, before and after: ``rb``,
    ``ra``, ``db``, ``da``, ``cb``, ``ca``) as ``view`` may see them, each a cell of its
    own from a monthly series with cell keys (:func:`geo.services.impact_series.monthly_series`)."""
    names = ("rb", "ra", "db", "da", "cb", "ca")
    return {name: publish_one(n, ck, view).text
            for name, (n, ck) in zip(names, _cells(series), strict=True)}


def impacts(
    conn: psycopg.Connection[Any],
    params: ImpactParams = ImpactParams(),
    place_ref: str | None = None,
    intervention_ref: str | None = None,
    fmt: Callable[[int], str] = str,
    view: View | None = None,
    refs: Collection[str] | None = None,
) -> list[Impact]:
    """Impacts of all interventions, or of those at one place, or of one, or of those
    whose references are ``refs``.

    ``fmt`` writes counts in the sentences; with a ``view``, everything is as that view
    may see it (:func:`published_impact`).
    """
    return impacts_read(lambda fn: fn(conn), params, place_ref, intervention_ref, fmt, view,
                        workers=1, refs=refs)


Read = Callable[[Callable[[psycopg.Connection[Any]], Any]], Any]

#: the reads :func:`impacts_read` runs at the same time, each on a connection of its own
PARALLEL_READS = 3


def impacts_read(
    read: Read,
    params: ImpactParams = ImpactParams(),
    place_ref: str | None = None,
    intervention_ref: str | None = None,
    fmt: Callable[[int], str] = str,
    view: View | None = None,
    workers: int = PARALLEL_READS,
    refs: Collection[str] | None = None,
) -> list[Impact]:
    """:func:`impacts` with each query run through ``read`` (``read(fn)`` lends a
    connection to ``fn`` and gives it back; a page's pooled read).

    With ``workers`` > 1, up to that many reads run at the same time, each on its own
    connection and none waiting for another while it holds one: the places' and the
    wards' monthly counts (the donors), and the counts near the places split in
    ``workers`` - 1 parts; each part's interventions are assessed (no connection needed)
    while the next part is still counted.
    """
    def chosen(conn: psycopg.Connection[Any]) -> tuple[pd.DataFrame, Any]:
        return register(conn), counts.data_period(conn)["last"]

    def units(conn: psycopg.Connection[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
        return counts.units(conn, "place"), counts.units(conn, "ward")

    full, end = read(chosen)
    reg = full
    if place_ref:
        reg = reg[reg["place_ref"] == place_ref]
    if intervention_ref:
        reg = reg[
            (reg["ref"] == intervention_ref)
            | (reg["intervention_id"].astype(str) == intervention_ref)
        ]
    if refs is not None:
        reg = reg[reg["ref"].astype(str).isin(list(refs))]
    if reg.empty:
        return []
    rows = [row for _, row in reg.iterrows()]
    busy = busy_windows(full)
    out: dict[int, Impact] = {}
    with ThreadPoolExecutor(workers, thread_name_prefix="contexts-impact") if workers > 1 \
            else nullcontext() as pool:

        def later(fn: Callable[[psycopg.Connection[Any]], Any]) -> Callable[[], Any]:
            if pool is None:
                found = read(fn)
                return lambda: found
            return pool.submit(read, fn).result

        # the donors' counts while the places and wards are read, then the counts near
        # the places (which need their geometry)
        place_counts = later(partial(unit_counts, unit="place", params=params))
        ward_counts = later(partial(unit_counts, unit="ward", params=params))
        geometry = Geometry.of(*read(units))
        found = [where_counted(geometry, int(r["place_id"]), r["start_month"], params)
                 for r in rows]
        listed = [(k, f) for k, f in enumerate(found) if f is not None]
        n_parts = max(1, workers - 1) if pool is not None else 1
        parts = [p for p in (listed[i::n_parts] for i in range(n_parts)) if p]
        near = [(part, later(partial(near_rows, wanted=part, params=params)))
                for part in parts]
        donors = donors_of((*place_counts(), *ward_counts()), geometry)
        for part, rows_of in near:
            split = split_near(rows_of(), part)
            for k, where in part:
                series = near_series(donors, where, split.get(k, NO_COUNTS))
                out[k] = _assessed(rows[k], series, params, end, fmt, view, donors, full, busy)
    for k, row in enumerate(rows):
        if k not in out:  # a place with no geometry: counted by its wards' incidents
            series = read(partial(monthly_series, place_id=int(row["place_id"]),
                                  start=row["start_month"], params=params))
            out[k] = _assessed(row, series, params, end, fmt, view, donors, full, busy)
    return [out[k] for k in range(len(rows))]
