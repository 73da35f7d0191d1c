"""Read an uploaded file into a table of strings, whatever its format.

Every value comes back as text (or ``""`` when empty) so that validation, not the reader,
decides what is a number or a date, and so that a bad value can be reported as it was
written. Row numbers are those a person sees: the header is row 1 of a CSV or sheet, the
first feature of a GeoJSON is row 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely

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


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name}: text is neither UTF-8 nor Windows-1252 (byte {exc.start})"
        ) from exc


def _delimiter(text: str) -> str:
    head = "\n".join(text[:65536].splitlines()[:20])
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


def read_csv(data: bytes, name: str) -> Table:
    text = _decode(data, name)
    if not text.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    sep = _delimiter(text)
    fast = _read_arrow(text, sep)
    if fast is not None:
        fast.columns = [str(c).strip() for c in fast.columns]
        return Table(fast, np.arange(2, len(fast) + 2))
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
    return Table(frame, np.arange(2, len(frame) + 2))


def read_xlsx(data: bytes, name: str, sheet: str | None = None) -> Table:
    """First (or named) sheet; formulas are kept as written and flagged, never evaluated."""
    import openpyxl  # uses defusedxml when installed, which guards against XML bombs

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a bad archive
        raise UnreadableFile(f"{name}: not a readable .xlsx workbook ({exc})") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise UnreadableFile(f"{name}: no sheet named {sheet!r}; sheets: {book.sheetnames}")
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise UnreadableFile(f"{name}: the sheet is empty")
    header = [str(h).strip() if h is not None else f"column_{k + 1}" for k, h in enumerate(rows[0])]
    body = rows[1:]
    formulas: dict[int, list[str]] = {}
    cells: list[list[str]] = []
    for r, row in enumerate(body):
        out = []
        for c, value in enumerate(row[: len(header)]):
            text = "" if value is None else _cell_text(value)
            if isinstance(value, str) and value.startswith("="):
                formulas.setdefault(r + 2, []).append(header[c])
            out.append(text)
        out += [""] * (len(header) - len(out))
        cells.append(out)
    frame = pd.DataFrame(cells, columns=header, dtype=str)
    return Table(frame, np.arange(2, len(frame) + 2), formula_cells=formulas)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        iso: str = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return iso
    return str(value)


def read_spatial(path: Path, name: str) -> Table:
    import pyogrio

    target = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            shps = [n for n in zf.namelist() if n.lower().endswith(".shp")]
        if len(shps) != 1:
            raise UnreadableFile(
                f"{name}: a zipped Shapefile must hold exactly one .shp (found {len(shps)})"
            )
        target = f"/vsizip/{path}/{shps[0]}"
    try:
        gdf = pyogrio.read_dataframe(target)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise UnreadableFile(f"{name}: not a readable spatial file ({exc})") from exc
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


def read_table(path: Path, sheet: str | None = None, data: bytes | None = None) -> Table:
    """Read any supported file, by extension, checking that content matches it (``data``:
    its bytes, when the caller has read them already)."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix in SPATIAL:
        table = read_spatial(path, name)
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
