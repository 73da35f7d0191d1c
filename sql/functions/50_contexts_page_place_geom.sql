-- contexts_page_place_geom(text)
--
-- The page read place_geom (sql/queries/place_geom.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- A place's polygon (EPSG:27700 WKB), if the connection may see the place.
CREATE OR REPLACE FUNCTION contexts_page_place_geom(
    p_place_id text)
RETURNS TABLE (
    wkb bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT public.ST_AsBinary(geom) AS wkb FROM public.place WHERE place_id::text = $1
    $q$ USING p_place_id;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_place_geom(text)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_place_geom(text) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_place_geom(text) TO
    contexts_dashboard;
