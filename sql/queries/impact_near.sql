-- Monthly incidents at places (target) and in the ring of %(buffer)s m around each
-- (buffer), for many places at once. "At a place" is one definition everywhere (issue
-- #27): the incidents the loader placed there (incident.place_id, found by the place's
-- cells), as the Place profile, the Map and the rollups count them; the ring is the rest
-- of the buffer around the polygon. one row of %(keys)s per place and window (its
-- place, first and last month, and the wards its ring touches, comma-separated). Of each
-- place's wards (through the ward-month index) only the 250 m hexagon cells covering its
-- ring are kept (%(cell_k)s, %(hex_i)s, %(hex_j)s: the cells of key k; a cell compared as
-- one number, i shifted left by %(cell_bits)s bits plus j), then each incident
-- is placed by geometry. The control, the rest of the surrounding wards, is their monthly
-- count (counts_ward) less these. ck: the cell key, the sum of the records' keys mod 256
-- (cell key method, migration 0011).
WITH cells AS MATERIALIZED (
    SELECT k, array_agg((hex_i::bigint << %(cell_bits)s) + hex_j) AS cells
    FROM unnest(%(cell_k)s::int[], %(hex_i)s::int[], %(hex_j)s::int[]) AS c(k, hex_i, hex_j)
    GROUP BY k
), p AS MATERIALIZED (
    SELECT t.k, t.place_id, ST_Buffer(pl.geom, %(buffer)s) AS outer_ring, t.first, t.last,
           string_to_array(t.wards, ',') AS wards, c.cells
    FROM unnest(%(keys)s::int[], %(place_ids)s::int[], %(firsts)s::date[], %(lasts)s::date[],
                %(wards)s::text[]) AS t(k, place_id, first, last, wards)
    JOIN place pl ON pl.place_id = t.place_id
    JOIN cells c ON c.k = t.k
)
SELECT p.k, i.month,
       CASE WHEN i.place_id = p.place_id THEN 'target' ELSE 'buffer' END AS zone,
       count(*) AS n,
       (sum((hashint8extended(i.incident_id, (SELECT seed FROM disclosure_key)) & 255)::int) & 255)::int AS ck
FROM p CROSS JOIN LATERAL (
    SELECT i.month, i.geom, i.incident_id, i.place_id
    FROM incident i
    WHERE i.ward_code = ANY(p.wards) AND i.month >= p.first AND i.month <= p.last
      AND ((i.hex_i::bigint << %(cell_bits)s) + i.hex_j) = ANY(p.cells) AND i.geom IS NOT NULL
      AND (%(harms)s::text[] IS NULL OR i.harm_type = ANY(%(harms)s::text[]))
    OFFSET 0  -- planned for each place apart: an index scan of its wards' months
) i
WHERE i.place_id = p.place_id OR ST_Intersects(p.outer_ring, i.geom)
GROUP BY 1, 2, 3
