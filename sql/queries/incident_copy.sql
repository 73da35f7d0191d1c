-- Incidents their cells place (ward, LSOA, place or none; migrations 0007 and 0009),
-- straight into the extract's own table (migration 0008). A load's incident ids are its
-- extract and row, extract_id * 2^32 + source_row (no sequence to call per row); rows
-- inserted otherwise take the sequence's, far below.
COPY {target} (incident_id, extract_id, source_row, month, occurred_at, harm_type, risk_level, age_band,
               person_key, crime_key, area_code, ward_code, lsoa_code, place_id, hex_i, hex_j, geom)
FROM STDIN WITH (FORMAT binary)
