-- contexts_page_ward_places(text)
--
-- The page read ward_places (sql/queries/ward_places.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Places of concern inside a ward.
CREATE OR REPLACE FUNCTION contexts_page_ward_places(
    p_unit_id text)
RETURNS TABLE (
    unit_id text,
    name text,
    category text,
    status text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT p.place_id::text AS unit_id, p.name, p.category, p.status FROM public.place p
        JOIN public.ward w ON public.ST_Intersects(w.geom, public.ST_PointOnSurface(p.geom))
        WHERE w.ward_code = $1 ORDER BY p.name
    $q$ USING p_unit_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_ward_places(text)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_ward_places(text) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_ward_places(text) TO
    contexts_dashboard;
