-- The monthly rollups (migration 0018) partitioned by extract, as incident is (0008).
--
-- A load summed its extract's rollup rows (geo/ingest/_rollups.py), copied them into a
-- temporary copy of each rollup table and inserted them from there: COPY cannot write a
-- table with row-level security. Half the rollup step (a million incidents make 2.2
-- million rollup rows) was that second write. Now a load copies them straight into
-- tables of its own, without row-level security and readable by no one but their owner
-- (contexts_new_rollup_partitions), and attaches them as partitions in its transaction
-- (contexts_attach_rollup_partitions): every row is written once. Readers read the
-- rollup tables as before (row-level security applies to them as before); the retention
-- purge deletes whole months as before, then drops the extracts' tables left empty, as
-- it drops their incidents' (contexts_drop_empty_rollup_partitions). There is no default
-- partition: every extract with incidents has tables of its own, and attaching beside a
-- default partition would lock that partition (so every page read of the rollups) until
-- the load commits; without one, an attach takes only SHARE UPDATE EXCLUSIVE on the
-- parent and readers go on. A row for an extract without tables of its own is refused.
DO $$
DECLARE
    t text;
    old text;
    e bigint;
    p record;
BEGIN
    FOREACH t IN ARRAY ARRAY['rollup_ward', 'rollup_ward_harm', 'rollup_ward_month',
                             'rollup_lsoa', 'rollup_lsoa_harm', 'rollup_lsoa_month',
                             'rollup_hex', 'rollup_hex_harm', 'rollup_hex_month',
                             'rollup_place', 'rollup_place_harm', 'rollup_place_month']
    LOOP
        old := t || '_unpartitioned';
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t, old);
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
                       'PARTITION BY LIST (extract_id)', t, old);
        FOR e IN EXECUTE format('SELECT DISTINCT extract_id FROM %I ORDER BY 1', old) LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)',
                           t || '_x' || e, t, e);
            EXECUTE format('ALTER TABLE %I OWNER TO contexts_owner', t || '_x' || e);
        END LOOP;
        EXECUTE format('INSERT INTO %I SELECT * FROM %I', t, old);
        -- the policies as they are (migrations 0018, 0023), on the new table
        FOR p IN SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies
                 WHERE schemaname = 'public' AND tablename = old
        LOOP
            EXECUTE format('CREATE POLICY %I ON %I AS %s FOR %s TO %s', p.policyname, t,
                           p.permissive, p.cmd,
                           (SELECT string_agg(quote_ident(r), ', ') FROM unnest(p.roles) r))
                || coalesce(' USING (' || p.qual || ')', '')
                || coalesce(' WITH CHECK (' || p.with_check || ')', '');
        END LOOP;
        EXECUTE format('DROP TABLE %I', old);
        EXECUTE format('GRANT SELECT ON %I TO contexts_reader', t);
        EXECUTE format('GRANT SELECT, INSERT, DELETE ON %I TO contexts_loader', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- the load's functions (owned by contexts_owner) attach its tables to them
        EXECUTE format('ALTER TABLE %I OWNER TO contexts_owner', t);
        -- the planner's statistics of the new table (autovacuum never analyzes a parent)
        EXECUTE format('ANALYZE %I', t);
    END LOOP;
END
$$;
