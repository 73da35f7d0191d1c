-- Incidents per month and harm type at one place, with the filters of the other pages (so
-- the same incidents are the same cell everywhere).
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- From the monthly rollups (migration 0018): rollup_place_harm, or rollup_place when a risk
-- level or an age band is asked for (the other part is skipped whole).
SELECT month, harm_type, sum(n)::bigint AS n, (sum(ck) & 255)::int AS ck
FROM (
    SELECT month, harm_type, n, ck
    FROM rollup_place_harm
    WHERE %(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL
      AND place_id = CASE WHEN %(unit_id)s ~ '^[0-9]{1,18}$' THEN %(unit_id)s::bigint END
      AND month >= %(start)s AND month <= %(end)s
      AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
    UNION ALL
    SELECT month, harm_type, n, ck
    FROM rollup_place
    WHERE NOT (%(risks)s::text[] IS NULL AND %(ages)s::text[] IS NULL)
      AND place_id = CASE WHEN %(unit_id)s ~ '^[0-9]{1,18}$' THEN %(unit_id)s::bigint END
      AND month >= %(start)s AND month <= %(end)s
      AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[]))
      AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[]))
      AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[]))
) r
GROUP BY 1, 2 ORDER BY 1, 2
