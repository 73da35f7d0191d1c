COPY stage_intervention (ref, place_id, type, agency, start_month, end_month, description)
FROM STDIN WITH (FORMAT csv)
