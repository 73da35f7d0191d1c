"""Words and the one test for a type of intervention's pooled effect, shared by the
Interventions page's sentences (:mod:`geo.services.pooling`) and the board pack's "What
worked" (:mod:`geo.render.board_pack`), so the two cannot say it differently."""

from __future__ import annotations

from typing import Any

from geo.stats.synth import Pooled


def is_clear(p: Pooled | dict[str, Any]) -> bool:
    """Whether a pooled interval excludes no change."""
    d = p.as_dict() if isinstance(p, Pooled) else p
    return (d.get("effect") is not None and d.get("low") is not None
            and d.get("high") is not None and (d["high"] < 0 or d["low"] > 0))


def moved_sentence(moved: int, places: int) -> str:
    """The displacement the places' own sentences state, carried to the type's ("" when
    none)."""
    if not moved:
        return ""
    at = "At its place" if places == 1 else f"At {moved} of these {places} places"
    return f"{at} some harm appears to have moved to the surrounding streets."
