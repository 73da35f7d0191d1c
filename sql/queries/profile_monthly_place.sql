-- Incidents per month and harm type at one place.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
SELECT month, harm_type, count(*) AS n, (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck FROM incident
WHERE place_id::text = %(unit_id)s AND month >= %(start)s AND month <= %(end)s
GROUP BY 1, 2 ORDER BY 1, 2
