-- An assessments file's rows: no factors (free text is never loaded from a file).
CREATE TEMP TABLE stage_assessment (
    place_id bigint, assessed_on date, rating text
) ON COMMIT DROP
