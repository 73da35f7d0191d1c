-- Incidents as points with their day (the timestamp's date, or none) and month, for the
-- near-repeat (Knox) test: computed on the server, never shown as points.
SELECT ST_X(geom) AS x, ST_Y(geom) AS y, occurred_at::date AS day, month
FROM incident
WHERE geom IS NOT NULL AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
