-- An interventions file's rows: no description (free text is never loaded from a file:
-- it is typed on the Interventions page, where the guard checks it).
CREATE TEMP TABLE stage_intervention (
    ref text, place_id bigint, type text, agency text, start_month date, end_month date
) ON COMMIT DROP
