-- Whether a place is one the connection may see (row-level security by area).
SELECT 1 FROM place WHERE place_id = %(place_id)s
