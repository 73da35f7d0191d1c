-- contexts_area_seal(text)
--
-- The seal of an area list to this backend and this transaction.
--
-- Made by migration 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_area_seal(areas text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.contexts_mac('seal|' || pg_backend_pid() || '|'
                        || extract(epoch FROM now())::text || '|' || areas)
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_area_seal(text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_area_seal(text) FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor;
