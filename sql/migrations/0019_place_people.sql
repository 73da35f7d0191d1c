-- Young people seen at places (issue #21): the complex-strategy flag's input
-- (keyed_at_places.sql) from a compact table instead of the raw incident table.
--
-- rollup_place_person holds the distinct (place, person key, day) of the incidents at a
-- place with a person key, per extract and area, where day is the timestamp's date or,
-- when there is none, the first of the month (what the flag reads as "when"). Kept as the
-- monthly rollups of migration 0018 are: one row per extract and key, a load adding its
-- own extract's rows in its transaction (rollup_place_person_add.sql, next to
-- rollup_add_extract.sql), the retention purge deleting whole months
-- (rollup_purge.sql), nothing changed by loading wards, LSOAs or places (no statement
-- updates incident). area_code has incident's row-level security policy, so a partner
-- reads the rows of exactly the incidents incident shows them. An index on month: at
-- 1 M incidents (93,356 rows here) it took reading 12 months from 28 to 24 ms and the
-- meeting agenda's 4 months from 15 to 9 ms (36 months: a sequential scan either way),
-- and the purge deletes by month.
CREATE TABLE rollup_place_person (
    extract_id bigint NOT NULL,
    area_code text,
    place_id bigint NOT NULL,
    month date NOT NULL,
    day date NOT NULL,
    person_key text NOT NULL
);

CREATE INDEX rollup_place_person_month ON rollup_place_person (month);

-- Filled from the incidents loaded before this migration.
INSERT INTO rollup_place_person
SELECT DISTINCT extract_id, area_code, place_id, month,
       coalesce(occurred_at::date, month), person_key
FROM incident
WHERE place_id IS NOT NULL AND person_key IS NOT NULL;

-- Privileges and row-level security: as the monthly rollups' (migration 0018).
GRANT SELECT ON rollup_place_person TO contexts_dashboard;
GRANT SELECT, INSERT, DELETE ON rollup_place_person TO contexts_loader;
GRANT ALL ON rollup_place_person TO contexts_owner;
ALTER TABLE rollup_place_person ENABLE ROW LEVEL SECURITY;
ALTER TABLE rollup_place_person FORCE ROW LEVEL SECURITY;
CREATE POLICY rollup_place_person_by_area ON rollup_place_person FOR SELECT
    TO contexts_dashboard
    USING ((SELECT contexts_all_areas()) OR area_code = ANY ((SELECT contexts_area_list())::text[]));
CREATE POLICY rollup_place_person_writers ON rollup_place_person
    TO contexts_loader, contexts_owner USING (true) WITH CHECK (true);
ANALYZE rollup_place_person;
