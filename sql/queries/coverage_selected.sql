-- What the incidents that pass the filters cover (migration 0013): the incident extracts
-- with at least one such incident, and the union of what they declare. One of them with no
-- declared coverage (loaded before 0013) or declared as the whole area makes it the whole
-- area. The share is of the area's surface.
WITH chosen AS (
    SELECT e.extract_id, coalesce(c.kind, 'area') AS kind, coalesce(c.label, '') AS label,
           c.geom
    FROM extract_ledger e LEFT JOIN extract_coverage c USING (extract_id)
    -- LIMIT 1 in a lateral: each extract's rows of the monthly rollup by ward (migration
    -- 0018: every incident, with a ward or not, by extract) are read until the first that
    -- passes (probing incident built a bitmap of millions of rows to find one: 0.3 s at
    -- 20 M incidents)
    CROSS JOIN LATERAL (
        SELECT 1 FROM rollup_ward i
        WHERE i.extract_id = e.extract_id AND i.month >= %(start)s AND i.month <= %(end)s
          AND (%(harms)s::text[] IS NULL OR i.harm_type = ANY (%(harms)s::text[]))
          AND (%(risks)s::text[] IS NULL OR i.risk_level = ANY (%(risks)s::text[]))
          AND (%(ages)s::text[] IS NULL OR i.age_band = ANY (%(ages)s::text[]))
        LIMIT 1) hit
    WHERE e.kind = 'incidents' AND e.status = 'loaded'
), cover AS (
    SELECT count(*) AS extracts, coalesce(bool_or(kind = 'area'), true) AS whole,
           coalesce(string_agg(label, '; ' ORDER BY extract_id)
                    FILTER (WHERE kind <> 'area' AND label <> ''), '') AS labels,
           ST_Union(geom) AS geom
    FROM chosen
), whole AS (
    SELECT ST_Union(geom) AS geom FROM area
)
SELECT cover.extracts, cover.whole, cover.labels,
       CASE WHEN cover.whole THEN NULL ELSE ST_AsBinary(cover.geom) END AS geom,
       CASE WHEN cover.whole THEN 1.0
            ELSE coalesce(least(ST_Area(ST_Intersection(cover.geom, whole.geom))
                                / nullif(ST_Area(whole.geom), 0), 1), 1) END AS share
FROM cover, whole
