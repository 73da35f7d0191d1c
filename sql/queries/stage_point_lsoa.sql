-- The LSOA of each staged point its cell did not settle (as stage_point_ward).
CREATE TEMP TABLE stage_point_lsoa ON COMMIT DROP AS
SELECT DISTINCT ON (p.source_row) p.source_row, l.lsoa_code, l.area_code
FROM lsoa l JOIN stage_point p ON ST_Intersects(l.geom, p.geom)
WHERE p.cell_lsoa IS NULL
ORDER BY p.source_row, l.lsoa_code
