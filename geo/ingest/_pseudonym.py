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


def pseudonymise(values: np.ndarray | pd.Series, key: str, domain: str = "") -> np.ndarray:
    """Pseudonyms for an array of identifiers (blank stays None), each distinct value once.

    ``domain`` (``"crime"`` for police.uk Crime IDs) is hashed before each value, so that
    pseudonyms of different kinds of identifier never coincide."""
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

    table = np.array([one(v) for v in uniques] + [None], dtype=object)
    picked: np.ndarray = table[codes]  # code -1 (a missing value) takes the last entry, None
    return picked
