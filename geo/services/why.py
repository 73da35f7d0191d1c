"""Why here, and for how long (issue #35): the risk terrain of the area, the near-repeat
window after an incident, and the structured location assessment of a place.

* :func:`terrain`: a risk terrain model (:mod:`geo.stats.risk_terrain`) of incidents on a
  grid of hexagons over the area, on every loaded feature layer and every category of
  place of concern; each factor's relative risk in plain words, the place's own factors,
  its relative risk and the combined risk map around it.
* :func:`near_repeat`: the Knox test (:mod:`geo.stats.near_repeat`) over the area's
  incidents, as a table and one sentence.
* :func:`record_assessment`: a location assessment of fixed fields (guardianship,
  lighting, who uses the place when, observations; no free text about people) with its
  actions and review date, as partners, analysts and admins may record.

What a role sees is decided here, through :func:`geo.stats.disclosure.ratio_text`
(``docs/disclosure.md``, "Why here"): aggregate views get relative risks and Knox ratios
(one decimal, only when they rest on at least 4 x k incidents or pairs) computed over the
period alone (no harm, risk or age filter), never counts, coefficients or pairs; analysts
get the model's details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely
from psycopg import Connection

from geo.config import Settings, get_settings
from geo.filters import Filters
from geo.services.actions import authorise
from geo.stats import grid, risk_terrain
from geo.stats import near_repeat as nr
from geo.stats.disclosure import View, ratio_text
from geo.store import counts, db, reads
from geo.store import why as store
from geo.store.audit import record

log = logging.getLogger(__name__)
Areas = tuple[str, ...]

#: the risk terrain's cells: hexagons of this circumradius (m), about a short street block
CELL_SIZE = 100.0
#: the near-repeat test's bands (the NRC's common choice for street crime)
SPACE_BW, SPACE_BANDS, TIME_BW, TIME_BANDS = 200.0, 5, 14, 5
#: permutations of the near-repeat test (p-values down to 0.01)
PERMUTATIONS = 99
#: most incidents the near-repeat test takes (a seeded random sample of them beyond): its
#: pairs within 1 km grow with the square of the incidents, and a year of 200,000 took
#: 300 s and gigabytes in a page's server process (1 M: out of memory). A sample keeps
#: the ratio of observed to expected pairs (both scale with the sample's share squared)
NEAR_REPEAT_MAX = 10_000
#: the risk map around a place: cells within this distance (m)
MAP_RADIUS = 1500.0
#: relative-risk classes of the risk map (lower bounds)
RISK_CLASSES = ((4.0, "4 times or more"), (2.0, "2 to 4 times"), (1.2, "1.2 to 2 times"),
                (0.0, "about average or below"))


T = TypeVar("T")


def _read(areas: Areas, fn: Callable[[Connection[Any]], T]) -> T:
    """``fn(conn)`` on a page's read connection limited to ``areas``."""
    return db.read(fn, areas, get_settings())


def _layer_label(source: str, name: str, categories: dict[str, str]) -> str:
    """A feature layer as it reads after "within 200 m of": "a transport hub", "one of the
    fast food outlets"."""
    if source == "place":
        text = categories.get(name, name.replace("_", " ")).lower()
        return ("an " if text[:1] in "aeiou" else "a ") + text
    return "one of the " + name[:1].lower() + name[1:]


def _layer_name(source: str, name: str, categories: dict[str, str]) -> str:
    return categories.get(name, name) if source == "place" else name


def _candidates(centres: np.ndarray, geoms: pd.DataFrame
                ) -> tuple[list[risk_terrain.Candidate], dict[str, tuple[str, str]]]:
    """The candidate variables of every feature layer (proximity to any of its geometries,
    and, for layers of points, density), and each layer's (source, name) by its key."""
    cands: list[risk_terrain.Candidate] = []
    keys: dict[str, tuple[str, str]] = {}
    pts = shapely.points(centres[:, 0], centres[:, 1])
    for (source, name), g in geoms.groupby(["source", "name"], sort=True):
        key = f"{source}:{name}"
        keys[key] = (str(source), str(name))
        shapes = np.asarray(g["geom"].to_numpy(), dtype=object)
        tree = shapely.STRtree(shapes)
        idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        distance = np.full(len(centres), np.inf)
        distance[idx[0]] = dist
        dens: dict[float, Any] | None = None
        if bool(np.all(shapely.get_type_id(shapes) == 0)):
            xy = shapely.get_coordinates(shapes)
            dens = {m: risk_terrain.counts_within(centres, xy, m)
                    for m in risk_terrain.DISTANCES}
        cands += risk_terrain.candidates(key, distance, dens)
    return cands, keys


@dataclass
class Terrain:
    """The risk terrain as a role may see it (:func:`terrain`)."""

    factors: pd.DataFrame  # what the view may see of each selected factor
    sentences: list[str]
    refused: str = ""
    #: analysts only: the model's details (family, dispersion, BIC, steps, cells, incidents)
    details: dict[str, Any] = field(default_factory=dict)
    #: the place: its factors (sentences), relative risk text and share of cells below it
    place_factors: list[str] = field(default_factory=list)
    place_risk: str | None = None
    place_rank: float | None = None
    #: the risk map around the place: x, y (BNG), risk class (no counts)
    risk_map: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class TerrainModel:
    """A fitted risk terrain and what it was fitted on (:func:`terrain_model`): the cells'
    centres and counts and the candidate variables. Exact: never shown as it is; pages
    cache it and show it through :func:`terrain`."""

    model: risk_terrain.RiskTerrain
    cands: list[risk_terrain.Candidate]
    keys: dict[str, tuple[str, str]]
    centres: np.ndarray
    y: np.ndarray
    cats: dict[str, str]
    size: float


def model_filters(filters: Filters, view: View) -> Filters:
    """The filters a model for ``view`` is fitted under: an aggregate view's, the period
    alone (no harm, risk or age filter: one model per period, not one per combination of
    filters that could be differenced)."""
    return filters if view.exact else Filters(start=filters.start, end=filters.end)


def terrain_model(areas: Areas, filters: Filters, size: float = CELL_SIZE) -> TerrainModel:
    """Fit the risk terrain of the incidents under ``filters`` on hexagons of ``size`` m
    covering the area, on every feature layer and category of place of concern."""
    def read(conn: Any) -> tuple[Any, pd.DataFrame, pd.DataFrame, dict[str, str]]:
        cats = dict(reads.vocabulary(conn, "place_category"))
        return (store.boundary(conn), counts.counts(conn, "hex", filters, size=size),
                store.feature_geoms(conn), cats)

    boundary, found, geoms, cats = _read(areas, read)
    if boundary is None:
        raise ValueError("no area is loaded")
    i, j = grid.covering_cells(boundary, size)
    cx, cy = grid.hex_centres(i, j, size)
    centres = np.column_stack([cx, cy])
    ids = pd.Index([f"{a}:{b}" for a, b in zip(i, j, strict=True)])
    y = found.set_index("unit_id")["n"].reindex(ids, fill_value=0).to_numpy(dtype=float)
    cands, keys = _candidates(centres, geoms)
    return TerrainModel(risk_terrain.fit(y, cands), cands, keys, centres, y, cats, size)


def terrain(fitted: TerrainModel, view: View, place_geom: shapely.Geometry | None = None
            ) -> Terrain:
    """The risk terrain as ``view`` may see it (fit it with :func:`model_filters` for the
    view); with ``place_geom`` (EPSG:27700), the place's factors, relative risk and the
    risk map around it."""
    model, cands, keys, centres, y, cats, size = (fitted.model, fitted.cands, fitted.keys,
                                                  fitted.centres, fitted.y, fitted.cats,
                                                  fitted.size)
    out = Terrain(pd.DataFrame(), [], refused=model.refused)
    if view.exact:
        out.details = {"family": model.family, "alpha": model.alpha, "bic": model.bic,
                       "null_bic": model.null_bic, "cells": model.n_cells,
                       "incidents": model.n_incidents, "tested": model.tested,
                       "steps": model.steps, "cell_size": size}
    if model.refused:
        return out
    by_name = {c.name: c for c in cands}
    rows, sentences = [], []
    for r in model.factors.itertuples():
        source, name = keys[str(r.feature)]
        cand = by_name[f"{r.feature}|{r.kind}|{r.metres:g}"]
        support = int(y[cand.x > 0].sum())  # incidents in the factor's cells
        rrv = ratio_text(float(r.rrv), support, view)
        if rrv is None:
            continue
        label = _layer_label(source, name, cats)
        said = risk_terrain.factor_sentence(label, str(r.kind), float(r.metres), rrv)
        sentences.append(said)
        row: dict[str, Any] = {"Feature": _layer_name(source, name, cats),
                               "Measured as": f"{r.kind} within {r.metres:g} m",
                               "Relative risk": rrv}
        low, high = ratio_text(float(r.low), support, view), ratio_text(float(r.high),
                                                                        support, view)
        row["95% interval"] = f"{low} to {high}"
        if view.exact:
            row |= {"Coefficient": round(float(r.coef), 3), "Std. error": round(float(r.se), 3),
                    "p": round(float(r.p), 4), "Cells": int(r.cells), "Incidents in them": support}
        rows.append((row, cand, said, float(r.rrv), support))
    out.factors = pd.DataFrame([r[0] for r in rows])
    out.sentences = sentences
    # the combined risk of the factors this view may see (the risk map, the place's)
    shown_risk = np.ones(len(centres))
    for _row, cand, _said, rrv_value, _support in rows:
        shown_risk *= np.where(cand.x > 0, rrv_value, 1.0)
    if place_geom is not None:
        at = shapely.point_on_surface(place_geom)
        pi, pj = grid.hex_index([at.x], [at.y], size)
        ci, cj = grid.hex_index(centres[:, 0], centres[:, 1], size)
        hit = np.flatnonzero((ci == pi[0]) & (cj == pj[0]))
        if hit.size:
            k = int(hit[0])
            here = [(said, sup) for _row, cand, said, _v, sup in rows if cand.x[k] > 0]
            out.place_factors = [said for said, _sup in here]
            risk = float(shown_risk[k])
            # rests on the place's factors (each already past the gate), or on them all
            support = min((sup for _said, sup in here), default=model.n_incidents)
            out.place_risk = ratio_text(risk, support, view)
            out.place_rank = float((shown_risk < risk).mean())
        near = np.hypot(centres[:, 0] - at.x, centres[:, 1] - at.y) <= MAP_RADIUS
        out.risk_map = pd.DataFrame({
            "x": centres[near, 0] - at.x, "y": centres[near, 1] - at.y,
            "risk": [_risk_class(v) for v in shown_risk[near]]})
    return out


def _risk_class(value: float) -> str:
    for low, name in RISK_CLASSES:
        if value >= low:
            return name
    return RISK_CLASSES[-1][1]


@dataclass
class NearRepeat:
    """The near-repeat test as a role may see it (:func:`near_repeat`)."""

    sentence: str
    table: pd.DataFrame
    refused: str = ""
    unit: str = "days"
    details: dict[str, Any] = field(default_factory=dict)
    #: how the incidents were sampled, when there were more than NEAR_REPEAT_MAX ("": all)
    sampled: str = ""


def near_repeat(areas: Areas, filters: Filters, view: View,
                permutations: int = PERMUTATIONS) -> NearRepeat:
    """The Knox test over the area's incidents under ``filters`` (an aggregate view: the
    period only). Days where most incidents have a timestamp, else months (bands of one
    month). Refuses below :data:`geo.stats.near_repeat.MIN_INCIDENTS` incidents."""
    filters = model_filters(filters, view)
    pts = _read(areas, lambda conn: store.points(conn, filters))
    timed = pts["day"].notna()
    if timed.sum() >= nr.MIN_INCIDENTS and timed.mean() >= 0.5:
        use = pts[timed]
        t = pd.to_datetime(use["day"]).to_numpy().astype("datetime64[D]")
        unit, bw = "days", TIME_BW
    else:
        use = pts
        m = pd.to_datetime(use["month"])
        t = (m.dt.year * 12 + m.dt.month - 1).to_numpy()
        unit, bw = "months", 1
    if len(use) < nr.MIN_INCIDENTS:
        return NearRepeat("Too little data for a near-repeat test.", pd.DataFrame(),
                          refused="too little data", unit=unit)
    found = len(use)
    use, t = sample_points(use, t, NEAR_REPEAT_MAX)
    k = nr.knox(use[["x", "y"]].to_numpy(dtype=float), t, space_bw=SPACE_BW,
                         space_bands=SPACE_BANDS, time_bw=bw, time_bands=TIME_BANDS,
                         permutations=permutations, unit=unit)
    w = nr.window(k)
    f = k.frame()
    if view.exact:
        table = pd.DataFrame({"Distance": f["space"], "Time": f["time"],
                              "Pairs": f["observed"], "Expected": f["expected"].round(1),
                              "Knox ratio": f["ratio"].round(2), "p": f["p"].round(3),
                              "Raised": np.where(f["raised"], "yes", "")})
        said = nr.sentence(w)
        details = {"incidents": k.n_incidents, "sampled_from": found,
                   "permutations": permutations,
                   "window_pairs": w.observed, "window_expected": w.expected,
                   "window_p": w.p, "with_times": int(timed.sum()), "unit": unit}
    else:
        ratios = [ratio_text(float(r), int(o), view) if np.isfinite(r) else None
                  for r, o in zip(f["ratio"], f["observed"], strict=True)]
        table = pd.DataFrame({"Distance": f["space"], "Time": f["time"],
                              "Knox ratio": [r or "—" for r in ratios],
                              "Raised": [("yes" if raised and r else "")
                                         for raised, r in zip(f["raised"], ratios, strict=True)]})
        shown = ratio_text(w.ratio, w.observed, view) if w.ratio is not None else None
        if w.ratio is not None and shown is None:
            said = ("A near-repeat pattern may be present but rests on too few incidents to "
                    "be shown.")
        else:
            said = nr.sentence(w, shown)
        details = {}
    sampled = ("" if found <= NEAR_REPEAT_MAX else
               f"Tested on a random sample of {NEAR_REPEAT_MAX:,} of the "
               + (f"{found:,} incidents (the table's pairs are the sample's)."
                  if view.exact else "period's incidents, to keep the page quick."))
    return NearRepeat(said, table, unit=unit, details=details, sampled=sampled)


def sample_points(points: pd.DataFrame, t: np.ndarray, most: int
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """At most ``most`` of the points (with their times ``t``): a seeded random sample of
    the points in a fixed order (by time, then place), so the same incidents give the same
    sample whatever order the database returned them in (a scan of partitions, a parallel
    plan or a replica may order them differently)."""
    if len(points) <= most:
        return points, t
    order = np.lexsort((points["y"].to_numpy(), points["x"].to_numpy(), t))
    keep = np.sort(np.random.default_rng(0).choice(len(points), most, replace=False))
    return points.iloc[order[keep]], t[order[keep]]


# --- the location assessment ---------------------------------------------------------


class AssessmentError(ValueError):
    """An assessment cannot be saved as given; the message says what to change."""


@dataclass(frozen=True)
class Assessment:
    """A location assessment as recorded on a place's profile: choices only, and actions
    whose text is checked for identifiers (an owner is an agency or a role)."""

    place_id: int
    assessed_on: date
    rating: str
    guardianship: str | None = None
    lighting: str | None = None
    users: tuple[str, ...] = ()
    observations: tuple[str, ...] = ()
    review_date: date | None = None
    actions: tuple[tuple[str, str, date | None], ...] = ()


def place_geom(areas: Areas, place_id: str) -> shapely.Geometry | None:
    """A place's polygon (EPSG:27700), for :func:`terrain`."""
    return _read(areas, lambda conn: store.place_geom(conn, place_id))


def feature_layers(areas: Areas) -> pd.DataFrame:
    """The loaded feature layers and how many features each has (analysts)."""
    return _read(areas, store.feature_layers)


def choices(areas: Areas) -> dict[str, list[tuple[str, str]]]:
    """The fixed choices of the assessment's fields."""
    return _read(areas, store.assessment_choices)


def assessment_actions(areas: Areas, place_id: str) -> pd.DataFrame:
    return _read(areas, lambda conn: store.assessment_actions(conn, place_id))


def _check(a: Assessment, allowed: dict[str, list[tuple[str, str]]]) -> None:
    from geo.services.contexts import ContextError, _guard

    if a.rating not in ("low", "medium", "high"):
        raise AssessmentError("The risk rating is low, medium or high.")
    codes = {f: {c for c, _ in v} for f, v in allowed.items()}
    for name, value in (("guardianship", a.guardianship), ("lighting", a.lighting)):
        if value is not None and value not in codes.get(name, set()):
            raise AssessmentError(f"{value!r} is not one of the {name} choices.")
    for name, values in (("users", a.users), ("observations", a.observations)):
        bad = [v for v in values if v not in codes.get(name, set())]
        if bad:
            raise AssessmentError(f"{', '.join(bad)} not among the {name} choices.")
    if a.review_date is not None and a.review_date < a.assessed_on:
        raise AssessmentError("The review date is before the assessment.")
    for description, owner, _due in a.actions:
        if not description.strip() or not owner.strip():
            raise AssessmentError("An action needs a description and an owner.")
        try:
            _guard(description, "action")
            _guard(owner, "owner")
        except ContextError as exc:
            raise AssessmentError(str(exc)) from exc


def record_assessment(actor: str, role: str, areas: Areas, a: Assessment,
                      settings: Settings | None = None) -> int:
    """Record a location assessment of a place the user may see (partners, analysts,
    admins), with its actions, in one transaction with its audit row; its id."""
    settings = settings or get_settings()
    authorise(actor, role, "assessment_record", str(a.place_id), settings)
    if not db.read(lambda conn: store.place_visible(conn, a.place_id), areas, settings):
        raise AssessmentError("No such place in your areas.")
    allowed = db.read(store.assessment_choices, areas, settings)
    _check(a, allowed)
    with db.transaction("loader", settings) as conn:
        aid = store.add_assessment(conn, a.place_id, a.assessed_on, a.rating, a.guardianship,
                                   a.lighting, list(a.users), list(a.observations),
                                   a.review_date, role)
        for description, owner, due in a.actions:
            store.add_assessment_action(conn, aid, description.strip(), owner.strip(), due)
        record(conn, actor, role, "assessment_record", str(a.place_id), "added",
               {"assessment_id": aid, "actions": len(a.actions)})
    log.info("location assessment %s of place %s by a %s", aid, a.place_id, role)
    return aid


def complete_assessment_action(actor: str, role: str, areas: Areas, place_id: int,
                               action_id: int, on: date | None = None,
                               settings: Settings | None = None) -> bool:
    """Mark an action of a place's assessment done (who may record assessments); whether
    one was changed. Audited."""
    settings = settings or get_settings()
    authorise(actor, role, "assessment_record", str(place_id), settings)
    if not db.read(lambda conn: store.place_visible(conn, place_id), areas, settings):
        raise AssessmentError("No such place in your areas.")
    with db.transaction("loader", settings) as conn:
        done = store.assessment_action_done(conn, place_id, action_id, on or date.today())
        record(conn, actor, role, "assessment_record", str(place_id),
               "action done" if done else "action not found", {"action_id": action_id})
    return done
