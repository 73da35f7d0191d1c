-- The staged points, with the ward, LSOA and place PostGIS found for them (stage_point_*)
-- where their cells did not tell, as they will be written (incident_insert.sql).
INSERT INTO stage_incident_placed (incident_id, extract_id, source_row, month, occurred_at, harm_type,
                                   risk_level, age_band, person_key, crime_key, area_code, ward_code, lsoa_code, place_id,
                                   hex_i, hex_j, geom)
SELECT (%(extract_id)s::bigint << %(id_shift)s::int) + s.source_row,  -- as incident_copy
       %(extract_id)s, s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level,
       s.age_band, s.person_key, s.crime_key, coalesce(s.area_code, w.area_code, l.area_code),
       coalesce(s.ward_code, w.ward_code), coalesce(s.lsoa_code, l.lsoa_code),
       coalesce(s.place_id, p.place_id),
       s.hex_i, s.hex_j, s.geom
FROM stage_incident s
LEFT JOIN stage_point_ward w ON w.source_row = s.source_row
LEFT JOIN stage_point_lsoa l ON l.source_row = s.source_row
LEFT JOIN stage_point_place p ON p.source_row = s.source_row
WHERE s.geom IS NOT NULL
