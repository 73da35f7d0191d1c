CREATE TEMP TABLE stage_feature (layer text, geom geometry) ON COMMIT DROP
