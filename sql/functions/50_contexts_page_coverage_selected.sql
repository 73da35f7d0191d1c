-- contexts_page_coverage_selected(date, date, text[], text[], text[])
--
-- The page read coverage_selected (sql/queries/coverage_selected.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- What the incidents that pass the filters cover (migration 0013): the incident extracts
-- with at least one such incident, and the union of what they declare. One of them with no
-- declared coverage (loaded before 0013) or declared as the whole area makes it the whole
-- area. The share is of the area's surface.
CREATE OR REPLACE FUNCTION contexts_page_coverage_selected(
    p_start date,
    p_end date,
    p_harms text[],
    p_risks text[],
    p_ages text[])
RETURNS TABLE (
    extracts bigint,
    whole boolean,
    labels text,
    geom bytea,
    share double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        WITH chosen AS (
            SELECT e.extract_id, coalesce(c.kind, 'area') AS kind, coalesce(c.label, '') AS label,
                   c.geom
            FROM public.extract_ledger e LEFT JOIN public.extract_coverage c USING (extract_id)
            -- LIMIT 1 in a lateral: each extract's rows of the monthly rollup by ward (migration
            -- 0018: every incident, with a ward or not, by extract) are read until the first that
            -- passes (probing incident built a bitmap of millions of rows to find one: 0.3 s at
            -- 20 M incidents)
            CROSS JOIN LATERAL (
                SELECT 1 FROM public.rollup_ward i
                WHERE i.extract_id = e.extract_id AND i.month >= $1 AND i.month <= $2
                  AND ($3::text[] IS NULL OR i.harm_type = ANY ($3::text[]))
                  AND ($4::text[] IS NULL OR i.risk_level = ANY ($4::text[]))
                  AND ($5::text[] IS NULL OR i.age_band = ANY ($5::text[]))
                LIMIT 1) hit
            WHERE e.kind = 'incidents' AND e.status = 'loaded'
        ), cover AS (
            SELECT count(*) AS extracts, coalesce(bool_or(kind = 'area'), true) AS whole,
                   coalesce(string_agg(label, '; ' ORDER BY extract_id)
                            FILTER (WHERE kind <> 'area' AND label <> ''), '') AS labels,
                   public.ST_Union(geom) AS geom
            FROM chosen
        ), whole AS (
            SELECT public.ST_Union(geom) AS geom FROM public.area
        )
        SELECT cover.extracts, cover.whole, cover.labels,
               CASE WHEN cover.whole THEN NULL ELSE public.ST_AsBinary(cover.geom) END AS geom,
               CASE WHEN cover.whole THEN 1.0
                    ELSE coalesce(least(public.ST_Area(public.ST_Intersection(cover.geom, whole.geom))
                                        / nullif(public.ST_Area(whole.geom), 0), 1), 1) END AS share
        FROM cover, whole
    $q$ USING p_start, p_end, p_harms, p_risks, p_ages;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_coverage_selected(date, date, text[], text[], text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_coverage_selected(date, date, text[], text[], text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_coverage_selected(date, date, text[], text[], text[]) TO
    contexts_dashboard;
