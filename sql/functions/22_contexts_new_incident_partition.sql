-- contexts_new_incident_partition(bigint)
--
-- A load's own table, empty and without indexes, that only its extract's rows may enter.
--
-- Made by migration 0008; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_new_incident_partition(p_extract bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text := 'incident_x' || p_extract;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM extract WHERE extract_id = p_extract AND kind = 'incidents') THEN
        RAISE EXCEPTION 'extract % is not an incidents extract', p_extract;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE incident INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   rel);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (extract_id = %s)',
                   rel, rel || '_extract', p_extract);
    EXECUTE format('GRANT INSERT ON %I TO contexts_loader', rel);
    RETURN rel;
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_new_incident_partition(bigint) OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_new_incident_partition(bigint) FROM PUBLIC, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_new_incident_partition(bigint) TO contexts_loader;
