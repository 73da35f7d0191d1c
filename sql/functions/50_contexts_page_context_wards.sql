-- contexts_page_context_wards(bigint)
--
-- The page read context_wards (sql/queries/context_wards.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- The wards where a context has a location.
CREATE OR REPLACE FUNCTION contexts_page_context_wards(
    p_context_id bigint)
RETURNS TABLE (
    ward_code text,
    name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT w.ward_code, w.name
        FROM public.context_ward cw
        JOIN public.ward w ON w.ward_code = cw.ward_code
        WHERE cw.context_id = $1
        ORDER BY w.name
    $q$ USING p_context_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_wards(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_wards(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_wards(bigint) TO
    contexts_dashboard;
