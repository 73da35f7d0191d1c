"""What the data selected covers, and which units lie inside it (issue #22).

Each incident extract declares at load what it covers (``geo.ingest._coverage``); the data
a page or command selects covers the union of its extracts' coverages
(:func:`geo.store.coverage.of_selection`). Units outside it have no data, which is not the
same as no incidents: the statistics leave them out and the maps show them as "no data".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

#: a unit is inside the coverage when at least this share of its surface is
MIN_SHARE = 0.5


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
