"""The loader's record keys (``geo.stats.record_keys``) are PostgreSQL's, bit for bit: the
rollups it sums itself must carry the cell keys the counting queries would compute."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg
import pytest

from geo.stats.record_keys import hash_int8_extended, record_keys

pytestmark = pytest.mark.db

EDGES = [0, 1, -1, 2**31 - 1, 2**31, 2**32 - 1, 2**32, -(2**32), 2**63 - 1, -(2**63)]


def _postgres(conn: psycopg.Connection[Any], ids: list[int], seed: int) -> np.ndarray:
    rows = conn.execute("SELECT hashint8extended(x, %s::bigint) FROM unnest(%s::bigint[]) "
                        "WITH ORDINALITY u(x, k) ORDER BY k", (seed, ids)).fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


@pytest.mark.parametrize("seed", [0, 1, -1, 2**63 - 1, -(2**63), 4_611_686_018_427_387_905,
                                  -987_654_321_987])
def test_the_hash_is_postgresqls_on_random_and_edge_ids(admin: psycopg.Connection[Any],
                                                       seed: int) -> None:
    rng = np.random.default_rng(abs(seed) % 1000)
    ids = [*EDGES, *rng.integers(-(2**63), 2**63 - 1, 2000, dtype=np.int64).tolist(),
           # incident ids as loads make them: extract << 32 + source row
           *((np.arange(1, 40, dtype=np.int64) << 32) + rng.integers(0, 10**6, 39)).tolist()]
    want = _postgres(admin, ids, seed)
    got = hash_int8_extended(ids, seed).view(np.int64)
    assert np.array_equal(got, want), np.flatnonzero(got != want)[:5]
    assert np.array_equal(record_keys(ids, seed), (want & 255).astype(np.uint8))


def test_the_databases_own_seed_gives_the_keys_the_counting_queries_use(
        admin: psycopg.Connection[Any]) -> None:
    """With the database's secret seed, the keys of its incidents are those its queries
    compute (and a wrong seed gives others)."""
    seed = admin.execute("SELECT seed FROM disclosure_key").fetchone()[0]
    rows = admin.execute("SELECT incident_id, (hashint8extended(incident_id, "
                         "(SELECT seed FROM disclosure_key)) & 255)::int FROM incident "
                         "ORDER BY incident_id LIMIT 5000").fetchall()
    assert len(rows) == 5000
    ids = [r[0] for r in rows]
    want = np.array([r[1] for r in rows], dtype=np.uint8)
    assert np.array_equal(record_keys(ids, seed), want)
    assert (record_keys(ids, seed + 1) != want).mean() > 0.9
