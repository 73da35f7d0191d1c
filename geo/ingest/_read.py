"""Read an uploaded file into a table of strings, whatever its format.

Every value comes back as text (or ``""`` when empty) so that validation, not the reader,
decides what is a number or a date, and so that a bad value can be reported as it was
written. Row numbers are those a person sees: the header is row 1 of a CSV or sheet, the
first feature of a GeoJSON is row 1.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely

from geo.ingest import _safe
from geo.ingest._guard import column_label

TABULAR = {".csv", ".txt", ".tsv", ".xlsx"}
SPATIAL = {".geojson", ".json", ".gpkg", ".zip"}


class UnreadableFile(ValueError):
    """The file cannot be read as the format its name and content claim."""


@dataclass
class Table:
    """The rows of one file: text columns, optional geometry, and printed row numbers."""

    columns: pd.DataFrame
    row_numbers: np.ndarray
    geometry: np.ndarray | None = None
    crs: str | None = None
    formula_cells: dict[int, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns)


#: byte-order marks, longest first (UTF-32's little-endian mark begins with UTF-16's)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def text_encoding(head: bytes) -> tuple[str, int] | None:
    """The encoding of text whose first bytes are ``head`` when a byte-order mark or the
    pattern of zero bytes tells it (UTF-8/16/32 with a BOM; UTF-16 without one, as
    LibreOffice can write it), and the length of its BOM; ``None`` otherwise."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc, len(bom)
    sample = head[:4096]
    if len(sample) >= 4 and b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
            return "utf-16-be", 0
        if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
            return "utf-16-le", 0
    return None


def _decode_8bit(data: bytes) -> str:
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # any bytes decode as Latin-1


def _decode(data: bytes, name: str) -> str:
    """Text in any encoding Excel or LibreOffice writes: UTF-8 (with or without a BOM),
    UTF-16 and UTF-32 (Excel's "Unicode text"), Windows-1252, or Latin-1 (ISO-8859-1,
    which any bytes decode as: the last resort)."""
    known = text_encoding(data[:8192])
    if known is not None:
        enc, skip = known
        try:
            text = data[skip:].decode(enc)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{name}: not readable as {enc.upper()} text "
                                 f"(byte {exc.start + skip})") from exc
    else:
        text = _decode_8bit(data)
    if "\x00" in text[:65536]:
        raise UnreadableFile(f"{name}: binary content in a text file (zero bytes in its text)")
    if "\n" not in text[:65536] and "\r" in text:  # classic Mac line ends (Excel for Mac)
        text = text.replace("\r", "\n")
    return text


def _delimiter(text: str) -> str:
    # the first lines, each cut short: the sniffer's patterns are slow on a long line
    head = "\n".join(line[:2000] for line in text[:65536].splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t").delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return max(",;\t", key=first.count)


def _read_arrow(text: str, sep: str) -> pd.DataFrame | None:
    """The CSV read by Arrow (multi-threaded, three times faster than pandas), or None
    where its reading could differ from pandas' (a space after a delimiter, which pandas
    skips; repeated column names, which pandas renames) or it finds the file malformed,
    so that pandas reads it and reports the problem.
    """
    header = text.split("\n", 1)[0].rstrip("\r")
    if sep + " " in text or '"' in header:
        return None
    names = header.split(sep)
    if len(set(names)) != len(names):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.column_names != names:
        return None
    return table.to_pandas()


def _duplicates(names: list[str], name: str) -> None:
    """Refuse a header that names a column twice (ignoring case, spaces and punctuation,
    as columns are matched): which of the two to use would be a guess."""
    seen: dict[str, list[str]] = {}
    for n in names:
        norm = re.sub(r"[^a-z0-9]", "", str(n).lower())
        if norm:
            seen.setdefault(norm, []).append(str(n))
    dupes = [v for v in seen.values() if len(v) > 1]
    if dupes:
        listed = "; ".join(" and ".join(column_label(c, names) for c in group)
                           for group in dupes)
        raise UnreadableFile(f"{name}: the header names a column more than once ({listed}); "
                             "rename or remove the copies and upload again")


def read_csv(data: bytes, name: str) -> Table:
    _checked(_safe.check_text, data, name)  # line length and lines, before any parser
    text = _decode(data, name)
    if not text.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    first_row = 2
    sep_line = re.match(r"sep=(.)\r?\n", text[:8])  # Excel's "sep=;" first line
    if sep_line:
        sep = sep_line.group(1)
        text = text[sep_line.end():]
        first_row = 3
    else:
        sep = _delimiter(text)
    header = next(csv.reader(io.StringIO(text[:1_000_000]), delimiter=sep), [])
    _duplicates([h.strip() for h in header], name)
    fast = _read_arrow(text, sep)
    if fast is not None:
        fast.columns = [str(c).strip() for c in fast.columns]
        return Table(fast, np.arange(first_row, len(fast) + first_row))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
            on_bad_lines="error",
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableFile(f"{name}: not a readable CSV ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(frame, np.arange(first_row, len(frame) + first_row))


def read_xlsx(data: bytes, name: str, sheet: str | None = None) -> Table:
    """First (or named) sheet; a formula cell is flagged (its row is quarantined as
    ``formula_cell``), its text neither kept nor evaluated."""
    import openpyxl  # uses defusedxml when installed, which guards against XML bombs

    buf = io.BytesIO(data)
    # the archive's names and real expanded size, before openpyxl opens it
    _checked(_safe.check_zip, buf, name, nested=True)
    try:
        book = openpyxl.load_workbook(buf, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a bad archive
        raise UnreadableFile(f"{name}: not a readable .xlsx workbook ({exc})") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            have = ", ".join(column_label(s) for s in book.sheetnames)
            raise UnreadableFile(f"{name}: no sheet named {column_label(sheet)}; the "
                                 f"workbook's sheets: {have}")
        ws = book[sheet] if sheet else book.worksheets[0]
        _checked(_safe.check_sheet, ws, name)  # its declared dimension, before its rows
        rows: list[list[Any]] = []
        seen = 0
        for row in ws.iter_rows():
            seen += len(row)
            _checked(_safe.count_sheet, seen, len(rows) + 1, len(row), name)
            rows.append([None if c.value is None else
                         (_FORMULA if _is_formula(c) else c.value) for c in row])
    finally:
        book.close()
    while rows and all(v is None or not str(v).strip() for v in rows[-1]):
        rows.pop()  # blank rows a sheet keeps after its last
    if not rows:
        raise UnreadableFile(f"{name}: the sheet is empty")
    header = [str(h).strip() if h is not None and h is not _FORMULA else f"column_{k + 1}"
              for k, h in enumerate(rows[0])]
    _duplicates(header, name)
    body = rows[1:]
    formulas: dict[int, list[str]] = {}
    cells: list[list[str]] = []
    for r, row in enumerate(body):
        out = []
        for c, value in enumerate(row[: len(header)]):
            if value is _FORMULA:  # never evaluated, never read: the row is quarantined
                formulas.setdefault(r + 2, []).append(header[c])
                out.append("")
            else:
                out.append("" if value is None else _cell_text(value))
        out += [""] * (len(header) - len(out))
        cells.append(out)
    frame = pd.DataFrame(cells, columns=header, dtype=str)
    return Table(frame, np.arange(2, len(frame) + 2), formula_cells=formulas)


#: what a formula cell reads as: its text is neither kept nor scanned nor evaluated
_FORMULA = object()


def _is_formula(cell: object) -> bool:
    """A cell holding a formula, whatever its text: typed ``f`` by the workbook, an array
    or data-table formula object, or a string that begins with ``=``."""
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return True
    if isinstance(value, str):
        return value.startswith("=")
    return not isinstance(value, (int, float, bool, datetime.date, datetime.time,
                                  datetime.timedelta))


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        iso: str = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return iso
    return str(value)


def layers(path: Path) -> list[str]:
    """The layers of a GeoPackage (or any multi-layer file), in the file's order."""
    import pyogrio

    _checked(_safe.sniff, path, path.name, ".gpkg")
    _safe.lock_gdal()
    return [str(n) for n in pyogrio.list_layers(f"GPKG:{path}")[:, 0]]


def _layer(path: Path, name: str, layer: str | None) -> str | None:
    """The layer to read from a GeoPackage: the one asked for, or its only one; a file of
    several layers read with none asked for is refused, naming them (reading the first
    would be a guess)."""
    try:
        found = layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise UnreadableFile(f"{name}: not a readable GeoPackage") from exc
    listed = ", ".join(column_label(n) for n in found)
    if layer is not None:
        if layer not in found:
            raise UnreadableFile(f"{name}: no layer named {column_label(layer)}; the "
                                 f"GeoPackage's layers: {listed}")
        return layer
    if len(found) > 1:
        raise UnreadableFile(f"{name}: the GeoPackage holds {len(found)} layers ({listed}): "
                             "say which to load (contexts load ... --layer NAME, or the "
                             "Upload page's layer)")
    return None


def _checked(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``check(*args)``, its refusal raised as :class:`UnreadableFile` (what rejects a file)."""
    try:
        return check(*args, **kwargs)
    except _safe.UnsafeFile as exc:
        raise UnreadableFile(str(exc)) from None


def read_spatial(path: Path, name: str, suffix: str | None = None,
                 layer: str | None = None) -> Table:
    """A GeoJSON, GeoPackage or zipped Shapefile, opened only as what its extension says
    (:mod:`geo.ingest._safe`: its content checked first, one GDAL driver, no network, no
    other file; a zip's parts copied out under our own names); ``layer``: a
    GeoPackage's layer, needed when it has several."""
    suffix = suffix or path.suffix.lower()
    if suffix not in _safe.DRIVERS:
        raise UnreadableFile(f"{name}: not a spatial file type ({suffix!r})")
    _checked(_safe.sniff, path, name, suffix)
    layer = _layer(path, name, layer) if suffix == ".gpkg" else None
    with tempfile.TemporaryDirectory(prefix="contexts-read-") as tmp:
        target = (_checked(_safe.extract_shapefile, path, name, Path(tmp))
                  if suffix == ".zip" else path)
        try:
            gdf = _checked(_safe.open_spatial, target, name, suffix, layer)
        except UnreadableFile:
            raise
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            # the library's message names the path (perhaps the user's file name): not
            # repeated
            why = (str(exc).replace(f"{_safe.DRIVERS[suffix]}:{target}", name)
                   .replace(str(target), name).replace(str(path), name))
            raise UnreadableFile(f"{name}: not a readable spatial file ({why})") from exc
    _checked(_safe.check_vertices, np.asarray(gdf.geometry.values, dtype=object), name)
    geom = np.asarray(gdf.geometry.values, dtype=object)
    attrs = pd.DataFrame(
        {
            c: gdf[c].map(
                lambda v: (
                    "" if v is None or (isinstance(v, float) and np.isnan(v)) else _cell_text(v)
                )
            )
            for c in gdf.columns
            if c != gdf.geometry.name
        },
        dtype=str,
    )
    crs = gdf.crs.to_string() if gdf.crs is not None else None
    return Table(attrs, np.arange(1, len(gdf) + 1), geometry=geom, crs=crs)


def read_table(path: Path, sheet: str | None = None, data: bytes | None = None,
               name: str | None = None, suffix_of: str | None = None,
               layer: str | None = None) -> Table:
    """Read any supported file, by extension, checking that content matches it (``data``:
    its bytes, when the caller has read them already; ``name``: what messages call it;
    ``suffix_of``: the name whose extension tells the format, if not the path's;
    ``layer``: a GeoPackage's layer, needed when it has several)."""
    name = name or path.name
    suffix = Path(suffix_of).suffix.lower() if suffix_of else path.suffix.lower()
    if suffix in SPATIAL:
        table = read_spatial(path, name, suffix, layer)
    elif suffix == ".xlsx":
        table = read_xlsx(data if data is not None else path.read_bytes(), name, sheet)
    elif suffix in TABULAR:
        table = read_csv(data if data is not None else path.read_bytes(), name)
    else:
        raise UnreadableFile(
            f"{name}: unsupported file type {suffix!r}; use CSV, .xlsx, "
            "GeoJSON, GeoPackage or a zipped Shapefile"
        )
    if table.geometry is not None:
        table.geometry = np.asarray(
            [g if isinstance(g, shapely.Geometry) else None for g in table.geometry], dtype=object
        )
    return table
