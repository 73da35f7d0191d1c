-- contexts_page_context_ratings(bigint)
--
-- The page read context_ratings (sql/queries/context_ratings.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- A context's dated risk ratings: its own (reviews) and the location assessments of its
-- places, oldest first.
CREATE OR REPLACE FUNCTION contexts_page_context_ratings(
    p_context_id bigint)
RETURNS TABLE (
    rated_on date,
    rating text,
    source text,
    place text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT r.rated_on, r.rating, r.source, NULL::text AS place
        FROM public.context_rating r
        WHERE r.context_id = $1
        UNION ALL
        SELECT a.assessed_on, a.rating, 'assessment', p.name
        FROM public.context_place cp
        JOIN public.location_assessment a ON a.place_id = cp.place_id
        JOIN public.place p ON p.place_id = cp.place_id
        WHERE cp.context_id = $1
        ORDER BY 1, 3
    $q$ USING p_context_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_ratings(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_ratings(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_ratings(bigint) TO
    contexts_dashboard;
