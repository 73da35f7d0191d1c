"""Issue #27: what partners and board members may ask for (the detail rule,
geo.services.detail) and statistics that do not reopen the door (every label a partner
sees is a function of published values)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geo.filters import Filters
from geo.services import analysis, detail
from geo.stats.disclosure import KEYS, View, publish_one
from geo.store import counts as C
from geo.store import db

PARTNER, BOARD, ANALYST = View("partner"), View("board"), View("analyst")


def test_filters_per_geography() -> None:
    one = Filters(harms=("cse",))
    two = Filters(harms=("cse",), ages=("u13",))
    three = Filters(harms=("cse",), risks=("high",), ages=("u13",))
    for view in (PARTNER, BOARD):
        for unit in ("hex", "place", "lsoa", "ward"):
            detail.check(unit, Filters(), view)
            detail.check(unit, one, view)
        detail.check("ward", two, view)
        for unit in ("hex", "place", "lsoa"):
            with pytest.raises(detail.TooDetailed, match="at most one filter"):
                detail.check(unit, two, view)
        with pytest.raises(detail.TooDetailed, match="at most 2 filters"):
            detail.check("ward", three, view)
    for unit in ("hex", "place", "lsoa", "ward"):  # analysts are not limited
        detail.check(unit, three, ANALYST)


def test_coarser_selections() -> None:
    f = Filters(date(2025, 1, 1), date(2025, 12, 1), harms=("cse",), ages=("u13",))
    got = detail.coarser(f)
    assert got[0] == Filters(date(2025, 1, 1), date(2025, 12, 1))
    assert set(got[1:]) == {Filters(f.start, f.end, harms=("cse",)),
                            Filters(f.start, f.end, ages=("u13",))}
    assert detail.coarser(Filters(harms=("cse",))) == [Filters()]
    assert detail.coarser(Filters()) == []


def test_a_breakdown_only_of_a_large_enough_whole() -> None:
    assert detail.min_whole(PARTNER) == 10
    # the largest value a hidden count (true 0-4) can be published as is under the minimum
    top = max(4 + c for c in range(-3, 4))
    assert top < detail.min_whole(PARTNER)
    held = detail.withheld([np.array([np.nan, 9.0, 10.0, 40.0]),
                            np.array([12.0, 12.0, 12.0, np.nan])], PARTNER)
    assert held is not None and held.tolist() == [True, True, False, True]
    assert detail.withheld([np.array([np.nan])], ANALYST) is None
    assert not detail.breakdown_shown(None, [], PARTNER)
    assert not detail.breakdown_shown(9, [], PARTNER)
    assert detail.breakdown_shown(10, [12], PARTNER)
    assert not detail.breakdown_shown(10, [None], PARTNER)
    assert detail.breakdown_shown(None, [], ANALYST)
    assert detail.whole_too_small([None], BOARD) and not detail.whole_too_small([10], BOARD)


def _hidden_units(table: pd.DataFrame, view: View, most: int) -> list[int]:
    out = [i for i, (n, ck) in enumerate(zip(table["count"], table["ck"], strict=True))
           if 1 <= n <= 4 and publish_one(int(n), int(ck), view).suppressed]
    return out[:most]


@pytest.mark.parametrize("unit", ["lsoa", "hex"])
def test_a_partners_labels_do_not_move_with_a_hidden_count(settings, unit: str) -> None:
    """Every derived figure a partner sees (Gi* bin, the hot spot label, Local Moran's
    quadrant, the emerging category) is the same whether a hidden unit had 0, 1, 2, 3 or
    4 incidents (as long as it is still published "<5"), because they are computed from
    published values; for an analyst (exact counts) the same changes do move them, so the
    test can fail."""
    with db.connect("dashboard", settings, areas=("*",)) as conn:
        last = C.data_period(conn)["last"]
        months = pd.date_range(end=pd.Timestamp(last), periods=12, freq="MS")
        f = Filters(months[0].date(), months[-1].date())
        units = C.units(conn, unit)  # type: ignore[arg-type]
        monthly = C.counts(conn, unit, f, by_month=True)  # type: ignore[arg-type]
        pop = analysis.population(conn, unit)  # type: ignore[arg-type]
    shown = ["bin", "label", "category"] + (["lisa"] if unit == "lsoa" else [])

    def table(frame: pd.DataFrame, view: View) -> pd.DataFrame:
        return analysis.hotspots_from_counts(units, unit, frame, months,  # type: ignore[arg-type]
                                             emerging_too=True, population=pop, view=view)

    base = table(monthly, PARTNER)
    targets = _hidden_units(base, PARTNER, 2)
    assert targets, "no hidden unit to vary"
    moved_exact = 0
    exact_base = table(monthly, ANALYST)
    tried = 0
    for i in targets:
        uid = base["unit_id"].iloc[i]
        rest = monthly[monthly["unit_id"] != uid]
        for n in range(0, 5):
            for ck in (0, 200):
                if not publish_one(n, ck, PARTNER).suppressed:
                    continue  # published as a number: not hidden any more
                one = pd.DataFrame({"unit_id": [uid], "month": [months[-1]], "n": [n],
                                    "ck": [ck]})
                frame = pd.concat([rest, one[one["n"] > 0]], ignore_index=True)
                got = table(frame, PARTNER)
                tried += 1
                for col in shown:
                    pd.testing.assert_series_equal(got[col], base[col], check_names=False)
                np.testing.assert_allclose(got["z"], base["z"], equal_nan=True)
                exact = table(frame, ANALYST)
                moved_exact += int(not np.allclose(exact["z"], exact_base["z"],
                                                   equal_nan=True))
    assert tried >= 5
    assert moved_exact > 0  # exact statistics do see the hidden counts


def test_concentration_from_published_values() -> None:
    """The board pack's and Hot spots' concentration figures for an aggregate view do not
    move with a hidden count either (the small class is one value)."""
    from geo.services.pages import concentration

    rng = np.random.default_rng(3)
    n = rng.integers(5, 60, 40)
    ck = rng.integers(0, KEYS, 40)
    base = pd.DataFrame({"unit_id": [str(i) for i in range(40)], "count": n, "ck": ck,
                         "bin": np.where(n > 40, 2, 0), "area_m2": 1.0})
    before = base.assign(count=rng.integers(5, 60, 40))
    ref = concentration(base, before, PARTNER)
    for hidden in range(0, 5):
        if not publish_one(hidden, 9, PARTNER).suppressed:
            continue
        now = base.copy()
        now.loc[0, ["count", "ck"]] = [hidden, 9]
        other = concentration(now, before, PARTNER)
        now.loc[0, ["count", "ck"]] = [0, 0]
        assert other == concentration(now, before, PARTNER)
    assert ref == concentration(base, before, PARTNER)


def test_at_a_place_is_one_number_on_every_page(settings) -> None:
    """"At the place" is one definition (issue #27): the Interventions page's target
    series (both of its reads: the one-place query and the shared lookup near every
    place) counts the incidents the Place profile, the Map and the rollups count at the
    place (its cells), month by month with the same cell keys, so the published counts
    before and after agree with the profile's total over the same months."""
    from geo.render import text as published
    from geo.services import impact_series, interventions
    from geo.store import profile

    params = interventions.ImpactParams()
    with db.connect("dashboard", settings, areas=("*",)) as conn:
        reg = interventions.register(conn)
        donors = impact_series.donor_panel(conn, params)
        compared = 0
        for _, row in reg.iterrows():
            pid, start = int(row["place_id"]), row["start_month"]
            slow = impact_series.monthly_series(conn, pid, start, params)
            fast = impact_series.fast_series(conn, donors, pid, start, params)
            first, last = slow["month"].min(), slow["month"].max()
            prof = profile.monthly(conn, "place", str(pid), Filters(first.date(), last.date()))
            by = (prof.groupby("month")[["n", "ck"]].sum()
                  .reindex(slow["month"], fill_value=0))
            for series in (slow, fast):
                np.testing.assert_array_equal(series["target"].to_numpy(), by["n"].to_numpy())
                np.testing.assert_array_equal(series["target_ck"].to_numpy(),
                                              by["ck"].to_numpy() % KEYS)
            for view in (PARTNER, ANALYST):
                texts = interventions.published_counts(slow, view)
                post = slow["post"].to_numpy(dtype=bool)
                for key, months in (("rb", slow["month"][~post]), ("ra", slow["month"][post])):
                    here = prof[prof["month"].isin(months)]
                    assert texts[key] == published.total(here, view).text, (row["ref"], key)
            compared += int(slow["target"].sum() > 0)
    assert compared > 0  # some place has incidents in its window


@pytest.mark.pages
def test_the_map_says_why_a_finer_view_is_not_offered(settings) -> None:
    """A partner asking for two filters on hexagons gets the sentence saying why, and no
    map; on wards the same two filters are offered."""
    from test_dashboard import run, visible_text

    with db.connect("dashboard", settings, areas=("*",)) as conn:
        harm = db.frame(conn, "vocabulary", {"vocab": "harm_type"})["code"].iloc[0]
        age = db.frame(conn, "vocabulary", {"vocab": "age_band"})["code"].iloc[0]
    state = {"f_harm_type_one": harm, "f_age_band_one": age}
    at = run("partner", "map", state | {"map_unit": "hex"})
    assert any("at most one filter" in i.value for i in at.info), visible_text(at)
    assert "incidents in the period" not in visible_text(at)  # no map, no count
    at = run("partner", "map", state | {"map_unit": "ward"})
    assert not any("at most one filter" in i.value for i in at.info)
    at = run("analyst", "map", {"f_harm_type": [harm], "f_age_band": [age], "map_unit": "hex"})
    assert not any("at most one filter" in i.value for i in at.info)


def test_an_impact_says_the_same_for_none_and_a_few_after_the_start() -> None:
    """A partner's verdict and sentence are the same whether the place had 0 or 1-4
    incidents after the start (one published class): the model is never run on a side
    in the small class, and the sentence names no empty side."""
    import numpy as np
    import pandas as pd

    from geo.services.interventions import published_impact
    from geo.stats.disclosure import View

    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    post = np.arange(24) >= 12
    shown = set()
    for after in ([], [1], [0, 2], [1, 1, 1, 1]):
        target = np.r_[np.full(12, 3), np.zeros(12)]
        target[12:12 + len(after)] = after
        rng = np.random.default_rng(3)
        series = pd.DataFrame({"month": months, "post": post, "target": target.astype(int),
                               "buffer": 4, "control": 60})
        for z in ("target", "buffer", "control"):
            series[f"{z}_ck"] = rng.integers(0, 256, 24)
        out = published_impact("I1", "Somewhere", "patrols", series, View("partner"))
        assert out.verdict == "too little data", (after, out.verdict)
        shown.add(out.sentence)
    assert len(shown) == 1, shown
