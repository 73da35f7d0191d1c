-- Link a place (by reference) to a context; the number of links made.
INSERT INTO context_place (context_id, place_id)
SELECT %(context_id)s, place_id FROM place WHERE ref = %(place_ref)s
ON CONFLICT DO NOTHING
