-- Spatial assignment in PostGIS of staged rows with a point: the ward and LSOA containing
-- it (or, for a point just outside every one, the nearest within the boundary tolerance)
-- and the nearest place within the place distance. Points that incident_insert_cells
-- took are left out. Of the others, a point in a 50 m cell wholly inside one ward and
-- one LSOA takes them from area_cell, and a point in no cell of place_cell is near no
-- place (migration 0007): only the rest are tested against the polygons.
-- The default grid's hexagon cell comes computed with the row (geo/grid.py, identical to
-- ST_HexagonGrid).
INSERT INTO {target} (extract_id, source_row, month, occurred_at, harm_type, risk_level,
                      age_band, person_key, area_code, ward_code, lsoa_code, place_id,
                      hex_i, hex_j, geom)
SELECT %(extract_id)s, s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level,
       s.age_band, s.person_key,
       coalesce(c.area_code, w.area_code, w2.area_code, l.area_code, l2.area_code),
       coalesce(c.ward_code, w.ward_code, w2.ward_code),
       coalesce(c.lsoa_code, l.lsoa_code, l2.lsoa_code), p.place_id,
       s.hex_i, s.hex_j, pt.geom
FROM (
    -- neighbouring points one after another: PostGIS then reuses each prepared polygon
    SELECT s.*, floor(s.x / 50)::int AS ci, floor(s.y / 50)::int AS cj
    FROM stage_incident s
    LEFT JOIN area_cell c ON c.ci = floor(s.x / 50)::int AND c.cj = floor(s.y / 50)::int
    LEFT JOIN place_cell pc ON pc.ci = floor(s.x / 50)::int AND pc.cj = floor(s.y / 50)::int
    WHERE s.x IS NOT NULL AND (c.ci IS NULL OR pc.ci IS NOT NULL)
    ORDER BY s.hex_i, s.hex_j
) s
CROSS JOIN LATERAL (
    SELECT ST_SetSRID(ST_MakePoint(s.x, s.y), 27700)::geometry(Point, 27700) AS geom
) pt
LEFT JOIN area_cell c ON c.ci = s.ci AND c.cj = s.cj
LEFT JOIN place_cell pc ON pc.ci = s.ci AND pc.cj = s.cj
LEFT JOIN LATERAL (
    SELECT w.ward_code, w.area_code FROM ward w
    WHERE c.ci IS NULL AND ST_Intersects(w.geom, pt.geom) ORDER BY w.ward_code LIMIT 1
) w ON true
LEFT JOIN LATERAL (
    SELECT wn.ward_code, wn.area_code FROM ward wn
    WHERE c.ci IS NULL AND w.ward_code IS NULL
      AND ST_DWithin(wn.geom, pt.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(wn.geom, pt.geom), wn.ward_code LIMIT 1
) w2 ON true
LEFT JOIN LATERAL (
    SELECT l.lsoa_code, l.area_code FROM lsoa l
    WHERE c.ci IS NULL AND ST_Intersects(l.geom, pt.geom) ORDER BY l.lsoa_code LIMIT 1
) l ON true
LEFT JOIN LATERAL (
    SELECT ln.lsoa_code, ln.area_code FROM lsoa ln
    WHERE c.ci IS NULL AND l.lsoa_code IS NULL
      AND ST_DWithin(ln.geom, pt.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(ln.geom, pt.geom), ln.lsoa_code LIMIT 1
) l2 ON true
LEFT JOIN LATERAL (
    SELECT p.place_id FROM place p
    WHERE pc.ci IS NOT NULL AND ST_DWithin(p.geom, pt.geom, %(place_distance)s)
    ORDER BY ST_Distance(p.geom, pt.geom), p.place_id
    LIMIT 1
) p ON true
