"""Front-end assets the maps need, served by Streamlit itself so maps work offline.

folium points Leaflet at public CDNs; on a locked-down council network (and in tests) that
leaves a blank map. Leaflet is instead installed at set-up from the npm registry's
``leaflet`` package into ``dashboard/static/vendor/leaflet`` (not committed) and served at
``/app/static/vendor/leaflet/`` by Streamlit's static file serving.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from geo.config import PROJECT_ROOT

LEAFLET_VERSION = "1.9.4"
STATIC_DIR = PROJECT_ROOT / "dashboard" / "static"
LEAFLET_DIR = STATIC_DIR / "vendor" / "leaflet"
URL_PREFIX = "/app/static/vendor/leaflet"
LEAFLET_JS = f"{URL_PREFIX}/leaflet.js"
LEAFLET_CSS = f"{URL_PREFIX}/leaflet.css"


def leaflet_present() -> bool:
    return (LEAFLET_DIR / "leaflet.js").is_file() and (LEAFLET_DIR / "leaflet.css").is_file()


def ensure_leaflet() -> Path:
    """Install Leaflet from the npm registry unless it is already there."""
    if leaflet_present():
        return LEAFLET_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed once to fetch Leaflet for offline maps; on Debian: "
            "sudo apt-get install npm"
        )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"leaflet@{LEAFLET_VERSION}", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        tgz = next(Path(tmp).glob("leaflet-*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        LEAFLET_DIR.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(LEAFLET_DIR, ignore_errors=True)
        shutil.copytree(Path(tmp) / "package" / "dist", LEAFLET_DIR)
    return LEAFLET_DIR
