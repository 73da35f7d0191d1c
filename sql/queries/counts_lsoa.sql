-- Incidents per lsoa of the filtered period; by month and/or harm type when asked.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
SELECT lsoa_code::text AS unit_id,
       CASE WHEN %(by_month)s THEN month END AS month,
       CASE WHEN %(by_harm)s THEN harm_type END AS harm_type,
       count(*) AS n,
       (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM incident
WHERE lsoa_code IS NOT NULL AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
GROUP BY 1, 2, 3
