-- incident_references_check()
--
-- The statement-level trigger of incident (AFTER INSERT and AFTER UPDATE, transition
-- table new_rows; triggers made by migration 0008): the references of the rows a statement
-- wrote, checked once per statement instead of by a foreign key per row and reference
-- (which doubled the time of a bulk load). Raises foreign_key_violation.
--
-- Made by migrations 0004, 0008; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION incident_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad text;
BEGIN
    EXECUTE contexts_incident_references_sql('new_rows') INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'foreign key violation: %', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

-- Who owns it and who may call it, whatever it was before.
REVOKE ALL ON FUNCTION incident_references_check() FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION incident_references_check() TO PUBLIC;
