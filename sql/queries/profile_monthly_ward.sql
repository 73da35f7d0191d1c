-- Incidents per month and harm type at one ward, with the filters of the other pages (so
-- the same incidents are the same cell everywhere).
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
SELECT month, harm_type, count(*) AS n,
       (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM incident
WHERE ward_code::text = %(unit_id)s AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
GROUP BY 1, 2 ORDER BY 1, 2
