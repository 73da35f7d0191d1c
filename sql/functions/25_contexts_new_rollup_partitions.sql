-- contexts_new_rollup_partitions(bigint)
--
-- A load's own table for each monthly rollup table (migrations 0018, 0027), empty, that
-- only its extract's rows may enter; the loader copies its summed rows into them
-- (geo/ingest/_rollups.py) and attaches them (contexts_attach_rollup_partitions). The
-- rollup tables are those partitioned by extract whose names begin rollup_; returns their
-- names (each load's table is the name with _x<extract>).
--
-- Made by migration 0027; this file is its definition.
CREATE OR REPLACE FUNCTION contexts_new_rollup_partitions(p_extract bigint)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parent text;
    rel text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM extract WHERE extract_id = p_extract AND kind = 'incidents') THEN
        RAISE EXCEPTION 'extract % is not an incidents extract', p_extract;
    END IF;
    FOR parent IN SELECT c.relname FROM pg_partitioned_table pt
                  JOIN pg_class c ON c.oid = pt.partrelid
                  WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'rollup\_%'
                  ORDER BY c.relname
    LOOP
        rel := parent || '_x' || p_extract;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       rel, parent);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (extract_id = %s)',
                       rel, rel || '_extract', p_extract);
        EXECUTE format('GRANT INSERT ON %I TO contexts_loader', rel);
        RETURN NEXT parent;
    END LOOP;
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_new_rollup_partitions(bigint) OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_new_rollup_partitions(bigint) FROM PUBLIC, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_new_rollup_partitions(bigint) TO contexts_loader;
