"""A checked file written in one transaction: the ledger row, the rows by COPY, the
statements that place them, the rollups, what it covers, the quarantine and the audit
row; or the refusal on the ledger; or a file already loaded, audited.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import closing
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg.types.json import Jsonb

from geo.ingest import (
    _coverage,
    _rollups,
)
from geo.ingest._copy import INCIDENT_ID_SHIFT, copy_out, copy_parts, copy_quarantine
from geo.ingest._file import File, Read
from geo.ingest._incidents import BOUNDARY_TOLERANCE_M
from geo.ingest._kinds import POINT_STEPS
from geo.ingest._report import LoadResult, left_out_sentence, replaced_sentence
from geo.ingest._steps import Progress, Steps
from geo.store import db
from geo.store.audit import record

log = logging.getLogger("geo.ingest")
#: an incident this close to a place (m) counts for it
PLACE_DISTANCE_M = 50.0


@functools.cache
def _summer() -> ThreadPoolExecutor:
    """The one thread that sums loads' rollups while the database attaches their tables
    (made on first use; apart from the cells' thread, so that no load waits on another's
    rollups for its cells)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="contexts-rollups")


def write_file(conn: psycopg.Connection[Any], f: File, r: Read, actor: str, role: str,
               progress: Progress, steps: Steps | None = None) -> LoadResult:
    """Write a checked file in one transaction: the ledger row, the rows by COPY, the
    inserts that place them, the quarantine, what it covers and the audit row. Either all
    of it or none. Each step runs under its own statement timeout (``steps``): one that
    runs past it raises :class:`StepTimedOut`, and nothing is kept."""
    n_read, spec, name = r.rows, r.spec, f.name
    steps = steps or Steps(name, n_read)
    with steps.guarded(), closing(r.parts), conn.transaction():
        db.execute(conn, "load_settings")
        steps.at(conn, "ledger")
        # counted as the chunks are validated; updated below, in this transaction
        extract_id = ledger(conn, f.kind, name, f.sha, actor, (n_read, 0, n_read), {},
                            "loaded", fingerprint=f.fingerprint)
        steps.done("ledger")
        params = {
            "extract_id": extract_id,
            "place_distance": PLACE_DISTANCE_M,
            "boundary_tolerance": BOUNDARY_TOLERANCE_M,
            "id_shift": INCIDENT_ID_SHIFT,  # ids made in SQL as in Python
        }
        # incidents go into a table of their own, attached as a partition once checked
        # (migration 0008); other kinds go straight into theirs
        target = (db.scalar(conn, "incident_partition_new", params)
                  if spec.partitioned else None)
        db.execute(conn, spec.stage)
        # the rows are summed for the rollups here (the loader role may read the
        # record-key seed: migration 0018)
        rollups = (_rollups.Rollups(extract_id, int(db.scalar(conn, "disclosure_seed")))
                   if spec.partitioned else None)
        steps.at(conn, "copy")
        copied = copy_parts(conn, r.parts, spec.copy, target, extract_id,
                             lambda done, phase: progress(done, n_read, phase), rollups)
        n_ok, n_q, reasons = copied.loaded, copied.quarantined, copied.reasons
        if n_read != n_ok + n_q:
            raise RuntimeError(f"{name}: {n_read} rows read but {n_ok} loaded and "
                               f"{n_q} quarantined")
        steps.at(conn, "extract_counts")
        db.execute(conn, "extract_counts", {
            "extract_id": extract_id, "rows_loaded": n_ok, "rows_quarantined": n_q,
            "reasons": Jsonb(reasons)})
        steps.done("copied")
        progress(0, 1, "assigning places")
        written = copied.direct
        replaced = (_pairs(db.frame(conn, "outcome_replace", params))
                    if spec.replaces == "outcomes" else {})
        for step in spec.inserts:
            steps.at(conn, step)
            n = db.execute(conn, step, params, {"target": target} if target else None)
            written += 0 if step in POINT_STEPS else max(n, 0)
        summed: Future[list[tuple[str, pa.Table]]] | None = None
        rollups_made = False
        months: list[Any] = []
        if rollups is not None:
            steps.at(conn, "read_back")
            rollups.add_staged(copy_out(conn, "stage_incident_placed_rows"))
            rollups.forget_seed()
            if rollups.rows != written:
                raise RuntimeError(f"{name}: wrote {written} rows but kept {rollups.rows} "
                                   "for the rollups")
            months = rollups.months()  # before the rows go to be summed
            # summed and encoded while the database checks, indexes and attaches
            summed = _summer().submit(rollups.summed)
        try:
            if target:
                steps.at(conn, "incident_partition_attach")
                db.execute(conn, "incident_partition_attach", params)
                steps.done("attached")
                if spec.replaces == "incidents":
                    steps.at(conn, "duplicates")
                    replaced = _replace_incidents(conn, months, params)
            for name_after in spec.after:
                steps.at(conn, name_after)
                db.execute(conn, name_after, params)
        except BaseException:
            if summed is not None:  # its memory goes with the failed load, not after it
                wait([summed])
            raise
        if summed is not None:
            tables = summed.result()
            steps.at(conn, "rollups")
            rollups_made = _rollups.write(conn, extract_id, tables)
        if written != n_ok:
            raise RuntimeError(f"{name}: staged {n_ok} rows but wrote {written}")
        steps.at(conn, "coverage")
        covered = (_coverage.record(conn, extract_id, r.declared)
                   if r.declared is not None else None)
        steps.done("inserted")
        steps.at(conn, "quarantine")
        for q in copied.quarantine:
            copy_quarantine(conn, extract_id, q)
        steps.at(conn, "audit")
        record(conn, actor, role, "upload", f"{f.kind}:{name}", "loaded",
               {"extract_id": extract_id, "rows_read": n_read, "rows_loaded": n_ok,
                "rows_quarantined": n_q,
                **({"left_out": r.left_out} if r.left_out else {}),
                **({"replaced": {str(k): v for k, v in replaced.items()}} if replaced
                   else {})})
        if rollups_made:
            steps.at(conn, "rollup_partitions_attach")
            _rollups.attach(conn, extract_id)
        steps.done("audited")
    progress(1, 1, "done")
    log.info("%s: %s rows read, %s loaded, %s quarantined (extract %s)", name, n_read, n_ok,
             n_q, extract_id)
    message = f"{name}: {n_read} rows read, {n_ok} loaded, {n_q} quarantined" + (
        f" ({', '.join(f'{k}: {v}' for k, v in sorted(reasons.items()))})" if reasons else ""
    ) + _coverage.sentence(r.declared, covered) + replaced_sentence(
        replaced, "outcomes" if spec.replaces == "outcomes" else "incidents"
    ) + left_out_sentence(r.left_out)
    return LoadResult(int(extract_id), f.kind, f.sha, "loaded", n_read, n_ok, n_q,
                      {k: int(v) for k, v in reasons.items()}, message,
                      {str(k): v for k, v in sorted(replaced.items())},
                      left_out=list(r.left_out))


def _pairs(rows: pd.DataFrame) -> dict[int, int]:
    """``replaced_extract``, ``rows_replaced`` rows as a mapping."""
    return {int(e): int(n) for e, n in zip(rows["replaced_extract"], rows["rows_replaced"],
                                           strict=True)} if not rows.empty else {}


def _replace_incidents(conn: psycopg.Connection[Any], months: list[Any],
                       params: dict[str, Any]) -> dict[int, int]:
    """Delete the incidents of older extracts that this load's rows (its table just
    attached) give again (``duplicate_find``: the same crime key, or identical), record
    how many of each extract (migration 0021), and sum those extracts' monthly rollups again
    for the months touched. Skipped when no other extract has a row in the load's months
    (``duplicate_months``: an index probe)."""
    probe = {"months": months, "extract_id": params["extract_id"]}
    # one load at a time past this point: two overlapping loads running together could not
    # see each other's uncommitted rows, and both would keep the same records
    db.execute(conn, "duplicate_lock")
    if not months or not db.scalar(conn, "duplicate_months", probe):
        return {}
    db.execute(conn, "duplicate_find", probe)
    replaced = _pairs(db.frame(conn, "duplicate_replace", params))
    if replaced:
        db.execute(conn, "rollup_refresh_delete")
        db.execute(conn, "rollup_refresh_fill")
        db.execute(conn, "rollup_refresh_insert")
    return replaced


def ledger(conn: psycopg.Connection[Any], kind: str, name: str, sha: str, actor: str,
           counts: tuple[int, int, int], reasons: dict[str, int], status: str,
           message: str = "", fingerprint: str | None = None) -> int:
    """The ``extract`` row of a file: rows read, loaded and quarantined, and why; for
    pseudonymised identifiers the key's fingerprint (never the key)."""
    read, loaded, quarantined = counts
    return int(db.scalar(conn, "extract_insert", {
        "kind": kind, "file_name": name, "sha256": sha, "actor": actor, "rows_read": read,
        "rows_loaded": loaded, "rows_quarantined": quarantined, "reasons": Jsonb(reasons),
        "status": status, "message": message, "key_fingerprint": fingerprint}))


def reject(
    conn: psycopg.Connection[Any],
    kind: str,
    name: str,
    sha: str,
    rows: int,
    message: str,
    actor: str,
    role: str,
    fingerprint: str | None = None,
) -> LoadResult:
    with conn.transaction():
        extract_id = ledger(conn, kind, name, sha, actor, (rows, 0, 0), {}, "rejected", message,
                            fingerprint)
        record(
            conn, actor, role, "upload", f"{kind}:{name}", "rejected", {"extract_id": extract_id}
        )
    return LoadResult(int(extract_id), kind, sha, "rejected", rows, 0, 0, {}, message)


def already_loaded(conn: psycopg.Connection[Any], f: File, actor: str, role: str
                   ) -> LoadResult | None:
    """The same bytes loaded before: nothing changes, and the attempt is audited."""
    found = db.frame(conn, "extract_find", {"kind": f.kind, "sha256": f.sha})
    if found.empty:
        return None
    row = found.iloc[0]
    res = LoadResult(int(row.extract_id), f.kind, f.sha, "already_loaded", int(row.rows_read),
                     0, 0, {}, f"{f.name} was already loaded as extract "
                               f"{int(row.extract_id)}; nothing changed")
    with conn.transaction():
        record(conn, actor, role, "upload", f"{f.kind}:{f.name}", "already_loaded",
               {"extract_id": res.extract_id})
    return res
