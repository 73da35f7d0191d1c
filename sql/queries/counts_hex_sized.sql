-- Incidents per hexagon of a grid other than the default (circumradius %(size)s m), cells
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- computed from the points; by month and/or harm type when asked.
SELECT cell[1] AS i, cell[2] AS j,
       CASE WHEN %(by_month)s THEN month END AS month,
       CASE WHEN %(by_harm)s THEN harm_type END AS harm_type,
       count(*) AS n,
       (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM (
    SELECT contexts_hex(ST_X(geom), ST_Y(geom), %(size)s) AS cell, month, harm_type, incident_id
    FROM incident
    WHERE geom IS NOT NULL AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
) s
GROUP BY 1, 2, 3, 4
