"""Front-end assets the maps need, served by Streamlit itself so maps work offline.

folium points Leaflet and its plugins at public CDNs; on a locked-down council network (and
in tests) that leaves a blank map. They are instead installed at set-up from the npm
registry (``leaflet``, ``leaflet.markercluster`` for the analysts' incident points, and
``protomaps-leaflet`` to draw a local PMTiles basemap) into ``dashboard/static/vendor/``
(not committed) and served at ``/app/static/vendor/...`` by Streamlit's static file serving.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from geo.config import PROJECT_ROOT

LEAFLET_VERSION = "1.9.4"
MARKERCLUSTER_VERSION = "1.5.3"
PROTOMAPS_VERSION = "5.1.0"
STATIC_DIR = PROJECT_ROOT / "dashboard" / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
LEAFLET_DIR = VENDOR_DIR / "leaflet"
VENDOR_URL = "/app/static/vendor"
URL_PREFIX = f"{VENDOR_URL}/leaflet"
LEAFLET_JS = f"{URL_PREFIX}/leaflet.js"
LEAFLET_CSS = f"{URL_PREFIX}/leaflet.css"
MARKERCLUSTER_JS = f"{VENDOR_URL}/markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS = (f"{VENDOR_URL}/markercluster/MarkerCluster.css",
                     f"{VENDOR_URL}/markercluster/MarkerCluster.Default.css")
PROTOMAPS_JS = f"{VENDOR_URL}/protomaps-leaflet/protomaps-leaflet.js"
#: where a local basemap (CONTEXTS_BASEMAP) is copied to be served, and its URL
BASEMAP_FILE = VENDOR_DIR / "basemap" / "area.pmtiles"
BASEMAP_URL = f"{VENDOR_URL}/basemap/area.pmtiles"

#: npm package, version, folder in the package to copy, folder under vendor/, a file to check
PACKAGES = (
    ("leaflet", LEAFLET_VERSION, "dist", "leaflet", "leaflet.js"),
    ("leaflet.markercluster", MARKERCLUSTER_VERSION, "dist", "markercluster",
     "leaflet.markercluster.js"),
    ("protomaps-leaflet", PROTOMAPS_VERSION, "dist", "protomaps-leaflet",
     "protomaps-leaflet.js"),
)


def _install(npm: str, name: str, version: str, inner: str, folder: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", f"{name}@{version}", "--silent"], cwd=tmp, check=True,
                       capture_output=True)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        target = VENDOR_DIR / folder
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(tmp) / "package" / inner, target)


def ensure_leaflet() -> Path:
    """Install Leaflet and the map plugins from the npm registry unless already there."""
    missing = [p for p in PACKAGES if not (VENDOR_DIR / p[3] / p[4]).is_file()]
    if not missing:
        return LEAFLET_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed once to fetch Leaflet for offline maps; on Debian: "
            "sudo apt-get install npm"
        )
    for name, version, inner, folder, _ in missing:
        _install(npm, name, version, inner, folder)
    return LEAFLET_DIR


#: Streamlit serves static files up to this size (and no link out of its folder)
MAX_BASEMAP_BYTES = 200 * 1024 * 1024


def basemap_max_zoom(path: Path) -> int:
    """The deepest zoom with tiles in a PMTiles (v3) archive: byte 101 of its header."""
    with Path(path).open("rb") as f:
        head = f.read(127)
    return int(head[101])


def publish_basemap(source: Path) -> str:
    """Serve the local PMTiles file ``source`` at :data:`BASEMAP_URL` (a copy in the static
    folder, renewed when the source changes; Streamlit follows no link out of that folder);
    returns that URL."""
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"CONTEXTS_BASEMAP: no such file: {source}")
    stat = source.stat()
    if stat.st_size > MAX_BASEMAP_BYTES:
        raise ValueError(f"CONTEXTS_BASEMAP: {source} is {stat.st_size / 2**20:.0f} MB; the "
                         "app serves at most 200 MB: cut the extract to the area")
    with source.open("rb") as f:
        if f.read(7) != b"PMTiles":
            raise ValueError(f"CONTEXTS_BASEMAP: {source} is not a PMTiles archive")
    done = BASEMAP_FILE.exists() and BASEMAP_FILE.stat().st_size == stat.st_size and \
        BASEMAP_FILE.stat().st_mtime >= stat.st_mtime
    if not done:
        BASEMAP_FILE.parent.mkdir(parents=True, exist_ok=True)
        part = BASEMAP_FILE.with_suffix(".part")
        shutil.copyfile(source, part)
        part.replace(BASEMAP_FILE)
    return BASEMAP_URL
