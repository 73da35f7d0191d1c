-- Link a ward (by code) to a context; the number of links made.
INSERT INTO context_ward (context_id, ward_code)
SELECT %(context_id)s, ward_code FROM ward WHERE ward_code = %(ward_code)s
ON CONFLICT DO NOTHING
