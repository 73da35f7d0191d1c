-- The older extracts' monthly rollup rows (migrations 0018, 0019) of the months in which a
-- load replaced some of their incidents (duplicate_replace): deleted, then summed again
-- from incident (rollup_refresh_fill, rollup_refresh_insert), in the load's transaction.
-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):
-- edit there, not here.
WITH touched AS (SELECT DISTINCT extract_id, month FROM incident_replaced)
, ward AS (DELETE FROM rollup_ward r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, ward_harm AS (DELETE FROM rollup_ward_harm r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, ward_month AS (DELETE FROM rollup_ward_month r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, lsoa AS (DELETE FROM rollup_lsoa r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, lsoa_harm AS (DELETE FROM rollup_lsoa_harm r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, lsoa_month AS (DELETE FROM rollup_lsoa_month r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, hex AS (DELETE FROM rollup_hex r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, hex_harm AS (DELETE FROM rollup_hex_harm r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, hex_month AS (DELETE FROM rollup_hex_month r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, place AS (DELETE FROM rollup_place r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, place_harm AS (DELETE FROM rollup_place_harm r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, place_month AS (DELETE FROM rollup_place_month r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
, place_person AS (DELETE FROM rollup_place_person r USING touched t
    WHERE r.extract_id = t.extract_id AND r.month = t.month)
SELECT true AS done  -- (data-modifying WITH parts run whether read or not)
