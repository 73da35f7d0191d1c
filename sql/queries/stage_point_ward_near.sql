-- Staged points outside every ward but within the boundary tolerance of the area (they
-- passed validation): the nearest ward. A handful of points, found after the others.
INSERT INTO stage_point_ward (source_row, ward_code, area_code)
SELECT p.source_row, n.ward_code, n.area_code
FROM stage_incident p
CROSS JOIN LATERAL (
    SELECT x.ward_code, x.area_code FROM ward x
    WHERE ST_DWithin(x.geom, p.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(x.geom, p.geom), x.ward_code LIMIT 1
) n
WHERE p.unsettled
  AND NOT EXISTS (SELECT 1 FROM stage_point_ward f WHERE f.source_row = p.source_row)
