"""A load's monthly rollups (migration 0018), summed in Python from the rows it writes.

Most of an incidents file's rows are placed by their cells and copied straight into the
extract's table (``_cells.split``): the loader holds each of them, with its ward, LSOA,
250 m cell, place and incident id, as it copies it. The rest (near a boundary, located by
a code only, or every row of a small file) PostGIS places in a temporary table, which the
loader reads back (a few per cent of a large file). :class:`Rollups` keeps those columns
(strings dictionary-encoded: about 40 bytes a row) and each row's record key
(``geo.stats.record_keys``: the database's own ``hashint8extended(incident_id, seed) &
255``), and sums the twelve rollup tables with Arrow's hash aggregation, in a background
thread while the database checks, indexes and attaches the extract's table. They go in by
binary COPY straight into the extract's own table of each rollup table, made for the load
and attached as a partition in its transaction (migration 0027: :func:`write`).

At a million rows the rollup step went from 4.7-5 s (four scans of the new table in SQL,
each hashing every row) to about 2 s, most of it writing the 2.2 million rollup rows;
then by half again when those rows were no longer copied to a temporary table and
inserted from there (COPY cannot write a table with row-level security, as the rollup
tables are; the extract's own tables have none, and only their owner reads them).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geo.ingest._copy import copy_frame
from geo.stats.record_keys import record_keys
from geo.store import db
from geo.store.rollup_schema import LEVELS, UNITS  # the tables, declared once

_STRINGS = ("harm_type", "risk_level", "age_band", "area_code", "ward_code", "lsoa_code")
_KEPT = ("month", *_STRINGS, "place_id", "hex_i", "hex_j")
#: the columns of stage_incident_placed_rows.sql
_STAGED = ("incident_id", "month", "harm_type", "risk_level", "age_band", "area_code",
           "ward_code", "lsoa_code", "place_id", "hex_i", "hex_j")


@dataclass
class Rollups:
    """The rows of one extract copied straight in, kept for its rollups.

    Parameters
    ----------
    extract_id
        The extract loaded.
    seed
        The database's secret record-key seed (``disclosure_key``; the loader role reads
        it, as the SQL path does). Held for the load only.
    """

    extract_id: int
    seed: int = field(repr=False)  # secret: never in a repr, a log or a message
    parts: list[pa.Table] = field(default_factory=list)

    def add(self, rows: pa.Table, incident_ids: npt.NDArray[np.int64]) -> None:
        """Keep ``rows`` (columns as ``_cells.split`` makes them) with their ids' keys."""
        cols = {c: (pc.dictionary_encode(rows[c]) if c in _STRINGS else rows[c])
                for c in _KEPT}
        cols["rk"] = pa.array(record_keys(incident_ids, self.seed).astype(np.int32))
        self.parts.append(pa.table(cols))

    def add_staged(self, csv: bytes) -> None:
        """Keep the rows PostGIS placed, as ``stage_incident_placed_rows.sql`` gives them."""
        if not csv:
            return
        types = {"incident_id": pa.int64(), "month": pa.date32(), "place_id": pa.int64(),
                 "hex_i": pa.int32(), "hex_j": pa.int32(),
                 **{c: pa.string() for c in _STRINGS}}
        rows = pa_csv.read_csv(
            io.BytesIO(csv), read_options=pa_csv.ReadOptions(column_names=list(_STAGED)),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=True,
                quoted_strings_can_be_null=False))
        self.add(rows, rows["incident_id"].to_numpy())

    def forget_seed(self) -> None:
        """Every row's key is made: the secret seed is not kept for the rest of the load."""
        self.seed = 0

    def months(self) -> list[object]:
        """The months of the rows kept (dates, first of the month), each once."""
        seen: set[object] = set()
        for p in self.parts:
            seen.update(pc.unique(p["month"]).to_pylist())
        return sorted(m for m in seen if m is not None)  # type: ignore[type-var]

    @property
    def rows(self) -> int:
        return sum(p.num_rows for p in self.parts)

    def tables(self) -> Iterator[tuple[str, pa.Table]]:
        """Each rollup table's name and its rows from the kept rows (none when no rows
        were kept), columns in the table's order and types."""
        if not self.parts:
            return
        kept = pa.concat_tables(self.parts).unify_dictionaries()
        self.parts = []
        for unit, key in UNITS.items():
            rows = kept
            for suffix, cols in LEVELS:
                by = [*key, *cols]
                if not suffix:
                    g = rows.group_by(by, use_threads=True).aggregate(
                        [("rk", "count"), ("rk", "sum")])
                    n, ck = g["rk_count"], g["rk_sum"]
                else:
                    g = rows.group_by(by, use_threads=True).aggregate(
                        [("n", "sum"), ("ck", "sum")])
                    n, ck = g["n_sum"], g["ck_sum"]
                out = {"extract_id": pa.array(np.full(g.num_rows, self.extract_id,
                                                      dtype=np.int64))}
                for c in by:
                    col = g[c]
                    out[c] = (col.cast(pa.string()) if pa.types.is_dictionary(col.type)
                              else col)
                if pc.sum(n).as_py() != kept.num_rows:  # every row in each table, once
                    raise RuntimeError(f"rollup_{unit}{suffix}: {pc.sum(n).as_py()} "
                                       f"incidents summed of {kept.num_rows}")
                out["n"] = pc.cast(n, pa.int32())
                out["ck"] = pc.cast(pc.bit_wise_and(pc.cast(ck, pa.int64()), 255), pa.int16())
                table = pa.table(out)
                yield f"rollup_{unit}{suffix}", table
                # the next level sums this one
                rows = table.select([*by, "n", "ck"])

    def summed(self) -> list[tuple[str, pa.Table]]:
        """:meth:`tables`, all made: in a background thread while the database checks,
        indexes and attaches the extract's table (0.5-0.7 s at a million rows that the
        load no longer waits for). Copied in one at a time (all twelve encoded for COPY at
        once held some 200 MB more)."""
        return list(self.tables())


def write(conn: psycopg.Connection[Any], extract_id: int,
          tables: list[tuple[str, pa.Table]]) -> bool:
    """Copy an extract's summed rollup rows (:meth:`Rollups.summed`, each table let go
    once copied) into tables of its own (``contexts_new_rollup_partitions``, migration
    0027), in the load's transaction; :func:`attach` attaches them. Nothing to write, no
    tables made: returns whether they were."""
    if not tables:
        return False
    made = [r[0] for r in conn.execute(db.sql("rollup_partitions_new"),
                                       {"extract_id": extract_id}).fetchall()]
    if sorted(made) != sorted(name for name, _ in tables):
        raise RuntimeError(f"the rollup tables are {made}, the loader sums "
                           f"{[name for name, _ in tables]}")
    while tables:
        rollup, rows = tables.pop(0)
        copy_frame(conn, "rollup_copy", rows, lambda done: None,
                   {"target": f"{rollup}_x{extract_id}"})
        del rows
    return True


def attach(conn: psycopg.Connection[Any], extract_id: int) -> None:
    """Attach the extract's rollup tables (:func:`write`) to the rollup tables, late in
    the load's transaction. The rollup tables have no default partition (migration 0027),
    so an attach takes only SHARE UPDATE EXCLUSIVE on each: pages reading the rollups go
    on reading while a load (or a whole police.uk archive) is open."""
    db.execute(conn, "rollup_partitions_attach", {"extract_id": extract_id})
