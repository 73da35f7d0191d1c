CREATE TEMP TABLE stage_incident (
    source_row integer, month date, occurred_at timestamp, harm_type text, risk_level text,
    age_band text, person_key text, x double precision, y double precision,
    ward_code text, lsoa_code text, hex_i integer, hex_j integer
) ON COMMIT DROP
