"""A local PMTiles basemap (``CONTEXTS_BASEMAP``): a small vector archive written here is
served by the app and drawn by protomaps-leaflet in headless Chromium, with no request
beyond localhost."""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator
from pathlib import Path

import mapbox_vector_tile
import pytest
from _wait import wait_for
from conftest import running_app
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from test_browser import MAP_FRAME, browser, fresh_page, outside, wait_for_map  # noqa: F401

from geo.render.assets import basemap_max_zoom, publish_basemap

#: Birmingham, west-south-east-north
BBOX = (-2.04, 52.38, -1.72, 52.61)


def tile_range(z: int) -> Iterator[tuple[int, int]]:
    def xy(lon: float, lat: float) -> tuple[int, int]:
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    x0, y0 = xy(BBOX[0], BBOX[3])
    x1, y1 = xy(BBOX[2], BBOX[1])
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield x, y


def write_archive(path: Path, zooms: range = range(6, 13)) -> int:
    """Land over every tile of the area and water over the west half of each tile, in the
    Protomaps basemap layers (``earth``, ``water``); returns the number of tiles."""
    tile = mapbox_vector_tile.encode([
        {"name": "earth", "features": [{"geometry": "POLYGON((0 0,4096 0,4096 4096,0 4096,0 0))",
                                        "properties": {"kind": "earth"}}]},
        {"name": "water", "features": [{"geometry": "POLYGON((0 0,2048 0,2048 4096,0 4096,0 0))",
                                        "properties": {"kind": "water"}}]},
    ], default_options={"y_coord_down": True})
    data = gzip.compress(tile)
    n = 0
    with path.open("wb") as f:
        writer = Writer(f)
        ids = sorted(zxy_to_tileid(z, x, y) for z in zooms for x, y in tile_range(z))
        for tid in ids:
            writer.write_tile(tid, data)
            n += 1
        writer.finalize({
            "tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
            "min_zoom": zooms.start, "max_zoom": zooms.stop - 1,
            "min_lon_e7": int(BBOX[0] * 1e7), "min_lat_e7": int(BBOX[1] * 1e7),
            "max_lon_e7": int(BBOX[2] * 1e7), "max_lat_e7": int(BBOX[3] * 1e7),
            "center_zoom": 11, "center_lon_e7": int(-1.89e7), "center_lat_e7": int(52.48e7),
        }, {"vector_layers": [{"id": "earth", "fields": {}}, {"id": "water", "fields": {}}]})
    return n


#: how many colours the basemap's canvases show (every 97th pixel)
PAINTED = """pane => {
const seen = new Set();
for (const c of pane.querySelectorAll('canvas')) {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 0; i < d.length; i += 4 * 97) {
    if (d[i + 3] > 0) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
  }
}
return seen.size; }"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("basemap") / "area.pmtiles"
    write_archive(path)
    return path


def test_the_archive_is_a_pmtiles_file_the_app_accepts(archive: Path, tmp_path: Path) -> None:
    with archive.open("rb") as f:
        reader = Reader(MmapSource(f))
        assert reader.header()["max_zoom"] == 12
        z, (x, y) = 11, next(tile_range(11))
        layers = mapbox_vector_tile.decode(gzip.decompress(reader.get(z, x, y)))
    assert set(layers) == {"earth", "water"}
    assert basemap_max_zoom(archive) == 12
    assert publish_basemap(archive).endswith("/area.pmtiles")
    bad = tmp_path / "not.pmtiles"
    bad.write_bytes(b"<html>not tiles</html>")
    with pytest.raises(ValueError, match="not a PMTiles archive"):
        publish_basemap(bad)


@pytest.mark.browser
def test_the_local_basemap_is_drawn_offline(settings, archive: Path, browser,  # noqa: F811
                                            outside: list[str]) -> None:  # noqa: F811
    with running_app(env={"CONTEXTS_BASEMAP": str(archive)}) as url:
        page = fresh_page(browser, outside, viewport={"width": 1200, "height": 900})
        asked: list[int] = []
        page.on("response", lambda r: asked.append(r.status)
                if r.url.endswith("/area.pmtiles") else None)
        page.goto(url)
        wait_for_map(page)
        frame = page.frame_locator(MAP_FRAME)
        canvases = frame.locator(".leaflet-tile-pane canvas")
        wait_for(canvases.count, what="a basemap tile drawn")
        pane = frame.locator(".leaflet-tile-pane")
        # the tiles are painted: land and water, two colours at least, over all tiles
        colours = wait_for(lambda: (n := pane.evaluate(PAINTED)) >= 2 and n,
                           what="land and water painted")
        page.context.close()
    assert asked and all(s in (200, 206) for s in asked), asked
    assert colours >= 2, colours
