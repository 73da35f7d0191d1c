-- Monthly incidents in a place's polygon (target) and in the ring of %(buffer)s m around it
-- (buffer). Only the wards the ring touches are read (%(wards)s, through the ward-month
-- index), and of them only the 250 m hexagon cells covering the ring (%(hex_i)s, %(hex_j)s);
-- then each incident is placed by geometry. The control, the rest of the surrounding
-- wards, is their monthly count (counts_ward) less these. ck: the cell key, the sum of the
-- records' keys mod 256 (cell key method, migration 0011).
WITH p AS MATERIALIZED (
    SELECT geom, ST_Buffer(geom, %(buffer)s) AS outer_ring
    FROM place WHERE place_id = %(place_id)s
), cells AS (
    SELECT * FROM unnest(%(hex_i)s::int[], %(hex_j)s::int[]) AS c(hex_i, hex_j)
)
SELECT i.month,
       CASE WHEN ST_Intersects(p.geom, i.geom) THEN 'target' ELSE 'buffer' END AS zone,
       count(*) AS n,
       (sum((hashint8extended(i.incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM incident i JOIN cells c ON i.hex_i = c.hex_i AND i.hex_j = c.hex_j, p
WHERE i.geom IS NOT NULL AND ST_Intersects(p.outer_ring, i.geom)
  AND i.ward_code = ANY(%(wards)s::text[])
  AND i.month >= %(start)s AND i.month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR i.harm_type = ANY(%(harms)s::text[]))
GROUP BY 1, 2
