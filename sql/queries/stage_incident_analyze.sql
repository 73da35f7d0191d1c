-- Statistics of the staged points, so the planner walks the polygons and probes the points
-- (only the columns the lookups use: the others' took most of the time).
ANALYZE stage_incident (geom, unsettled, near_place)
