"""Read an uploaded file in a child process with CPU and memory limits.

The Upload page runs in the Streamlit process, which serves every session: a file that
takes minutes of CPU or gigabytes to parse there slows everyone. :func:`read_table` runs
:func:`geo.ingest._read.read_table` in a fresh Python (``python -m geo.ingest._isolated``)
that first limits itself (``RLIMIT_CPU``: killed by the kernel past it; ``RLIMIT_AS``: an
allocation past it fails), then hands the table back as a pickle in a private temporary
directory. A child that dies or overruns gives an :class:`UnreadableFile` naming the file.
Every read of an uploaded file the Upload page makes goes through here: the table
(:func:`read_table`), a GeoPackage's layer list (:func:`layers`), a coverage polygon
(:func:`coverage`) and an incidents file's extent (:func:`extent`); no parse or GDAL open
of an upload happens in the app's process.

The child sets its own limits (not ``preexec_fn``, which is unsafe in a process with
threads, as Streamlit's is) and inherits the environment (the same settings). The command
line (``contexts load``) reads in its own process: it is no one else's server.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from geo.ingest._read import Table, UnreadableFile
from geo.ingest._read import read_table as _read_here

#: seconds of CPU, and bytes of address space, a parse may use beyond what the child's
#: imports took (about 1.6 GB of address space before it reads anything: threads' stacks,
#: Arrow's pools)
CPU_SECONDS = 120
ADDRESS_SPACE = 4 * 2**30
#: what a child out of address space says as it dies (Python's error; C++'s failed
#: allocation; a thread whose stack could not be mapped)
_OUT_OF_MEMORY = (b"MemoryError", b"bad_alloc", b"Cannot allocate memory",
                  b"Resource temporarily unavailable", b"out of memory")


#: the environment variable that carries the file's name to the child
_NAME_VARIABLE = "CONTEXTS_PARSE_NAME"


def _run(what: str, path: Path, *, name: str, suffix_of: str | None, sheet: str | None = None,
         layer: str | None = None, cpu_seconds: int = CPU_SECONDS,
         address_space: int = ADDRESS_SPACE) -> Any:
    """``what`` ("table", "layers" or "coverage") of ``path``, done in a limited child."""
    with tempfile.TemporaryDirectory(prefix="contexts-parse-") as tmp:
        out = Path(tmp) / "table.pickle"
        # the file's name (perhaps a person's) is not put on the command line, which every
        # user of the machine can read (ps): it goes in the child's environment, with only
        # the extension of the name that tells the format
        given = "upload" + Path(suffix_of).suffix if suffix_of else ""
        args = [sys.executable, "-m", "geo.ingest._isolated", what, str(path), str(out),
                given, sheet or "", str(cpu_seconds), str(address_space), layer or ""]
        env = os.environ | {_NAME_VARIABLE: name}
        try:
            done = subprocess.run(args, capture_output=True, timeout=cpu_seconds * 3 + 60,
                                  check=False, env=env)
        except subprocess.TimeoutExpired:
            raise UnreadableFile(f"{name}: reading it took too long; refused") from None
        if done.returncode == -signal.SIGXCPU or done.returncode == -signal.SIGKILL:
            raise UnreadableFile(f"{name}: reading it used more than the {cpu_seconds} s of "
                                 "processor time an upload may use; refused (save a large "
                                 "sheet as CSV, or split the file)")
        if done.returncode != 0 or not out.exists():
            if any(sign in done.stderr for sign in _OUT_OF_MEMORY):
                raise UnreadableFile(f"{name}: reading it needed more than the "
                                     f"{address_space / 2**20:,.0f} MB of memory an upload "
                                     "may use; refused (save a large sheet as CSV, or split "
                                     "it)")
            raise UnreadableFile(f"{name}: the reader stopped (exit {done.returncode}); "
                                 "refused")
        with out.open("rb") as f:
            kind, value = pickle.load(f)  # written just now by our own child
    if kind == "error":
        raise UnreadableFile(str(value))
    if kind == "invalid":
        raise ValueError(str(value))
    return value


def read_table(path: Path, sheet: str | None = None, *, name: str, suffix_of: str | None,
               cpu_seconds: int = CPU_SECONDS, address_space: int = ADDRESS_SPACE,
               layer: str | None = None) -> Table:
    """:func:`geo.ingest._read.read_table` of ``path``, in a limited child process."""
    table: Table = _run("table", path, name=name, suffix_of=suffix_of, sheet=sheet,
                        layer=layer, cpu_seconds=cpu_seconds, address_space=address_space)
    return table


def layers(path: Path, *, name: str, cpu_seconds: int = CPU_SECONDS,
           address_space: int = ADDRESS_SPACE) -> list[str]:
    """A GeoPackage's layers (:func:`geo.ingest._read.layers`), in a limited child."""
    found: list[str] = _run("layers", path, name=name, suffix_of="upload.gpkg",
                            cpu_seconds=cpu_seconds, address_space=address_space)
    return found


def coverage(path: Path, *, name: str, cpu_seconds: int = CPU_SECONDS,
             address_space: int = ADDRESS_SPACE) -> bytes:
    """A coverage polygon file's polygons, united, in BNG, as WKB
    (:func:`geo.ingest._coverage.polygon_wkb`), in a limited child; a file that is not one
    raises ``ValueError`` as there."""
    wkb: bytes = _run("coverage", path, name=name, suffix_of=path.name,
                      cpu_seconds=cpu_seconds, address_space=address_space)
    return wkb


def extent(path: Path, sheet: str | None = None, *, name: str, suffix_of: str | None,
           cpu_seconds: int = CPU_SECONDS, address_space: int = ADDRESS_SPACE) -> Any:
    """Where and when an incidents file's rows are (:func:`geo.ingest._extent.extent`:
    a sample of its points and its months), read in a limited child."""
    return _run("extent", path, name=name, suffix_of=suffix_of, sheet=sheet,
                cpu_seconds=cpu_seconds, address_space=address_space)


def _limit(cpu_seconds: int, address_space: int) -> None:
    """This process may use ``cpu_seconds`` more of CPU and ``address_space`` more bytes of
    address space than it has so far (its imports)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + 1 + cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (size + address_space, size + address_space))


def _do(what: str, path: Path, name: str, suffix_of: str | None, sheet: str | None,
        layer: str | None) -> Any:
    if what == "layers":
        from geo.ingest._read import layers as _layers

        return _layers(path)
    if what == "extent":
        from geo.ingest._extent import extent as _extent

        return _extent(_read_here(path, sheet, name=name, suffix_of=suffix_of))
    if what == "coverage":
        from geo.ingest._coverage import polygon_wkb

        return polygon_wkb(path, name, Path(suffix_of).suffix if suffix_of else None)
    return _read_here(path, sheet, name=name, suffix_of=suffix_of, layer=layer)


def _main(argv: list[str]) -> int:
    what, path, out, suffix_of, sheet, cpu, space, layer = argv
    name = os.environ.get(_NAME_VARIABLE, Path(path).name)
    _limit(int(cpu), int(space))
    result: tuple[str, Any]
    try:
        result = ("ok", _do(what, Path(path), name, suffix_of or None, sheet or None,
                            layer or None))
    except UnreadableFile as exc:
        result = ("error", str(exc))
    except ValueError as exc:  # a coverage file that is not one
        result = ("invalid", str(exc))
    except MemoryError:
        print("MemoryError", file=sys.stderr)
        return 3
    with open(out + ".part", "wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(out + ".part", out)
    return 0


if __name__ == "__main__":
    # not sys.exit: Arrow's thread pools can abort the interpreter's exit (SIGABRT) after
    # the result is written, which would refuse a file that was read (geo.process)
    from geo.process import exit_now

    exit_now(_main(sys.argv[1:]))
