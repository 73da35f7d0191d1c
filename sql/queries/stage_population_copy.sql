COPY stage_population (unit_kind, unit_code, year, young_people) FROM STDIN WITH (FORMAT csv)
