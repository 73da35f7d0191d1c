"""Hot-spot statistics against esda, statsmodels, pymannkendall and hand calculations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall
import pytest
import scipy.sparse as sp
import shapely
from esda.getisord import G_Local
from statsmodels.stats.multitest import multipletests

from geo.stats import emerging, grid, hotspots, weights
from geo.stats.complex_strategy import flag_places


def esda_z(y: np.ndarray, w: sp.spmatrix) -> np.ndarray:
    lw = weights.to_libpysal(w)
    return G_Local(y, lw, star=True, transform="B", permutations=0).Zs


@pytest.mark.parametrize("seed", range(5))
def test_gi_star_equals_esda_on_random_points(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1000, size=(300, 2))
    y = rng.poisson(rng.uniform(0.5, 5), size=300).astype(float)
    w = weights.distance_band(xy)
    z, p = hotspots.gi_star(y, w)
    np.testing.assert_allclose(z, esda_z(y, w), atol=1e-9, rtol=0)
    assert np.all((p >= 0) & (p <= 1))


def test_gi_star_equals_esda_on_a_hexagon_grid() -> None:
    boundary = shapely.Point(0, 0).buffer(3000)
    i, j = grid.covering_cells(boundary, 250)
    cx, cy = grid.hex_centres(i, j, 250)
    rng = np.random.default_rng(1)
    y = rng.poisson(0.3, size=i.size).astype(float)
    y[:20] += 8
    w = weights.distance_band(np.column_stack([cx, cy]))
    assert np.asarray(w.sum(axis=1)).max() == 6  # the default band gives the 6 neighbours
    z, _ = hotspots.gi_star(y, w)
    np.testing.assert_allclose(z, esda_z(y, w), atol=1e-9, rtol=0)


def test_gi_star_by_hand_on_a_three_by_three_grid() -> None:
    # rook neighbours on a 3x3 grid; a single 9 in the centre, zeros elsewhere.
    # centre: sum over itself and 4 neighbours = 9; n = 9, mean = 1, s = sqrt(81/9 - 1) = sqrt 8
    # z = (9 - 1*5) / (sqrt 8 * sqrt((9*5 - 25)/8)) = 4 / sqrt 20
    cells = [shapely.box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)]
    w = weights.contiguity(cells, rook=True)
    y = np.zeros(9)
    y[4] = 9
    z, _ = hotspots.gi_star(y, w)
    assert z[4] == pytest.approx(4 / np.sqrt(20), abs=1e-12)
    # a corner: itself and 2 neighbours, none the centre: (0 - 3) / (sqrt8 * sqrt((27-9)/8))
    assert z[0] == pytest.approx(-3 / (np.sqrt(8) * np.sqrt(18 / 8)), abs=1e-12)


def test_constant_values_give_no_hot_spots() -> None:
    w = weights.distance_band(np.column_stack([np.arange(10.0), np.zeros(10)]))
    res = hotspots.hot_spots(np.full(10, 3.0), w)
    assert (res["bin"] == 0).all() and (res["z"] == 0).all()


def test_default_distance_band_is_the_smallest_with_a_neighbour_for_all() -> None:
    xy = np.array([[0, 0], [1, 0], [10, 0], [13, 0]], dtype=float)
    assert weights.min_threshold(xy) == 3.0
    w = weights.distance_band(xy)
    assert np.asarray(w.sum(axis=1)).ravel().tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.10])
def test_fdr_threshold_matches_statsmodels(alpha: float) -> None:
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(0, 0.02, 40), rng.uniform(0, 1, 400)])
    reject = multipletests(p, alpha=alpha, method="fdr_bh")[0]
    assert np.array_equal(p <= hotspots.bh_threshold(p, alpha), reject)


def test_confidence_bins() -> None:
    z = np.array([4.0, -3.0, 2.0, 1.7, 0.1])
    p = np.array([0.00006, 0.0027, 0.0455, 0.089, 0.92])
    assert hotspots.confidence_bins(z, p, fdr=False).tolist() == [3, -3, 2, 1, 0]
    # with FDR over 5 tests the weaker ones no longer pass
    assert hotspots.confidence_bins(z, p, fdr=True).tolist() == [3, -3, 1, 0, 0]


@pytest.mark.parametrize("seed", range(20))
def test_mann_kendall_matches_pymannkendall(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = int(rng.integers(8, 40))
    series = rng.integers(0, 6, t).astype(float) + (seed % 3) * 0.125 * np.arange(t)
    s, z, p = emerging.mann_kendall(series)
    ref = pymannkendall.original_test(series)
    assert s[0] == ref.s
    assert z[0] == pytest.approx(ref.z, abs=1e-9)
    assert p[0] == pytest.approx(ref.p, abs=1e-9)


def test_space_time_gi_equals_gi_star_on_the_unrolled_cube() -> None:
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, size=(12, 2))
    w = weights.distance_band(xy)
    cube = rng.poisson(2, size=(12, 7)).astype(float)
    z, _ = emerging.space_time_gi(cube, w, time_window=1)
    # the same neighbourhoods as one big weights matrix over (location, step) pairs
    n, t = cube.shape
    a = (w + sp.identity(n)).tocoo()
    rows, cols = [], []
    for step in range(t):
        for back in (0, 1):
            if step - back < 0:
                continue
            rows.append(a.row * t + step)
            cols.append(a.col * t + step - back)
    big = sp.csr_matrix(
        (np.ones(sum(map(len, rows))), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n * t, n * t),
    )
    big.setdiag(0)
    big.eliminate_zeros()
    zz, _ = hotspots.gi_star(cube.ravel(), big)
    np.testing.assert_allclose(z.ravel(), zz, atol=1e-12)


def _series() -> dict[str, np.ndarray]:
    t = 36
    up = np.linspace(3, 10, t)
    flat = 5 + 0.3 * np.tile([0.0, 1.0, -1.0, 0.5], t // 4)
    sporadic = np.where(np.arange(t) % 3 == 2, 3.5, 0.0)
    oscillating = np.where(np.arange(t) % 4 == 3, 3.5, np.where(np.arange(t) % 4 == 1, -3.5, 0))
    return {
        "new hot spot": np.r_[np.zeros(t - 1), 5.0],
        "consecutive hot spot": np.r_[np.zeros(t - 4), 3.5, 4.0, 3.8, 4.2],
        "intensifying hot spot": up,
        "persistent hot spot": flat,
        "diminishing hot spot": up[::-1],
        "sporadic hot spot": sporadic,
        "oscillating hot spot": oscillating,
        "historical hot spot": np.r_[
            np.full(t - 2, 4.0) + 0.3 * np.tile([0, 1], (t - 2) // 2), 0.0, 0.0
        ],
        "no pattern": np.zeros(t),
    }


def test_every_category_has_a_series_that_lands_in_it() -> None:
    cases = _series()
    cases |= {k.replace("hot", "cold"): -v for k, v in cases.items() if k != "no pattern"}
    names = list(cases)
    z = np.vstack([cases[k] for k in names])
    bins = np.where(np.abs(z) > 1.96, 2 * np.sign(z), 0).astype(int)
    _, tz, tp = emerging.mann_kendall(z)
    got = emerging.classify(z, bins, tz, tp)
    assert dict(zip(names, got, strict=True)) == {k: k for k in names}
    assert {c.split(" ")[0] for c in got if c != "no pattern"} == set(emerging.CATEGORIES)


def test_emerging_recovers_planted_cells_on_a_grid() -> None:
    rng = np.random.default_rng(11)
    boundary = shapely.Point(0, 0).buffer(4000)
    i, j = grid.covering_cells(boundary, 250)
    cx, cy = grid.hex_centres(i, j, 250)
    w = weights.distance_band(np.column_stack([cx, cy]))
    t = 36
    cube = rng.poisson(0.3, size=(i.size, t)).astype(float)
    far = np.argsort(np.hypot(cx, cy))
    persistent, rising, falling, new = far[0], far[100], far[200], far[300]
    cube[persistent] += 10
    cube[rising] += np.round(np.linspace(8, 25, t))
    cube[falling] += np.round(np.linspace(25, 10, t))
    cube[new, -1] += 20
    res = emerging.emerging_hot_spots(cube, w)
    assert res["category"][persistent] == "persistent hot spot"
    assert res["category"][rising] == "intensifying hot spot"
    assert res["category"][falling] == "diminishing hot spot"
    assert res["category"][new] == "new hot spot"


def test_pai_by_hand() -> None:
    hot = np.array([True, False, False, False, True] + [False] * 15)
    later = np.zeros(20)
    later[[0, 4]] = [30, 10]
    later[5:] = 4  # 60 elsewhere
    res = hotspots.pai(hot, later)
    # hit rate 40/100 = 0.4; area share 2/20 = 0.1; PAI = 4
    assert res["hit_rate"] == pytest.approx(0.4)
    assert res["area_share"] == pytest.approx(0.1)
    assert res["pai"] == pytest.approx(4.0)


def test_local_moran_finds_a_high_high_cluster() -> None:
    cells = [shapely.box(c, r, c + 1, r + 1) for r in range(10) for c in range(10)]
    w = weights.contiguity(cells)
    rng = np.random.default_rng(2)
    y = rng.poisson(1, 100).astype(float)
    block = [r * 10 + c for r in range(2, 5) for c in range(2, 5)]
    y[block] += 15
    res = hotspots.local_moran(y, w, permutations=499, seed=1)
    assert (res.loc[block, "cluster"] == "high-high").mean() > 0.7
    assert set(res["quadrant"]) <= set(hotspots.QUADRANTS.values())
    again = hotspots.local_moran(y, w, permutations=499, seed=1)
    assert res.equals(again)


def test_complex_strategy_flag() -> None:
    day = pd.Timestamp("2025-01-01")
    rows = [(1, f"k{i}", day + pd.Timedelta(days=20 * i)) for i in range(4)]  # 4 within 60 d
    rows += [(2, "a", day), (2, "b", day + pd.Timedelta(days=10)), (2, "a", day)]
    rows += [
        (3, "x", day),
        (3, "y", day + pd.Timedelta(days=100)),
        (3, "z", day + pd.Timedelta(days=200)),
    ]  # 3 people, never 3 within 90 days
    res = flag_places(pd.DataFrame(rows, columns=["place_id", "person_key", "when"]))
    got = res.set_index("place_id")
    assert got.loc[1, "max_people"] == 4 and got.loc[1, "flagged"]
    assert got.loc[2, "max_people"] == 2 and not got.loc[2, "flagged"]
    assert got.loc[3, "max_people"] == 1 and not got.loc[3, "flagged"]
    wider = flag_places(
        pd.DataFrame(rows, columns=["place_id", "person_key", "when"]), window_days=250
    ).set_index("place_id")
    assert wider.loc[3, "max_people"] == 3


def _flags_by_hand(df: pd.DataFrame, min_people: int, window_days: int) -> pd.DataFrame:
    """The flag the slow, obvious way: slide a window over each place's incidents."""
    df = df.assign(when=pd.to_datetime(df["when"])).sort_values(["place_id", "when"],
                                                                  kind="stable")
    span = np.timedelta64(window_days, "D")
    rows = []
    for place, g in df.groupby("place_id", sort=True):
        window: list = []
        best, start, end = 0, None, None
        for when, key in zip(g["when"].to_numpy(), g["person_key"].to_numpy(), strict=True):
            window = [(w, k) for w, k in window + [(when, key)] if when - w <= span]
            people = len({k for _, k in window})
            if people > best:
                best, start, end = people, window[0][0], when
        rows.append((place, best, start, end, best >= min_people))
    return pd.DataFrame(rows, columns=["place_id", "max_people", "window_start",
                                       "window_end", "flagged"])


def test_complex_strategy_flag_matches_a_sliding_window() -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 200))
        people = [f"k{i}" for i in range(int(rng.integers(1, 25)))]
        df = pd.DataFrame({
            "place_id": rng.integers(1, 5, n), "person_key": rng.choice(people, n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 600, n), "D")})
        days = int(rng.integers(1, 150))
        got = flag_places(df, 3, days).reset_index(drop=True)
        want = _flags_by_hand(df, 3, days)
        assert got["place_id"].tolist() == want["place_id"].tolist()
        assert got["max_people"].tolist() == want["max_people"].tolist()
        assert got["flagged"].tolist() == want["flagged"].tolist()
        for c in ("window_start", "window_end"):
            assert (pd.to_datetime(got[c]).to_numpy() == pd.to_datetime(want[c]).to_numpy()).all()


def test_hex_index_inverts_centres_and_matches_polygons() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-5000, 5000, 2000), rng.uniform(-5000, 5000, 2000)
    i, j = grid.hex_index(x, y, 250)
    polys = grid.hex_polygons(i, j, 250)
    assert shapely.contains_xy(polys, x, y).all()
    ci, cj = grid.hex_centres(i, j, 250)
    i2, j2 = grid.hex_index(ci, cj, 250)
    assert np.array_equal(i, i2) and np.array_equal(j, j2)


def test_fewest_rows_of_a_flag_is_the_fewest_in_any_window_that_makes_it() -> None:
    """:func:`geo.stats.complex_strategy.fewest_rows` against every window end, by hand:
    the fewest distinct (person, day) rows in a window of ``days`` + 1 days holding 3
    people (what the disclosure gate lists a flag on)."""
    from geo.stats.complex_strategy import fewest_rows

    def by_hand(day: np.ndarray, person: np.ndarray, days: int) -> int:
        rows = set(zip(day.tolist(), person.tolist(), strict=True))
        best = 0
        for e in range(-1, 200 + days + 2):
            inside = [(d, p) for d, p in rows if e - days <= d <= e]
            if len({p for _, p in inside}) >= 3:
                best = len(inside) if not best else min(best, len(inside))
        return best

    rng = np.random.default_rng(11)
    for _ in range(300):
        n, days = int(rng.integers(0, 40)), int(rng.integers(0, 60))
        day, person = rng.integers(0, 200, n), rng.integers(0, 6, n)
        assert fewest_rows(day, person, 3, days) == by_hand(day, person, days)
    # three people on one day, then a fourth 10 days on: 3 rows make the flag
    assert fewest_rows(np.array([5, 5, 5, 15]), np.array([1, 2, 3, 4]), 3, 90) == 3
    # the same three with two more of the first: the window from day 6 holds the three
    # people in 4 rows (day 5's row left behind), every earlier one all 5
    assert fewest_rows(np.array([5, 6, 7, 6, 7]), np.array([1, 2, 3, 1, 1]), 3, 90) == 4
