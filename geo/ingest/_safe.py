"""What an uploaded file may make the server do: open only the format it claims to be, read
no other file, reach no network, and stay within bounded work.

GDAL chooses its driver from a file's content, not its name, and some of its drivers follow
paths and URLs written in the file (OGR VRT reads any file the server can read; GDALG runs a
pipeline; WFS, OAPIF and HTTP fetch URLs; a GeoJSON ``crs`` link is fetched). So:

- :func:`lock_gdal` leaves this process's GDAL with only the drivers uploads need
  (:data:`DRIVERS`: GeoJSON, GeoPackage, ESRI Shapefile), deregistering every other one, and
  sets its configuration so that nothing reaches the network (a dead proxy, no ``/vsicurl``
  extension, no network for PROJ) or reads beyond the file (no directory listing, no
  ``.aux.xml`` side files, no SQLite external access);
- :func:`sniff` checks that the bytes are the format the extension names before GDAL sees
  them (a ``.geojson`` is a JSON object of type FeatureCollection or Feature whose ``crs``,
  if any, is an EPSG or OGC name, never a link; a ``.gpkg`` is SQLite);
- :func:`open_spatial` opens with the one driver the extension allows and checks that GDAL
  used it;
- archives (:func:`check_zip`, :func:`extract_shapefile`) are measured by the bytes they
  really expand to, never their headers, and refused for ``..`` or absolute member names,
  symbolic links, nested archives and too many members; a zipped Shapefile's parts are
  copied out under names of our own, so GDAL never reads inside the archive;
- tables have limits checked before parsing: line length and lines of a CSV
  (:func:`check_text`), the declared dimension and cells of a sheet (:func:`check_sheet`),
  vertices per geometry (:func:`check_vertices`).

Every refusal is an :class:`UnsafeFile` (a ``ValueError``) whose message names the file and,
where it helps, the row or member.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import io
import json
import os
import re
import stat
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import shapely

#: the one GDAL driver each spatial extension is read with
DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".zip": "ESRI Shapefile"}


@dataclass(frozen=True)
class Limits:
    """The bounds on one upload's work (the defaults; tests pass smaller ones)."""

    #: bytes a zip may expand to, really (counted as it is decompressed)
    unzipped: int = 500 * 2**20
    #: expanded / compressed, refused above this once more than ``ratio_floor`` bytes
    ratio: int = 100
    ratio_floor: int = 10 * 2**20
    #: members of an archive
    members: int = 2_000
    #: bytes in one line of a text file
    line_bytes: int = 2 * 2**20
    #: lines of a text file (rows of a CSV)
    lines: int = 5_000_000
    #: cells of a sheet (rows x columns, as declared or as read)
    sheet_cells: int = 2_000_000
    #: columns of a sheet
    sheet_columns: int = 1_000
    #: vertices of one geometry
    vertices: int = 250_000


LIMITS = Limits()


class UnsafeFile(ValueError):
    """The file is refused before (or instead of) parsing; the message says why."""


# --- GDAL ------------------------------------------------------------------------------------

#: GDAL configuration for reading uploads: no network, no files beyond the one opened
GDAL_CONFIG = {
    # every HTTP request GDAL would make goes to a port nothing listens on, and fails at once
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    # /vsicurl/ opens no extension (none ends so)
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".contexts-no-remote-file",
    # no listing of the file's directory, no side files
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    # a GeoPackage may not reach other files through SQLite (VirtualOGR, extensions)
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
    # PROJ fetches no grids
    "PROJ_NETWORK": "OFF",
}

_lock = threading.Lock()


def _libgdal() -> ctypes.CDLL:
    """The GDAL library pyogrio is linked with (its wheel bundles one)."""
    import pyogrio

    here = Path(pyogrio.__file__).parent
    found = sorted(glob.glob(str(here.parent / "pyogrio.libs" / "libgdal*")))
    if not found:  # pyogrio built against a system GDAL
        from pyogrio import _io

        return ctypes.CDLL(_io.__file__)
    return ctypes.CDLL(found[0])


@functools.cache
def lock_gdal() -> tuple[str, ...]:
    """Leave GDAL (in this process) with only the upload drivers, configured for no network
    and no file beyond the one opened; returns the drivers left. Once per process."""
    import pyogrio

    with _lock:
        os.environ["PROJ_NETWORK"] = "OFF"
        pyogrio.set_gdal_config_options(dict(GDAL_CONFIG))
        lib = _libgdal()
        lib.GDALGetDriverCount.restype = ctypes.c_int
        lib.GDALGetDriver.restype = ctypes.c_void_p
        lib.GDALGetDriver.argtypes = [ctypes.c_int]
        lib.GDALGetDriverShortName.restype = ctypes.c_char_p
        lib.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
        lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
        keep = set(DRIVERS.values())
        handles = [lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())]
        for h in handles:
            if lib.GDALGetDriverShortName(h).decode() not in keep:
                lib.GDALDeregisterDriver(h)
        left = tuple(lib.GDALGetDriverShortName(lib.GDALGetDriver(i)).decode()
                     for i in range(lib.GDALGetDriverCount()))
    if set(left) != keep:
        raise RuntimeError(f"GDAL drivers left after locking: {left}")
    return left


def open_spatial(path: Path, name: str, suffix: str, layer: str | None = None) -> Any:
    """The file at ``path`` read by the one driver ``suffix`` allows (a GeoDataFrame): named
    in the path (``GeoJSON:``, ``GPKG:``; a Shapefile's ``.shp`` names its own), the only
    drivers left registered (:func:`lock_gdal`), and checked after opening (``layer``: a
    GeoPackage's layer, or its only one)."""
    import pyogrio

    lock_gdal()
    want = DRIVERS[suffix]
    target = str(path) if want == "ESRI Shapefile" else f"{want}:{path}"
    info = pyogrio.read_info(target, layer=layer)
    if info.get("driver") != want:
        raise UnsafeFile(f"{name}: GDAL read it as {info.get('driver')!r}, not {want}")
    return pyogrio.read_dataframe(target, layer=layer)


# --- content ---------------------------------------------------------------------------------

#: a CRS a GeoJSON may name: EPSG or OGC codes, never a URL or a path
_CRS_NAME = re.compile(r"(?i)^(?:urn:ogc:def:crs:(?:EPSG|OGC):[0-9.]*:(?:\d{1,6}|CRS84|CRS83|"
                       r"CRS27)|EPSG:\d{1,6}|OGC:CRS84)$")
_CRS_KEY = re.compile(rb'"crs"\s*:')
_GEOJSON_TYPE = re.compile(rb'"type"\s*:\s*"(?:FeatureCollection|Feature)"')


def sniff(path: Path, name: str, suffix: str) -> None:
    """Refuse a spatial file whose bytes are not the format its extension names."""
    with path.open("rb") as f:
        head = f.read(4096)
    if suffix == ".gpkg":
        if not head.startswith(b"SQLite format 3\x00"):
            raise UnsafeFile(f"{name}: not a GeoPackage (its content is not SQLite)")
        return
    if suffix == ".zip":
        if not head.startswith(b"PK\x03\x04"):
            raise UnsafeFile(f"{name}: not a zipped Shapefile (its content is not a zip)")
        return
    _sniff_geojson(path.read_bytes(), name)


def _sniff_geojson(data: bytes, name: str) -> None:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    start = body.lstrip()[:1]
    if start != b"{":
        what = "XML" if start == b"<" else "not a JSON object"
        raise UnsafeFile(f"{name}: not GeoJSON ({what}); a GeoJSON file is a JSON object")
    if not _GEOJSON_TYPE.search(body):
        raise UnsafeFile(f"{name}: not GeoJSON (no FeatureCollection or Feature in it)")
    try:
        text = body.decode("utf-8")
        parsed = json.loads(text)
    except UnicodeDecodeError as exc:
        raise UnsafeFile(f"{name}: GeoJSON must be UTF-8 (byte {exc.start} is not)") from None
    except ValueError as exc:
        raise UnsafeFile(f"{name}: not readable JSON ({str(exc)[:80]})") from None
    top = parsed.get("type") if isinstance(parsed, dict) else None
    del parsed
    if top not in ("FeatureCollection", "Feature"):
        raise UnsafeFile(f"{name}: not GeoJSON (its type is {str(top)[:40]!r}, not "
                         "FeatureCollection or Feature)")
    # every "crs" member, wherever it is (GDAL reads the top-level one; none may be a link)
    decoder = json.JSONDecoder()
    for m in _CRS_KEY.finditer(body):
        pos = len(body[: m.end()].decode("utf-8", "replace"))
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        try:
            crs, _ = decoder.raw_decode(text, pos)
        except ValueError:
            raise UnsafeFile(f"{name}: its \"crs\" member is not readable JSON") from None
        _check_crs(crs, name)


def _check_crs(crs: object, name: str) -> None:
    """A GeoJSON ``crs`` member: only ``{"type": "name", "properties": {"name": CODE}}``
    with an EPSG or OGC code (or null); a link (``href``, ``link``, a URL, a path) is
    refused, never followed."""
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    code = props.get("name") if isinstance(props, dict) else None
    if (isinstance(crs, dict) and crs.get("type") == "name" and isinstance(code, str)
            and _CRS_NAME.match(code.strip())):
        return
    raise UnsafeFile(f"{name}: its \"crs\" member is not an EPSG or OGC name (a link or a "
                     "URL is never followed); remove it or give \"EPSG:<code>\"")


# --- archives --------------------------------------------------------------------------------

_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
_ARCHIVE_NAMES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".kmz",
                  ".xlsx", ".gpkg", ".geojson", ".json")


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    n = info.filename
    parts = PurePosixPath(n.replace("\\", "/")).parts
    if n.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", n):
        return "an absolute path"
    if ".." in parts:
        return "a path leaving the archive ('..')"
    if "\x00" in n:
        return "a zero byte in its name"
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        return "a symbolic link"
    return None


def check_zip(path: Path | io.BytesIO, name: str, limits: Limits | None = None, *,
              nested: bool = False, read: tuple[str, ...] | None = None
              ) -> list[zipfile.ZipInfo]:
    """The members of a zip, after checking its names and its real expanded size: every
    member (or those named in ``read``) is decompressed and counted, never trusting the
    sizes its headers declare. ``nested``: whether a member may itself be an archive
    (never, for a zipped Shapefile)."""
    limits = limits or LIMITS
    size = max(path.stat().st_size if isinstance(path, Path) else path.getbuffer().nbytes, 1)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > limits.members:
                raise UnsafeFile(f"{name}: {len(infos)} entries in the archive (at most "
                                 f"{limits.members})")
            for info in infos:
                problem = _member_problem(info)
                if problem:
                    raise UnsafeFile(f"{name}: the archive entry {info.filename[:80]!r} is "
                                     f"{problem}; refused")
                if not nested and info.filename.lower().endswith(_ARCHIVE_NAMES):
                    raise UnsafeFile(f"{name}: the archive holds another archive "
                                     f"({info.filename[:80]!r}); refused")
            total = 0
            for info in infos:
                if info.is_dir() or (read is not None and info.filename not in read):
                    continue
                with zf.open(info) as member:
                    first = True
                    while chunk := member.read(2**20):
                        if first and not nested and chunk.startswith(_ARCHIVE_MAGIC):
                            raise UnsafeFile(f"{name}: the archive holds another archive "
                                             f"({info.filename[:80]!r}); refused")
                        first = False
                        total += len(chunk)
                        _check_expanded(name, total, size, limits)
    except zipfile.BadZipFile as exc:
        raise UnsafeFile(f"{name}: not a readable zip archive ({exc})") from None
    return infos


def _check_expanded(name: str, total: int, size: int, limits: Limits) -> None:
    if total > limits.unzipped or (total > limits.ratio * size and total > limits.ratio_floor):
        raise UnsafeFile(f"{name}: the archive expands to more than {total / 2**20:.0f} MB "
                         f"from {size / 2**20:.1f} MB; refused as a possible zip bomb (at "
                         f"most {limits.unzipped / 2**20:.0f} MB, {limits.ratio} times its "
                         "size)")


#: the parts of a Shapefile that are copied out of its zip (others are left unread)
SHAPE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def extract_shapefile(path: Path, name: str, into: Path,
                      limits: Limits | None = None) -> Path:
    """Copy the parts of the one Shapefile in a zip into ``into`` under names of our own
    (``layer.shp``, ...), checking the archive first; returns the ``.shp``'s path."""
    limits = limits or LIMITS
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    shps = [n for n in names if n.lower().endswith(".shp")]
    if len(shps) != 1:
        raise UnsafeFile(f"{name}: a zipped Shapefile must hold exactly one .shp "
                         f"(found {len(shps)})")
    stem = shps[0][:-4]
    parts = {n[len(stem):].lower(): n for n in names
             if n.startswith(stem) and n[len(stem):].lower() in SHAPE_PARTS}
    # every member is checked by name; only the parts read are decompressed and counted
    check_zip(path, name, limits, read=tuple(parts.values()))
    with zipfile.ZipFile(path) as zf:
        for ext, member in parts.items():
            with zf.open(member) as src, (into / f"layer{ext}").open("wb") as dst:
                while chunk := src.read(2**20):
                    dst.write(chunk)
    return into / "layer.shp"


# --- tables ----------------------------------------------------------------------------------

def check_text(data: bytes, name: str, limits: Limits | None = None) -> None:
    """Refuse a text file with a line longer than ``limits.line_bytes`` or more lines than
    ``limits.lines`` (counted on the bytes, before any parser)."""
    limits = limits or LIMITS
    if not data:
        return
    arr = np.frombuffer(data, dtype=np.uint8)
    newline = 0x0A if data.count(b"\n") else 0x0D  # classic Mac files end lines with CR
    ends = np.flatnonzero(arr == newline)
    if len(ends) > limits.lines + 1:
        raise UnsafeFile(f"{name}: {len(ends):,} lines (at most {limits.lines:,} rows a "
                         "file); split it")
    gaps = np.diff(np.concatenate(([-1], ends, [len(arr)]))) - 1
    k = int(np.argmax(gaps))
    if gaps[k] > limits.line_bytes:
        raise UnsafeFile(f"{name}: line {k + 1:,} is {gaps[k] / 2**20:.1f} MB long (at most "
                         f"{limits.line_bytes / 2**20:.0f} MB a line); is it the file meant?")


def check_sheet(ws: Any, name: str, limits: Limits | None = None) -> None:
    """Refuse a sheet whose declared dimension is beyond the limits (before reading it)."""
    limits = limits or LIMITS
    rows, cols = ws.max_row, ws.max_column
    if cols is not None and cols > limits.sheet_columns:
        raise UnsafeFile(f"{name}: the sheet declares {cols:,} columns (at most "
                         f"{limits.sheet_columns:,})")
    if rows is not None and cols is not None and rows * cols > limits.sheet_cells:
        raise UnsafeFile(f"{name}: the sheet declares {rows:,} rows x {cols:,} columns "
                         f"({rows * cols:,} cells; an .xlsx may hold at most "
                         f"{limits.sheet_cells:,}); save it as CSV and upload that")


def count_sheet(cells: int, row: int, width: int, name: str,
                limits: Limits | None = None) -> None:
    """Stop reading a sheet once it holds more cells or columns than the limits allow (its
    dimension may be missing or wrong)."""
    limits = limits or LIMITS
    if width > limits.sheet_columns:
        raise UnsafeFile(f"{name}, row {row}: {width:,} columns (at most "
                         f"{limits.sheet_columns:,})")
    if cells > limits.sheet_cells:
        raise UnsafeFile(f"{name}: more than {limits.sheet_cells:,} cells by row {row:,} (an "
                         ".xlsx may hold at most that many); save it as CSV and upload that")


def check_vertices(geometry: np.ndarray, name: str, first_row: int = 1,
                   limits: Limits | None = None) -> None:
    """Refuse a geometry with more vertices than ``limits.vertices`` (naming its row)."""
    limits = limits or LIMITS
    if not len(geometry):
        return
    counts = shapely.get_num_coordinates(
        np.asarray([g if isinstance(g, shapely.Geometry) else None for g in geometry],
                   dtype=object))
    over = np.flatnonzero(counts > limits.vertices)
    if len(over):
        k = int(over[0])
        raise UnsafeFile(f"{name}, row {k + first_row}: a geometry of {int(counts[k]):,} "
                         f"vertices (at most {limits.vertices:,}); simplify it and upload "
                         "again")
