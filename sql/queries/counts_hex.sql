-- Incidents per cell of the default hexagon grid (assigned at load) in the filtered period;
-- by month and/or harm type when asked.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- From the monthly rollups (migration 0018), at the smallest level the filters allow:
-- rollup_hex_month with no harm type, risk level or age band asked for (and no split by
-- harm type), rollup_hex_harm with harm types only, rollup_hex with a risk level or an
-- age band (the other parts are skipped whole).
SELECT i, j, month, harm_type, sum(n)::bigint AS n, (sum(ck) & 255)::int AS ck
FROM (
    SELECT hex_i AS i, hex_j AS j,
           CASE WHEN %(by_month)s THEN month END AS month,
           NULL::text AS harm_type, n, ck
    FROM rollup_hex_month
    WHERE %(harms)s::text[] IS NULL AND NOT %(by_harm)s
      AND %(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL
      AND hex_i IS NOT NULL
      AND month >= %(start)s AND month <= %(end)s
    UNION ALL
    SELECT hex_i AS i, hex_j AS j,
           CASE WHEN %(by_month)s THEN month END AS month,
           CASE WHEN %(by_harm)s THEN harm_type END AS harm_type, n, ck
    FROM rollup_hex_harm
    WHERE NOT (%(harms)s::text[] IS NULL AND NOT %(by_harm)s)
      AND %(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL
      AND hex_i IS NOT NULL
      AND month >= %(start)s AND month <= %(end)s
      AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
    UNION ALL
    SELECT hex_i AS i, hex_j AS j,
           CASE WHEN %(by_month)s THEN month END AS month,
           CASE WHEN %(by_harm)s THEN harm_type END AS harm_type, n, ck
    FROM rollup_hex
    WHERE NOT (%(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL)
      AND hex_i IS NOT NULL
      AND month >= %(start)s AND month <= %(end)s
      AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
      AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
      AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
) r
GROUP BY 1, 2, 3, 4
