-- contexts_page_impact_series(double precision, bigint, date, date, text[])
--
-- The page read impact_series (sql/queries/impact_series.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Monthly incidents around one place: at the place (target: the incidents the loader
-- placed there, incident.place_id, as every page counts "at a place"), in a ring of
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- %(buffer)s m around it (buffer), and in the rest of the surrounding wards (control):
-- the ward(s) the place touches, the wards next to them, and any the ring reaches.
-- Incidents are picked by ward code (an equality row-level security lets use an index
-- for) and only then placed in a zone by geometry.
CREATE OR REPLACE FUNCTION contexts_page_impact_series(
    p_buffer double precision,
    p_place_id bigint,
    p_start date,
    p_end date,
    p_harms text[])
RETURNS TABLE (
    month date,
    zone text,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        WITH p AS (
            SELECT geom, public.ST_Buffer(geom, $1) AS outer_ring
            FROM public.place WHERE place_id = $2
        ), home AS (
            SELECT public.ST_Union(w.geom) AS geom FROM p JOIN public.ward w ON public.ST_Intersects(w.geom, p.geom)
        ), region AS (
            SELECT w.ward_code FROM home, p, public.ward w
            WHERE public.ST_Intersects(w.geom, home.geom) OR public.ST_Intersects(w.geom, p.outer_ring)
        )
        SELECT i.month,
               CASE WHEN i.place_id = $2 THEN 'target'
                    WHEN public.ST_Intersects(p.outer_ring, i.geom) THEN 'buffer'
                    ELSE 'control' END AS zone,
               count(*) AS n,
               (sum((hashint8extended(i.incident_id, (SELECT seed FROM public.disclosure_key)) & 255)::int) & 255)::int AS ck
        FROM public.incident i, p
        WHERE i.ward_code IN (SELECT ward_code FROM region) AND i.geom IS NOT NULL
          AND i.month >= $3 AND i.month <= $4
          AND ($5::text[] IS NULL OR i.harm_type = ANY($5::text[]))
        GROUP BY 1, 2
    $q$ USING p_buffer, p_place_id, p_start, p_end, p_harms;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_impact_series(double precision, bigint, date, date, text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_impact_series(double precision, bigint, date, date, text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_impact_series(double precision, bigint, date, date, text[]) TO
    contexts_dashboard;
