"""The Knox near-repeat test (geo/stats/near_repeat.py): by hand, against a brute-force
double loop, and on data with a planted near-repeat effect and with none."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.stats import near_repeat as nr


def _four() -> tuple[np.ndarray, np.ndarray]:
    # A (0,0) day 0, B (100,0) day 10, C (0,300) day 20, D (5000,0) day 100
    xy = np.array([[0, 0], [100, 0], [0, 300], [5000, 0]], dtype=float)
    return xy, np.array([0, 10, 20, 100])


def test_knox_by_hand_on_four_incidents() -> None:
    # pairs: AB 100 m 10 d; AC 300 m 20 d; BC 316 m 10 d; AD, BD, CD beyond 400 m, 80-100 d.
    # Over all 24 orderings of the dates a pair's gap is one of the 6 gaps of the 4 dates
    # (10, 20, 100, 10, 90, 80), each equally likely: P(0-14 d) = 2/6, P(15-28) = 1/6,
    # P(later) = 3/6, so each row's expectation is its number of pairs times these.
    xy, days = _four()
    perms = np.array(list(itertools.permutations(range(4))))
    k = nr.knox(xy, days, space_bw=200, space_bands=2, time_bw=14, time_bands=2,
                same_location=False, perms=perms)
    np.testing.assert_array_equal(k.observed, [[1, 0, 0], [1, 1, 0], [0, 0, 3]])
    third, sixth, half = 1 / 3, 1 / 6, 1 / 2
    np.testing.assert_allclose(k.expected, [[third, sixth, half], [2 * third, 2 * sixth, 1],
                                            [3 * third, 3 * sixth, 3 * half]])
    assert k.ratio[0, 0] == pytest.approx(3.0)
    # 8 of the 24 orderings put A and B 10 days apart: p = (1 + 8) / (1 + 24)
    assert k.p[0, 0] == pytest.approx(9 / 25)
    assert k.space_labels == ["0 to 200 m", "201 to 400 m", "more than 400 m"]
    assert k.time_labels == ["0 to 14 days", "15 to 28 days", "more than 28 days"]


def test_same_location_row_and_band_edges() -> None:
    # two at one spot, one exactly 200 m away (the first band ends at 200 m), gaps 14 and 15
    xy = np.array([[0, 0], [0, 0], [200, 0]], dtype=float)
    k = nr.knox(xy, np.array([0, 14, 29]), space_bw=200, space_bands=1, time_bw=14,
                time_bands=1, permutations=0)
    # rows: same location, 1-200 m, further; columns: 0-14 d, later
    np.testing.assert_array_equal(k.observed, [[1, 0], [0, 2], [0, 0]])
    assert k.space_labels[:2] == ["same location", "1 to 200 m"]


def _brute(xy: np.ndarray, days: np.ndarray, perms: np.ndarray, sbw: float, sb: int,
           tbw: int, tb: int) -> tuple[np.ndarray, np.ndarray]:
    """A second implementation: every pair in a double loop, bands by division."""
    def table(t: np.ndarray) -> np.ndarray:
        out = np.zeros((sb + 2, tb + 1), dtype=np.int64)
        for a in range(len(xy)):
            for b in range(a + 1, len(xy)):
                d = float(np.hypot(*(xy[a] - xy[b])))
                gap = abs(int(t[a]) - int(t[b]))
                if d < 0.01:
                    r = 0
                else:
                    r = min(int(np.ceil(d / sbw)), sb + 1)
                c = min(max(gap - 1, 0) // tbw, tb)
                out[r, c] += 1
        return out
    return table(days), np.stack([table(days[p]) for p in perms])


@pytest.mark.parametrize("seed", range(3))
def test_knox_equals_a_double_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 70
    xy = np.round(rng.uniform(0, 1500, size=(n, 2)), 1)
    xy[5] = xy[4]  # a repeat at one spot
    days = rng.integers(0, 120, size=n)
    perms = np.stack([rng.permutation(n) for _ in range(20)])
    k = nr.knox(xy, days, space_bw=150, space_bands=4, time_bw=7, time_bands=4, perms=perms)
    obs, sims = _brute(xy, days, perms, 150, 4, 7, 4)
    np.testing.assert_array_equal(k.observed, obs)
    np.testing.assert_array_equal(k.sims, sims)
    assert k.observed.sum() == n * (n - 1) // 2


def _planted(seed: int, n: int = 500, share: float = 0.3) -> tuple[np.ndarray, np.ndarray, int]:
    """Uniform incidents over 6 km x 6 km and a year; a share of them followed by another
    within 150 m (not at the same spot) and 1-12 days."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 6000, size=(n, 2))
    days = rng.integers(0, 365, size=n)
    parents = rng.choice(n, size=int(share * n), replace=False)
    r = rng.uniform(20, 150, size=parents.size)
    a = rng.uniform(0, 2 * np.pi, size=parents.size)
    kids = xy[parents] + np.column_stack([r * np.cos(a), r * np.sin(a)])
    kid_days = days[parents] + rng.integers(1, 13, size=parents.size)
    return np.vstack([xy, kids]), np.concatenate([days, kid_days]), int(parents.size)


@pytest.mark.parametrize("seed", range(3))
def test_planted_near_repeats_are_recovered(seed: int) -> None:
    xy, days, planted = _planted(seed)
    k = nr.knox(xy, days, space_bw=200, space_bands=5, time_bw=14, time_bands=5,
                permutations=199, seed=seed)
    f = k.frame()
    first = f[(f["space_band"] == 1) & (f["time_band"] == 0)].iloc[0]
    assert first["raised"] and first["p"] <= 1 / 200 + 1e-12
    # the excess pairs in the first cell are the planted pairs (a few chance pairs of the
    # offspring with others aside): within 3 Poisson standard deviations of the expectation
    excess = first["observed"] - first["expected"]
    assert abs(excess - planted) <= 3 * np.sqrt(first["expected"]) + 0.05 * planted
    w = nr.window(k)
    assert w.metres == 200 and w.days == 14
    assert w.ratio is not None and w.ratio > 3
    # far cells are not raised: nothing was planted beyond 200 m or 14 days
    far = f[(f["space_band"] >= 3) & (f["time_band"] >= 2)]
    assert far["raised"].mean() <= 0.15
    said = nr.sentence(w)
    assert said.startswith("After an incident, another within 200 m is ")
    assert said.endswith("times as likely in the next 14 days.")


def test_no_effect_means_nothing_significant_beyond_chance() -> None:
    p_values, windows = [], 0
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        xy = rng.uniform(0, 6000, size=(400, 2))
        days = rng.integers(0, 365, size=400)
        k = nr.knox(xy, days, permutations=99, seed=seed)
        inner = k.p[1:-1, :-1]  # the distinct-location bands by the time bands
        p_values.append(inner.ravel())
        windows += nr.window(k).metres is not None
    p = np.concatenate(p_values)
    # one-sided tests at 5 %: about 5 % of cells; the bound allows Monte Carlo error
    assert (p <= 0.05).mean() <= 0.09
    assert windows <= 2
    assert nr.sentence(nr.Window(None, None, None, None, 0, 0.0)).startswith("No near-repeat")
