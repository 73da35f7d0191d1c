-- What became of each crime (by its pseudonymous key) in an outcomes file.
INSERT INTO crime_outcome (extract_id, source_row, crime_key, month, outcome)
SELECT %(extract_id)s, source_row, crime_key, month, outcome FROM stage_outcome
