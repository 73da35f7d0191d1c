-- Monthly rollups (issue #21, DESIGN §9): the pages count from these, not from incident.
--
-- For each unit (ward, LSOA, 250 m hexagon cell, place of concern), counts n with their
-- cell key ck (the sum of the records' keys mod 256, migration 0011) at three levels:
--   rollup_<unit>        unit x month x harm type x risk level x age band
--   rollup_<unit>_harm   unit x month x harm type (every risk level and age band)
--   rollup_<unit>_month  unit x month (every harm type, risk level and age band)
-- each also by area (area_code) and by extract (extract_id). A page reads the smallest
-- level its filters allow. Keys add mod 256, so any sum of rollup rows gives the disclosure
-- gate the (n, ck) the same incidents counted from incident would give.
--
-- One row per extract and key: a load adds the rows of its own extract (plain inserts, no
-- index to keep: a load of a million incidents writes 2 million rollup rows), and readers
-- sum over extracts, as they sum over months. Each table holds every incident once: a
-- row whose unit is NULL (an incident with no LSOA, no cell, at no place) counts too, so
-- each table's n add up to the rows of incident. area_code has incident's row-level
-- security policy: a partner's sums of rollup rows are the counts of exactly the
-- incidents incident shows them.
--
-- Kept in the same transaction by every incidents load (rollup_add_extract.sql, once the
-- extract's table is attached) and by the retention purge (rollup_purge.sql: it deletes
-- whole months, so whole rollup rows). Loading wards, LSOAs or places assigns nothing
-- anew to incidents already loaded (they keep the ward, LSOA, place and cell found at
-- their load: no statement updates incident), so the rollups do not change with them.
-- Filled here from the incidents there are.
DO $$
DECLARE
    t record;
    lvl record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('ward', 'ward_code text'), ('lsoa', 'lsoa_code text'),
        ('hex', 'hex_i integer, hex_j integer'), ('place', 'place_id bigint')) AS v(unit, cols)
    LOOP
        FOR lvl IN SELECT * FROM (VALUES
            ('', 'month date NOT NULL, harm_type text NOT NULL, risk_level text, age_band text'),
            ('_harm', 'month date NOT NULL, harm_type text NOT NULL'),
            ('_month', 'month date NOT NULL')) AS v(suffix, cols)
        LOOP
            EXECUTE format(
                'CREATE TABLE %I (extract_id bigint NOT NULL, %s, %s, area_code text, '
                'n integer NOT NULL CHECK (n > 0), '
                'ck smallint NOT NULL CHECK (ck BETWEEN 0 AND 255))',
                'rollup_' || t.unit || lvl.suffix, t.cols, lvl.cols);
        END LOOP;
    END LOOP;
END
$$;

-- Filled from the incidents loaded before this migration: one scan, four groupings.
CREATE TEMP TABLE rollup_fill ON COMMIT DROP AS
    SELECT GROUPING(ward_code) AS gw, GROUPING(lsoa_code) AS gl, GROUPING(place_id) AS gp,
           GROUPING(hex_i) AS gh, extract_id,
           ward_code, lsoa_code, place_id, hex_i, hex_j, month, harm_type, risk_level,
           age_band, area_code, count(*)::integer AS n,
           (sum((hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int)
            & 255)::smallint AS ck
    FROM incident
    GROUP BY extract_id, month, harm_type, risk_level, age_band, area_code,
             GROUPING SETS ((ward_code), (lsoa_code), (place_id), (hex_i, hex_j));
INSERT INTO rollup_ward
SELECT extract_id, ward_code, month, harm_type, risk_level, age_band, area_code, n, ck
FROM rollup_fill WHERE gw = 0;
INSERT INTO rollup_ward_harm
SELECT extract_id, ward_code, month, harm_type, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gw = 0 GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_ward_month
SELECT extract_id, ward_code, month, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gw = 0 GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_lsoa
SELECT extract_id, lsoa_code, month, harm_type, risk_level, age_band, area_code, n, ck
FROM rollup_fill WHERE gl = 0;
INSERT INTO rollup_lsoa_harm
SELECT extract_id, lsoa_code, month, harm_type, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gl = 0 GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_lsoa_month
SELECT extract_id, lsoa_code, month, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gl = 0 GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_hex
SELECT extract_id, hex_i, hex_j, month, harm_type, risk_level, age_band, area_code, n, ck
FROM rollup_fill WHERE gh = 0;
INSERT INTO rollup_hex_harm
SELECT extract_id, hex_i, hex_j, month, harm_type, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gh = 0 GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO rollup_hex_month
SELECT extract_id, hex_i, hex_j, month, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gh = 0 GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_place
SELECT extract_id, place_id, month, harm_type, risk_level, age_band, area_code, n, ck
FROM rollup_fill WHERE gp = 0;
INSERT INTO rollup_place_harm
SELECT extract_id, place_id, month, harm_type, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gp = 0 GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_place_month
SELECT extract_id, place_id, month, area_code, sum(n), sum(ck) & 255
FROM rollup_fill WHERE gp = 0 GROUP BY 1, 2, 3, 4;
DROP TABLE rollup_fill;

-- Privileges and row-level security: as incident's (migrations 0008 and 0010).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['rollup_ward', 'rollup_ward_harm', 'rollup_ward_month',
                             'rollup_lsoa', 'rollup_lsoa_harm', 'rollup_lsoa_month',
                             'rollup_hex', 'rollup_hex_harm', 'rollup_hex_month',
                             'rollup_place', 'rollup_place_harm', 'rollup_place_month']
    LOOP
        EXECUTE format('GRANT SELECT ON %I TO contexts_dashboard', t);
        EXECUTE format('GRANT SELECT, INSERT, DELETE ON %I TO contexts_loader', t);
        EXECUTE format('GRANT ALL ON %I TO contexts_owner', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO contexts_dashboard '
                       'USING ((SELECT contexts_all_areas()) '
                       'OR area_code = ANY ((SELECT contexts_area_list())::text[]))',
                       t || '_by_area', t);
        EXECUTE format('CREATE POLICY %I ON %I TO contexts_loader, contexts_owner '
                       'USING (true) WITH CHECK (true)', t || '_writers', t);
        EXECUTE format('ANALYZE %I', t);
    END LOOP;
END
$$;

-- A load adds its extract's cell keys to the rollups: the loader reads the seed (it never
-- leaves the database; the dashboard role reads it already, migration 0011).
GRANT SELECT ON disclosure_key TO contexts_loader;
