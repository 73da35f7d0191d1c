COPY stage_intervention (ref, place_id, type, agency, start_month, end_month)
FROM STDIN WITH (FORMAT csv)
