-- contexts_drop_empty_rollup_partitions()
--
-- After a purge: drop the extracts' own tables of the rollup tables (migration 0027) that
-- hold no row any more (the purge deleted their months' rows with the incidents'; each
-- rollup table holds every incident once, so they empty with the extract's incidents).
-- Returns how many were dropped.
--
-- Made by migration 0027; this file is its definition.
CREATE OR REPLACE FUNCTION contexts_drop_empty_rollup_partitions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text;
    dropped integer := 0;
    found_row boolean;
BEGIN
    FOR rel IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
               WHERE p.relnamespace = 'public'::regnamespace AND p.relname LIKE 'rollup\_%'
                 AND c.relname ~ '_x[0-9]+$'
               ORDER BY c.relname
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', rel) INTO found_row;
        IF NOT found_row THEN
            EXECUTE format('DROP TABLE %I', rel);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_drop_empty_rollup_partitions() OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_drop_empty_rollup_partitions() FROM PUBLIC, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_drop_empty_rollup_partitions() TO contexts_loader;
