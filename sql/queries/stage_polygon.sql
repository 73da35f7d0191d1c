CREATE TEMP TABLE stage_polygon (
    code text, name text, area_code text, area_name text, geom geometry
) ON COMMIT DROP
