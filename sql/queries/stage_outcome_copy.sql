COPY stage_outcome (source_row, crime_key, month, outcome) FROM STDIN WITH (FORMAT csv)
