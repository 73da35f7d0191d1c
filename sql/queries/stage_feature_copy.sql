COPY stage_feature (layer, geom) FROM STDIN WITH (FORMAT csv)
