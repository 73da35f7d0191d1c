-- contexts_page_data_version()
--
-- The page read data_version (sql/queries/data_version.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- The data's version stamp: the latest extract (changes whenever a file is loaded), a
-- digest of the intervention register (changes when an analyst adds, edits or ends one),
-- the contexts' history, and the location assessments and their actions.
CREATE OR REPLACE FUNCTION contexts_page_data_version()
RETURNS TABLE (
    "?column?" text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT (SELECT latest FROM public.extract_latest) || '-' || (
            SELECT md5(coalesce(string_agg(i::text, ',' ORDER BY i.intervention_id), ''))
            FROM public.intervention i) || '-' || (
            -- every change of a context of concern writes a line of its history
            SELECT coalesce(max(event_id), 0) FROM public.context_event) || '-' || (
            -- a location assessment recorded (or removed), an agreed action done: what a
            -- profile shows of them is cached by every server process under this stamp
            SELECT count(*) || ':' || coalesce(max(assessment_id), 0)
            FROM public.location_assessment) || '-' || (
            SELECT count(*) || ':' || count(done_on) || ':' || coalesce(max(action_id), 0)
            FROM public.assessment_action)
    $q$;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_data_version()
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_data_version() FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_data_version() TO
    contexts_dashboard;
