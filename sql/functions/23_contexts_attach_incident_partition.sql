-- contexts_attach_incident_partition(bigint)
--
-- Check the references of a load's table, and attach it as a partition of incident (its
-- indexes are built then). Its statistics first, on the columns queries filter and group
-- on (the geometry's, which took a third of the time, serve no query): the check then
-- hashes the lookups instead of probing them row by row, and the dashboard's plans know
-- the new rows from the start. Autovacuum analyses the whole partition later.
--
-- Made by migrations 0008, 0009; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_attach_incident_partition(p_extract bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text := 'incident_x' || p_extract;
    bad text;
BEGIN
    EXECUTE format('ANALYZE %I (extract_id, month, harm_type, risk_level, age_band, '
                   'person_key, area_code, ward_code, lsoa_code, place_id, hex_i, hex_j)', rel);
    EXECUTE contexts_incident_references_sql(rel) INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'foreign key violation: %', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE format('REVOKE ALL ON %I FROM contexts_loader', rel);
    EXECUTE format('ALTER TABLE incident ATTACH PARTITION %I FOR VALUES IN (%s)',
                   rel, p_extract);
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_attach_incident_partition(bigint) OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_attach_incident_partition(bigint) FROM PUBLIC, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_attach_incident_partition(bigint) TO contexts_loader;
