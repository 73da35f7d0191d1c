-- contexts_user(text)
--
-- Who may sign in: one identity's role, areas and whether active (the dashboard reads
-- nothing else of app_user).
--
-- Made by migration 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_user(who text)
RETURNS TABLE (identity text, role text, areas text[], active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT u.identity, u.role, u.areas, u.active FROM app_user u
    WHERE lower(u.identity) = lower(who) AND who <> ''
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_user(text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_user(text) FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_user(text) TO contexts_dashboard, contexts_loader;
