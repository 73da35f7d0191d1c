-- The incidents of older extracts that a load's own rows (its table just attached)
-- replace (migration 0021), in the months of the load: those with the crime key of one of
-- its rows, and, among the rows with no key, those identical in every stored field to one
-- of its rows, one to one (three identical rows loaded before and two in the new file:
-- two replaced). Ward and LSOA are compared for the rows located by a code only (a point's
-- are found from it). A crime key matches in its own month only, and only records of the
-- areas the load's own rows fall in are candidates: a load in one area never replaces
-- another area's records (police.uk Crime IDs are public).
CREATE TEMP TABLE incident_replaced ON COMMIT DROP AS
WITH new_keys AS (
    SELECT DISTINCT crime_key, month FROM incident
    WHERE extract_id = %(extract_id)s AND crime_key IS NOT NULL
), new_areas AS (
    SELECT DISTINCT area_code FROM incident WHERE extract_id = %(extract_id)s
), content AS (
    SELECT o.incident_id, o.extract_id, o.month, o.crime_key,
           md5(row(o.month, o.occurred_at, o.harm_type, o.risk_level, o.age_band,
                   o.person_key, CASE WHEN o.geom IS NULL THEN o.ward_code END,
                   CASE WHEN o.geom IS NULL THEN o.lsoa_code END, o.geom)::text) AS h
    FROM incident o
    WHERE o.month = ANY (%(months)s::date[]) AND o.extract_id <> %(extract_id)s
      AND EXISTS (SELECT 1 FROM new_areas a WHERE a.area_code IS NOT DISTINCT FROM o.area_code)
), old_rows AS (
    SELECT incident_id, extract_id, month, h,
           row_number() OVER (PARTITION BY h ORDER BY extract_id DESC, incident_id) AS k
    FROM content WHERE crime_key IS NULL
), new_rows AS (
    SELECT h, count(*) AS n FROM (
        SELECT md5(row(month, occurred_at, harm_type, risk_level, age_band, person_key,
                       CASE WHEN geom IS NULL THEN ward_code END,
                       CASE WHEN geom IS NULL THEN lsoa_code END, geom)::text) AS h
        FROM incident WHERE extract_id = %(extract_id)s AND crime_key IS NULL) t
    GROUP BY h
)
SELECT c.incident_id, c.extract_id, c.month
FROM content c JOIN new_keys k ON k.crime_key = c.crime_key AND k.month = c.month
UNION ALL
SELECT o.incident_id, o.extract_id, o.month
FROM old_rows o JOIN new_rows n ON n.h = o.h AND o.k <= n.n
