-- The incidents left in the months of older extracts touched by a replacement
-- (incident_replaced), grouped as migration 0018 fills the rollups: one scan, a grouping
-- set per unit; cell keys as the database makes them (the loader reads the seed: 0018).
-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):
-- edit there, not here.
CREATE TEMP TABLE rollup_refill ON COMMIT DROP AS
SELECT GROUPING(i.ward_code) AS gw, GROUPING(i.lsoa_code) AS gl, GROUPING(i.hex_i) AS gh,
       GROUPING(i.place_id) AS gp, i.extract_id, i.ward_code, i.lsoa_code, i.hex_i, i.hex_j,
       i.place_id, i.month, i.harm_type, i.risk_level, i.age_band, i.area_code,
       count(*)::integer AS n,
       (sum((hashint8extended(i.incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
        & 255)::smallint AS ck
FROM incident i JOIN (SELECT DISTINCT extract_id, month FROM incident_replaced) t
     ON t.extract_id = i.extract_id AND t.month = i.month
GROUP BY i.extract_id, i.month, i.harm_type, i.risk_level, i.age_band, i.area_code,
         GROUPING SETS ((i.ward_code), (i.lsoa_code), (i.hex_i, i.hex_j), (i.place_id))
