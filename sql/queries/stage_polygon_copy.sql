COPY stage_polygon (code, name, area_code, area_name, geom) FROM STDIN WITH (FORMAT csv)
