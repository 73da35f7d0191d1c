-- contexts_page_place_assessments(text)
--
-- The page read place_assessments (sql/queries/place_assessments.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--

CREATE OR REPLACE FUNCTION contexts_page_place_assessments(
    p_unit_id text)
RETURNS TABLE (
    assessed_on date,
    rating text,
    factors text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT assessed_on, rating, factors FROM public.location_assessment
        WHERE place_id::text = $1 ORDER BY assessed_on DESC
    $q$ USING p_unit_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_place_assessments(text)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_place_assessments(text) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_place_assessments(text) TO
    contexts_dashboard;
