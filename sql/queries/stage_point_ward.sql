-- The ward of each staged point its cell did not settle. Each ward finds its points
-- through their index, so PostGIS prepares the polygon once for all of them; a point on a
-- boundary takes the lowest code, as a point-in-polygon lookup would.
CREATE TEMP TABLE stage_point_ward ON COMMIT DROP AS
SELECT DISTINCT ON (p.source_row) p.source_row, w.ward_code, w.area_code
FROM ward w JOIN stage_incident p ON ST_Intersects(w.geom, p.geom)
WHERE p.unsettled
ORDER BY p.source_row, w.ward_code
