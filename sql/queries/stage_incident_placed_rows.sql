-- The staged incidents as PostGIS placed them (stage_incident_placed), for the loader to
-- sum into the monthly rollups with the rows it copied straight in (geo/ingest/_rollups.py).
COPY (SELECT incident_id, month, harm_type, risk_level, age_band, area_code, ward_code,
             lsoa_code, place_id, hex_i, hex_j
      FROM stage_incident_placed) TO STDOUT WITH (FORMAT csv)
