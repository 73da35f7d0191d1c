-- The nearest place within the place distance of each staged point in a cell near one.
CREATE TEMP TABLE stage_point_place ON COMMIT DROP AS
SELECT DISTINCT ON (p.source_row) p.source_row, pl.place_id
FROM place pl JOIN stage_incident p ON ST_DWithin(pl.geom, p.geom, %(place_distance)s)
WHERE p.near_place
ORDER BY p.source_row, ST_Distance(pl.geom, p.geom), pl.place_id
