-- Staged points in a 50 m cell wholly inside one ward and one LSOA and near no place
-- (migration 0007): their ward and LSOA come from the cell, with no geometry test. The
-- other points are assigned by incident_insert.
INSERT INTO {target} (extract_id, source_row, month, occurred_at, harm_type, risk_level,
                      age_band, person_key, area_code, ward_code, lsoa_code, place_id,
                      hex_i, hex_j, geom)
SELECT %(extract_id)s, s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level,
       s.age_band, s.person_key, c.area_code, c.ward_code, c.lsoa_code, NULL,
       s.hex_i, s.hex_j, ST_SetSRID(ST_MakePoint(s.x, s.y), 27700)
FROM stage_incident s
JOIN area_cell c ON c.ci = floor(s.x / 50)::int AND c.cj = floor(s.y / 50)::int
WHERE s.x IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM place_cell pc WHERE pc.ci = c.ci AND pc.cj = c.cj)
