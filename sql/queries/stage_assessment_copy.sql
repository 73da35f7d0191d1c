COPY stage_assessment (place_id, assessed_on, rating, factors) FROM STDIN WITH (FORMAT csv)
