-- Statistics of what the polygons found, so the final insert hashes these small tables
-- and streams the staged points past them (not the other way round).
ANALYZE stage_point_ward, stage_point_lsoa, stage_point_place
