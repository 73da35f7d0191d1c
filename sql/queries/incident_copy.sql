-- Incidents their 50 m cell places (ward, LSOA, near no place), straight into the
-- extract's own table (migration 0008).
COPY {target} (extract_id, source_row, month, occurred_at, harm_type, risk_level, age_band,
               person_key, area_code, ward_code, lsoa_code, hex_i, hex_j, geom)
FROM STDIN WITH (FORMAT csv)
