"""What pages write: counts as a role may see them, from the disclosure gate.

Pages format no count themselves: they call these, which take the exact counts and the
viewer (:class:`View`) and apply :mod:`geo.stats.disclosure`.
"""

from __future__ import annotations

from geo.stats.disclosure import View, chart_frame, count_text, display, suppressed, total_text

__all__ = ["View", "chart_frame", "count_text", "display", "suppressed", "total_text"]
