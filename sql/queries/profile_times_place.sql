-- Incidents by day of week (1 = Monday) and hour, where a timestamp exists, at one place,
-- with the filters of the other pages.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
SELECT extract(isodow FROM occurred_at)::int AS dow, extract(hour FROM occurred_at)::int AS hour,
       count(*) AS n,
       (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM incident
WHERE place_id::text = %(unit_id)s AND occurred_at IS NOT NULL
  AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
GROUP BY 1, 2
