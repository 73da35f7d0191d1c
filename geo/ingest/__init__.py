"""Ingest: one pipeline for every extract, from the command line and the upload page.

``load(kind, path)`` reads the file, rejects it if it carries direct identifiers, validates
every row (vectorised), and in **one transaction** writes the ledger row, bulk-loads the
valid rows with COPY, assigns them to wards, LSOAs, places and grid cells in PostGIS,
stores the quarantined rows with their reasons, and writes the audit row. Either all of
that happens or none of it: rows read = rows loaded + rows quarantined, always.

The modules, in the order of a load: :mod:`._file` (read and check the file),
:mod:`._kinds` (how each kind is validated and written), :mod:`._write` (the
transaction), :mod:`._copy` (COPY), :mod:`._rollups` (the monthly counts),
:mod:`._report` (what the load says); :mod:`._steps` (each step's timeout and the hooks).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

import pandas as pd

from geo.config import Settings, get_settings
from geo.ingest import _archive, _coverage, _upload_check
from geo.ingest._copy import INCIDENT_ID_SHIFT
from geo.ingest._file import (
    area_words,
    check_file,
    file_of,
    folder_digest,
    member_file,
)
from geo.ingest._guard import IdentifierFound, load_label
from geo.ingest._kinds import SPECS
from geo.ingest._read import UnreadableFile
from geo.ingest._report import LoadResult, archive_result
from geo.ingest._steps import (
    BeforeStep,
    OnStep,
    Progress,
    Steps,
    StepTimedOut,
    no_progress,
    no_step,
)
from geo.ingest._upload_check import RefusedUpload
from geo.ingest._write import already_loaded, reject, write_file
from geo.kinds import KINDS
from geo.store import db
from geo.store.audit import os_actor

log = logging.getLogger(__name__)

__all__ = ["KINDS", "SPECS", "LoadResult", "load", "IdentifierFound", "UnreadableFile",
           "area_words", "INCIDENT_ID_SHIFT", "quarantine_report"]


def load(
    kind: str,
    path: str | Path,
    *,
    actor: str | None = None,
    role: str = "analyst",
    file_name: str | None = None,
    sheet: str | None = None,
    progress: Progress = no_progress,
    settings: Settings | None = None,
    covers: _coverage.Covers = None,
    isolate: bool = False,
    layer: str | None = None,
    label: str | None = None,
    feature: str | None = None,
    before_step: BeforeStep | None = None,
    on_step: OnStep = no_step,
) -> LoadResult:
    """Load one extract file of ``kind``; see the module docstring for the guarantees.

    ``file_name``: an upload's original name (its extension tells the format; the name
    itself is never stored: the load is recorded as a neutral label and the file's digest,
    or as ``label``, an analyst's, when it passes the identifier guard); ``covers``: what
    an incidents file covers (``_coverage.resolve``; default the whole area), recorded with
    the load; ``isolate``: parse the file in a child process with CPU and memory limits
    (:mod:`geo.ingest._isolated`; the Upload page does); ``layer``: a GeoPackage's layer
    (needed when it has several); ``feature``: a feature layer's name (kind "features");
    ``before_step``: called before each step of the transaction, under the step's statement
    timeout (:mod:`geo.ingest._steps`; tests make a step run long with it); ``on_step``:
    called with the name of each stage of the transaction once it is done
    (:data:`geo.ingest._steps.OnStep`; the benchmark times the stages with it). The steps:
    recognise a file already loaded; read and
    check it (identifiers, columns, the key) or reject it; write it in one transaction;
    say what happened.
    """
    settings = settings or get_settings()
    actor = actor or os_actor()
    given = Path(file_name or Path(path).name)
    if Path(path).is_dir() or (given.suffix.lower() == ".zip"
                               and _archive.is_table_zip(Path(path))):
        return _load_archive(kind, Path(path), given.name, actor=actor, role=role,
                             settings=settings, progress=progress, covers=covers,
                             isolate=isolate, label=label, before_step=before_step,
                             on_step=on_step)
    f = file_of(kind, Path(path), file_name, settings, label)
    with db.connect("loader", settings) as conn:
        seen = already_loaded(conn, f, actor, role)
        if seen is not None:
            return seen
        try:
            progress(0, 1, "reading")
            read = check_file(conn, f, sheet, covers, settings, isolate, layer, feature=feature)
        except (IdentifierFound, UnreadableFile, RefusedUpload, ValueError) as exc:
            conn.rollback()
            rows = getattr(exc, "rows", 0)
            return reject(conn, f.kind, f.name, f.sha, rows, str(exc), actor, role,
                          f.fingerprint)
        steps = Steps(f.name, read.rows, settings.load_step_scale, before_step,
                      on_step=on_step)
        try:
            return write_file(conn, f, read, actor, role, progress, steps)
        except StepTimedOut as exc:  # the transaction rolled back whole
            log.warning("%s", exc)
            return reject(conn, f.kind, f.name, f.sha, read.rows, str(exc), actor, role,
                          f.fingerprint)


_REFUSED = (IdentifierFound, UnreadableFile, RefusedUpload, ValueError, StepTimedOut)


def _load_archive(kind: str, path: Path, given: str, *, actor: str, role: str,
                  settings: Settings, progress: Progress, covers: _coverage.Covers,
                  isolate: bool, label: str | None,
                  before_step: BeforeStep | None = None,
                  on_step: OnStep = no_step) -> LoadResult:
    """A police.uk download (a zip, or a folder from the command line, of monthly street,
    outcomes and stop-and-search CSVs: :mod:`geo.ingest._archive`): every file loaded as
    it would be alone, by its shape, all in **one transaction**; a file refused refuses the
    archive and nothing of it stays. A file loaded before (the same bytes) is left as it
    is; one report for the whole archive, a line a file."""
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    fingerprint = settings.key_fingerprint if SPECS[kind].pseudonymised else None
    if kind == "incidents":
        settings.check_pseudonym_key()
    is_dir = path.is_dir()
    sha = (folder_digest(path) if is_dir else hashlib.sha256(path.read_bytes()).hexdigest())
    name = load_label(kind, sha, label)
    with db.connect("loader", settings) as conn:
        try:
            if kind != "incidents":
                raise UnreadableFile(
                    f"{name}: a zip that is not a zipped Shapefile (no .shp in it) is loaded "
                    f"only as incidents, a police.uk download ({_archive.FORMAT}); a "
                    f"{kind} file is loaded on its own")
            if not is_dir:
                _upload_check.check(path, name, settings.max_upload_mb * 2**20,
                                    suffix_of=given)
            progress(0, 1, "reading the archive")
            members = (_archive.folder_members(path, name) if is_dir
                       else _archive.zip_members(path, name))
        except _REFUSED as exc:
            return reject(conn, kind, name, sha, 0, str(exc), actor, role, fingerprint)
        conn.commit()
        done: list[tuple[_archive.Member, LoadResult]] = []
        current: _archive.Member | None = None
        try:
            with tempfile.TemporaryDirectory(prefix="contexts-archive-") as tmp, \
                    conn.transaction():
                for k, m in enumerate(members):
                    current = m
                    progress(k, len(members), f"file {k + 1} of {len(members)}")
                    f = member_file(m, Path(tmp) / f"{k}.csv", settings)
                    seen = already_loaded(conn, f, actor, role)
                    if seen is None:
                        read = check_file(conn, f, None, covers, settings, isolate,
                                           commit=False, police=m.shape)
                        seen = write_file(conn, f, read, actor, role, no_progress, Steps(
                            f.name, read.rows, settings.load_step_scale, before_step,
                            on_step=on_step))
                        # the next file makes its stage tables again
                        db.execute(conn, "archive_stage_drop")
                    done.append((m, seen))
                on_step("archive")
        except _REFUSED as exc:
            rows = getattr(exc, "rows", 0)
            which = repr(current.name) if current is not None else "a file"
            return reject(conn, kind, name, sha, rows,
                           f"{name}: {which} was refused, so nothing from the archive was "
                           f"loaded (all or nothing): {exc}", actor, role, fingerprint)
    progress(1, 1, "done")
    return archive_result(kind, sha, name, done)


def quarantine_report(extract_id: int, settings: Settings | None = None) -> pd.DataFrame:
    """The quarantined rows of one extract: row number, reason, detail and values."""
    with db.connect("loader", settings) as conn:
        frame = db.frame(conn, "quarantine_report", {"extract_id": extract_id})
    if frame.empty:
        return frame
    values = pd.json_normalize(frame.pop("row_values").tolist())
    return pd.concat([frame.reset_index(drop=True), values], axis=1)
