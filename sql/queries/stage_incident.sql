-- The incidents of a load that PostGIS must place: points their cells do not settle
-- (flagged ``unsettled`` when in no cell inside one ward and one LSOA, ``near_place`` when
-- their place is not known: migrations 0007 and 0009) and rows located by a ward or LSOA
-- code only.
CREATE TEMP TABLE stage_incident (
    source_row integer, month date, occurred_at timestamp, harm_type text, risk_level text,
    age_band text, person_key text, crime_key text, area_code text, ward_code text, lsoa_code text,
    place_id bigint, hex_i integer, hex_j integer, geom geometry(Point, 27700),
    unsettled boolean, near_place boolean
) ON COMMIT DROP
