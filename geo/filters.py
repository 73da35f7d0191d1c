"""What a count is asked for: a period of months and optional vocabularies.

Shared by every layer (the store counts with it, services and pages pass it on), so it lives
outside them: a frozen dataclass, hashable, so pages can cache on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Filters:
    """What to count: a period of months (inclusive) and optional vocabularies."""

    start: date | None = None
    end: date | None = None
    harms: tuple[str, ...] | None = None
    risks: tuple[str, ...] | None = None
    ages: tuple[str, ...] | None = None

    def span(self) -> tuple[date, date]:
        """The period's first and last month, for a caller whose filters set it (a page's
        always do, from the data's period); a ValueError when it is open."""
        if self.start is None or self.end is None:
            raise ValueError("these filters set no period")
        return self.start, self.end

    def params(self) -> dict[str, Any]:
        return {
            "start": self.start or date(1900, 1, 1),
            "end": self.end or date(2999, 12, 1),
            "harms": list(self.harms) if self.harms else None,
            "risks": list(self.risks) if self.risks else None,
            "ages": list(self.ages) if self.ages else None,
        }


def month(text: str) -> date:
    """``YYYY-MM`` to the first day of that month."""
    y, m = text.split("-")[:2]
    return date(int(y), int(m), 1)
