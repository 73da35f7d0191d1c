-- Statistics of the staged points, so the planner walks the polygons and probes the points.
ANALYZE stage_incident
