-- A load's declared coverage (migration 0013), written in the load's transaction: the whole
-- area (no geometry), the union of the wards and LSOAs in codes, or a polygon (WKB, BNG);
-- with the share of the area's surface it covers.
WITH cover AS (
    SELECT CASE %(kind)s
        WHEN 'units' THEN (
            SELECT ST_Multi(ST_Union(geom)) FROM (
                SELECT geom FROM ward WHERE ward_code = ANY (%(codes)s::text[])
                UNION ALL
                SELECT geom FROM lsoa WHERE lsoa_code = ANY (%(codes)s::text[])) u)
        WHEN 'polygon' THEN ST_Multi(ST_CollectionExtract(
            ST_MakeValid(ST_GeomFromWKB(%(wkb)s::bytea, 27700)), 3))
    END AS geom
), whole AS (
    SELECT ST_Union(geom) AS geom FROM area
)
INSERT INTO extract_coverage (extract_id, kind, codes, label, share, geom)
SELECT %(extract_id)s, %(kind)s, %(codes)s::text[], %(label)s,
       CASE WHEN cover.geom IS NULL THEN 1
            ELSE coalesce(least(ST_Area(ST_Intersection(cover.geom, whole.geom))
                                / nullif(ST_Area(whole.geom), 0), 1), 1) END,
       cover.geom
FROM cover, whole
RETURNING share
