"""Complex-strategy flag: several distinct young people linked to one place in a short time.

Birmingham's Empower-U holds a multi-agency complex strategy meeting "when multiple young
people are identified" at a context. A place is flagged when at least ``min_people``
distinct pseudonymous keys appear there within any ``window_days`` days (defaults
:data:`MIN_PEOPLE`, :data:`WINDOW_DAYS`: 3 and 90, DESIGN §5).
Incidents without a timestamp count from the first day of their month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the complex-strategy threshold: distinct young people at one place within
#: :data:`WINDOW_DAYS` days (the one value: the agenda, the pages and the disclosure gate's
#: "3 or more" import it)
MIN_PEOPLE = 3
#: the window of the threshold, in days
WINDOW_DAYS = 90

#: keeps places apart in one sorted key of (place, day)
_SPAN = 1 << 40


def flag_places(
    incidents: pd.DataFrame, min_people: int = MIN_PEOPLE, window_days: int = WINDOW_DAYS
) -> pd.DataFrame:
    """One row per place with keyed incidents: the most distinct people in any window.

    ``incidents`` has columns ``place_id``, ``person_key`` and ``when`` (dates). Returns
    ``place_id``, ``max_people``, ``window_start``, ``window_end``, ``flagged`` and
    ``fewest_rows`` (for a flagged place, the fewest distinct (person, day) rows in any
    window holding ``min_people`` people: :func:`fewest_rows`; 0 for the others).

    A person seen on day ``w`` is in every window ending on days ``w .. w + window_days``.
    Each person's overlapping spans are merged, and a sweep over the spans' starts and ends
    counts the people in the window ending on each day: the most, for each place, is
    ``max_people``; the window is the first that reaches it (ending on an incident's day,
    starting at the earliest incident of the place still inside it).
    """
    cols = ["place_id", "max_people", "window_start", "window_end", "flagged", "fewest_rows"]
    df = incidents.dropna(subset=["place_id", "person_key", "when"])
    if df.empty:
        return pd.DataFrame(columns=cols)
    day = pd.to_datetime(df["when"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    place = df["place_id"].to_numpy()
    person = pd.factorize(df["person_key"])[0]
    order = np.lexsort((day, person, place))
    place, person, day = place[order], person[order], day[order]
    # a person's spans [day, day + window] merge while the next day falls inside
    same = np.r_[False, (place[1:] == place[:-1]) & (person[1:] == person[:-1])]
    gap = np.r_[True, np.diff(day) > window_days]
    first = ~same | gap
    last = np.r_[first[1:], True]
    starts, ends = day[first], day[last] + window_days + 1
    ev_place = np.r_[place[first], place[last]]
    ev_day = np.r_[starts, ends]
    ev_step = np.r_[np.ones(starts.size, np.int64), -np.ones(ends.size, np.int64)]
    ev = np.lexsort((ev_step, ev_day, ev_place))  # an end before a start on the same day
    ev_place, ev_day = ev_place[ev], ev_day[ev]
    inside = np.cumsum(ev_step[ev])  # each place's spans all end: it starts again from 0
    places, first_ev = np.unique(ev_place, return_index=True)
    best = np.maximum.reduceat(inside, first_ev)
    reaches = np.flatnonzero(inside == np.repeat(best, np.diff(np.r_[first_ev, inside.size])))
    end_day = ev_day[reaches[np.searchsorted(reaches, first_ev)]]
    # the earliest incident of the place still in the window ending that day
    by_day = np.lexsort((day, place))
    key = np.searchsorted(places, place[by_day]) * _SPAN + day[by_day]
    start = day[by_day][np.searchsorted(key, np.arange(places.size) * _SPAN + end_day
                                        - window_days)]
    flagged = best >= min_people
    fewest = np.zeros(places.size, dtype=np.int64)
    lo, hi = np.searchsorted(place, places, "left"), np.searchsorted(place, places, "right")
    for i in np.flatnonzero(flagged):  # place is sorted: each place's rows are one slice
        fewest[i] = fewest_rows(day[lo[i]:hi[i]], person[lo[i]:hi[i]], min_people,
                                window_days)
    return pd.DataFrame({
        "place_id": places,
        "max_people": best.astype(int),
        "window_start": start.astype("datetime64[D]"),
        "window_end": end_day.astype("datetime64[D]"),
        "flagged": flagged,
        "fewest_rows": fewest,
    }, columns=cols)


def fewest_rows(day: np.ndarray, person: np.ndarray, min_people: int = MIN_PEOPLE,
                window_days: int = WINDOW_DAYS) -> int:
    """The fewest distinct (person, day) rows of one place in any window of the flag
    (``window_days`` + 1 days, as :func:`flag_places` counts them) holding at least
    ``min_people`` distinct people (0 if none does).

    A flag proves that some window holds at least this many keyed incidents, so every
    period containing such a window holds at least as many incidents. The disclosure gate
    (:func:`geo.stats.disclosure.shown_flags`) lists a flag to an aggregate view only when
    this is large enough that no such period's count is small. A window's rows change
    only where a row's day enters it (the window ending that day) or leaves it
    (``window_days`` + 1 days later): a sweep over those ends.
    """
    # the distinct (person, day) rows, as one key each (their order changes nothing: every
    # start of an end value is applied before any end of it, and the count is read only
    # once all of them are)
    d = np.asarray(day, dtype=np.int64)
    who = np.asarray(person, dtype=np.int64)
    if d.size == 0:
        return 0
    lowest, span = int(who.min()), int(who.max() - who.min()) + 1
    key = np.unique((d - d.min()) * span + (who - lowest))
    d, who = key // span + d.min(), key % span + lowest
    n = d.size
    ends = np.r_[d, d + window_days + 1]
    order = np.argsort(ends, kind="stable")
    # plain Python values in the sweep: indexing numpy arrays one value at a time is slow
    at, rows, people = ends[order].tolist(), order.tolist(), who.tolist()
    seen: dict[int, int] = {}
    best = inside = 0
    for j, i in enumerate(rows):
        if i < n:  # a row's day enters the window
            p = people[i]
            seen[p] = seen.get(p, 0) + 1
            inside += 1
        else:  # and leaves it
            p = people[i - n]
            left = seen[p] - 1
            if left:
                seen[p] = left
            else:
                del seen[p]
            inside -= 1
        last = j + 1 == 2 * n or at[j + 1] != at[j]
        if last and len(seen) >= min_people:  # every change of this end applied
            best = inside if not best else min(best, inside)
    return best
