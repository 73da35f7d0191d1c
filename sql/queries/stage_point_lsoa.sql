-- The LSOA of each staged point its cell did not settle (as stage_point_ward).
CREATE TEMP TABLE stage_point_lsoa ON COMMIT DROP AS
SELECT DISTINCT ON (p.source_row) p.source_row, l.lsoa_code, l.area_code
FROM lsoa l JOIN stage_incident p ON ST_Intersects(l.geom, p.geom)
WHERE p.unsettled
ORDER BY p.source_row, l.lsoa_code
