-- Add a load's incidents to the monthly rollups (migration 0018), in the load's
-- transaction once its table is attached. For each unit (ward, LSOA, 250 m cell, place)
-- its incidents are grouped once at the finest level (unit x month x harm x risk x age),
-- and the coarser levels are summed from that (x harm from the finest, x month from x
-- harm), each level read only by its own unit's inserts. (One scan with GROUPING SETS was
-- tried first: its single result of every unit's groups was then scanned twelve times,
-- 1.5 M rows each at 1 M incidents; this shape took 0.85x its time, same rows.) Plain
-- inserts: the rows are the extract's own (readers sum over extracts).
WITH d_ward AS MATERIALIZED (
    SELECT extract_id, ward_code, month, harm_type, risk_level, age_band, area_code,
           count(*)::integer AS n,
           (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
            & 255)::smallint AS ck
    FROM incident
    WHERE extract_id = %(extract_id)s
    GROUP BY extract_id, month, harm_type, risk_level, age_band, area_code, ward_code
), h_ward AS MATERIALIZED (
    SELECT extract_id, ward_code, month, harm_type, area_code, sum(n)::integer AS n,
           (sum(ck) & 255)::smallint AS ck
    FROM d_ward GROUP BY extract_id, ward_code, month, harm_type, area_code
), i_ward AS (
    INSERT INTO rollup_ward
    SELECT extract_id, ward_code, month, harm_type, risk_level, age_band, area_code, n, ck FROM d_ward
), i_ward_harm AS (
    INSERT INTO rollup_ward_harm
    SELECT extract_id, ward_code, month, harm_type, area_code, n, ck FROM h_ward
), i_ward_month AS (
    INSERT INTO rollup_ward_month
    SELECT extract_id, ward_code, month, area_code, sum(n), sum(ck) & 255
    FROM h_ward GROUP BY extract_id, ward_code, month, area_code
),
d_lsoa AS MATERIALIZED (
    SELECT extract_id, lsoa_code, month, harm_type, risk_level, age_band, area_code,
           count(*)::integer AS n,
           (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
            & 255)::smallint AS ck
    FROM incident
    WHERE extract_id = %(extract_id)s
    GROUP BY extract_id, month, harm_type, risk_level, age_band, area_code, lsoa_code
), h_lsoa AS MATERIALIZED (
    SELECT extract_id, lsoa_code, month, harm_type, area_code, sum(n)::integer AS n,
           (sum(ck) & 255)::smallint AS ck
    FROM d_lsoa GROUP BY extract_id, lsoa_code, month, harm_type, area_code
), i_lsoa AS (
    INSERT INTO rollup_lsoa
    SELECT extract_id, lsoa_code, month, harm_type, risk_level, age_band, area_code, n, ck FROM d_lsoa
), i_lsoa_harm AS (
    INSERT INTO rollup_lsoa_harm
    SELECT extract_id, lsoa_code, month, harm_type, area_code, n, ck FROM h_lsoa
), i_lsoa_month AS (
    INSERT INTO rollup_lsoa_month
    SELECT extract_id, lsoa_code, month, area_code, sum(n), sum(ck) & 255
    FROM h_lsoa GROUP BY extract_id, lsoa_code, month, area_code
),
d_hex AS MATERIALIZED (
    SELECT extract_id, hex_i, hex_j, month, harm_type, risk_level, age_band, area_code,
           count(*)::integer AS n,
           (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
            & 255)::smallint AS ck
    FROM incident
    WHERE extract_id = %(extract_id)s
    GROUP BY extract_id, month, harm_type, risk_level, age_band, area_code, hex_i, hex_j
), h_hex AS MATERIALIZED (
    SELECT extract_id, hex_i, hex_j, month, harm_type, area_code, sum(n)::integer AS n,
           (sum(ck) & 255)::smallint AS ck
    FROM d_hex GROUP BY extract_id, hex_i, hex_j, month, harm_type, area_code
), i_hex AS (
    INSERT INTO rollup_hex
    SELECT extract_id, hex_i, hex_j, month, harm_type, risk_level, age_band, area_code, n, ck FROM d_hex
), i_hex_harm AS (
    INSERT INTO rollup_hex_harm
    SELECT extract_id, hex_i, hex_j, month, harm_type, area_code, n, ck FROM h_hex
), i_hex_month AS (
    INSERT INTO rollup_hex_month
    SELECT extract_id, hex_i, hex_j, month, area_code, sum(n), sum(ck) & 255
    FROM h_hex GROUP BY extract_id, hex_i, hex_j, month, area_code
),
d_place AS MATERIALIZED (
    SELECT extract_id, place_id, month, harm_type, risk_level, age_band, area_code,
           count(*)::integer AS n,
           (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
            & 255)::smallint AS ck
    FROM incident
    WHERE extract_id = %(extract_id)s
    GROUP BY extract_id, month, harm_type, risk_level, age_band, area_code, place_id
), h_place AS MATERIALIZED (
    SELECT extract_id, place_id, month, harm_type, area_code, sum(n)::integer AS n,
           (sum(ck) & 255)::smallint AS ck
    FROM d_place GROUP BY extract_id, place_id, month, harm_type, area_code
), i_place AS (
    INSERT INTO rollup_place
    SELECT extract_id, place_id, month, harm_type, risk_level, age_band, area_code, n, ck FROM d_place
), i_place_harm AS (
    INSERT INTO rollup_place_harm
    SELECT extract_id, place_id, month, harm_type, area_code, n, ck FROM h_place
), i_place_month AS (
    INSERT INTO rollup_place_month
    SELECT extract_id, place_id, month, area_code, sum(n), sum(ck) & 255
    FROM h_place GROUP BY extract_id, place_id, month, area_code
)
-- the incidents added (each unit's groups hold every one of them)
SELECT coalesce(sum(n), 0)::bigint AS added FROM h_ward
