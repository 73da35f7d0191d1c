"""Rows into the database by COPY: a validated file's chunks, as they come (each chunk's
rows its cells place straight into the extract's own table, the others into the stage),
Arrow tables in PostgreSQL's binary format, pandas frames as CSV, and the quarantined
rows with their reasons.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pgpq import ArrowToPostgresBinaryEncoder

from geo.ingest._incidents import Prepared
from geo.store import db

if TYPE_CHECKING:  # _rollups copies with this module's copy_frame
    from geo.ingest._rollups import Rollups

#: a load's incident ids are extract_id * 2**32 + source_row (sql/queries/incident_copy.sql)
INCIDENT_ID_SHIFT = 32
COPY_CHUNK = 100_000


def copy_frame(
    conn: psycopg.Connection[Any],
    copy_name: str,
    frame: pd.DataFrame | pa.Table,
    progress: Callable[[int], None],
    tables: dict[str, str] | None = None,
) -> None:
    """COPY ``frame`` in chunks, calling ``progress`` with the rows copied so far.

    An Arrow table goes in PostgreSQL's binary format (``pgpq`` encodes it; its types must
    be those of the columns), a pandas frame as CSV.
    """
    encoder = ArrowToPostgresBinaryEncoder(frame.schema) if isinstance(frame, pa.Table) else None
    with conn.cursor() as cur, cur.copy(db.statement(copy_name, tables)) as copy:
        if encoder is not None:
            copy.write(encoder.write_header())
        for start in range(0, max(len(frame), 1), COPY_CHUNK):
            if encoder is not None:
                for batch in frame.slice(start, COPY_CHUNK).to_batches():
                    copy.write(encoder.write_batch(batch))
            else:
                copy.write(_csv(frame.iloc[start : start + COPY_CHUNK]))
            progress(min(start + COPY_CHUNK, len(frame)))
        if encoder is not None:
            copy.write(encoder.finish())


def copy_out(conn: psycopg.Connection[Any], name: str) -> bytes:
    """What the named ``COPY ... TO STDOUT`` statement sends."""
    with conn.cursor() as cur, cur.copy(db.statement(name)) as copy:
        return b"".join(bytes(chunk) for chunk in copy)


def _csv(chunk: pd.DataFrame) -> bytes:
    """Rows as CSV for COPY: missing values and empty strings unquoted (NULL), timestamps
    as ``YYYY-MM-DD HH:MM:SS``. Arrow's writer is ten times faster than pandas'; columns
    Arrow cannot type (mixed Python objects) go through pandas.
    """
    try:
        table = pa.Table.from_pandas(chunk, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        buf = io.StringIO()
        chunk.to_csv(buf, header=False, index=False, date_format="%Y-%m-%d %H:%M:%S")
        return buf.getvalue().encode()
    for k, col in enumerate(table.columns):
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            table = table.set_column(k, table.field(k), pc.if_else(
                pc.equal(col, ""), pa.scalar(None, col.type), col))
    out = io.BytesIO()
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False))
    return out.getvalue()


def copy_quarantine(conn: psycopg.Connection[Any], extract_id: int, q: pd.DataFrame) -> None:
    if q.empty:
        return
    with conn.cursor() as cur, cur.copy(db.sql("quarantine_copy")) as copy:
        for row in q.itertuples(index=False):
            copy.write_row(
                (
                    extract_id,
                    int(row.row_number),
                    row.reason,
                    row.column_name,
                    row.detail,
                    json.dumps(row.row_values, default=str),
                )
            )


@dataclass
class Copied:
    """What the chunks of a file came to, as they were copied in."""

    loaded: int = 0
    quarantined: int = 0
    direct: int = 0  # rows copied straight into their table (incidents their cells place)
    reasons: dict[str, int] = field(default_factory=dict)
    quarantine: list[pd.DataFrame] = field(default_factory=list)


def copy_parts(conn: psycopg.Connection[Any], parts: Iterator[Prepared], copy_name: str,
               target: str | None, extract_id: int,
               progress: Callable[[int, str], None],
               rollups: Rollups | None = None) -> Copied:
    """COPY each validated chunk as it comes: rows their cells place straight into the
    extract's table ``target`` (ids = extract and row), and kept for the ``rollups``; the
    others into the stage."""
    out = Copied()
    for part in parts:
        direct = part.direct
        if target and direct is not None and len(direct):
            rows = direct.column("source_row").to_numpy().astype(np.int64)
            ids = (int(extract_id) << INCIDENT_ID_SHIFT) + rows
            keyed = (direct
                     .add_column(0, "extract_id",
                                 pa.array(np.full(len(direct), extract_id, dtype=np.int64)))
                     .add_column(0, "incident_id", pa.array(ids)))
            if rollups is not None:
                rollups.add(direct, ids)
            copy_frame(conn, "incident_copy", keyed,
                        lambda d: progress(out.loaded + d, "copying"), {"target": target})
            out.loaded += len(direct)
            out.direct += len(direct)
        copy_frame(conn, copy_name, part.rows, lambda d: progress(out.loaded + d, "copying"))
        out.loaded += len(part.rows)
        out.quarantined += len(part.quarantine)
        out.quarantine.append(part.quarantine)
        for k, v in [*Counter(part.quarantine["reason"]).items(), *part.notes.items()]:
            out.reasons[k] = out.reasons.get(k, 0) + int(v)
    return out
