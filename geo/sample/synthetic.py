"""The synthetic sample data set: real Birmingham geography, incidents whose truth is known.

``write(out, rows, months, seed)`` writes, deterministically (same arguments, same bytes):

* ``places.geojson``: the 37 real railway stations inside Birmingham's wards (a 150 m
  polygon around each) and 40 synthetic places of the other categories;
* ``incidents.csv``: de-identified incidents with planted patterns (below);
* ``interventions.csv``, ``assessments.csv``, ``population.csv``;
* ``truth.json``: what was planted, so tests can check the analysis recovers it.

Planted: ward background rates falling with distance from the centre, a seasonal cycle and
a weekly and daily rhythm; persistent hot spots; one new, one intensifying and one
diminishing hot spot; an intervention with a 40 % fall and no displacement, one with a
40 % fall of which a quarter moves into the 200 m ring, one with no effect; a place where
4 distinct young people appear within 90 days and one where 2 do; two types of
intervention at 4 places each with staggered starts, one cutting incidents by 30 % at
every place (environmental design), one with no effect (licensing action). Planted monthly counts
are fixed (rounded expectations), so truths hold exactly; background counts are random.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.config import PROJECT_ROOT

START = "2023-01"
BASE_ROWS = 20_000
CENTRE = (406_900.0, 286_600.0)  # Birmingham New Street, BNG
STATION_RADIUS_M = 150.0
RING_M = 200.0

HARM_MIX = {
    "cse": 0.08,
    "cce": 0.12,
    "county_lines": 0.08,
    "serious_youth_violence": 0.20,
    "missing": 0.22,
    "peer_abuse": 0.10,
    "weapons": 0.08,
    "drugs": 0.07,
    "robbery": 0.05,
}
KEYED_HARMS = ("cse", "cce", "county_lines", "missing")
RISK_MIX = {"low": 0.4, "medium": 0.4, "high": 0.2}
AGE_MIX = {"u10": 0.02, "10-13": 0.15, "14-15": 0.35, "16-17": 0.40, "18-24": 0.08}
DOW_WEIGHTS = np.array([0.8, 0.8, 0.9, 1.0, 1.3, 1.4, 1.0])  # Monday first
HOUR_WEIGHTS = np.array(
    [3, 2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 2, 2, 2, 3, 3, 4, 6, 7, 6, 5, 5, 6, 6, 5, 4], dtype=float
)
TIMESTAMP_SHARE = 0.7
KEYED_SHARE = 0.5

CATEGORY_RADIUS = {
    "transport_hub": 150.0,
    "park": 200.0,
    "shopping_centre": 150.0,
    "estate": 250.0,
    "fast_food": 80.0,
    "street": 100.0,
    "school_vicinity": 100.0,
}
CATEGORY_NOUN = {
    "park": "park",
    "shopping_centre": "shopping centre",
    "estate": "estate",
    "fast_food": "takeaway",
    "street": "high street",
    "school_vicinity": "school gates",
}

#: the 40 synthetic places: (ward, category, name or None for "<ward> <noun>", role)
SYNTHETIC = [
    ("Lozells", "street", "Lozells Road parade", "displaced"),
    ("Kingstanding", "park", "Kingstanding park", "intensifying"),
    ("Shard End", "fast_food", "Shard End takeaway", "diminishing"),
    ("Druids Heath & Monyhull", "estate", "Druids Heath estate", "new"),
    ("Sparkhill", "fast_food", "Stratford Road takeaway", "complex_flag"),
    ("Harborne", "school_vicinity", "Harborne school gates", "complex_no_flag"),
    ("Handsworth", "park", "Handsworth park", "persistent"),
    ("Newtown", "estate", None, "works"),
    ("Aston", "park", None, "no_effect"),
    ("Alum Rock", "street", None, "works"),
    ("Bordesley Green", "fast_food", None, "no_effect"),
    ("Small Heath", "park", None, "works"),
    ("Sparkbrook & Balsall Heath East", "street", None, "no_effect"),
    ("Balsall Heath West", "fast_food", None, "works"),
    ("Moseley", "street", None, "no_effect"),
    ("Acocks Green", "shopping_centre", None, None),
    ("Erdington", "shopping_centre", None, None),
    ("Stockland Green", "school_vicinity", None, None),
    ("Castle Vale", "estate", None, None),
    ("Northfield", "shopping_centre", None, None),
    ("Longbridge & West Heath", "park", None, None),
    ("Weoley & Selly Oak", "school_vicinity", None, None),
    ("Bartley Green", "estate", None, None),
    ("Quinton", "fast_food", None, None),
    ("Edgbaston", "park", None, None),
    ("Soho & Jewellery Quarter", "street", None, None),
    ("Holyhead", "school_vicinity", None, None),
    ("Perry Common", "estate", None, None),
    ("Ward End", "fast_food", None, None),
    ("Yardley West & Stechford", "street", None, None),
    ("Hall Green North", "school_vicinity", None, None),
    ("Billesley", "park", None, None),
    ("Frankley Great Park", "estate", None, None),
    ("Sutton Trinity", "shopping_centre", None, None),
    ("Heartlands", "park", None, None),
    ("Tyseley & Hay Mills", "street", None, None),
    ("Garretts Green", "school_vicinity", None, None),
    ("Birchfield", "fast_food", None, None),
    ("Sutton Vesey", "park", None, None),
    ("Stirchley", "street", None, None),
]
#: station roles by CRS code
STATION_ROLES = {
    "BHM": "persistent",
    "BMO": "persistent",
    "PRY": "persistent",
    "AST": "effective",
    "ERD": "null",
}

#: planted monthly rates at the 20,000-row scale (before the seasonal factor)
PERSISTENT_RATE = 10.0
TREND_RATES = {"intensifying": (12.0, 30.0), "diminishing": (30.0, 12.0)}
NEW_COUNT = 20.0
EFFECT_RATE = 14.0
EFFECT = -0.40
DISPLACED_SHARE = 0.25
INTERVENTION_START = {"effective": 15, "displaced": 18, "null": 16}  # month index
#: two types of intervention at 4 places each, with staggered starts: one works, one not
POOLED = {
    "works": ("environmental_design", -0.30, "Birmingham City Council",
              "Environmental design: hedges cut back, sight lines opened, lighting renewed"),
    "no_effect": ("licensing_action", 0.0, "Licensing authority",
                  "Licensing action: test purchases and reviews of late-night premises"),
}
POOLED_RATE = 10.0


def pooled_starts(role: str, months: int) -> list[int]:
    """Start month indices of the 4 places of a pooled role: staggered, 12 months each side."""
    last = max(12, months - 14)
    starts = np.round(np.linspace(12, last, 4)).astype(int)
    if role == "no_effect":
        starts = np.minimum(starts + 1, months - 13)
    return [int(x) for x in starts]


@dataclass
class Geography:
    wards: pd.DataFrame  # ward_code, name, geometry (shapely, BNG)
    stations: pd.DataFrame  # name, crs, x, y
    lsoa_codes: list[str]  # sorted; empty when the LSOA boundaries are not at hand


def _reference(shared: Path | None) -> Geography:
    import pyogrio

    src = shared or (PROJECT_ROOT / "sample_data")
    w = pyogrio.read_dataframe(src / "birmingham_wards_2018_bng.geojson")
    wards = pd.DataFrame(
        {
            "ward_code": w["WardCode"],
            "name": w["Ward"],
            "geometry": np.asarray(w.geometry.values, dtype=object),
        }
    )
    wards = wards.sort_values("ward_code").reset_index(drop=True)
    st = pd.read_csv(src / "uk_railway_stations.csv", dtype=str, keep_default_na=False)
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(st["long"].astype(float).to_numpy(), st["lat"].astype(float).to_numpy())
    union = shapely.union_all(wards["geometry"].to_numpy())
    inside = shapely.contains_xy(union, x, y)
    stations = pd.DataFrame(
        {
            "name": st["stationName"][inside].to_numpy(),
            "crs": st["crsCode"][inside].to_numpy(),
            "x": np.round(x[inside], 1),
            "y": np.round(y[inside], 1),
        }
    )
    lsoa_file = src / "birmingham_lsoa21_bng.geojson"
    codes: list[str] = []
    if lsoa_file.exists():
        codes = sorted(pyogrio.read_dataframe(lsoa_file, read_geometry=False,
                                              columns=["LSOA21"])["LSOA21"].astype(str))
    return Geography(wards, stations.sort_values("crs").reset_index(drop=True), codes)


def _points_in(poly: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` uniform random points inside ``poly`` (rejection sampling, vectorised)."""
    out = np.empty((0, 2))
    minx, miny, maxx, maxy = shapely.bounds(poly)
    fill = float(shapely.area(poly)) / ((maxx - minx) * (maxy - miny))
    shapely.prepare(poly)
    while len(out) < k:
        m = int((k - len(out)) / fill * 1.2) + 16
        xs = rng.uniform(minx, maxx, m)
        ys = rng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(poly, xs, ys)
        out = np.vstack([out, np.column_stack([xs[keep], ys[keep]])])
    return out[:k]


def _places(geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for s in geo.stations.itertuples():
        rows.append(
            {
                "ref": f"STN-{s.crs}",
                "name": f"{s.name} station",
                "category": "transport_hub",
                "x": s.x,
                "y": s.y,
                "radius": STATION_RADIUS_M,
                "synthetic": False,
                "role": STATION_ROLES.get(s.crs),
            }
        )
    taken = np.array([[r["x"], r["y"]] for r in rows])
    by_name = dict(zip(geo.wards["name"], geo.wards["geometry"], strict=True))
    for k, (ward, cat, name, role) in enumerate(SYNTHETIC):
        poly = by_name[ward]
        inner = poly.buffer(-CATEGORY_RADIUS[cat] - RING_M)
        area = inner if not inner.is_empty else poly
        for min_gap in (900.0, 700.0, 500.0, 0.0):
            cand = _points_in(area, 200, rng)
            d = np.min(
                np.hypot(
                    cand[:, None, 0] - taken[None, :, 0], cand[:, None, 1] - taken[None, :, 1]
                ),
                axis=1,
            )
            ok = np.flatnonzero(d >= min_gap)
            if ok.size:
                x, y = np.round(cand[ok[0]], 1)
                break
        taken = np.vstack([taken, [x, y]])
        rows.append(
            {
                "ref": f"SYN-{k + 1:02d}",
                "name": name or f"{ward} {CATEGORY_NOUN[cat]}",
                "category": cat,
                "x": x,
                "y": y,
                "radius": CATEGORY_RADIUS[cat],
                "synthetic": True,
                "role": role,
            }
        )
    places = pd.DataFrame(rows)
    places["geometry"] = shapely.buffer(
        shapely.points(places["x"], places["y"]), places["radius"], quad_segs=8
    )
    places["geometry"] = shapely.set_precision(places["geometry"].to_numpy(), 0.1)
    return places


def _months(months: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{START}-01", periods=months, freq="MS")


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
    s = seasonal(idx, _months(months))
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


def _categorical(rng: np.random.Generator, mix: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(mix))
    p = np.array(list(mix.values()))
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _timestamps(
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


def _ring_points(poly: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    ring = shapely.difference(shapely.buffer(poly, RING_M, quad_segs=16), poly)
    return _points_in(ring, k, rng)


def generate(
    rows: int = BASE_ROWS, months: int = 36, seed: int = 20171, shared: Path | None = None
) -> dict[str, object]:
    """Build the whole data set in memory (frames and the truth)."""
    if months < 25:
        raise ValueError("months must be at least 25 (12 before and after an intervention)")
    rng = np.random.default_rng(seed)
    geo = _reference(shared)
    places = _places(geo, rng)
    scale = rows / BASE_ROWS
    mi = _months(months)

    parts: list[pd.DataFrame] = []
    starts = _pooled_start_of(places, months)
    for p in places.itertuples():
        if not isinstance(p.role, str) or p.role.startswith("complex"):
            continue
        at_place, in_ring = planted_counts(p.role, months, scale, starts.get(p.ref))
        for counts, where in ((at_place, "place"), (in_ring, "ring")):
            total = int(counts.sum())
            if total == 0:
                continue
            pts = (
                _points_in(p.geometry, total, rng)
                if where == "place"
                else _ring_points(p.geometry, total, rng)
            )
            parts.append(
                pd.DataFrame(
                    {
                        "m": np.repeat(np.arange(months), counts),
                        "x": pts[:, 0],
                        "y": pts[:, 1],
                        "planted": p.ref,
                    }
                )
            )
    complex_rows = _complex(places, months, rng)
    planted = pd.concat(parts + [complex_rows], ignore_index=True)

    n_bg = rows - len(planted)
    if n_bg < 0:
        raise ValueError(f"{rows} rows are too few for the planted patterns")
    bg = _background(geo, n_bg, months, rng)
    inc = pd.concat([planted, bg], ignore_index=True)
    n = len(inc)
    inc["harm_type"] = _categorical(rng, HARM_MIX, n)
    inc["risk_level"] = _categorical(rng, RISK_MIX, n)
    inc["age_band"] = _categorical(rng, AGE_MIX, n)
    keyed = np.isin(inc["harm_type"], KEYED_HARMS) & (rng.random(n) < KEYED_SHARE)
    pool = max(200, rows // 10)
    pid = np.where(keyed, [f"YP{v:06d}" for v in rng.integers(0, pool, n)], "")
    has_planted_key = inc.get("person_id", pd.Series([""] * n)).fillna("").to_numpy(dtype=str)
    pid = np.where(has_planted_key != "", has_planted_key, pid)
    # background keys never land in the complex-strategy places (nor the one that crosses
    # the threshold in the last month), so their truth is exact
    quiet = places[places["role"].fillna("").str.startswith("complex")
                   | (places["ref"] == NEW_FLAG_PLACE)]
    zone = shapely.union_all(shapely.buffer(quiet["geometry"].to_numpy(), 60.0))
    in_zone = shapely.contains_xy(zone, inc["x"].to_numpy(), inc["y"].to_numpy())
    pid = np.where(in_zone & (has_planted_key == ""), "", pid)
    inc["person_id"] = pid
    ts = _timestamps(inc["m"].to_numpy(), mi, rng)
    stamped = (rng.random(n) < TIMESTAMP_SHARE) | (pid != "")
    if "when" in inc:
        fixed = inc["when"].notna().to_numpy()
        ts[fixed] = inc["when"][fixed].to_numpy().astype("datetime64[m]")
    inc["occurred_at"] = np.where(stamped, pd.Series(ts).dt.strftime("%Y-%m-%d %H:%M"), "")
    inc["month"] = mi.strftime("%Y-%m").to_numpy()[inc["m"].to_numpy()]
    inc["easting"] = np.round(inc["x"]).astype(int)
    inc["northing"] = np.round(inc["y"]).astype(int)
    order = np.lexsort((rng.random(n), inc["m"].to_numpy()))
    cols = ["month", "occurred_at", "harm_type", "risk_level", "age_band", "person_id",
            "easting", "northing"]
    incidents = inc.iloc[order][cols]
    # the planted groups of young people take the place of the last background rows (a
    # random sample of them), made by a generator of their own after everything else:
    # every other row, so every other planted truth, is as it was without them
    groups = _network_groups(places, months, np.random.default_rng(seed + 1))
    gone = np.arange(n - len(groups), n)
    incidents = pd.concat([incidents[~incidents.index.isin(gone)], groups[cols]])
    incidents = incidents.sort_values("month", kind="stable").reset_index(drop=True)

    interventions = _interventions(places, months, rng)
    assessments = _assessments(places, interventions, months, rng)
    population = _population(geo, rng)
    contexts = _contexts(places, interventions, months)
    truth = _truth(places, interventions, months, rows, seed, scale)
    truth["networks"] = {
        "groups": {k: list(v) for k, v in NETWORK_GROUPS.items()},
        "corridor": list(NETWORK_CORRIDOR), "members": NETWORK_MEMBERS,
        "period": [mi[months - 12].strftime("%Y-%m"), mi[-1].strftime("%Y-%m")]}
    last_day = (mi[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    ended = pd.to_datetime(interventions["end_month"].replace("", None), format="%Y-%m")
    truth["next_meeting"] = {
        "on": last_day, "since": (mi[-2] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d"),
        "reviews_due": sorted(contexts.loc[(contexts["status"] != "closed")
                                           & (contexts["review_date"] <= last_day), "ref"]),
        "newly_flagged": [NEW_FLAG_PLACE],
        "new_hot_spot_near": truth["hotspots"]["new"],  # type: ignore[index]
        "intensifying_hot_spot_near": truth["hotspots"]["intensifying"],  # type: ignore[index]
        "interventions_ended": sorted(interventions.loc[ended == mi[-1], "ref"])}
    return {
        "places": places,
        "incidents": incidents,
        "interventions": interventions,
        "assessments": assessments,
        "population": population,
        "contexts": contexts,
        "truth": truth,
    }


def _pooled_start_of(places: pd.DataFrame, months: int) -> dict[str, int]:
    """Place ref -> start month index, for the places of the pooled roles (in ref order)."""
    out: dict[str, int] = {}
    for role in POOLED:
        refs = sorted(places.loc[places["role"] == role, "ref"])
        out |= dict(zip(refs, pooled_starts(role, months), strict=True))
    return out


def _background(geo: Geography, n: int, months: int, rng: np.random.Generator) -> pd.DataFrame:
    wards = geo.wards
    cent = shapely.centroid(wards["geometry"].to_numpy())
    d = np.hypot(shapely.get_x(cent) - CENTRE[0], shapely.get_y(cent) - CENTRE[1])
    area = shapely.area(wards["geometry"].to_numpy()) / 1e6
    intensity = area * (0.4 + 2.5 * np.exp(-d / 3000.0))
    ward_of = rng.choice(len(wards), size=n, p=intensity / intensity.sum())
    idx = np.arange(months)
    s = seasonal(idx, _months(months))
    month_of = rng.choice(months, size=n, p=s / s.sum())
    xy = np.empty((n, 2))
    for k in range(len(wards)):
        rows = np.flatnonzero(ward_of == k)
        if rows.size:
            xy[rows] = _points_in(wards["geometry"][k], rows.size, rng)
    return pd.DataFrame({"m": month_of, "x": xy[:, 0], "y": xy[:, 1], "planted": ""})


def _complex(places: pd.DataFrame, months: int, rng: np.random.Generator) -> pd.DataFrame:
    """4 distinct young people within 90 days at one place, 2 at another (2 visits each)."""
    rows = []
    base = _months(months)[months - 9]
    for role, people in (("complex_flag", 4), ("complex_no_flag", 2)):
        p = places[places["role"] == role].iloc[0]
        pts = _points_in(p.geometry, people * 2, rng)
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


#: two groups of young people, each moving between its places in the last 12 months (each
#: member seen at each place, once or twice), one of them on a county line: seen at the
#: first station, then at the second a day or two later, several times
NETWORK_GROUPS = {
    "peer_group": ("SYN-20", "SYN-21", "SYN-33"),
    "county_line": ("STN-WTT", "STN-SUT", "SYN-34", "SYN-39"),
}
NETWORK_CORRIDOR = ("STN-WTT", "STN-SUT")
NETWORK_MEMBERS = 8
#: a place where 3 young people are first seen together in the last month of the data: the
#: "Next meeting" agenda of that month lists it as newly over the complex-strategy threshold
NEW_FLAG_PLACE = "SYN-18"


def _network_groups(places: pd.DataFrame, months: int, rng: np.random.Generator
                    ) -> pd.DataFrame:
    """Incidents (in the file's columns) of the planted groups and of the place that newly
    crosses the complex-strategy threshold."""
    mi = _months(months)
    first, last = mi[months - 12], mi[-1] + pd.offsets.MonthEnd(0)
    span = (last - first).days
    geom = dict(zip(places["ref"], places["geometry"], strict=True))
    rows: list[dict[str, object]] = []

    def seen(ref: str, person: str, when: pd.Timestamp, role: str) -> None:
        x, y = _points_in(geom[ref], 1, rng)[0]
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


def _contexts(places: pd.DataFrame, interventions: pd.DataFrame, months: int
              ) -> pd.DataFrame:
    """Contexts of concern the partnership keeps (dates relative to the data's last month):
    three due for review in the last month (one of them overdue), one closed."""
    last = _months(months)[-1]

    def day(months_after: int, d: int = 15) -> str:
        return str((last + pd.DateOffset(months=months_after, days=d - 1)).strftime("%Y-%m-%d"))

    effective = str(interventions.loc[interventions["place_ref"] == "STN-AST", "ref"].iloc[0])
    rows = [
        ("CTX-001", "Witton to Sutton Coldfield line", "route", "plan_in_place",
         "British Transport Police", "Young people travelling between the two stations "
         "after school, reported by rail staff", day(0), ";".join(NETWORK_GROUPS["county_line"]),
         "", "", "high", day(-3)),
        ("CTX-002", "Northfield and Frankley peer group", "peer_group", "assessed",
         "Birmingham Youth Service", "A group seen across the shopping centre, the park and "
         "the estate", day(2), ";".join(NETWORK_GROUPS["peer_group"]), "", "", "medium",
         day(-2)),
        ("CTX-003", "Stratford Road takeaway", "place", "identified", "Licensing authority",
         "Several young people linked to the takeaway within weeks", day(0, 20),
         str(places.loc[places["role"] == "complex_flag", "ref"].iloc[0]), "", "", "", ""),
        ("CTX-004", "Aston station evenings", "place", "reviewing",
         "Birmingham Youth Service", "Detached youth work on site", day(3), "STN-AST", "",
         effective, "medium", day(-6)),
        ("CTX-005", "Group chat used to recruit", "online", "identified",
         "West Midlands Police", "Reported by two schools", day(-2), "", "", "", "", ""),
        ("CTX-006", "Lozells Road parade", "place", "closed", "West Midlands Police",
         "Patrols ended and harm fell", day(0), "SYN-01", "", "", "low", day(-4)),
    ]
    return pd.DataFrame(rows, columns=["ref", "name", "kind", "status", "lead_agency",
                                       "summary", "review_date", "places", "wards",
                                       "interventions", "rating", "rated_on"])


def _interventions(places: pd.DataFrame, months: int, rng: np.random.Generator) -> pd.DataFrame:
    mi = _months(months)
    rows = []
    spec = {
        "effective": (
            "detached_youth_work",
            "Birmingham Youth Service",
            "Detached youth workers on site Thursday to Saturday evenings",
        ),
        "displaced": (
            "patrols",
            "West Midlands Police",
            "High-visibility patrols on the parade after school",
        ),
        "null": (
            "guardianship_training",
            "West Midlands Railway",
            "Guardianship training for station staff",
        ),
    }
    for role, (kind, agency, desc) in spec.items():
        p = places[places["role"] == role].iloc[0]
        start = INTERVENTION_START[role]
        rows.append(
            {
                "ref": f"INT-{role.upper()}",
                "place_ref": p.ref,
                "intervention_type": kind,
                "agency": agency,
                "start_month": mi[start].strftime("%Y-%m"),
                "end_month": "",
                "description": desc,
            }
        )
    starts = _pooled_start_of(places, months)
    for role, (kind, _, agency, desc) in POOLED.items():
        refs = sorted(places.loc[places["role"] == role, "ref"])
        for k, ref in enumerate(refs):
            rows.append(
                {
                    "ref": f"INT-{role.upper().replace('_', '')}-{k + 1}",
                    "place_ref": ref,
                    "intervention_type": kind,
                    "agency": agency,
                    "start_month": mi[starts[ref]].strftime("%Y-%m"),
                    "end_month": "",
                    "description": desc,
                }
            )
    others = places[places["role"].isna()].sort_values("ref")
    chosen = others.iloc[rng.choice(len(others), size=6, replace=False)].sort_values("ref")
    kinds = [  # not the pooled types, whose truth is their planted effect
        "lighting_cctv",
        "positive_activities",
        "guardianship_training",
        "lighting_cctv",
        "detached_youth_work",
        "patrols",
    ]
    agencies = [
        "Birmingham City Council",
        "Birmingham Children's Trust",
        "West Midlands Police",
        "Voluntary sector partner",
        "Birmingham Youth Service",
        "Licensing authority",
    ]
    for k, p in enumerate(chosen.itertuples()):
        start = int(rng.integers(6, months - 6))
        end = "" if k % 2 else mi[min(start + 6, months - 1)].strftime("%Y-%m")
        rows.append(
            {
                "ref": f"INT-{k + 1:03d}",
                "place_ref": p.ref,
                "intervention_type": kinds[k],
                "agency": agencies[k],
                "start_month": mi[start].strftime("%Y-%m"),
                "end_month": end,
                "description": f"{kinds[k].replace('_', ' ').capitalize()} at {p.name}",
            }
        )
    return pd.DataFrame(rows)


def _assessments(
    places: pd.DataFrame, interventions: pd.DataFrame, months: int, rng: np.random.Generator
) -> pd.DataFrame:
    mi = _months(months)
    factors = [
        "poor lighting",
        "no capable guardians after dark",
        "known drug supply point",
        "unsupervised gathering of young people",
        "adults loitering near exits",
        "blind spots out of CCTV view",
        "late-night food outlets",
    ]
    refs = sorted(set(interventions["place_ref"]) | set(places.loc[places["role"].notna(), "ref"]))
    rows = []
    for ref in refs:
        for k in range(int(rng.integers(1, 4))):
            m = int(rng.integers(0, months))
            picked = rng.choice(len(factors), size=int(rng.integers(1, 4)), replace=False)
            rows.append(
                {
                    "place_ref": ref,
                    "assessed_on": (mi[m] + pd.Timedelta(days=int(rng.integers(0, 27)))).strftime(
                        "%Y-%m-%d"
                    ),
                    "rating": ["low", "medium", "high"][int(rng.integers(0, 3))],
                    "factors": "; ".join(factors[i] for i in sorted(picked)),
                }
            )
            del k
    return pd.DataFrame(rows).sort_values(["place_ref", "assessed_on"]).reset_index(drop=True)


def _population(geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Young people per ward (by area) and per LSOA (LSOAs are drawn to similar
    populations: 200-500 young people each), so areas can be compared by rate."""
    area = shapely.area(geo.wards["geometry"].to_numpy()) / 1e6
    people = np.round(area * rng.uniform(1100, 2400, len(area)) / 10) * 10
    wards = pd.DataFrame(
        {"unit_code": geo.wards["ward_code"], "year": 2024, "young_people": people.astype(int)}
    )
    if not geo.lsoa_codes:
        return wards
    lsoa = pd.DataFrame({"unit_code": geo.lsoa_codes, "year": 2024,
                         "young_people": rng.integers(200, 501, len(geo.lsoa_codes))})
    return pd.concat([wards, lsoa], ignore_index=True)


def _truth(
    places: pd.DataFrame,
    interventions: pd.DataFrame,
    months: int,
    rows: int,
    seed: int,
    scale: float,
) -> dict[str, object]:
    def ref(role: str) -> str:
        return str(places.loc[places["role"] == role, "ref"].iloc[0])

    mi = _months(months)
    iv = {
        r: str(interventions.loc[interventions["place_ref"] == ref(r), "ref"].iloc[0])
        for r in ("effective", "displaced", "null")
    }
    return {
        "seed": seed,
        "rows": rows,
        "months": months,
        "period": [mi[0].strftime("%Y-%m"), mi[-1].strftime("%Y-%m")],
        "hotspots": {
            "persistent": sorted(places.loc[places["role"] == "persistent", "ref"].tolist()),
            "new": ref("new"),
            "intensifying": ref("intensifying"),
            "diminishing": ref("diminishing"),
        },
        "interventions": {
            "effective": {
                "intervention": iv["effective"],
                "place": ref("effective"),
                "effect": EFFECT,
                "displacement_share": 0.0,
                "start_month": mi[INTERVENTION_START["effective"]].strftime("%Y-%m"),
            },
            "displaced": {
                "intervention": iv["displaced"],
                "place": ref("displaced"),
                "effect": EFFECT,
                "displacement_share": DISPLACED_SHARE,
                "start_month": mi[INTERVENTION_START["displaced"]].strftime("%Y-%m"),
            },
            "null": {
                "intervention": iv["null"],
                "place": ref("null"),
                "effect": 0.0,
                "displacement_share": 0.0,
                "start_month": mi[INTERVENTION_START["null"]].strftime("%Y-%m"),
            },
        },
        "pooled": {
            role: {
                "intervention_type": kind,
                "effect": effect,
                "places": sorted(places.loc[places["role"] == role, "ref"]),
                "interventions": sorted(
                    interventions.loc[
                        interventions["place_ref"].isin(places.loc[places["role"] == role, "ref"]),
                        "ref",
                    ]
                ),
                "start_months": [
                    mi[m].strftime("%Y-%m") for m in pooled_starts(role, months)
                ],
                "rate_per_month": POOLED_RATE * scale,
            }
            for role, (kind, effect, _, _) in POOLED.items()
        },
        "complex_strategy": {
            "flagged": ref("complex_flag"),
            "distinct_people": 4,
            "not_flagged": ref("complex_no_flag"),
            "not_flagged_people": 2,
            "window_days": 90,
        },
        "rates_per_month": {
            "persistent": PERSISTENT_RATE * scale,
            "intervention_baseline": EFFECT_RATE * scale,
        },
        "notes": "Places with no role may also be flagged or hot by chance: the truth "
        "lists only what was planted.",
    }


def _places_geojson(places: pd.DataFrame) -> str:
    feats = []
    for p in places.itertuples():
        coords = [[[round(x, 1), round(y, 1)] for x, y in p.geometry.exterior.coords]]
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "ref": p.ref,
                    "name": p.name,
                    "category": p.category,
                    "status": "open",
                    "synthetic": bool(p.synthetic),
                },
                "geometry": {"type": "Polygon", "coordinates": coords},
            }
        )
    doc = {
        "type": "FeatureCollection",
        "name": "places",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": feats,
    }
    return json.dumps(doc, separators=(",", ":")) + "\n"


def write(
    out: Path,
    rows: int = BASE_ROWS,
    months: int = 36,
    seed: int = 20171,
    shared: Path | None = None,
) -> dict[str, object]:
    """Generate and write the data set to ``out``; returns the truth."""
    data = generate(rows, months, seed, shared)
    out.mkdir(parents=True, exist_ok=True)
    (out / "places.geojson").write_text(_places_geojson(data["places"]))
    for name in ("incidents", "interventions", "assessments", "population", "contexts"):
        frame: pd.DataFrame = data[name]
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (out / "truth.json").write_text(json.dumps(data["truth"], indent=2) + "\n")
    return data["truth"]  # type: ignore[return-value]
