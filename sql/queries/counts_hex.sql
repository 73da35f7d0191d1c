-- Incidents per hexagon (circumradius %(size)s m) of the filtered period; by month and/or
-- harm type when asked. The default grid's cells were assigned at load.
SELECT cell[1] AS i, cell[2] AS j,
       CASE WHEN %(by_month)s THEN month END AS month,
       CASE WHEN %(by_harm)s THEN harm_type END AS harm_type,
       count(*) AS n
FROM (
    SELECT CASE WHEN %(size)s = %(default_size)s AND hex_i IS NOT NULL
                THEN ARRAY[hex_i, hex_j]
                ELSE contexts_hex(ST_X(geom), ST_Y(geom), %(size)s) END AS cell,
           month, harm_type
    FROM incident
    WHERE geom IS NOT NULL AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
) s
GROUP BY 1, 2, 3, 4
