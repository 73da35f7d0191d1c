"""Checks on an uploaded file before any parser sees it.

An upload is refused when its last extension is not one we read (``data.csv.exe``), when
its content does not match its extension (a binary renamed ``.csv``, an ``.xlsx`` that is
not a zip), when it is larger than the limit, or when an ``.xlsx`` (a zip of XML)
would expand beyond the decompressed-size cap or by a suspicious ratio (a zip bomb).
XML inside ``.xlsx`` is parsed by openpyxl with defusedxml, which refuses entity bombs.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from geo.ingest._read import text_encoding

ALLOWED = {".csv", ".txt", ".tsv", ".xlsx", ".geojson", ".json", ".gpkg", ".zip"}
MAX_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED = 500 * 1024 * 1024
MAX_RATIO = 100


class RefusedUpload(ValueError):
    """The file is refused before parsing; the message says why."""


def check(path: Path, name: str, max_bytes: int = MAX_BYTES,
          suffix_of: str | None = None) -> None:
    """Raise :class:`RefusedUpload` unless the file may be parsed. ``name`` is the name
    messages give it; ``suffix_of`` the name it was uploaded as (its extensions count),
    when that is not ``name``."""
    parts = [p.lower() for p in Path(suffix_of or name).suffixes]
    if not parts or parts[-1] not in ALLOWED:
        raise RefusedUpload(f"{name}: files of this type are not accepted (use CSV, .xlsx, "
                            "GeoJSON, GeoPackage or a zipped Shapefile)")
    size = path.stat().st_size
    if size > max_bytes:
        raise RefusedUpload(f"{name}: {size / 2**20:.0f} MB is over the "
                            f"{max_bytes / 2**20:.0f} MB limit")
    if size == 0:
        raise RefusedUpload(f"{name}: the file is empty")
    head = path.read_bytes()[:8192]
    suffix = parts[-1]
    if suffix in (".xlsx", ".zip"):
        if not zipfile.is_zipfile(path):
            raise RefusedUpload(f"{name}: not a valid {suffix} file (its content is not a zip)")
        _check_zip(path, name, size)
    elif suffix == ".gpkg":
        if not head.startswith(b"SQLite format 3\x00"):
            raise RefusedUpload(f"{name}: not a GeoPackage (its content is not SQLite)")
    elif head.startswith((b"MZ", b"\x7fELF", b"PK\x03\x04", b"%PDF")) or (
            b"\x00" in head and text_encoding(head) is None):  # UTF-16/32 text has zero bytes
        raise RefusedUpload(f"{name}: binary content in a text file")


def _check_zip(path: Path, name: str, size: int) -> None:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if len(infos) > 10_000:
            raise RefusedUpload(f"{name}: too many entries in the archive")
    if total > MAX_UNZIPPED or total > MAX_RATIO * max(size, 1) and total > 10 * 2**20:
        raise RefusedUpload(f"{name}: the archive would expand to {total / 2**20:.0f} MB; "
                            "refused as a possible zip bomb")
