-- A place's polygon (EPSG:27700 WKB), if the connection may see the place.
SELECT ST_AsBinary(geom) FROM place WHERE place_id::text = %(place_id)s
