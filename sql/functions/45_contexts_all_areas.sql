-- contexts_all_areas()
--
-- Whether this transaction's sealed area list is all areas ('*'). The policies call it
-- as a scalar subquery, once per query (an InitPlan), which the planner can estimate.
--
-- Made by migrations 0006, 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_all_areas() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT '*' = ANY (public.contexts_area_list())
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_all_areas() OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_all_areas() FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_reader;
-- contexts_reader: the policies, in the page reads' definer functions (migration 0023)
GRANT EXECUTE ON FUNCTION contexts_all_areas() TO contexts_dashboard, contexts_loader,
    contexts_owner, contexts_reader;
