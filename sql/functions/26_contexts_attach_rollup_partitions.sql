-- contexts_attach_rollup_partitions(bigint)
--
-- Attach a load's rollup tables (contexts_new_rollup_partitions), filled, as partitions
-- of the rollup tables, in the load's transaction; the loader may no longer write them.
-- Their check constraint (extract_id = the extract) spares the attach a scan. Their
-- statistics come from autovacuum, as the rollup tables' did.
--
-- Made by migration 0027; this file is its definition.
CREATE OR REPLACE FUNCTION contexts_attach_rollup_partitions(p_extract bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parent text;
    rel text;
BEGIN
    FOR parent IN SELECT c.relname FROM pg_partitioned_table pt
                  JOIN pg_class c ON c.oid = pt.partrelid
                  WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'rollup\_%'
                  ORDER BY c.relname
    LOOP
        rel := parent || '_x' || p_extract;
        EXECUTE format('REVOKE ALL ON %I FROM contexts_loader', rel);
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)',
                       parent, rel, p_extract);
    END LOOP;
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_attach_rollup_partitions(bigint) OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_attach_rollup_partitions(bigint) FROM PUBLIC, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_attach_rollup_partitions(bigint) TO contexts_loader;
