-- contexts_page_place_assessment_actions(text)
--
-- The page read place_assessment_actions (sql/queries/place_assessment_actions.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- The actions agreed at a place's location assessments, newest assessment first.
CREATE OR REPLACE FUNCTION contexts_page_place_assessment_actions(
    p_unit_id text)
RETURNS TABLE (
    assessment_id bigint,
    action_id bigint,
    description text,
    owner text,
    due_date date,
    done_on date)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT a.assessment_id, a.action_id, a.description, a.owner, a.due_date, a.done_on
        FROM public.assessment_action a
        JOIN public.location_assessment l USING (assessment_id)
        WHERE l.place_id::text = $1
        ORDER BY l.assessed_on DESC, a.action_id
    $q$ USING p_unit_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_place_assessment_actions(text)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_place_assessment_actions(text) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_place_assessment_actions(text) TO
    contexts_dashboard;
