-- The staged points' spatial index, so that each polygon can find its points.
CREATE INDEX stage_point_geom ON stage_point USING gist (geom)
