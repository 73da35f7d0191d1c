-- Ward polygons for display: simplified in BNG metres, then converted to WGS84.
SELECT ward_code, name, ST_Area(geom) / 1e6 AS area_km2,
       ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(geom, %(tolerance)s), 4326)) AS geom
FROM ward ORDER BY ward_code
