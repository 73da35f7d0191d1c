-- Monthly incidents around one place: in the place polygon (target), in a ring of
-- %(buffer)s m around it (buffer), and in the rest of the surrounding wards (control):
-- the ward(s) the place touches and the wards next to them.
WITH p AS (
    SELECT geom FROM place WHERE place_id = %(place_id)s
), home AS (
    SELECT ST_Union(w.geom) AS geom FROM p JOIN ward w ON ST_Intersects(w.geom, p.geom)
), z AS (
    SELECT p.geom AS target,
           ST_Buffer(p.geom, %(buffer)s) AS outer_ring,
           ST_Union(ST_Union(w.geom), ST_Buffer(p.geom, %(buffer)s)) AS region
    FROM p, home JOIN ward w ON ST_Intersects(w.geom, home.geom)
    GROUP BY p.geom
)
SELECT i.month,
       CASE WHEN ST_Intersects(z.target, i.geom) THEN 'target'
            WHEN ST_Intersects(z.outer_ring, i.geom) THEN 'buffer'
            ELSE 'control' END AS zone,
       count(*) AS n
FROM incident i, z
WHERE i.geom IS NOT NULL AND ST_Intersects(z.region, i.geom)
  AND i.month >= %(start)s AND i.month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR i.harm_type = ANY(%(harms)s::text[]))
GROUP BY 1, 2
