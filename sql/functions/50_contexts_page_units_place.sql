-- contexts_page_units_place()
--
-- The page read units_place (sql/queries/units_place.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Places of concern as analysis units (with category, status and reference).
CREATE OR REPLACE FUNCTION contexts_page_units_place()
RETURNS TABLE (
    unit_id text,
    name text,
    ref text,
    category text,
    status text,
    synthetic boolean,
    x double precision,
    y double precision,
    area_m2 double precision,
    geom bytea,
    geom_bng bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT p.place_id::text AS unit_id, p.name, p.ref, p.category, p.status, p.synthetic,
               public.ST_X(public.ST_Centroid(p.geom)) AS x, public.ST_Y(public.ST_Centroid(p.geom)) AS y, public.ST_Area(p.geom) AS area_m2,
               public.ST_AsBinary(public.ST_Transform(p.geom, 4326)) AS geom, public.ST_AsBinary(p.geom) AS geom_bng
        FROM public.place p ORDER BY p.place_id
    $q$;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_units_place()
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_units_place() FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_units_place() TO
    contexts_dashboard;
