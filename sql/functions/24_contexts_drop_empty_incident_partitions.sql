-- contexts_drop_empty_incident_partitions()
--
-- After a purge: drop the tables of extracts none of whose incidents are left (dropping a
-- partition locks the parent for a moment; a purge is occasional maintenance).
--
-- Made by migration 0008; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_drop_empty_incident_partitions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text;
    dropped integer := 0;
    found_row boolean;
BEGIN
    FOR rel IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'incident'::regclass AND c.relname LIKE 'incident\_x%'
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
ALTER FUNCTION contexts_drop_empty_incident_partitions() OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_drop_empty_incident_partitions() FROM PUBLIC, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_drop_empty_incident_partitions() TO contexts_loader;
