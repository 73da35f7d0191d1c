COPY stage_place (ref, name, category, status, flagged_on, synthetic, geom)
FROM STDIN WITH (FORMAT csv)
