-- Point-level incidents for analysts (never for partner or board views): the latest first.
SELECT incident_id, month, occurred_at, harm_type, risk_level, age_band,
       ST_X(ST_Transform(geom, 4326)) AS lon, ST_Y(ST_Transform(geom, 4326)) AS lat
FROM incident
WHERE geom IS NOT NULL AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
ORDER BY month DESC, incident_id DESC
LIMIT %(limit)s
