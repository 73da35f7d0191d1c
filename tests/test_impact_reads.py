"""The impact page's reads and loops, made faster (#18: every intervention at 1 M incidents
in under 3 s cold), give what the plain ones give: the counts near every place from one
query, the reads at the same time on pooled connections, the placebo loop."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.services import impact_series as series
from geo.services import interventions as iv
from geo.stats.disclosure import View
from geo.stats.synth import _fit, _placebo_stats, index
from geo.store import db

PARAMS = (iv.ImpactParams(), iv.ImpactParams(before=6, after=9, buffer=350.0),
          iv.ImpactParams(harms=("cse", "missing")))


def _plain(found: list) -> str:
    return json.dumps([i.as_dict() for i in found], sort_keys=True, default=str)


@pytest.mark.parametrize("params", PARAMS)
def test_reads_at_the_same_time_give_what_one_connection_gives(settings, params) -> None:
    def pooled(fn):
        return db.read(fn, ("*",), settings)

    for view in (None, View("partner", 5), View("analyst", 5)):
        with db.connect("dashboard", settings) as conn:
            one = iv.impacts(conn, params, view=view)
        at_once = iv.impacts_read(pooled, params, view=view, workers=3)
        assert len(one) >= 17 and _plain(at_once) == _plain(one)
    ref = one[0].intervention
    with db.connect("dashboard", settings) as conn:
        alone = iv.impacts(conn, params, intervention_ref=ref)
    assert _plain(iv.impacts_read(pooled, params, intervention_ref=ref)) == _plain(alone)
    assert iv.impacts_read(pooled, params, intervention_ref="no such ref") == []


@pytest.mark.parametrize("params", PARAMS[1:])
def test_near_counts_of_every_place_at_once_equal_the_zone_query(settings, params) -> None:
    """One query for every place gives, place by place, the series impact_series.sql
    gives (it places every incident of the surrounding wards by geometry), with other
    windows, rings and harm filters than the defaults (those: test_impact.py)."""
    cols = ["month", "target", "buffer", "control", "target_ck", "buffer_ck", "control_ck",
            "post"]
    with db.connect("dashboard", settings) as conn:
        reg = iv.register(conn)
        donors = series.donor_panel(conn, params)
        wanted = [(int(r["place_id"]), r["start_month"]) for _, r in reg.iterrows()]
        together = series.near_counts(conn, donors, wanted, params)
        seen = 0
        for (place_id, start), found in zip(wanted, together, strict=True):
            assert found is not None
            fast = series.fast_series(conn, donors, place_id, start, params, found)
            slow = series.monthly_series(conn, place_id, start, params)
            assert slow[cols].astype(str).equals(fast[cols].astype(str)), place_id
            seen += int(fast["target"].sum() > 0 and fast["buffer"].sum() > 0)
    assert seen >= len(wanted) // 2  # most places have incidents in both zones


def test_placebo_loop_equals_a_fit_of_each_donor_against_the_others() -> None:
    """The placebo statistics found with shared distances and arrays equal those of
    :func:`_fit` run on each donor with the others as its pool."""
    rng = np.random.default_rng(3)
    for trial in range(30):
        months, units = int(rng.integers(8, 30)), int(rng.integers(3, 40))
        post = np.arange(months) >= int(rng.integers(4, months - 1))
        level = rng.uniform(1, 40, units)[:, None]
        x = rng.poisson(level * (1 + 0.2 * np.sin(np.arange(months) / 3 + trial)))
        x = x + (np.arange(months) < 2) * (trial % 3)  # some runs with a ragged start
        ix = index(x, ~post)
        keep = np.isfinite(ix).all(axis=1)
        ix, x = ix[keep], x[keep]
        floors = 1 / np.sqrt(x[:, ~post].mean(axis=1))
        fast = _placebo_stats(ix, floors, ~post, post)
        for j in range(ix.shape[0]):
            others = np.delete(ix, j, axis=0)
            if others.shape[0] == 0:
                assert np.isnan(fast[j])
                continue
            slow = _fit(ix[j], others, ~post, post, float(floors[j])).stat
            assert fast[j] == pytest.approx(slow, rel=1e-9, abs=1e-12), (trial, j)
