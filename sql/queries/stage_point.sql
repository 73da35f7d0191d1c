-- Staged points that incident_insert_cells did not take, with what their 50 m cell
-- already tells (ward and LSOA when it lies inside both; whether a place may be near;
-- migration 0007), to be indexed so that each polygon can find its points.
CREATE TEMP TABLE stage_point ON COMMIT DROP AS
SELECT s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level, s.age_band,
       s.person_key, s.hex_i, s.hex_j,
       ST_SetSRID(ST_MakePoint(s.x, s.y), 27700)::geometry(Point, 27700) AS geom,
       c.ward_code AS cell_ward, c.lsoa_code AS cell_lsoa, c.area_code AS cell_area,
       pc.ci IS NOT NULL AS near_place
FROM stage_incident s
LEFT JOIN area_cell c ON c.ci = floor(s.x / 50)::int AND c.cj = floor(s.y / 50)::int
LEFT JOIN place_cell pc ON pc.ci = floor(s.x / 50)::int AND pc.cj = floor(s.y / 50)::int
WHERE s.x IS NOT NULL AND (c.ci IS NULL OR pc.ci IS NOT NULL)
ORDER BY s.hex_i, s.hex_j  -- neighbours stored together: each polygon reads few pages
