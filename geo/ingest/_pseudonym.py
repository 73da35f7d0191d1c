"""Keyed pseudonyms for person and case identifiers (HMAC-SHA256).

The same identifier and key always give the same pseudonym, so distinct young people can
be counted across extracts; without the key (which lives in configuration, never in the
database) a pseudonym cannot be turned back into the identifier.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd


def pseudonym(identifier: str, key: str) -> str:
    """The hex HMAC-SHA256 of a trimmed, case-folded identifier."""
    norm = identifier.strip().upper().encode()
    return hmac.digest(key.encode(), norm, hashlib.sha256).hex()


#: at most this many pseudonyms are remembered across the chunks of one file (a person seen
#: in several chunks is hashed once); past it, values are hashed again as they come
CACHE_MAX = 250_000


def pseudonymise(values: np.ndarray | pd.Series, key: str, domain: str = "",
                 cache: dict[str, str | None] | None = None) -> np.ndarray:
    """Pseudonyms for an array of identifiers (blank stays None), each distinct value once.

    ``domain`` (``"crime"`` for police.uk Crime IDs) is hashed before each value, so that
    pseudonyms of different kinds of identifier never coincide. ``cache``: pseudonyms of
    values already seen (by their text as given), shared by the chunks of one file with
    the same key and domain, filled up to :data:`CACHE_MAX` values."""
    codes, uniques = pd.factorize(values)
    keyed = hmac.new(key.encode(), digestmod=hashlib.sha256)  # the key's state, made once
    if domain:
        keyed.update(f"{domain}:".encode())

    def one(value: object) -> str | None:
        norm = str(value).strip().upper().encode()
        if not norm:
            return None
        h = keyed.copy()
        h.update(norm)
        return h.hexdigest()

    found: list[str | None] = []
    if cache is None:
        found = [one(v) for v in uniques.tolist()]
    else:
        room = CACHE_MAX - len(cache)
        for v in uniques.tolist():
            got = cache.get(v, _MISSING)
            if got is _MISSING:
                got = one(v)
                if room > 0:
                    cache[v] = got
                    room -= 1
            found.append(got)  # type: ignore[arg-type]
    table = np.array([*found, None], dtype=object)
    picked: np.ndarray = table[codes]  # code -1 (a missing value) takes the last entry, None
    return picked


_MISSING = object()
