"""What a map's data may carry: every string through :func:`map_text` (one escaping, for
HTML and for a JavaScript template literal) and coordinates rounded to about a metre."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely


def map_text(value: object) -> str:
    """Text as it may reach a map, the one escaping every string on a map goes through:
    HTML-escaped (``<``, ``>``, ``&``, quotes), and the characters a JavaScript template
    literal interprets (backtick, ``$`` of ``${``, backslash) written as HTML character
    references too, which show as themselves wherever the text ends up as HTML; and the
    braces, so that no text can open a Jinja expression in an element folium compiles as
    a template (the project's own elements are never compiled)."""
    if value is None:
        return ""
    return (html.escape(str(value), quote=True)
            .replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def escape_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with ``columns`` through :func:`map_text` (safe in tooltips and popups)."""
    out = frame.copy()
    for c in columns:
        out[c] = out[c].map(map_text)
    return out


def metre(geometry: Any) -> Any:
    """``geometry`` (WGS84) with its coordinates rounded to 1e-5 degrees (about 1 m, what
    the deepest zoom shows as a few pixels): fewer bytes on the page."""
    return shapely.transform(geometry, lambda xy: np.round(xy, 5))
