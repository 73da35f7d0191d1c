-- contexts_page_context_events(bigint)
--
-- The page read context_events (sql/queries/context_events.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- A context's history (status changes, ratings, actions, reviews), oldest first.
CREATE OR REPLACE FUNCTION contexts_page_context_events(
    p_context_id bigint)
RETURNS TABLE (
    happened date,
    kind text,
    what text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT happened, kind, what
        FROM public.context_event
        WHERE context_id = $1
        ORDER BY happened, event_id
    $q$ USING p_context_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_events(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_events(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_events(bigint) TO
    contexts_dashboard;
