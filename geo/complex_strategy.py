"""Complex-strategy flag: several distinct young people linked to one place in a short time.

Birmingham's Empower-U holds a multi-agency complex strategy meeting "when multiple young
people are identified" at a context. A place is flagged when at least ``min_people``
distinct pseudonymous keys appear there within any ``window_days`` days (defaults 3, 90).
Incidents without a timestamp count from the first day of their month.
"""

from __future__ import annotations

from collections import Counter, deque

import numpy as np
import pandas as pd


def flag_places(
    incidents: pd.DataFrame, min_people: int = 3, window_days: int = 90
) -> pd.DataFrame:
    """One row per place with keyed incidents: the most distinct people in any window.

    ``incidents`` has columns ``place_id``, ``person_key`` and ``when`` (dates). Returns
    ``place_id``, ``max_people``, ``window_start``, ``window_end`` and ``flagged``.
    """
    cols = ["place_id", "max_people", "window_start", "window_end", "flagged"]
    df = incidents.dropna(subset=["place_id", "person_key", "when"])
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = df.assign(when=pd.to_datetime(df["when"])).sort_values(["place_id", "when"])
    span = np.timedelta64(window_days, "D")
    rows = []
    for place, g in df.groupby("place_id", sort=True):
        window: deque[tuple[np.datetime64, str]] = deque()
        seen: Counter[str] = Counter()
        best, best_start, best_end = 0, None, None
        for when, key in zip(g["when"].to_numpy(), g["person_key"].to_numpy(), strict=True):
            window.append((when, key))
            seen[key] += 1
            while when - window[0][0] > span:
                _, old = window.popleft()
                seen[old] -= 1
                if seen[old] == 0:
                    del seen[old]
            if len(seen) > best:
                best, best_start, best_end = len(seen), window[0][0], when
        rows.append(
            {
                "place_id": place,
                "max_people": best,
                "window_start": best_start,
                "window_end": best_end,
                "flagged": best >= min_people,
            }
        )
    return pd.DataFrame(rows, columns=cols)
