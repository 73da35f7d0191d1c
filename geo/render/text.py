"""What pages write: counts as a role may see them, from the disclosure gate.

Pages format no count themselves: they call these, which take the exact counts and the
viewer (:class:`View`) and apply :mod:`geo.stats.disclosure`.
"""

from __future__ import annotations

from geo.stats.coverage import Coverage
from geo.stats.disclosure import View, chart_frame, count_text, display, suppressed, total_text

__all__ = ["View", "chart_frame", "count_text", "coverage_text", "display", "suppressed",
           "total_text"]


def coverage_text(coverage: Coverage) -> str:
    """What a page or command says about the coverage of the data it shows (issue #22)."""
    if coverage.whole:
        return "The data selected covers the whole area."
    return (f"The data selected covers {coverage.share:.0%} of the area ({coverage.labels}). "
            "Areas outside it have no data (not zero incidents) and are left out of the "
            "statistics.")
