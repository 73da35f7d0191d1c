-- Staged points outside every LSOA but within the boundary tolerance of the area (they
-- passed validation): the nearest LSOA. A handful of points, found after the others.
INSERT INTO stage_point_lsoa (source_row, lsoa_code, area_code)
SELECT p.source_row, n.lsoa_code, n.area_code
FROM stage_incident p
CROSS JOIN LATERAL (
    SELECT x.lsoa_code, x.area_code FROM lsoa x
    WHERE ST_DWithin(x.geom, p.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(x.geom, p.geom), x.lsoa_code LIMIT 1
) n
WHERE p.unsettled
  AND NOT EXISTS (SELECT 1 FROM stage_point_lsoa f WHERE f.source_row = p.source_row)
