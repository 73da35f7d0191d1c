-- The staged incidents, as PostGIS placed them (incident_place, incident_place_area), into
-- the extract's own table (migration 0008); the loader reads them back from the temporary
-- table for the rollups (stage_incident_placed_rows), rather than from the extract's.
INSERT INTO {target} (incident_id, extract_id, source_row, month, occurred_at, harm_type,
                      risk_level, age_band, person_key, crime_key, area_code, ward_code,
                      lsoa_code, place_id, hex_i, hex_j, geom)
SELECT incident_id, extract_id, source_row, month, occurred_at, harm_type, risk_level,
       age_band, person_key, crime_key, area_code, ward_code, lsoa_code, place_id, hex_i,
       hex_j, geom
FROM stage_incident_placed
