-- contexts_page_context_interventions(bigint)
--
-- The page read context_interventions (sql/queries/context_interventions.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Interventions on a context: those linked to it and those at its places.
CREATE OR REPLACE FUNCTION contexts_page_context_interventions(
    p_context_id bigint)
RETURNS TABLE (
    intervention_id bigint,
    ref text,
    type text,
    type_label text,
    agency text,
    start_month date,
    end_month date,
    place_name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT DISTINCT i.intervention_id, i.ref, i.type, t.label AS type_label, i.agency,
               i.start_month, i.end_month, p.name AS place_name
        FROM public.intervention i
        JOIN public.intervention_type t ON t.code = i.type
        JOIN public.place p ON p.place_id = i.place_id
        WHERE i.intervention_id IN (SELECT intervention_id FROM public.context_intervention
                                    WHERE context_id = $1)
           OR i.place_id IN (SELECT place_id FROM public.context_place WHERE context_id = $1)
        ORDER BY i.start_month, i.ref
    $q$ USING p_context_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_interventions(bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_interventions(bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_interventions(bigint) TO
    contexts_dashboard;
