-- The staged incidents as PostGIS placed them (incident_place, incident_place_area), before
-- they are written into the extract's table (incident_insert); the loader reads them back
-- from here (stage_incident_placed_rows) to sum them into the monthly rollups with the rows
-- the cells placed.
CREATE TEMP TABLE stage_incident_placed (
    incident_id bigint, extract_id bigint, source_row integer, month date,
    occurred_at timestamp, harm_type text, risk_level text, age_band text, person_key text,
    crime_key text, area_code text, ward_code text, lsoa_code text, place_id bigint,
    hex_i integer, hex_j integer, geom geometry(Point, 27700)
) ON COMMIT DROP
