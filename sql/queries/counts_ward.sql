-- Incidents per ward of the filtered period; by month and/or harm type when asked.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- From the monthly rollups (migration 0018), at the smallest level the filters allow:
-- rollup_ward_month with no harm type, risk level or age band asked for (and no split by
-- harm type), rollup_ward_harm with harm types only, rollup_ward with a risk level or an
-- age band (the other parts are skipped whole).
SELECT unit_id, month, harm_type, sum(n)::bigint AS n, (sum(ck) & 255)::int AS ck
FROM (
    SELECT ward_code::text AS unit_id,
           CASE WHEN %(by_month)s THEN month END AS month,
           NULL::text AS harm_type, n, ck
    FROM rollup_ward_month
    WHERE %(harms)s::text[] IS NULL AND NOT %(by_harm)s
      AND %(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL
      AND ward_code IS NOT NULL
      AND month >= %(start)s AND month <= %(end)s
    UNION ALL
    SELECT ward_code::text AS unit_id,
           CASE WHEN %(by_month)s THEN month END AS month,
           CASE WHEN %(by_harm)s THEN harm_type END AS harm_type, n, ck
    FROM rollup_ward_harm
    WHERE NOT (%(harms)s::text[] IS NULL AND NOT %(by_harm)s)
      AND %(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL
      AND ward_code IS NOT NULL
      AND month >= %(start)s AND month <= %(end)s
      AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
    UNION ALL
    SELECT ward_code::text AS unit_id,
           CASE WHEN %(by_month)s THEN month END AS month,
           CASE WHEN %(by_harm)s THEN harm_type END AS harm_type, n, ck
    FROM rollup_ward
    WHERE NOT (%(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL)
      AND ward_code IS NOT NULL
      AND month >= %(start)s AND month <= %(end)s
      AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
      AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
      AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
) r
GROUP BY 1, 2, 3
