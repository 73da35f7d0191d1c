-- contexts_area_list()
--
-- The policies' view of the areas: the sealed list, or nothing (fails closed).
--
-- Made by migrations 0006, 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_area_list() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    areas text := current_setting('contexts.areas', true);
BEGIN
    IF coalesce(areas, '') = ''
       OR coalesce(current_setting('contexts.areas_seal', true), '') <> public.contexts_area_seal(areas)
    THEN
        RETURN '{}'::text[];
    END IF;
    RETURN string_to_array(areas, ',');
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_area_list() OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_area_list() FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_reader;
-- contexts_reader: the policies, in the page reads' definer functions (migration 0023)
GRANT EXECUTE ON FUNCTION contexts_area_list() TO contexts_dashboard, contexts_loader,
    contexts_owner, contexts_reader;
