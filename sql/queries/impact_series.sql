-- Monthly incidents around one place: at the place (target: the incidents the loader
-- placed there, incident.place_id, as every page counts "at a place"), in a ring of
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- %(buffer)s m around it (buffer), and in the rest of the surrounding wards (control):
-- the ward(s) the place touches, the wards next to them, and any the ring reaches.
-- Incidents are picked by ward code (an equality row-level security lets use an index
-- for) and only then placed in a zone by geometry.
WITH p AS (
    SELECT geom, ST_Buffer(geom, %(buffer)s) AS outer_ring
    FROM place WHERE place_id = %(place_id)s
), home AS (
    SELECT ST_Union(w.geom) AS geom FROM p JOIN ward w ON ST_Intersects(w.geom, p.geom)
), region AS (
    SELECT w.ward_code FROM home, p, ward w
    WHERE ST_Intersects(w.geom, home.geom) OR ST_Intersects(w.geom, p.outer_ring)
)
SELECT i.month,
       CASE WHEN i.place_id = %(place_id)s THEN 'target'
            WHEN ST_Intersects(p.outer_ring, i.geom) THEN 'buffer'
            ELSE 'control' END AS zone,
       count(*) AS n,
       (sum((hashint8extended(i.incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM incident i, p
WHERE i.ward_code IN (SELECT ward_code FROM region) AND i.geom IS NOT NULL
  AND i.month >= %(start)s AND i.month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR i.harm_type = ANY(%(harms)s::text[]))
GROUP BY 1, 2
