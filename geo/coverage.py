"""What the data selected covers, and which units lie inside it (issue #22).

Each incident extract declares at load what it covers (``geo.ingest._coverage``); the data
a page or command selects covers the union of its extracts' coverages. Units outside it
have no data, which is not the same as no incidents: the statistics leave them out and the
maps show them as "no data".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
import shapely
from numpy.typing import ArrayLike, NDArray

from geo import db

#: a unit is inside the coverage when at least this share of its surface is
MIN_SHARE = 0.5
NO_DATA = "No data (outside the area the selected data covers)"


@dataclass(frozen=True)
class Coverage:
    """The coverage of a selection: ``geom`` in BNG (``None``: the whole area), the share
    of the area's surface it is, how many extracts it comes from, and what they declare."""

    geom: shapely.Geometry | None = None
    share: float = 1.0
    extracts: int = 0
    labels: str = ""

    @property
    def whole(self) -> bool:
        return self.geom is None


WHOLE = Coverage()


def covered(geoms_bng: ArrayLike, coverage: Coverage, min_share: float = MIN_SHARE
            ) -> NDArray[np.bool_]:
    """Which units (polygons in BNG) lie inside ``coverage``: at least ``min_share`` of
    their surface (a unit with no surface: its point)."""
    g = np.asarray(geoms_bng, dtype=object)
    if coverage.whole:
        return np.ones(g.size, dtype=bool)
    cover = coverage.geom
    shapely.prepare(cover)
    area = shapely.area(g)
    inside = np.zeros(g.size, dtype=bool)
    near = shapely.intersects(cover, g)
    if near.any():
        part = shapely.area(shapely.intersection(g[near], cover))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(area[near] > 0, part / area[near], 1.0)
        inside[near] = share >= min_share - 1e-9
    return inside


def of_selection(conn: psycopg.Connection[Any], params: dict[str, Any]) -> Coverage:
    """The coverage of the incidents that pass the filters' ``params``
    (``geo.counts.Filters.params()``): named query ``coverage_selected``."""
    row = db.frame(conn, "coverage_selected", params).iloc[0]
    if bool(row["whole"]) or row["geom"] is None:
        return Coverage(None, 1.0, int(row["extracts"]), "")
    return Coverage(shapely.from_wkb(bytes(row["geom"])), float(row["share"]),
                    int(row["extracts"]), str(row["labels"]))


def sentence(coverage: Coverage) -> str:
    """What a page says about the coverage of its data."""
    if coverage.whole:
        return "The data selected covers the whole area."
    return (f"The data selected covers {coverage.share:.0%} of the area ({coverage.labels}). "
            "Areas outside it have no data (not zero incidents) and are left out of the "
            "statistics.")
