-- The incidents of a load that PostGIS must place: points their 50 m cell does not
-- settle (flagged ``unsettled`` when it lies in no ward-and-LSOA cell, ``near_place`` when a
-- place may be within the place distance) and rows located by a ward or LSOA code only.
CREATE TEMP TABLE stage_incident (
    source_row integer, month date, occurred_at timestamp, harm_type text, risk_level text,
    age_band text, person_key text, area_code text, ward_code text, lsoa_code text,
    hex_i integer, hex_j integer, geom geometry(Point, 27700), unsettled boolean,
    near_place boolean
) ON COMMIT DROP
