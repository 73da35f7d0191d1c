CREATE TEMP TABLE stage_intervention (
    ref text, place_id bigint, type text, agency text, start_month date, end_month date,
    description text
) ON COMMIT DROP
