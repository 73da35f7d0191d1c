-- contexts_area_visible(text)
--
-- Whether an area code is visible to this transaction: all areas, or one of its sealed
-- list. The policies use contexts_all_areas and contexts_area_list instead (estimable);
-- this form is for a single code.
--
-- Made by migrations 0005, 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_area_visible(code text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.contexts_all_areas() OR code = ANY (public.contexts_area_list())
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_area_visible(text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_area_visible(text) FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_area_visible(text) TO contexts_dashboard, contexts_loader,
    contexts_owner;
