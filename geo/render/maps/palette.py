"""The maps' colours, classes and labels: the incident palette and its quantile classes, the
hot-spot bins' colours and words, the place categories' colours and glyphs, the no-data style.
"""

from __future__ import annotations

import numpy as np

#: sequential palette (ColorBrewer YlOrRd, 5 classes); index 0 is for zero
PALETTE = ("#f7f7f7", "#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026")
#: Gi* confidence bins -3..+3
HOTSPOT_COLOURS = {
    -3: "#2166ac",
    -2: "#67a9cf",
    -1: "#d1e5f0",
    0: "#ffffff",
    1: "#fddbc7",
    2: "#ef8a62",
    3: "#b2182b",
}
CATEGORY_COLOURS = {
    "transport_hub": "#1b9e77",
    "park": "#66a61e",
    "shopping_centre": "#7570b3",
    "fast_food": "#e7298a",
    "school_vicinity": "#e6ab02",
    "estate": "#a6761d",
    "street": "#666666",
}
#: a letter on each place's icon, so the categories differ by more than colour
CATEGORY_GLYPHS = {
    "transport_hub": "T",
    "park": "P",
    "shopping_centre": "S",
    "fast_food": "F",
    "school_vicinity": "E",
    "estate": "H",
    "street": "R",
}


def class_breaks(values: np.ndarray, k: int = 5) -> np.ndarray:
    """Upper bounds of ``k`` quantile classes of the positive values (for colouring)."""
    pos = values[values > 0]
    if pos.size == 0:
        return np.array([1.0])
    qs = np.unique(np.quantile(pos, np.linspace(0, 1, k + 1)[1:]))
    return qs


def colour_for(value: float, breaks: np.ndarray) -> str:
    if not np.isfinite(value) or value <= 0:
        return PALETTE[0]
    idx = int(np.searchsorted(breaks, value, side="left"))
    return PALETTE[1 + min(idx, len(PALETTE) - 2)]


BIN_LABELS = {3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence",
              1: "Hot spot, 90% confidence", 0: "Not significant",
              -1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence",
              -3: "Cold spot, 99% confidence"}
SMALL_COLOUR = "#d9d9d9"
#: units outside the coverage of the data: no data, not zero (issue #22)
NO_DATA_LABEL = "No data (outside the area the data covers)"
NO_DATA_STYLE = {"fillColor": "#bdbdbd", "color": "#737373", "weight": 1, "fillOpacity": 0.55,
                 "dashArray": "4 3"}
