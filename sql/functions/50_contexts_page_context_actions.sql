-- contexts_page_context_actions(bigint)
--
-- The page read context_actions (sql/queries/context_actions.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- A context's actions, open ones first, by due date.
CREATE OR REPLACE FUNCTION contexts_page_context_actions(
    p_context_id bigint)
RETURNS TABLE (
    action_id bigint,
    description text,
    owner text,
    due_date date,
    done_on date)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT action_id, description, owner, due_date, done_on
        FROM public.context_action
        WHERE context_id = $1
        ORDER BY done_on IS NOT NULL, due_date NULLS LAST, action_id
    $q$ USING p_context_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_actions(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_actions(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_actions(bigint) TO
    contexts_dashboard;
