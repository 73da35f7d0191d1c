-- contexts_page_place_geoms()
--
-- The page read place_geoms (sql/queries/place_geoms.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Every place of concern by its category, as a feature layer for risk terrain
-- modelling (EPSG:27700 WKB); the loaded layers are feature_geoms.sql.
CREATE OR REPLACE FUNCTION contexts_page_place_geoms()
RETURNS TABLE (
    source text,
    name text,
    wkb bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT 'place'::text AS source, category AS name, public.ST_AsBinary(geom) AS wkb
        FROM public.place
    $q$;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_place_geoms()
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_place_geoms() FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_place_geoms() TO
    contexts_dashboard;
