"""police.uk bulk downloads: a zip (or, from the command line, a folder) of monthly CSVs.

data.police.uk's custom download is a zip of one folder a month, each holding the force's
``YYYY-MM-<force>-street.csv``, ``-outcomes.csv`` and ``-stop-and-search.csv``. Such an
archive loads as incidents in one go (``geo.ingest.load``: every member in one transaction,
one report). The rule for a zip that is not a zipped Shapefile (docs/loading.md, "A
police.uk download"): every member must be a police.uk monthly file, named as police.uk
names them; an archive holding anything else is refused whole, naming what it holds, and
nothing is loaded (which member to leave out would be a guess). A zip of other CSVs is
refused, saying to load each file on its own.

The archive passes :func:`geo.ingest._safe.check_zip` first (its names, member count, real
expanded size, no archive inside); the members' bytes are then read here from the zip
(never through GDAL).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geo.ingest import _safe
from geo.ingest._guard import name_is_safe
from geo.ingest._read import UnreadableFile

#: ``2025-01/2025-01-west-midlands-street.csv`` (the folder optional, and if there the
#: file's month)
_MEMBER = re.compile(r"^(?:(?P<folder>\d{4}-\d{2})/)?(?P<month>\d{4}-(?:0[1-9]|1[0-2]))-"
                     r"(?P<force>[a-z0-9]+(?:-[a-z0-9]+)*?)-"
                     r"(?P<shape>street|outcomes|stop-and-search)\.csv$")
#: police.uk's file kinds, as ``geo.ingest._police.shape`` calls them, in loading order
#: (crimes before their outcomes)
SHAPES = {"street": "street", "outcomes": "outcomes", "stop-and-search": "stop_search"}
_ORDER = {"street": 0, "outcomes": 1, "stop_search": 2}
#: how many unknown members a message names
_LISTED = 10
FORMAT = ("police.uk monthly files (YYYY-MM/YYYY-MM-<force>-street.csv, -outcomes.csv, "
          "-stop-and-search.csv)")


@dataclass(frozen=True)
class Member:
    """One police.uk file of an archive: its path there (police.uk's name: it names a
    month, a force and a kind, never a person), and its bytes."""

    name: str
    month: str
    force: str
    shape: str  # "street", "outcomes" or "stop_search"
    data: bytes

    @property
    def label(self) -> str:
        """What the load of this member is recorded as (``extract.file_name``)."""
        return f"police.uk {self.month} {self.shape.replace('_', '-')}, {self.force}"


def is_table_zip(path: Path) -> bool:
    """A zip that is not a zipped Shapefile (it holds no ``.shp``): a police.uk download,
    or a zip of tables that is refused as such (not as a Shapefile without its .shp)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return not any(n.lower().endswith(".shp") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False  # the ordinary checks say what is wrong with it


def _shown(entry: str) -> str:
    """An entry as a message may name it (its name, unless the name could identify)."""
    return repr(entry[:80]) if name_is_safe(entry) else "an entry whose name is not shown"


def _holds(entries: list[str]) -> str:
    """"3 .csv files and 1 .txt file"."""
    kinds = Counter(PurePosixPath(e).suffix.lower() or "(no extension)" for e in entries)
    parts = [f"{n} {ext} file{'s' if n != 1 else ''}" for ext, n in sorted(kinds.items())]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def classify(entries: list[str], name: str) -> list[tuple[str, re.Match[str]]]:
    """The entries (files, not folders) of an archive, each a police.uk monthly file, in
    loading order (month, then street, outcomes, stop and search); raise
    :class:`UnreadableFile` naming the others if there are any."""
    if not entries:
        raise UnreadableFile(f"{name}: the archive holds no files")
    matched = [(e, m) for e in entries if (m := _MEMBER.match(e)) is not None
               and m["folder"] in (None, m["month"])]
    known = {e for e, _ in matched}
    unknown = [e for e in entries if e not in known]
    if not matched:
        raise UnreadableFile(
            f"{name}: a zip is loaded as a zipped Shapefile (one .shp with its parts) or as a "
            f"police.uk download ({FORMAT}); this one holds {_holds(entries)}, none of them "
            "a police.uk monthly file. Load each file on its own.")
    if unknown:
        listed = ", ".join(_shown(e) for e in unknown[:_LISTED]) + (
            f" and {len(unknown) - _LISTED} more" if len(unknown) > _LISTED else "")
        raise UnreadableFile(
            f"{name}: {len(unknown)} of the archive's {len(entries)} files "
            f"{'is' if len(unknown) == 1 else 'are'} not {FORMAT}: {listed}. Nothing was "
            "loaded: remove them from the archive (or load them on their own) and load it "
            "again.")
    return sorted(matched, key=lambda em: (em[1]["month"], _ORDER[SHAPES[em[1]["shape"]]],
                                           em[0]))


def _member(entry: str, m: re.Match[str], data: bytes) -> Member:
    return Member(entry, m["month"], m["force"], SHAPES[m["shape"]], data)


def zip_members(path: Path, name: str, limits: _safe.Limits | None = None) -> list[Member]:
    """The police.uk files of a zip, read from it after :func:`_safe.check_zip` (names,
    member count, real expanded size, no archive inside)."""
    try:
        infos = _safe.check_zip(path, name, limits)
    except _safe.UnsafeFile as exc:
        raise UnreadableFile(str(exc)) from None
    files = [i for i in infos if not i.is_dir()]
    order = classify([i.filename for i in files], name)
    by_name = {i.filename: i for i in files}
    with zipfile.ZipFile(path) as zf:
        return [_member(e, m, zf.read(by_name[e])) for e, m in order]


def folder_members(path: Path, name: str, limits: _safe.Limits | None = None
                   ) -> list[Member]:
    """The police.uk files of a folder (a download unzipped), held to the limits of a zip:
    no link, at most ``limits.members`` files and ``limits.unzipped`` bytes."""
    limits = limits or _safe.LIMITS
    found = sorted(p for p in path.rglob("*") if p.is_symlink() or p.is_file())
    if len(found) > limits.members:
        raise UnreadableFile(f"{name}: {len(found)} files in the folder (at most "
                             f"{limits.members})")
    links = [p for p in found if p.is_symlink()]
    if links:
        raise UnreadableFile(f"{name}: {_shown(links[0].relative_to(path).as_posix())} is a "
                             "symbolic link; refused")
    total = sum(p.stat().st_size for p in found)
    if total > limits.unzipped:
        raise UnreadableFile(f"{name}: the folder holds {total / 2**20:.0f} MB (at most "
                             f"{limits.unzipped / 2**20:.0f} MB)")
    order = classify([p.relative_to(path).as_posix() for p in found], name)
    return [_member(e, m, (path / e).read_bytes()) for e, m in order]
