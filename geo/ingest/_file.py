"""A file read and checked before anything of it is written: its bytes and digest, what
validation needs from the database (fetched while the file is read), its free-text
columns left out, the pseudonym key checked, the file refused whole or its rows ready to
be validated as they are copied.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import shapely

from geo.config import Settings
from geo.ingest import (
    _archive,
    _coverage,
    _features,
    _police,
    _upload_check,
)
from geo.ingest._cells import Cells, unpack
from geo.ingest._guard import (
    IdentifierFound,
    column_label,
    is_free_text_column,
    load_label,
    words_of,
)
from geo.ingest._incidents import BOUNDARY_TOLERANCE_M, Context, Prepared
from geo.ingest._kinds import OUTCOMES, SPECS, KindSpec, whole
from geo.ingest._read import Table, UnreadableFile, read_table
from geo.ingest._steps import Steps
from geo.ingest._upload_check import RefusedUpload
from geo.kinds import KINDS
from geo.store import db

#: below this many lines, PostGIS tests every point of an incidents file: quicker than
#: fetching the cells (half a second or more). Lines, not bytes: a short file with one
#: long cell is no reason to fetch them
CELLS_MIN_LINES = 8_000


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


@functools.cache
def _fetcher() -> ThreadPoolExecutor:
    """The one thread that fetches cells while a file is read (made on first use)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="contexts-cells")


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


@dataclass
class Read:
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


@dataclass(frozen=True)
class File:
    """What a load knows of its file before reading it."""

    kind: str
    path: Path
    data: bytes
    sha: str
    given: str  # the name as given (its suffix says how to read it)
    name: str  # the name recorded: a neutral label, or the analyst's if it passes the guard
    fingerprint: str | None


def file_of(kind: str, path: Path, file_name: str | None, settings: Settings,
            label: str | None = None) -> File:
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if SPECS[kind].pseudonymised:
        settings.check_pseudonym_key()  # the public demo key, outside demo mode: refused
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    given = file_name or path.name
    return File(kind, path, data, sha, given, load_label(kind, sha, label),
                 settings.key_fingerprint if SPECS[kind].pseudonymised else None)


def member_file(m: _archive.Member, tmp: Path, settings: Settings) -> File:
    """An archive's file as a load of its own: its bytes written to ``tmp`` (the Upload
    page's child process reads them there), recorded as the month, kind and force."""
    tmp.write_bytes(m.data)
    sha = hashlib.sha256(m.data).hexdigest()
    return File("incidents", tmp, m.data, sha, tmp.name, load_label("incidents", sha, m.label),
                 settings.key_fingerprint)


def folder_digest(path: Path) -> str:
    """A folder's digest: of its files' relative names and contents."""
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file() and not q.is_symlink()):
        h.update(p.relative_to(path).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


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


def check_file(conn: psycopg.Connection[Any], f: File, sheet: str | None,
               covers: _coverage.Covers, settings: Settings, isolate: bool = False,
               layer: str | None = None, commit: bool = True, police: str | None = None,
               feature: str | None = None) -> Read:
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
        prepare = (whole(functools.partial(_features.prepare_features, layer=feature))
                   if f.kind == "features" else spec.prepare)
        parts = prepare(table, ctx, f.name, settings)
    except (IdentifierFound, UnreadableFile, RefusedUpload, ValueError) as exc:
        exc.rows = len(table)  # type: ignore[attr-defined]
        raise
    return Read(spec, parts, declared, len(table), left_out)
