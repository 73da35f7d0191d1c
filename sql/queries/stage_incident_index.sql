-- The staged points' spatial index, so that each polygon can find its points.
CREATE INDEX stage_incident_geom ON stage_incident USING gist (geom)
