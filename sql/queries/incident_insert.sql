-- Staged points that incident_insert_cells did not take, with the ward, LSOA and place
-- found for them (stage_point_*). A point outside every ward (or LSOA) but within the
-- boundary tolerance takes the nearest one.
INSERT INTO {target} (extract_id, source_row, month, occurred_at, harm_type, risk_level,
                      age_band, person_key, area_code, ward_code, lsoa_code, place_id,
                      hex_i, hex_j, geom)
SELECT %(extract_id)s, s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level,
       s.age_band, s.person_key,
       coalesce(s.cell_area, w.area_code, w2.area_code, l.area_code, l2.area_code),
       coalesce(s.cell_ward, w.ward_code, w2.ward_code),
       coalesce(s.cell_lsoa, l.lsoa_code, l2.lsoa_code), p.place_id,
       s.hex_i, s.hex_j, s.geom
FROM stage_point s
LEFT JOIN stage_point_ward w ON w.source_row = s.source_row
LEFT JOIN stage_point_lsoa l ON l.source_row = s.source_row
LEFT JOIN stage_point_place p ON p.source_row = s.source_row
LEFT JOIN LATERAL (
    SELECT wn.ward_code, wn.area_code FROM ward wn
    WHERE s.cell_ward IS NULL AND w.ward_code IS NULL
      AND ST_DWithin(wn.geom, s.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(wn.geom, s.geom), wn.ward_code LIMIT 1
) w2 ON true
LEFT JOIN LATERAL (
    SELECT ln.lsoa_code, ln.area_code FROM lsoa ln
    WHERE s.cell_lsoa IS NULL AND l.lsoa_code IS NULL
      AND ST_DWithin(ln.geom, s.geom, %(boundary_tolerance)s)
    ORDER BY ST_Distance(ln.geom, s.geom), ln.lsoa_code LIMIT 1
) l2 ON true
