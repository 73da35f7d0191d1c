CREATE TEMP TABLE stage_place (
    ref text, name text, category text, status text, flagged_on date, synthetic boolean,
    geom geometry
) ON COMMIT DROP
