-- contexts_page_place_visible(bigint)
--
-- The page read place_visible (sql/queries/place_visible.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Whether a place is one the connection may see (row-level security by area).
CREATE OR REPLACE FUNCTION contexts_page_place_visible(
    p_place_id bigint)
RETURNS TABLE (
    visible integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT 1 AS visible FROM public.place WHERE place_id = $1
    $q$ USING p_place_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_place_visible(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_place_visible(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_place_visible(bigint) TO
    contexts_dashboard;
