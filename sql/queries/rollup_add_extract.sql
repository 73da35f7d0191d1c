-- Add a load's incidents to the monthly rollups (migration 0018), in the load's
-- transaction once its table is attached: its rows grouped four ways (ward, LSOA, place,
-- cell) in one scan, then each grouping summed to the coarser levels. Plain inserts: the
-- rows are the extract's own (readers sum over extracts).
WITH d AS MATERIALIZED (
    SELECT GROUPING(ward_code) AS gw, GROUPING(lsoa_code) AS gl, GROUPING(place_id) AS gp,
           GROUPING(hex_i) AS gh, extract_id,
           ward_code, lsoa_code, place_id, hex_i, hex_j, month, harm_type, risk_level,
           age_band, area_code, count(*)::integer AS n,
           (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
            & 255)::smallint AS ck
    FROM incident
    WHERE extract_id = %(extract_id)s
    GROUP BY extract_id, month, harm_type, risk_level, age_band, area_code,
             GROUPING SETS ((ward_code), (lsoa_code), (place_id), (hex_i, hex_j))
), ward AS (
    INSERT INTO rollup_ward
    SELECT extract_id, ward_code, month, harm_type, risk_level, age_band, area_code, n, ck
    FROM d WHERE gw = 0
), ward_harm AS (
    INSERT INTO rollup_ward_harm
    SELECT extract_id, ward_code, month, harm_type, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gw = 0 GROUP BY 1, 2, 3, 4, 5
), ward_month AS (
    INSERT INTO rollup_ward_month
    SELECT extract_id, ward_code, month, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gw = 0 GROUP BY 1, 2, 3, 4
), lsoa AS (
    INSERT INTO rollup_lsoa
    SELECT extract_id, lsoa_code, month, harm_type, risk_level, age_band, area_code, n, ck
    FROM d WHERE gl = 0
), lsoa_harm AS (
    INSERT INTO rollup_lsoa_harm
    SELECT extract_id, lsoa_code, month, harm_type, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gl = 0 GROUP BY 1, 2, 3, 4, 5
), lsoa_month AS (
    INSERT INTO rollup_lsoa_month
    SELECT extract_id, lsoa_code, month, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gl = 0 GROUP BY 1, 2, 3, 4
), hex AS (
    INSERT INTO rollup_hex
    SELECT extract_id, hex_i, hex_j, month, harm_type, risk_level, age_band, area_code, n, ck
    FROM d WHERE gh = 0
), hex_harm AS (
    INSERT INTO rollup_hex_harm
    SELECT extract_id, hex_i, hex_j, month, harm_type, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gh = 0 GROUP BY 1, 2, 3, 4, 5, 6
), hex_month AS (
    INSERT INTO rollup_hex_month
    SELECT extract_id, hex_i, hex_j, month, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gh = 0 GROUP BY 1, 2, 3, 4, 5
), place AS (
    INSERT INTO rollup_place
    SELECT extract_id, place_id, month, harm_type, risk_level, age_band, area_code, n, ck
    FROM d WHERE gp = 0
), place_harm AS (
    INSERT INTO rollup_place_harm
    SELECT extract_id, place_id, month, harm_type, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gp = 0 GROUP BY 1, 2, 3, 4, 5
), place_month AS (
    INSERT INTO rollup_place_month
    SELECT extract_id, place_id, month, area_code, sum(n), sum(ck) & 255
    FROM d WHERE gp = 0 GROUP BY 1, 2, 3, 4
)
-- the incidents added (each grouping holds every one of them)
SELECT coalesce(sum(n), 0)::bigint AS added FROM d WHERE gw = 0
