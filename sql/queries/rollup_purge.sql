-- The retention purge's months out of the monthly rollups (migration 0018) and
-- rollup_place_person (0019), in the purge's transaction: purge_incidents deletes every
-- incident of a month before the cut-off, so every rollup row of such a month goes, and
-- no other.
-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):
-- edit there, not here.
WITH ward AS (DELETE FROM rollup_ward WHERE month < %(cutoff)s),
     ward_harm AS (DELETE FROM rollup_ward_harm WHERE month < %(cutoff)s),
     ward_month AS (DELETE FROM rollup_ward_month WHERE month < %(cutoff)s),
     lsoa AS (DELETE FROM rollup_lsoa WHERE month < %(cutoff)s),
     lsoa_harm AS (DELETE FROM rollup_lsoa_harm WHERE month < %(cutoff)s),
     lsoa_month AS (DELETE FROM rollup_lsoa_month WHERE month < %(cutoff)s),
     hex AS (DELETE FROM rollup_hex WHERE month < %(cutoff)s),
     hex_harm AS (DELETE FROM rollup_hex_harm WHERE month < %(cutoff)s),
     hex_month AS (DELETE FROM rollup_hex_month WHERE month < %(cutoff)s),
     place AS (DELETE FROM rollup_place WHERE month < %(cutoff)s),
     place_harm AS (DELETE FROM rollup_place_harm WHERE month < %(cutoff)s),
     place_month AS (DELETE FROM rollup_place_month WHERE month < %(cutoff)s),
     place_person AS (DELETE FROM rollup_place_person WHERE month < %(cutoff)s)
SELECT true AS done  -- (data-modifying WITH parts run whether read or not)
