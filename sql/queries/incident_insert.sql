-- Spatial assignment in PostGIS of staged rows with a point: the ward and LSOA containing
-- it (or the nearest within the boundary tolerance, for points just outside), the
-- nearest place within the place distance, and the hexagon of the default grid.
INSERT INTO incident (extract_id, source_row, month, occurred_at, harm_type, risk_level,
                      age_band, person_key, area_code, ward_code, lsoa_code, place_id,
                      hex_i, hex_j, geom)
SELECT %(extract_id)s, s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level,
       s.age_band, s.person_key,
       coalesce(w.area_code, l.area_code),
       w.ward_code, l.lsoa_code, p.place_id,
       pt.cell[1], pt.cell[2], pt.geom
FROM stage_incident s
CROSS JOIN LATERAL (
    SELECT ST_SetSRID(ST_MakePoint(s.x, s.y), 27700)::geometry(Point, 27700) AS geom,
           contexts_hex(s.x, s.y, %(hex_size)s) AS cell
) pt
LEFT JOIN LATERAL (
    SELECT l.lsoa_code, l.area_code FROM lsoa l
    WHERE ST_DWithin(l.geom, pt.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(l.geom, pt.geom), l.lsoa_code LIMIT 1
) l ON true
LEFT JOIN LATERAL (
    SELECT w.ward_code, w.area_code FROM ward w
    WHERE ST_DWithin(w.geom, pt.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(w.geom, pt.geom), w.ward_code LIMIT 1
) w ON true
LEFT JOIN LATERAL (
    SELECT p.place_id FROM place p
    WHERE ST_DWithin(p.geom, pt.geom, %(place_distance)s)
    ORDER BY ST_Distance(p.geom, pt.geom), p.place_id
    LIMIT 1
) p ON true
WHERE s.x IS NOT NULL
