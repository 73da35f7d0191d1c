CREATE TEMP TABLE stage_assessment (
    place_id bigint, assessed_on date, rating text, factors text
) ON COMMIT DROP
