-- contexts_page_place_assessments(text)
--
-- The page read place_assessments (sql/queries/place_assessments.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- A place's location assessments, the latest first (the fixed fields of issue #35, and
-- the factors of those loaded from files).
DROP FUNCTION IF EXISTS contexts_page_place_assessments(text);
CREATE OR REPLACE FUNCTION contexts_page_place_assessments(
    p_unit_id text)
RETURNS TABLE (
    assessment_id bigint,
    assessed_on date,
    rating text,
    guardianship text,
    lighting text,
    users text[],
    observations text[],
    review_date date,
    recorded_by_role text,
    factors text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT assessment_id, assessed_on, rating, guardianship, lighting, users, observations,
               review_date, recorded_by_role, factors
        FROM public.location_assessment
        WHERE place_id::text = $1 ORDER BY assessed_on DESC, assessment_id DESC
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
