"""The sample's incidents: the planted monthly counts of each role (seasonal), the background
falling with distance from the centre, the young people seen at the complex-strategy
places and the planted groups, and the row attributes (mixes, time stamps)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.sample.geography import Geography, points_in
from geo.sample.plan import (
    CENTRE,
    DISPLACED_SHARE,
    DOW_WEIGHTS,
    EFFECT,
    EFFECT_RATE,
    HOUR_WEIGHTS,
    INTERVENTION_START,
    KEYED_HARMS,
    NETWORK_CORRIDOR,
    NETWORK_GROUPS,
    NETWORK_MEMBERS,
    NEW_COUNT,
    NEW_FLAG_PLACE,
    PERSISTENT_RATE,
    POOLED,
    POOLED_RATE,
    RISK_MIX,
    START,
    TREND_RATES,
    month_starts,
    pooled_starts,
)


def seasonal(month_index: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Seasonal factor of each month: +25 % in July, -25 % in January."""
    moy = months.month.to_numpy()[month_index]
    factor: np.ndarray = 1.0 + 0.25 * np.cos(2 * np.pi * (moy - 7) / 12)
    return factor


def planted_counts(
    role: str, months: int, scale: float, start: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly counts planted at a place of ``role``, and in its 200 m ring (``start``: the
    start month index of a pooled role's intervention)."""
    idx = np.arange(months)
    s = seasonal(idx, month_starts(months))
    ring = np.zeros(months)
    if role == "persistent":
        rate = np.full(months, PERSISTENT_RATE)
    elif role in TREND_RATES:
        a, b = TREND_RATES[role]
        rate = np.linspace(a, b, months)
    elif role == "new":
        rate = np.zeros(months)
        rate[-1] = NEW_COUNT
        s = np.ones(months)
    elif role in ("effective", "displaced", "null"):
        start = INTERVENTION_START[role]
        rate = np.full(months, EFFECT_RATE)
        if role != "null":
            rate[idx > start] *= 1 + EFFECT
        if role == "displaced":
            ring[idx > start] = -EFFECT * EFFECT_RATE * DISPLACED_SHARE
    elif role in POOLED:
        rate = np.full(months, POOLED_RATE)
        rate[idx > (start if start is not None else months)] *= 1 + POOLED[role][1]
    else:
        rate = np.zeros(months)
    return np.round(rate * s * scale).astype(int), np.round(ring * s * scale).astype(int)


def categorical(rng: np.random.Generator, mix: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(mix))
    p = np.array(list(mix.values()))
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def timestamps(
    month_idx: np.ndarray, months: pd.DatetimeIndex, rng: np.random.Generator
) -> np.ndarray:
    """A date-time in each row's month, weighted by day of week and hour of day."""
    out = np.empty(len(month_idx), dtype="datetime64[m]")
    for m in np.unique(month_idx):
        rows = np.flatnonzero(month_idx == m)
        days = pd.date_range(months[m], months[m] + pd.offsets.MonthEnd(0), freq="D")
        w = DOW_WEIGHTS[days.day_of_week.to_numpy()]
        day = rng.choice(len(days), size=rows.size, p=w / w.sum())
        hour = rng.choice(24, size=rows.size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        minute = rng.integers(0, 60, rows.size)
        base = days.to_numpy().astype("datetime64[m]")[day]
        out[rows] = base + (hour * 60 + minute).astype("timedelta64[m]")
    return out


def pooled_start_of(places: pd.DataFrame, months: int) -> dict[str, int]:
    """Place ref -> start month index, for the places of the pooled roles (in ref order)."""
    out: dict[str, int] = {}
    for role in POOLED:
        refs = sorted(places.loc[places["role"] == role, "ref"])
        out |= dict(zip(refs, pooled_starts(role, months), strict=True))
    return out


def background(geo: Geography, n: int, months: int, rng: np.random.Generator) -> pd.DataFrame:
    wards = geo.wards
    cent = shapely.centroid(wards["geometry"].to_numpy())
    d = np.hypot(shapely.get_x(cent) - CENTRE[0], shapely.get_y(cent) - CENTRE[1])
    area = shapely.area(wards["geometry"].to_numpy()) / 1e6
    intensity = area * (0.4 + 2.5 * np.exp(-d / 3000.0))
    ward_of = rng.choice(len(wards), size=n, p=intensity / intensity.sum())
    idx = np.arange(months)
    s = seasonal(idx, month_starts(months))
    month_of = rng.choice(months, size=n, p=s / s.sum())
    xy = np.empty((n, 2))
    for k in range(len(wards)):
        rows = np.flatnonzero(ward_of == k)
        if rows.size:
            xy[rows] = points_in(wards["geometry"][k], rows.size, rng)
    return pd.DataFrame({"m": month_of, "x": xy[:, 0], "y": xy[:, 1], "planted": ""})


def complex_visits(places: pd.DataFrame, months: int, rng: np.random.Generator) -> pd.DataFrame:
    """4 distinct young people within 90 days at one place, 2 at another (2 visits each)."""
    rows = []
    base = month_starts(months)[months - 9]
    for role, people in (("complex_flag", 4), ("complex_no_flag", 2)):
        p = places[places["role"] == role].iloc[0]
        pts = points_in(p.geometry, people * 2, rng)
        for k in range(people):
            for visit in range(2):
                when = base + pd.Timedelta(days=int(10 * k + 30 * visit + 5), hours=17)
                m = (when.year - int(START[:4])) * 12 + when.month - 1
                rows.append(
                    {
                        "m": m,
                        "x": pts[2 * k + visit, 0],
                        "y": pts[2 * k + visit, 1],
                        "planted": p.ref,
                        "person_id": f"YP9{role[-4:].upper()}{k}",
                        "when": when,
                    }
                )
    return pd.DataFrame(rows)


def network_incidents(places: pd.DataFrame, months: int, rng: np.random.Generator
                    ) -> pd.DataFrame:
    """Incidents (in the file's columns) of the planted groups and of the place that newly
    crosses the complex-strategy threshold."""
    mi = month_starts(months)
    first, last = mi[months - 12], mi[-1] + pd.offsets.MonthEnd(0)
    span = (last - first).days
    geom = dict(zip(places["ref"], places["geometry"], strict=True))
    rows: list[dict[str, object]] = []

    def seen(ref: str, person: str, when: pd.Timestamp, role: str) -> None:
        x, y = points_in(geom[ref], 1, rng)[0]
        harm = "county_lines" if role == "county_line" else str(rng.choice(KEYED_HARMS))
        rows.append({"month": when.strftime("%Y-%m"),
                     "occurred_at": when.strftime("%Y-%m-%d %H:%M"), "harm_type": harm,
                     "risk_level": str(rng.choice(list(RISK_MIX), p=list(RISK_MIX.values()))),
                     "age_band": str(rng.choice(["14-15", "16-17"])), "person_id": person,
                     "easting": int(round(x)), "northing": int(round(y))})

    for g, (role, refs) in enumerate(NETWORK_GROUPS.items()):
        for k in range(NETWORK_MEMBERS):
            person = f"YP8G{g + 1}{k:02d}"
            for ref in refs:
                for _ in range(int(rng.integers(1, 3))):
                    day = first + pd.Timedelta(days=int(rng.integers(0, span - 3)), hours=19)
                    seen(ref, person, day, role)
            if role == "county_line":
                for _ in range(int(rng.integers(2, 5))):
                    day = first + pd.Timedelta(days=int(rng.integers(0, span - 3)), hours=15)
                    seen(NETWORK_CORRIDOR[0], person, day, role)
                    seen(NETWORK_CORRIDOR[1], person,
                         day + pd.Timedelta(days=int(rng.integers(1, 3)), hours=2), role)
    month_start = mi[-1]
    for k in range(3):
        seen(NEW_FLAG_PLACE, f"YP8NEW{k}", month_start + pd.Timedelta(days=3 + 7 * k, hours=20),
             "complex_new")
    return pd.DataFrame(rows)
