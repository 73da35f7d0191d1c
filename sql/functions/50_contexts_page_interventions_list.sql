-- contexts_page_interventions_list()
--
-- The page read interventions_list (sql/queries/interventions_list.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- The intervention register with place and type labels.
CREATE OR REPLACE FUNCTION contexts_page_interventions_list()
RETURNS TABLE (
    intervention_id bigint,
    ref text,
    place_id bigint,
    place_ref text,
    place_name text,
    type text,
    type_label text,
    agency text,
    start_month date,
    end_month date,
    description text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT i.intervention_id, i.ref, i.place_id, p.ref AS place_ref, p.name AS place_name,
               i.type, t.label AS type_label, i.agency, i.start_month, i.end_month, i.description
        FROM public.intervention i
        JOIN public.place p USING (place_id)
        JOIN public.intervention_type t ON t.code = i.type
        ORDER BY i.start_month, i.ref
    $q$;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_interventions_list()
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_interventions_list() FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_interventions_list() TO
    contexts_dashboard;
