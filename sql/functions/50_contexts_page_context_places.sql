-- contexts_page_context_places(bigint)
--
-- The page read context_places (sql/queries/context_places.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- The places of concern where a context has a location.
CREATE OR REPLACE FUNCTION contexts_page_context_places(
    p_context_id bigint)
RETURNS TABLE (
    place_id bigint,
    ref text,
    name text,
    category text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT p.place_id, p.ref, p.name, p.category
        FROM public.context_place cp
        JOIN public.place p ON p.place_id = cp.place_id
        WHERE cp.context_id = $1
        ORDER BY p.name
    $q$ USING p_context_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_places(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_places(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_places(bigint) TO
    contexts_dashboard;
