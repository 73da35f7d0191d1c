-- The older extracts' rollup rows of the months touched by a replacement, summed again
-- from incident (rollup_refresh_fill) into the rollup tables (after
-- rollup_refresh_delete), and rollup_place_person's from incident, as migrations 0018
-- and 0019 fill them.
-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):
-- edit there, not here.
WITH ward AS (INSERT INTO rollup_ward (extract_id, ward_code, month, harm_type, risk_level, age_band, area_code, n, ck)
        SELECT extract_id, ward_code, month, harm_type, risk_level, age_band, area_code, n, ck FROM rollup_refill WHERE gw = 0)
, ward_harm AS (INSERT INTO rollup_ward_harm (extract_id, ward_code, month, harm_type, area_code, n, ck)
        SELECT extract_id, ward_code, month, harm_type, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gw = 0 GROUP BY extract_id, ward_code, month, harm_type, area_code)
, ward_month AS (INSERT INTO rollup_ward_month (extract_id, ward_code, month, area_code, n, ck)
        SELECT extract_id, ward_code, month, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gw = 0 GROUP BY extract_id, ward_code, month, area_code)
, lsoa AS (INSERT INTO rollup_lsoa (extract_id, lsoa_code, month, harm_type, risk_level, age_band, area_code, n, ck)
        SELECT extract_id, lsoa_code, month, harm_type, risk_level, age_band, area_code, n, ck FROM rollup_refill WHERE gl = 0)
, lsoa_harm AS (INSERT INTO rollup_lsoa_harm (extract_id, lsoa_code, month, harm_type, area_code, n, ck)
        SELECT extract_id, lsoa_code, month, harm_type, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gl = 0 GROUP BY extract_id, lsoa_code, month, harm_type, area_code)
, lsoa_month AS (INSERT INTO rollup_lsoa_month (extract_id, lsoa_code, month, area_code, n, ck)
        SELECT extract_id, lsoa_code, month, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gl = 0 GROUP BY extract_id, lsoa_code, month, area_code)
, hex AS (INSERT INTO rollup_hex (extract_id, hex_i, hex_j, month, harm_type, risk_level, age_band, area_code, n, ck)
        SELECT extract_id, hex_i, hex_j, month, harm_type, risk_level, age_band, area_code, n, ck FROM rollup_refill WHERE gh = 0)
, hex_harm AS (INSERT INTO rollup_hex_harm (extract_id, hex_i, hex_j, month, harm_type, area_code, n, ck)
        SELECT extract_id, hex_i, hex_j, month, harm_type, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gh = 0 GROUP BY extract_id, hex_i, hex_j, month, harm_type, area_code)
, hex_month AS (INSERT INTO rollup_hex_month (extract_id, hex_i, hex_j, month, area_code, n, ck)
        SELECT extract_id, hex_i, hex_j, month, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gh = 0 GROUP BY extract_id, hex_i, hex_j, month, area_code)
, place AS (INSERT INTO rollup_place (extract_id, place_id, month, harm_type, risk_level, age_band, area_code, n, ck)
        SELECT extract_id, place_id, month, harm_type, risk_level, age_band, area_code, n, ck FROM rollup_refill WHERE gp = 0)
, place_harm AS (INSERT INTO rollup_place_harm (extract_id, place_id, month, harm_type, area_code, n, ck)
        SELECT extract_id, place_id, month, harm_type, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gp = 0 GROUP BY extract_id, place_id, month, harm_type, area_code)
, place_month AS (INSERT INTO rollup_place_month (extract_id, place_id, month, area_code, n, ck)
        SELECT extract_id, place_id, month, area_code, sum(n)::integer, (sum(ck) & 255)::smallint
        FROM rollup_refill WHERE gp = 0 GROUP BY extract_id, place_id, month, area_code)
, place_person AS (INSERT INTO rollup_place_person
        SELECT DISTINCT i.extract_id, i.area_code, i.place_id, i.month,
               coalesce(i.occurred_at::date, i.month), i.person_key
        FROM incident i JOIN (SELECT DISTINCT extract_id, month FROM incident_replaced) t
             ON t.extract_id = i.extract_id AND t.month = i.month
        WHERE i.place_id IS NOT NULL AND i.person_key IS NOT NULL)
SELECT true AS done
