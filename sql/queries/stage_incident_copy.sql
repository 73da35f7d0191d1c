COPY stage_incident (source_row, month, occurred_at, harm_type, risk_level, age_band,
                     person_key, crime_key, area_code, ward_code, lsoa_code, place_id, hex_i, hex_j, geom,
                     unsettled, near_place)
FROM STDIN WITH (FORMAT binary)
