"""Record keys of the cell key method, computed outside the database.

Every incident's record key is ``hashint8extended(incident_id, seed) & 255`` (migration
0011): PostgreSQL's 64-bit extended hash of the id (Bob Jenkins' lookup3, as in
``src/common/hashfn.c`` and ``hashint8extended`` in ``src/backend/access/hash/hashfunc.c``),
keyed with the database's secret seed. The loader computes the same keys here, vectorised,
for the rows it already holds, so that a load's monthly rollups are summed in Python and
copied in rather than re-read and hashed in SQL four times. The two must agree bit for bit:
``tests/test_record_keys.py`` checks this function against PostgreSQL's on random ids and
seeds, negative ones included.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U32 = np.uint32
#: lookup3's initial value for a 4-byte key, as hash_bytes_uint32_extended starts it
_INIT = (0x9E3779B9 + 4 + 3923095) & 0xFFFFFFFF


def _rot(x: npt.NDArray[np.uint32], k: int) -> npt.NDArray[np.uint32]:
    return ((x << U32(k)) | (x >> U32(32 - k))).astype(np.uint32, copy=False)


def _mix(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32], c: npt.NDArray[np.uint32]
         ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    a = a - c; a ^= _rot(c, 4); c = c + b  # noqa: E702
    b = b - a; b ^= _rot(a, 6); a = a + c  # noqa: E702
    c = c - b; c ^= _rot(b, 8); b = b + a  # noqa: E702
    a = a - c; a ^= _rot(c, 16); c = c + b  # noqa: E702
    b = b - a; b ^= _rot(a, 19); a = a + c  # noqa: E702
    c = c - b; c ^= _rot(b, 4); b = b + a  # noqa: E702
    return a, b, c


def _final(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32], c: npt.NDArray[np.uint32]
           ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    c ^= b; c -= _rot(b, 14)  # noqa: E702
    a ^= c; a -= _rot(c, 11)  # noqa: E702
    b ^= a; b -= _rot(a, 25)  # noqa: E702
    c ^= b; c -= _rot(b, 16)  # noqa: E702
    a ^= c; a -= _rot(c, 4)  # noqa: E702
    b ^= a; b -= _rot(a, 14)  # noqa: E702
    c ^= b; c -= _rot(b, 24)  # noqa: E702
    return b, c


def hash_int8_extended(ids: npt.ArrayLike, seed: int) -> npt.NDArray[np.uint64]:
    """PostgreSQL's ``hashint8extended(id, seed)`` of each id, as unsigned 64 bits (the
    database returns the same bits as a signed bigint)."""
    v = np.asarray(ids, dtype=np.int64)
    u = v.view(np.uint64)
    lo = (u & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    hi = (u >> np.uint64(32)).astype(np.uint32)
    lo ^= np.where(v >= 0, hi, ~hi)
    s = seed & 0xFFFFFFFFFFFFFFFF
    n = len(lo)
    a = np.full(n, _INIT, dtype=np.uint32)
    b = a.copy()
    c = a.copy()
    if s != 0:
        a += U32(s >> 32)
        b += U32(s & 0xFFFFFFFF)
        a, b, c = _mix(a, b, c)
    a += lo
    b, c = _final(a, b, c)
    return (b.astype(np.uint64) << np.uint64(32)) | c.astype(np.uint64)


def record_keys(ids: npt.ArrayLike, seed: int) -> npt.NDArray[np.uint8]:
    """Each incident's record key 0..255: ``hashint8extended(id, seed) & 255``."""
    return (hash_int8_extended(ids, seed) & np.uint64(255)).astype(np.uint8)
