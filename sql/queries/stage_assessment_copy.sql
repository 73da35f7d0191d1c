COPY stage_assessment (place_id, assessed_on, rating) FROM STDIN WITH (FORMAT csv)
