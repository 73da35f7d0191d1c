"""Ingest: one pipeline for every extract, from the command line and the upload page.

``load(kind, path)`` reads the file, rejects it if it carries direct identifiers, validates
every row (vectorised), and in **one transaction** writes the ledger row, bulk-loads the
valid rows with COPY, assigns them to wards, LSOAs, places and grid cells in PostGIS,
stores the quarantined rows with their reasons, and writes the audit row. Either all of
that happens or none of it: rows read = rows loaded + rows quarantined, always.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import tempfile
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely
from pgpq import ArrowToPostgresBinaryEncoder
from psycopg.types.json import Jsonb

from geo.config import Settings, get_settings
from geo.ingest import (
    _archive,
    _coverage,
    _features,
    _incidents,
    _police,
    _polygons,
    _records,
    _rollups,
    _upload_check,
)
from geo.ingest._background import ahead
from geo.ingest._cells import Cells, unpack
from geo.ingest._guard import (
    FREE_TEXT_LEFT_OUT,
    IdentifierFound,
    column_label,
    is_free_text_column,
    load_label,
    words_of,
)
from geo.ingest._incidents import BOUNDARY_TOLERANCE_M, Context, Prepared
from geo.ingest._incidents import prepare_outcomes as _police_outcomes
from geo.ingest._read import Table, UnreadableFile, read_table
from geo.ingest._steps import BeforeStep, Steps, StepTimedOut
from geo.ingest._upload_check import RefusedUpload
from geo.kinds import KINDS
from geo.store import db
from geo.store.audit import os_actor, record

Progress = Callable[[int, int, str], None]
log = logging.getLogger(__name__)

#: a load's incident ids are extract_id * 2**32 + source_row (sql/queries/incident_copy.sql)
INCIDENT_ID_SHIFT = 32
#: an incident this close to a place (m) counts for it
PLACE_DISTANCE_M = 50.0
COPY_CHUNK = 100_000
#: below this many lines, PostGIS tests every point of an incidents file: quicker than
#: fetching the cells (half a second or more). Lines, not bytes: a short file with one
#: long cell is no reason to fetch them
CELLS_MIN_LINES = 8_000

__all__ = ["KINDS", "SPECS", "LoadResult", "load", "IdentifierFound", "UnreadableFile",
           "area_words"]


@dataclass
class LoadResult:
    """What happened to one file; printed by ``contexts load --json``."""

    extract_id: int | None
    kind: str
    file_sha256: str
    status: Literal["loaded", "already_loaded", "rejected"]
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    message: str = ""
    #: records of older extracts this one replaced (the same crimes again), by extract id
    replaced: dict[str, int] = field(default_factory=dict)
    #: a police.uk download's files, each as loaded (``name`` and its own result)
    members: list[dict[str, Any]] = field(default_factory=list)
    #: the file's columns left out because they hold free text (as messages name them)
    left_out: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _noop(done: int, total: int, phase: str) -> None:
    return None


def _lines(data: bytes) -> int:
    """About how many lines a text file has (a spreadsheet's size, for an .xlsx)."""
    if data[:2] == b"PK":  # a zip: an .xlsx's rows cannot be counted without reading it
        return len(data) // 20  # about 20 compressed bytes a row
    return max(data.count(b"\n"), data.count(b"\r"))


def area_words(conn: psycopg.Connection[Any]) -> frozenset[str]:
    """The words of the area's own names (area, wards, LSOAs, places): free text naming
    them does not name a person (``_guard.person_name_in``)."""
    return words_of(db.frame(conn, "ingest_known_names")["name"])


def _fetch_cells(settings: Settings) -> Cells:
    """The cells that place most incidents with no geometry test (``_cells``), fetched on a
    connection of their own, so that a load can fetch them while it reads its file."""
    with db.connect("loader", settings) as conn:
        area, near, packed, pairs, place_fine = (db.arrow(conn, name) for name in (
            "ingest_cells", "ingest_place_cells", "ingest_cells_fine", "ingest_area_pairs",
            "ingest_place_cells_fine"))
    return Cells.from_frames(area, near, unpack(packed), pairs, place_fine)


def _context(conn: psycopg.Connection[Any], settings: Settings,
             cells: Future[Cells] | None = None) -> Context:
    """What validation needs from the database (and the cells, when fetched: validation
    waits for them when it needs them)."""
    wkb = db.scalar(conn, "ingest_boundary", {"tolerance": BOUNDARY_TOLERANCE_M})
    codes = db.frame(conn, "ingest_codes")

    def of(kind: str) -> pd.DataFrame:
        return codes[codes["kind"] == kind]

    def vocab(name: str) -> pd.DataFrame:
        return db.frame(conn, "vocabulary", {"vocab": name})

    boundary = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
    if boundary is not None:
        shapely.prepare(boundary)
    places = of("place")
    return Context(
        boundary=boundary,
        ward_codes=set(of("ward")["code"]),
        lsoa_codes=set(of("lsoa")["code"]),
        harm_types=vocab("harm_type"),
        risk_levels=vocab("risk_level"),
        age_bands=vocab("age_band"),
        place_refs=dict(zip(places["code"], places["id"].astype(int), strict=True)),
        place_categories=set(of("place_category")["code"]),
        intervention_types=set(of("intervention_type")["code"]),
        pseudonym_key=settings.pseudonym_key,
        known_words=area_words(conn),
        cells_pending=cells,
    )


def _copy_frame(
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


def _copy_out(conn: psycopg.Connection[Any], name: str) -> bytes:
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


def _copy_quarantine(conn: psycopg.Connection[Any], extract_id: int, q: pd.DataFrame) -> None:
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


@functools.cache
def _summer() -> ThreadPoolExecutor:
    """The one thread that sums loads' rollups while the database attaches their tables
    (made on first use; apart from the cells' thread, so that no load waits on another's
    rollups for its cells)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="contexts-rollups")


@functools.cache
def _fetcher() -> ThreadPoolExecutor:
    """The one thread that fetches cells while a file is read (made on first use)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="contexts-cells")


def _checkpoint(step: str) -> None:
    """Called between the steps of a load's transaction with the step's name ("ledger",
    "copied", "attached" (incidents only), "inserted" (after the rollups), "audited").
    Does nothing: the fault-injection tests replace it (``monkeypatch``) to fail a load
    mid-way and check that nothing was written; the ingest benchmark to time the steps."""


Prepare = Callable[[Table, Context, str, Settings], Generator[Prepared, None, None]]


def _whole(fn: Callable[[Table, Context, str], Prepared]) -> Prepare:
    """A kind validated in one piece."""
    def prepare(table: Table, ctx: Context, name: str, settings: Settings
                ) -> Generator[Prepared, None, None]:
        part = fn(table, ctx, name)  # now: what rejects the file is raised before writing
        return (p for p in (part,))

    return prepare


def _boundaries(kind: str) -> Prepare:
    def prepare(table: Table, ctx: Context, name: str, settings: Settings
                ) -> Generator[Prepared, None, None]:
        part = _polygons.prepare_boundaries(table, ctx, name, kind,
                                            (settings.area_code, settings.area_name))
        return (p for p in (part,))

    return prepare


#: statements that prepare the incidents' insert (their row counts are not the file's rows)
_POINT_STEPS = ("stage_incident_index", "stage_incident_analyze", "stage_point_ward",
                "stage_point_ward_near", "stage_point_lsoa", "stage_point_lsoa_near",
                "stage_point_place", "stage_point_found_analyze", "stage_incident_placed",
                "incident_place", "incident_place_area")


@dataclass(frozen=True)
class KindSpec:
    """How one kind of file is loaded: validated by ``prepare`` (chunks of rows and
    quarantine), COPY'd into the ``stage`` table by ``copy``, written by the ``inserts``
    (in order; those in :data:`_POINT_STEPS` prepare and write no rows of the file), then
    the ``after`` statements refresh what depends on it."""

    prepare: Prepare
    stage: str
    copy: str
    inserts: tuple[str, ...]
    after: tuple[str, ...] = ()
    #: identifiers pseudonymised with the key: the extract records its fingerprint, and the
    #: demo key is refused outside demo mode
    pseudonymised: bool = False
    #: rows go into a table of their own, attached as a partition (migration 0008); large
    #: files fetch the 50 m and 10 m cells while they are read; the file may declare what
    #: it covers
    partitioned: bool = False
    #: what the kind's rows replace of older extracts' when they are the same records
    #: (migration 0021): "incidents" (after the inserts, before the table is attached) or
    #: "outcomes" (before the insert)
    replaces: str | None = None


SPECS: dict[str, KindSpec] = {
    # validated a chunk at a time in the background while the chunks before are copied
    "incidents": KindSpec(
        lambda table, ctx, name, settings: ahead(_incidents.prepare_chunks(table, ctx, name)),
        "stage_incident", "stage_incident_copy",
        (*_POINT_STEPS, "incident_insert"),
        # the loader sums the monthly rollups (migration 0018: _rollups) itself, and
        # rollup_place_person (0019) its keyed incidents at places
        after=("rollup_place_person_add",),
        pseudonymised=True, partitioned=True, replaces="incidents"),
    "interventions": KindSpec(_whole(_records.prepare_interventions), "stage_intervention",
                              "stage_intervention_copy", ("intervention_upsert",)),
    "places": KindSpec(_whole(_polygons.prepare_places), "stage_place", "stage_place_copy",
                       ("place_upsert",), after=("place_cells_refresh",)),
    "assessments": KindSpec(_whole(_records.prepare_assessments), "stage_assessment",
                            "stage_assessment_copy", ("assessment_insert",)),
    "wards": KindSpec(_boundaries("wards"), "stage_polygon", "stage_polygon_copy",
                      ("ward_upsert",), after=("area_refresh", "area_cells_refresh")),
    "lsoas": KindSpec(_boundaries("lsoas"), "stage_polygon", "stage_polygon_copy",
                      ("lsoa_upsert",), after=("area_cells_refresh",)),
    "population": KindSpec(_whole(_records.prepare_population), "stage_population",
                           "stage_population_copy", ("population_upsert",)),
    # feature layers for risk terrain modelling (issue #35): the layer's name comes with
    # the load (``feature``), so the spec's own prepare only refuses a load without one
    "features": KindSpec(_whole(lambda t, c, n: _features.prepare_features(t, c, n, None)),
                         "stage_feature", "stage_feature_copy", ("feature_insert",)),
}
#: police.uk outcomes files, given as incidents: what became of crimes, into crime_outcome
OUTCOMES = KindSpec(_whole(_police_outcomes), "stage_outcome", "stage_outcome_copy",
                    ("outcome_insert",), replaces="outcomes")


@dataclass
class _Read:
    """A file read and checked, ready to write: its rows (validated as the parts are
    taken), how to write them and what it declares it covers."""

    spec: KindSpec
    parts: Generator[Prepared, None, None]
    declared: Any
    #: the rows read (the rows themselves are the parts': gone once copied, so that a
    #: large file's rollups have room)
    rows: int
    #: the free-text columns left out (as messages name them)
    left_out: list[str] = field(default_factory=list)


def _without_free_text(table: Table) -> tuple[Table, list[str]]:
    """The table without its free-text columns (:func:`_guard.is_free_text_column`: a
    description, notes, a summary, factors...), and those columns as messages name them.
    Free text from a file is never stored, by construction: its values are not scanned,
    validated, quarantined or kept; text typed on a page is, after the guard."""
    columns = [str(c) for c in table.columns.columns]
    free = [c for c in columns if is_free_text_column(c)]
    if not free:
        return table, []
    formulas = {row: kept for row, cols in table.formula_cells.items()
                if (kept := [c for c in cols if c not in free])}
    return (replace(table, columns=table.columns.drop(columns=free),
                    formula_cells=formulas),
            [column_label(c, columns) for c in free])


def _left_out_sentence(left_out: list[str]) -> str:
    if not left_out:
        return ""
    which = ", ".join(left_out)
    return (f"; column{'s' if len(left_out) > 1 else ''} {which} left out: "
            f"{FREE_TEXT_LEFT_OUT}")


@dataclass(frozen=True)
class _File:
    """What a load knows of its file before reading it."""

    kind: str
    path: Path
    data: bytes
    sha: str
    given: str  # the name as given (its suffix says how to read it)
    name: str  # the name recorded: a neutral label, or the analyst's if it passes the guard
    fingerprint: str | None


def load(
    kind: str,
    path: str | Path,
    *,
    actor: str | None = None,
    role: str = "analyst",
    file_name: str | None = None,
    sheet: str | None = None,
    progress: Progress = _noop,
    settings: Settings | None = None,
    covers: _coverage.Covers = None,
    isolate: bool = False,
    layer: str | None = None,
    label: str | None = None,
    feature: str | None = None,
    before_step: BeforeStep | None = None,
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
    timeout (:mod:`geo.ingest._steps`; tests make a step run long with it). The steps:
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
                             isolate=isolate, label=label, before_step=before_step)
    f = _file(kind, Path(path), file_name, settings, label)
    with db.connect("loader", settings) as conn:
        seen = _already_loaded(conn, f, actor, role)
        if seen is not None:
            return seen
        try:
            progress(0, 1, "reading")
            read = _read(conn, f, sheet, covers, settings, isolate, layer, feature=feature)
        except (IdentifierFound, UnreadableFile, RefusedUpload, ValueError) as exc:
            conn.rollback()
            rows = getattr(exc, "rows", 0)
            return _reject(conn, f.kind, f.name, f.sha, rows, str(exc), actor, role,
                           f.fingerprint)
        steps = Steps(f.name, read.rows, settings.load_step_scale, before_step)
        try:
            return _write(conn, f, read, actor, role, progress, steps)
        except StepTimedOut as exc:  # the transaction rolled back whole
            log.warning("%s", exc)
            return _reject(conn, f.kind, f.name, f.sha, read.rows, str(exc), actor, role,
                           f.fingerprint)


def _file(kind: str, path: Path, file_name: str | None, settings: Settings,
          label: str | None = None) -> _File:
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if SPECS[kind].pseudonymised:
        settings.check_pseudonym_key()  # the public demo key, outside demo mode: refused
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    given = file_name or path.name
    return _File(kind, path, data, sha, given, load_label(kind, sha, label),
                 settings.key_fingerprint if SPECS[kind].pseudonymised else None)


_REFUSED = (IdentifierFound, UnreadableFile, RefusedUpload, ValueError, StepTimedOut)


def _load_archive(kind: str, path: Path, given: str, *, actor: str, role: str,
                  settings: Settings, progress: Progress, covers: _coverage.Covers,
                  isolate: bool, label: str | None,
                  before_step: BeforeStep | None = None) -> LoadResult:
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
    sha = (_folder_digest(path) if is_dir else hashlib.sha256(path.read_bytes()).hexdigest())
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
            return _reject(conn, kind, name, sha, 0, str(exc), actor, role, fingerprint)
        conn.commit()
        done: list[tuple[_archive.Member, LoadResult]] = []
        current: _archive.Member | None = None
        try:
            with tempfile.TemporaryDirectory(prefix="contexts-archive-") as tmp, \
                    conn.transaction():
                for k, m in enumerate(members):
                    current = m
                    progress(k, len(members), f"file {k + 1} of {len(members)}")
                    f = _member_file(m, Path(tmp) / f"{k}.csv", settings)
                    seen = _already_loaded(conn, f, actor, role)
                    if seen is None:
                        read = _read(conn, f, None, covers, settings, isolate,
                                     commit=False, police=m.shape)
                        seen = _write(conn, f, read, actor, role, _noop, Steps(
                            f.name, read.rows, settings.load_step_scale, before_step))
                        # the next file makes its stage tables again
                        db.execute(conn, "archive_stage_drop")
                    done.append((m, seen))
                _checkpoint("archive")
        except _REFUSED as exc:
            rows = getattr(exc, "rows", 0)
            which = repr(current.name) if current is not None else "a file"
            return _reject(conn, kind, name, sha, rows,
                           f"{name}: {which} was refused, so nothing from the archive was "
                           f"loaded (all or nothing): {exc}", actor, role, fingerprint)
    progress(1, 1, "done")
    return _archive_result(kind, sha, name, done)


def _folder_digest(path: Path) -> str:
    """A folder's digest: of its files' relative names and contents."""
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file() and not q.is_symlink()):
        h.update(p.relative_to(path).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _member_file(m: _archive.Member, tmp: Path, settings: Settings) -> _File:
    """An archive's file as a load of its own: its bytes written to ``tmp`` (the Upload
    page's child process reads them there), recorded as the month, kind and force."""
    tmp.write_bytes(m.data)
    sha = hashlib.sha256(m.data).hexdigest()
    return _File("incidents", tmp, m.data, sha, tmp.name, load_label("incidents", sha, m.label),
                 settings.key_fingerprint)


def _archive_result(kind: str, sha: str, name: str,
                    done: list[tuple[_archive.Member, LoadResult]]) -> LoadResult:
    """One report for an archive: its totals, then a line a file."""
    results = [r for _, r in done]
    new = [r for r in results if r.status == "loaded"]
    read, ok, q = (sum(getattr(r, a) for r in new)
                   for a in ("rows_read", "rows_loaded", "rows_quarantined"))
    reasons: Counter[str] = Counter()
    replaced: Counter[str] = Counter()
    for r in new:
        reasons.update(r.reasons)
        replaced.update(r.replaced)
    before = len(results) - len(new)
    head = (f"{name}: a police.uk download of {len(results)} files, loaded in one "
            f"transaction: {read} rows read, {ok} loaded, {q} quarantined"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(reasons.items()))})"
               if reasons else "")
            + (f"; {sum(replaced.values())} records already loaded from extract(s) "
               f"{', '.join(sorted(replaced, key=int))}: replaced by this download's (the "
               "newer extract wins)" if replaced else "")
            + (f"; {before} of its files were loaded before (nothing changed for them)"
               if before else ""))
    if not new:
        head = (f"{name}: every one of the {len(results)} files of this police.uk download "
                "was loaded before; nothing changed")
    lines = [head, *(f"- {m.name}: {r.message}" for m, r in done)]
    return LoadResult(None, kind, sha, "loaded" if new else "already_loaded", read, ok, q,
                      dict(reasons), "\n".join(lines), dict(replaced),
                      [{"name": m.name, **r.as_dict()} for m, r in done])


def _already_loaded(conn: psycopg.Connection[Any], f: _File, actor: str, role: str
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


def _read(conn: psycopg.Connection[Any], f: _File, sheet: str | None,
          covers: _coverage.Covers, settings: Settings, isolate: bool = False,
          layer: str | None = None, commit: bool = True, police: str | None = None,
          feature: str | None = None) -> _Read:
    """Read and check the file; raise what rejects it whole (the error carries ``rows``,
    the rows read, once the file is read). ``commit``: end the transaction that read what
    validation needs (not inside an archive's transaction); ``police``: the police.uk
    shape the file must have (an archive's file: the shape its name says)."""
    spec = SPECS[f.kind]
    # what validation reads from the database: lookups, seconds each
    Steps(f.name, scale=settings.load_step_scale).at(conn, "lookup")
    if f.fingerprint:
        _same_key(conn, f.kind, f.fingerprint)
    _upload_check.check(f.path, f.name, settings.max_upload_mb * 2**20, suffix_of=f.given)
    # fetched while the file is read
    cells = (_fetcher().submit(_fetch_cells, settings)
             if spec.partitioned and _lines(f.data) >= CELLS_MIN_LINES else None)
    if isolate:  # away from this process (the app's), with CPU and memory limits
        from geo.ingest import _isolated

        table = _isolated.read_table(f.path, sheet, name=f.name, suffix_of=f.given,
                                     layer=layer)
    else:  # the bytes hashed above, not read again
        table = read_table(f.path, sheet, f.data, name=f.name, suffix_of=f.given,
                           layer=layer)
    try:
        if len(table) == 0:
            raise UnreadableFile(f"{f.name}: the file has a header but no rows"
                                 if table.geometry is None
                                 else f"{f.name}: the file has no features")
        declared = (_coverage.resolve(conn, covers, isolate) if spec.partitioned
                    else None)
        if covers is not None and declared is None:
            raise ValueError(f"only an incidents file declares what it covers, not {f.kind}")
        ctx = _context(conn, settings, cells)
        if commit:
            conn.commit()
        table, left_out = _without_free_text(table)
        shape = _police.shape(list(table.columns.columns))
        if police is not None and shape != police:
            raise UnreadableFile(f"{f.name}: its header is not that of a police.uk "
                                 f"{police.replace('_', '-')} file, as its name says")
        if f.kind == "incidents" and shape == "outcomes":
            spec, declared = OUTCOMES, None  # what became of crimes: no incidents to cover
        prepare = (_whole(functools.partial(_features.prepare_features, layer=feature))
                   if f.kind == "features" else spec.prepare)
        parts = prepare(table, ctx, f.name, settings)
    except (IdentifierFound, UnreadableFile, RefusedUpload, ValueError) as exc:
        exc.rows = len(table)  # type: ignore[attr-defined]
        raise
    return _Read(spec, parts, declared, len(table), left_out)


def _write(conn: psycopg.Connection[Any], f: _File, r: _Read, actor: str, role: str,
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
        extract_id = _ledger(conn, f.kind, name, f.sha, actor, (n_read, 0, n_read), {},
                             "loaded", fingerprint=f.fingerprint)
        _checkpoint("ledger")
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
        copied = _copy_parts(conn, r.parts, spec.copy, target, extract_id,
                             lambda done, phase: progress(done, n_read, phase), rollups)
        n_ok, n_q, reasons = copied.loaded, copied.quarantined, copied.reasons
        if n_read != n_ok + n_q:
            raise RuntimeError(f"{name}: {n_read} rows read but {n_ok} loaded and "
                               f"{n_q} quarantined")
        steps.at(conn, "extract_counts")
        db.execute(conn, "extract_counts", {
            "extract_id": extract_id, "rows_loaded": n_ok, "rows_quarantined": n_q,
            "reasons": Jsonb(reasons)})
        _checkpoint("copied")
        progress(0, 1, "assigning places")
        written = copied.direct
        replaced = (_pairs(db.frame(conn, "outcome_replace", params))
                    if spec.replaces == "outcomes" else {})
        for step in spec.inserts:
            steps.at(conn, step)
            n = db.execute(conn, step, params, {"target": target} if target else None)
            written += 0 if step in _POINT_STEPS else max(n, 0)
        summed: Future[list[tuple[str, pa.Table]]] | None = None
        months: list[Any] = []
        if rollups is not None:
            steps.at(conn, "read_back")
            rollups.add_staged(_copy_out(conn, "stage_incident_placed_rows"))
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
                _checkpoint("attached")
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
            while tables:  # each let go once copied
                rollup, rows = tables.pop(0)
                names = {"rollup": rollup, "stage": f"stage_{rollup}"}
                db.execute(conn, "rollup_stage", None, names)
                _copy_frame(conn, "rollup_copy", rows, lambda done: None, names)
                del rows
                db.execute(conn, "rollup_insert", None, names)
        if written != n_ok:
            raise RuntimeError(f"{name}: staged {n_ok} rows but wrote {written}")
        steps.at(conn, "coverage")
        covered = (_coverage.record(conn, extract_id, r.declared)
                   if r.declared is not None else None)
        _checkpoint("inserted")
        steps.at(conn, "quarantine")
        for q in copied.quarantine:
            _copy_quarantine(conn, extract_id, q)
        steps.at(conn, "audit")
        record(conn, actor, role, "upload", f"{f.kind}:{name}", "loaded",
               {"extract_id": extract_id, "rows_read": n_read, "rows_loaded": n_ok,
                "rows_quarantined": n_q,
                **({"left_out": r.left_out} if r.left_out else {}),
                **({"replaced": {str(k): v for k, v in replaced.items()}} if replaced
                   else {})})
        _checkpoint("audited")
    progress(1, 1, "done")
    log.info("%s: %s rows read, %s loaded, %s quarantined (extract %s)", name, n_read, n_ok,
             n_q, extract_id)
    message = f"{name}: {n_read} rows read, {n_ok} loaded, {n_q} quarantined" + (
        f" ({', '.join(f'{k}: {v}' for k, v in sorted(reasons.items()))})" if reasons else ""
    ) + _coverage.sentence(r.declared, covered) + _replaced_sentence(
        replaced, "outcomes" if spec.replaces == "outcomes" else "incidents"
    ) + _left_out_sentence(r.left_out)
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


def _replaced_sentence(replaced: dict[int, int], what: str) -> str:
    """"; 272 incidents already loaded from extract 5: replaced (the newer file's kept)"."""
    if not replaced:
        return ""
    parts = [f"{n} from extract {e}" for e, n in sorted(replaced.items())]
    first = parts[0].replace(" from", f" {what} already loaded from", 1)
    listed = ", ".join([first, *parts[1:]])
    return (f"; {listed}: replaced by this file's (the newer extract wins, so none counts "
            "twice)")


@dataclass
class _Copied:
    """What the chunks of a file came to, as they were copied in."""

    loaded: int = 0
    quarantined: int = 0
    direct: int = 0  # rows copied straight into their table (incidents their cells place)
    reasons: dict[str, int] = field(default_factory=dict)
    quarantine: list[pd.DataFrame] = field(default_factory=list)


def _copy_parts(conn: psycopg.Connection[Any], parts: Iterator[Prepared], copy_name: str,
                target: str | None, extract_id: int,
                progress: Callable[[int, str], None],
                rollups: _rollups.Rollups | None = None) -> _Copied:
    """COPY each validated chunk as it comes: rows their cells place straight into the
    extract's table ``target`` (ids = extract and row), and kept for the ``rollups``; the
    others into the stage."""
    out = _Copied()
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
            _copy_frame(conn, "incident_copy", keyed,
                        lambda d: progress(out.loaded + d, "copying"), {"target": target})
            out.loaded += len(direct)
            out.direct += len(direct)
        _copy_frame(conn, copy_name, part.rows, lambda d: progress(out.loaded + d, "copying"))
        out.loaded += len(part.rows)
        out.quarantined += len(part.quarantine)
        out.quarantine.append(part.quarantine)
        for k, v in [*Counter(part.quarantine["reason"]).items(), *part.notes.items()]:
            out.reasons[k] = out.reasons.get(k, 0) + int(v)
    return out


def _ledger(conn: psycopg.Connection[Any], kind: str, name: str, sha: str, actor: str,
            counts: tuple[int, int, int], reasons: dict[str, int], status: str,
            message: str = "", fingerprint: str | None = None) -> int:
    """The ``extract`` row of a file: rows read, loaded and quarantined, and why; for
    pseudonymised identifiers the key's fingerprint (never the key)."""
    read, loaded, quarantined = counts
    return int(db.scalar(conn, "extract_insert", {
        "kind": kind, "file_name": name, "sha256": sha, "actor": actor, "rows_read": read,
        "rows_loaded": loaded, "rows_quarantined": quarantined, "reasons": Jsonb(reasons),
        "status": status, "message": message, "key_fingerprint": fingerprint}))


class KeyChanged(ValueError):
    """The pseudonym key is not the one the loaded extracts were made with."""


def _same_key(conn: psycopg.Connection[Any], kind: str, fingerprint: str) -> None:
    """Refuse a load whose pseudonyms would not match those already loaded."""
    other = db.frame(conn, "extract_keys", {"kind": kind, "fingerprint": fingerprint})
    if not other.empty:
        r = other.iloc[0]
        raise KeyChanged(
            f"The pseudonym key has changed: {int(r['extracts'])} loaded {kind} extract(s) "
            f"(the first is extract {int(r['first'])}) were made with the key of fingerprint "
            f"{r['key_fingerprint']}, this one has {fingerprint}. Their pseudonyms would not "
            "match, so the same young person would count twice. Restore the key those "
            "extracts were loaded with (CONTEXTS_PSEUDONYM_KEY), or purge them first.")


def _reject(
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
        extract_id = _ledger(conn, kind, name, sha, actor, (rows, 0, 0), {}, "rejected", message,
                             fingerprint)
        record(
            conn, actor, role, "upload", f"{kind}:{name}", "rejected", {"extract_id": extract_id}
        )
    return LoadResult(int(extract_id), kind, sha, "rejected", rows, 0, 0, {}, message)


def quarantine_report(extract_id: int, settings: Settings | None = None) -> pd.DataFrame:
    """The quarantined rows of one extract: row number, reason, detail and values."""
    with db.connect("loader", settings) as conn:
        frame = db.frame(conn, "quarantine_report", {"extract_id": extract_id})
    if frame.empty:
        return frame
    values = pd.json_normalize(frame.pop("row_values").tolist())
    return pd.concat([frame.reset_index(drop=True), values], axis=1)
